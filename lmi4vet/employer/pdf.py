"""The self-assessment as an A4 PDF, in the user's language: the radar chart, a table of the areas (level, why,
and the change since the previous assessment), then the action plan: for each area, Level 1 first, the next
steps, the guide section and course lesson to read, and the CPD learning outcomes that match. Texts come from
``content/employer/<lang>.yml`` and the locales (``employer.pdf``); page and fonts: :mod:`lmi4vet.pdfsheet`."""

from __future__ import annotations

import io
from datetime import datetime

from babel.dates import format_date
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from lmi4vet.content import load, section
from lmi4vet.employer.assessment import AreaResult, compare, content, plan
from lmi4vet.employer.chart import radar_png
from lmi4vet.i18n import t
from lmi4vet.pdfsheet import ACCENT, FONT, INK, LABEL_FILL, MUTED, RULE, Sheet

CHART_WIDTH = 112  # mm


def _say(lang: str, key: str, **params: object) -> str:
    return t(lang, f"employer.pdf.{key}", **params)


def lesson_title(lang: str, lesson_id: str) -> str:
    """A course lesson's title (the id when there is none)."""
    for module in load("course", lang)["modules"]:
        for lesson in module["lessons"]:
            if lesson["id"] == lesson_id:
                return lesson["title"]
    return lesson_id


def chart(results: list[AreaResult], lang: str, previous: list[AreaResult] | None = None) -> bytes:
    """The radar chart with its title and legend in ``lang``."""
    return radar_png(results, lang, title=_say(lang, "chart_title"), previous=previous,
                     labels=(_say(lang, "chart_now"), _say(lang, "chart_before"), _say(lang, "chart_level2")))


def plan_pdf(results: list[AreaResult], lang: str, *, now: datetime,
             previous: list[AreaResult] | None = None) -> bytes:
    """The PDF (bytes); ``previous``: the assessment before, for the chart and the "since last time" column."""
    areas = content(lang)["areas"]
    levels = content(lang)["levels"]
    pdf = Sheet(_say(lang, "footer"), _say(lang, "date", date=format_date(now.date(), "long", locale=lang)),
                _say(lang, "page"))  # the template: the sheet fills {page} and {pages}
    pdf.set_title(_say(lang, "title"))
    pdf.set_lang(lang)
    pdf.set_creator("LMI4VET Assistant")
    pdf.set_creation_date(now)
    pdf.add_page()

    pdf.set_font(FONT, "B", 8.5)
    pdf.set_text_color(*ACCENT)
    pdf.cell(0, 5, _say(lang, "document_title").upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 16)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 7.5, _say(lang, "title"), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.image(io.BytesIO(chart(results, lang, previous)), x=(pdf.w - CHART_WIDTH) / 2, w=CHART_WIDTH)

    def heading(text: str, room: float = 20) -> None:
        if pdf.will_page_break(room):  # the heading stays with what follows it
            pdf.add_page()
        pdf.set_font(FONT, "B", 11)
        pdf.set_text_color(*ACCENT)
        pdf.cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)

    heading(_say(lang, "result_heading"))
    changes = {c.area: c for c in compare(previous or [], results)}

    def level_name(level: int | None) -> str:
        return _say(lang, "level_short", level=level) if level else _say(lang, "not_assessed")

    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    bold = FontFace(family=FONT, emphasis="BOLD", size_pt=8.5, color=INK, fill_color=LABEL_FILL)
    columns = (38, 19, 83, 38) if previous else (44, 24, 110)
    with pdf.table(col_widths=columns, text_align="LEFT", line_height=4.2, padding=(1.2, 2), v_align="TOP",
                   width=pdf.epw, headings_style=bold) as table:
        header = [_say(lang, "area"), _say(lang, "level"), _say(lang, "why")]
        row = table.row()
        for name in header + ([_say(lang, "change")] if previous else []):
            row.cell(name)
        for result in results:
            row = table.row()
            row.cell(areas[result.area]["name"])
            row.cell(level_name(result.level))
            row.cell(areas[result.area]["why"][result.level] if result.level else "")
            if previous:
                change = changes[result.area]
                row.cell(f"{level_name(change.before)} → {level_name(change.now)}")
    pdf.ln(3)

    heading(_say(lang, "plan_heading"), room=60)
    for item in plan(results, lang):
        if pdf.will_page_break(40):
            pdf.add_page()
        pdf.set_font(FONT, "B", 10)
        pdf.set_text_color(*INK)
        pdf.multi_cell(0, 5.2, f"{item.name} · {levels[item.level]['name']}", align="L", new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
        for label, lines in ((_say(lang, "steps"), item.steps), (_say(lang, "outcomes"), item.outcomes)):
            pdf.set_font(FONT, "B", 8.5)
            pdf.set_text_color(*MUTED)
            pdf.cell(0, 4.6, label, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_font(FONT, "", 9)
            pdf.set_text_color(*INK)
            for line in lines:
                pdf.multi_cell(0, 4.4, f"•  {line}", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        guide = section(lang, item.guide)
        reading = [_say(lang, "guide", title=guide["title"] if guide else item.guide),
                   _say(lang, "course", title=lesson_title(lang, item.course))]
        pdf.set_font(FONT, "B", 8.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(0, 4.6, _say(lang, "read"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*INK)
        pdf.multi_cell(0, 4.4, " · ".join(reading), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2.5)
    return bytes(pdf.output())
