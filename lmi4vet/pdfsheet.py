"""The project's A4 PDF sheet (fpdf2): DejaVu Sans (regular, bold, oblique) from the copy matplotlib bundles,
embedded as subsets, so Romanian ș ț ă î â, German ß ä ö ü, Spanish and French accents render without any
system font; margins, the colours, and a footer with a note, the date and the page number. Used by the
micro-credential specification sheet and the employer-engagement plan."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fpdf import FPDF

FONT = "DejaVu"
INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (0, 82, 147)  # a dark EU blue
LABEL_FILL = (236, 241, 247)
RULE = (190, 200, 212)
MARGIN = 16


def font_dir() -> Path:
    """matplotlib's bundled TrueType fonts (found without importing matplotlib)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.origin:
        candidate = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"
        if candidate.is_dir():
            return candidate
    import matplotlib  # pragma: no cover - a layout where mpl-data is elsewhere

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"  # pragma: no cover


class Sheet(FPDF):
    """An A4 page with the DejaVu fonts registered and a footer: a note on the left; the date and "page n/m"
    on the right (``page_template`` with ``{page}`` and ``{pages}``)."""

    def __init__(self, footer_text: str, date_text: str, page_template: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.date_text = date_text
        self.page_template = page_template
        fonts = font_dir()
        self.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.add_font(FONT, "I", str(fonts / "DejaVuSans-Oblique.ttf"))
        self.set_margins(MARGIN, 14, MARGIN)
        self.set_auto_page_break(auto=True, margin=20)

    def footer(self) -> None:
        self.set_y(-17)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(MARGIN, self.get_y(), self.w - MARGIN, self.get_y())
        self.ln(1.5)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        right = f"{self.date_text}   ·   {self.page_template.format(page=self.page_no(), pages='{nb}')}"
        right_width = self.get_string_width(right.replace("{nb}", "99")) + 2
        y = self.get_y()
        self.multi_cell(self.epw - right_width - 4, 3.6, self.footer_text, align="L")
        self.set_xy(self.w - MARGIN - right_width, y)
        self.cell(right_width, 3.6, right, align="R")
