"""A micro-credential specification as a one-to-two-page A4 PDF sheet, in the draft's language, with fpdf2.

Layout: the document's name and the title; the issuer (awarding body, country and region, web site); a
two-column table (element | value) of the Annex I mandatory elements; the learning outcomes as a numbered list
with their ESCO skills (label and URI); a table of the optional elements; a completeness box (the note the
caller gives, or space to write); on every page a footer with the "specification, not a credential: unsigned"
note, the date and the page number.

Every text that is not the user's own (element names, headings, choice names, the footer) comes from the
locales (``microcred.export`` in ``locales/<lang>.yml``) in the draft's language, ``spec.language``, through
:func:`lmi4vet.microcred.exports.vocab.label`; numbers (hours, ECTS credits) are written as that language writes
them ("1,5" in fr/de/es/ro), the countries named in it.

Page, fonts and footer: :class:`lmi4vet.pdfsheet.Sheet` (DejaVu Sans embedded: Romanian and German
diacritics render without any system font).
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from lmi4vet.microcred.exports import vocab
from lmi4vet.microcred.spec import Spec
from lmi4vet.microcred.values import (
    choice_text,
    countries_text,
    eqf_text,
    stackability_text,
    workload_text,
)
from lmi4vet.pdfsheet import ACCENT, FONT, INK, LABEL_FILL, MARGIN, MUTED, RULE, Sheet


def spec_pdf(spec: Spec, *, now: datetime, completeness_note: str = "") -> bytes:
    """The PDF specification sheet of ``spec`` (bytes), in the draft's language (see the module's docstring).
    ``now``: the date printed in the footer (and the PDF's creation date); ``completeness_note``: e.g. the
    worksheet's completeness score and what still needs attention (a blank box when empty)."""
    lang = spec.language
    L = lambda key, **values: vocab.label(lang, key, **values)  # noqa: E731

    def value_or_dash(text: str) -> str:
        return text.strip() or L("not_specified")

    date_text = vocab.field(lang, "date", format_date(now.date(), format="long", locale=lang))
    pdf = Sheet(L("footer"), date_text, L("page"))
    title = spec.title.strip()
    pdf.set_title(vocab.field(lang, "document_title", title) if title else L("document_title"))
    pdf.set_author(spec.awarding_body.strip())
    pdf.set_subject(L("document_title"))
    pdf.set_lang(spec.language)
    pdf.set_creator("LMI4VET Assistant")
    pdf.set_creation_date(now)
    pdf.add_page()

    # --- Head: document name, title, issuer --------------------------------------------------------------
    pdf.set_font(FONT, "B", 8.5)
    pdf.set_text_color(*ACCENT)
    pdf.cell(0, 5, L("document_title").upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 17)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 8, value_or_dash(spec.title), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    place = countries_text(spec)
    issuer = " · ".join(p for p in (spec.awarding_body.strip(), place) if p)
    if issuer:
        pdf.ln(0.5)
        pdf.set_font(FONT, "", 10)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, 5, vocab.field(lang, "issuer", issuer), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if spec.awarding_body_url.strip():
        pdf.set_font(FONT, "", 8.5)
        pdf.set_text_color(*ACCENT)
        url = spec.awarding_body_url.strip()
        pdf.cell(0, 4.5, url, link=url, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.6)
    pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())
    pdf.ln(4)

    # --- Annex I tables ---------------------------------------------------------------------------------
    award_time = L("filled_at_award")
    outcome_count = len([o for o in spec.outcomes if o.text.strip()])
    awarding = spec.awarding_body.strip()
    if awarding and spec.awarding_body_url.strip():
        awarding += f"\n{spec.awarding_body_url.strip()}"

    mandatory = [
        ("learner_identification", award_time, True),
        ("title", spec.title, False),
        ("countries", place, False),
        ("awarding_body", awarding, False),
        ("date_of_issuing", award_time, True),
        ("outcomes", L("outcomes_below", count=outcome_count) if outcome_count else "", False),
        ("workload", workload_text(spec), False),
        ("eqf_level", eqf_text(spec), False),
        ("assessment", choice_text(lang, "assessment", spec.assessment), False),
        ("participation", choice_text(lang, "participation", spec.participation), False),
        ("quality_assurance", spec.quality_assurance, False),
    ]
    optional = [
        ("prerequisites", spec.prerequisites, False),
        ("supervision", choice_text(lang, "supervision", spec.supervision), False),
        ("grading", spec.grading, False),
        ("stackability", stackability_text(spec), False),
        ("further_information", spec.further_information, False),
    ]

    def heading(text: str, keep_with: float = 16) -> None:
        """A section heading, on the next page when ``keep_with`` mm (of what follows) would not fit under it."""
        if pdf.will_page_break(7 + keep_with):
            pdf.add_page()
        pdf.set_font(FONT, "B", 11)
        pdf.set_text_color(*ACCENT)
        pdf.cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)

    def table(rows: list[tuple[str, str, bool]]) -> None:
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*INK)
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        label_style = FontFace(family=FONT, emphasis="BOLD", size_pt=8.5, color=INK, fill_color=LABEL_FILL)
        muted_style = FontFace(family=FONT, emphasis="ITALICS", size_pt=8.5, color=MUTED)
        with pdf.table(col_widths=(58, 120), text_align=("LEFT", "LEFT"), first_row_as_headings=False,
                       line_height=4.4, padding=(1.3, 2.2), v_align="TOP", width=pdf.epw) as tbl:
            for key, value, award in rows:
                row = tbl.row()
                row.cell(L(f"elements.{key}"), style=label_style)
                row.cell(value_or_dash(value), style=muted_style if award else None)
        pdf.ln(3)

    heading(L("annex_heading"))
    table(mandatory)

    # --- Learning outcomes (right under the table that refers to them) ------------------------------------
    heading(L("elements.outcomes"))
    number_width = 7
    for n, outcome in enumerate((o for o in spec.outcomes if o.text.strip()), start=1):
        skills = [s for s in outcome.esco if s.get("uri")]
        pdf.set_font(FONT, "", 9.5)
        lines = pdf.multi_cell(pdf.epw - number_width, 5, outcome.text.strip(), dry_run=True, output="LINES")
        block = 5 * len(lines) + (4 + 3.8 * len(skills) if skills else 0) + 2
        if pdf.will_page_break(min(block, 60)):  # keep an outcome and its skills on one page
            pdf.add_page()
        pdf.set_font(FONT, "B", 9.5)
        pdf.set_text_color(*ACCENT)
        pdf.cell(number_width, 5, f"{n}.")
        pdf.set_font(FONT, "", 9.5)
        pdf.set_text_color(*INK)
        pdf.multi_cell(pdf.epw - number_width, 5, outcome.text.strip(), align="L",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if skills:
            pdf.set_x(MARGIN + number_width)
            pdf.set_font(FONT, "B", 7.5)
            pdf.set_text_color(*MUTED)
            pdf.cell(0, 4, vocab.field(lang, "esco_skills", "").rstrip(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            # One line per skill: "• label  URI" (wrapping under the label, not under the number).
            pdf.set_left_margin(MARGIN + number_width + 2)
            for skill in skills:
                pdf.set_x(MARGIN + number_width + 2)
                pdf.set_font(FONT, "", 7.5)
                pdf.set_text_color(*INK)
                if skill.get("label"):
                    pdf.write(3.8, f"• {skill['label']}   ")
                else:
                    pdf.write(3.8, "• ")
                pdf.set_font(FONT, "", 7)
                pdf.set_text_color(*MUTED)
                pdf.write(3.8, skill["uri"], link=skill["uri"])
                pdf.ln(3.8)
            pdf.set_left_margin(MARGIN)
        pdf.ln(2)
    pdf.ln(2)

    heading(L("optional_heading"))
    table(optional)

    # --- Completeness -----------------------------------------------------------------------------------
    heading(L("completeness"), keep_with=10)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*INK)
    note = completeness_note.strip()
    if note:
        pdf.multi_cell(0, 4.8, note, border=1, align="L", padding=2.5, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    else:
        if pdf.will_page_break(22):
            pdf.add_page()
        pdf.rect(MARGIN, pdf.get_y(), pdf.epw, 20)
        pdf.ln(20)

    return bytes(pdf.output())
