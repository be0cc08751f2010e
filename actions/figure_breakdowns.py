"""Figures beyond the headline series: a NUTS 2 region's (historical) unemployment, France's employment and
earnings by occupation group, and the monthly unemployment series. Used by :class:`actions.figures.ActionIndicator`.

Nothing is computed that the data does not hold: a breakdown without a total (earnings by enterprise size) is
listed class by class; a comparison the data lacks (EU-27 of the monthly file or of the regional file, a
country's value for a region's year) is not given.
"""

from __future__ import annotations

import re
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.base import Button, Reply, payload
from actions.figure_text import describe, format_change, format_period, format_value, place_name, provenance
from lmi4vet.countries import find_countries
from lmi4vet.db.models import Occupation
from lmi4vet.i18n import catalog, t_or
from lmi4vet.kb.facts import FigureAnswer, breakdown_codes, breakdown_figures, figure_answer, figure_for_period
from lmi4vet.kb.indicators import ALIASES, TOTAL
from lmi4vet.kb.occupations import decide, index_cache, strip_filler
from lmi4vet.text import fold

FRANCE = "FR"
OCCUPATION_INDICATORS = ("employment_by_occupation", "employment_by_occupation_education",
                         "mean_earnings_by_occupation")
MONTHLY = ("youth_unemployment_monthly", "unemployment_25_74_monthly")
REGIONAL = ("regional_unemployment_rate", "regional_youth_unemployment_rate")
UNEMPLOYMENT = frozenset({"unemployment_rate", "youth_unemployment_rate", *MONTHLY, *REGIONAL})
YOUTH = {"unemployment_rate": "youth_unemployment_rate", "unemployment_25_74_monthly": "youth_unemployment_monthly",
         "regional_unemployment_rate": "regional_youth_unemployment_rate"}
ADULT = {young: everyone for everyone, young in YOUTH.items()}
HEADLINE = ("unemployment_rate", "youth_unemployment_rate", "employment_rate", "minimum_wage")
SIZE_ORDER = ("1-9", "10-49", "50-249", "250-499", "500-999", "GE1000")
EDUCATION_ORDER = ("ED0-2", "ED3_4", "ED34_44", "ED35_45", "ED5-8", "NRP")
# Eurostat's aggregates of the earnings survey, for a group it has no own value for
_WIDER = {**{f"OC{n}": "OC1-5" for n in range(1, 6)}, **{f"OC{n}": "OC7-9" for n in range(7, 10)}}
# words of a question about a job that are not the job's name
_QUESTION_WORDS = frozenset(" ".join((
    "how many people persons workers work working works as in earn earns earning does do much is are a an the by",
    "level education what who", "cuantas cuantos personas trabajan trabaja como en gana ganan cuanto un una el la por",
    "nivel educativo estudios", "cati cate oameni persoane lucreaza ca in castiga castigul un o cat pe nivel",
    "educatie studii", "combien de personnes travaillent travaille comme en gagne gagnent un une le la par niveau",
    "d'etudes diplome", "wie viele menschen personen arbeiten arbeitet als in verdient verdienen ein eine der die",
    "nach bildung viel", "und and y si et ?", "there hay sunt gibt es il y a exista",
)).split())
# everyday names of ISCO-08 groups, besides the locales' names: "construction" is the building trades (OC71)
GROUP_FORMS: dict[str, str] = {
    "construction": "OC71", "the construction sector": "OC71", "building": "OC71", "construccion": "OC71",
    "la construccion": "OC71", "constructii": "OC71", "constructia": "OC71", "constructie": "OC71",
    "batiment": "OC71", "le batiment": "OC71", "btp": "OC71", "bau": "OC71", "bauwesen": "OC71",
    "baugewerbe": "OC71", "auf dem bau": "OC71",
}


def occupation_group_names(lang: str) -> dict[str, str]:
    """Folded ISCO-08 group name (the ``isco08`` locale names) -> Eurostat code, the user's language first."""
    table: dict[str, str] = {}
    for language in (lang, "en", "es", "ro", "fr", "de"):
        for key, name in catalog(language).items():
            if key.startswith("isco08.") and name and key != f"isco08.{TOTAL}":
                table.setdefault(" ".join(re.findall(r"[\w']+", fold(name))), key.split(".", 1)[1])
    return table


def _job_words(text: str) -> str:
    """The words of ``text`` left when the indicator's name, countries and question words are taken out."""
    folded = " " + " ".join(re.findall(r"[\w']+", fold(text).replace("-", " "))) + " "
    for names in ALIASES.values():
        for name in sorted(names, key=len, reverse=True):
            folded = folded.replace(f" {name} ", " ")
    for _, form in find_countries(text):
        folded = folded.replace(f" {form} ", " ")
    return " ".join(w for w in strip_filler(folded).split() if w not in _QUESTION_WORDS and not w.isdigit())


def resolve_group(session: Session, text: str, lang: str, indicator: str) -> tuple[str | None, str | None]:
    """The ISCO-08 group asked about, as ``(code, asked)``: a group name ("Metal workers") or a job of our
    glossary ("welders": its ISCO code 7212 -> "OC72"), trimmed to what ``indicator`` has for France
    ("OC72" -> "OC7"; for earnings also Eurostat's wider "OC7-9"). ``asked``: the job's or group's code asked
    for. ``(None, None)`` when no job is named."""
    if not text:
        return None, None
    folded = " " + " ".join(re.findall(r"[\w']+", fold(text))) + " "
    names = {**GROUP_FORMS, **occupation_group_names(lang)}
    named = [(len(name), code) for name, code in names.items() if f" {name} " in folded]
    asked = max(named)[1] if named else None
    if asked is None:
        query = _job_words(text)
        if query:
            uri, _ = decide(index_cache.get(session).search(query, lang))  # a clear match only
            isco = session.execute(select(Occupation.isco_code).where(Occupation.uri == uri)).scalar() if uri else None
            if isco and isco[:1].isdigit():
                asked = f"OC{isco[:2]}" if len(isco) >= 2 else f"OC{isco[:1]}"
    if asked is None:
        return None, None
    return group_for(session, indicator, asked), asked


def group_for(session: Session, indicator: str, asked: str) -> str | None:
    """The group of ``indicator``'s French data that holds ``asked`` ("OC72" -> "OC72", "OC7" or "OC7-9")."""
    have = breakdown_codes(session, indicator, FRANCE, "isco08")
    return next((code for code in (asked, asked[:3], _WIDER.get(asked[:3])) if code and code in have), None)


def group_name(code: str | None, reply: Reply) -> str:
    return reply.text(f"isco08.{code or TOTAL}")


def france_only(reply: Reply, indicator: str, geo: str) -> None:
    """These breakdowns exist for France only in our data: say so, offer France and the place's headlines."""
    place = place_name(geo, reply.language, reply)
    buttons: list[Button] = [(place_name(FRANCE, reply.language, reply), payload("ask_indicator", country=FRANCE))]
    buttons += [(reply.text(f"indicators.{code}"), payload("ask_indicator", indicator=code)) for code in HEADLINE]
    reply.say("figures.france_only", buttons=buttons, indicator=reply.text(f"indicators.{indicator}"), place=place)


def _first_line(text: str, line: str) -> str:
    return "\n".join([line, *text.split("\n")[1:]])


def occupation_answer(session: Session, reply: Reply, indicator: str, group: str | None, asked: str | None,
                      year: int | None) -> str | None:
    """The answer for one of France's occupation breakdowns (``None``: no value at all)."""
    lang = reply.language
    name = reply.text(f"indicators.{indicator}")
    place = place_name(FRANCE, lang, reply)
    notes = []
    if asked and group != asked:
        notes.append(reply.text("figures.group_fallback", asked=group_name(asked, reply),
                                group=group_name(group, reply)))
    if indicator == "employment_by_occupation":
        key = f"isco08={group}" if group else ""
        answer = figure_answer(session, indicator, FRANCE, year, breakdown=key)
        if answer.figure is None and answer.nearest_year is not None:
            answer = figure_answer(session, indicator, FRANCE, answer.nearest_year, breakdown=key)
        if answer.figure is None:
            return None
        figure = answer.figure
        text = _first_line(describe(answer, reply), reply.text(
            "figures.occupation_value", indicator=name, group=group_name(group, reply), place=place,
            period=format_period(figure.period, reply), value=format_value(figure, reply)))
        lines = text.split("\n")
        if group:
            total = figure_answer(session, indicator, FRANCE, figure.year).figure
            if total is not None and total.period == figure.period:
                lines.insert(1, reply.text("figures.occupation_total", place=place,
                                           period=format_period(total.period, reply),
                                           value=format_value(total, reply)))
        if not group:  # all occupations: the major groups of the same year, one by one
            at = 1 + (answer.previous is not None)
            majors = [figure_answer(session, indicator, FRANCE, figure.year, breakdown=f"isco08=OC{n}").figure
                      for n in (*range(1, 10), 0)]
            lines[at:at] = [reply.text("figures.item", name=group_name(f.breakdown.split("=", 1)[1], reply),
                                       value=format_value(f, reply))
                            for f in majors if f is not None and f.period == figure.period]
        return "\n".join(notes + lines)
    dimension = "isced11" if indicator == "employment_by_occupation_education" else "sizeclas"
    order = EDUCATION_ORDER if dimension == "isced11" else SIZE_ORDER
    figures = breakdown_figures(session, indicator, FRANCE, {"isco08": group or TOTAL}, dimension, year)
    if not figures:
        return None
    figures.sort(key=lambda f: order.index(f.breakdown.rsplit("=", 1)[1])
                 if f.breakdown.rsplit("=", 1)[1] in order else len(order))
    period = format_period(figures[0].period, reply)
    header = "figures.education_header" if dimension == "isced11" else "figures.earnings_header"
    lines = [*notes, reply.text(header, indicator=name, group=group_name(group, reply), place=place, period=period)]
    if dimension == "isced11":
        total = figure_answer(session, indicator, FRANCE, figures[0].year,
                              breakdown=f"isco08={group}" if group else "").figure
        if total is not None:
            lines.append(reply.text("figures.item", name=reply.text("isced11.TOTAL"), value=format_value(total, reply)))
    for figure in figures:
        code = figure.breakdown.rsplit("=", 1)[1]
        label = t_or(lang, f"{dimension}.{code}", code)
        lines.append(reply.text("figures.item", name=label, value=format_value(figure, reply)))
    if year is not None and figures[0].year != year:
        lines.insert(len(notes), reply.text("figures.missing_year", indicator=name, place=place, year=str(year),
                                            nearest=period))
    if dimension == "sizeclas":
        lines.append(reply.text("figures.ses_note"))
    lines.append(provenance(figures[0], reply))
    return "\n".join(lines)


def monthly_lines(session: Session, answer: FigureAnswer, reply: Reply) -> list[str]:
    """Under a monthly figure: the same month a year earlier when stored, and that the file has no EU-27."""
    figure = answer.figure
    assert figure is not None
    lines = []
    earlier = f"{figure.year - 1}{figure.period[4:]}"
    match = figure_for_period(session, figure.indicator, figure.geo, earlier)
    if match is not None:
        lines.append(reply.text("figures.year_ago", period=format_period(match.period, reply),
                                value=format_value(match, reply), change=format_change(figure, match, reply)))
    if answer.eu is None:
        lines.append(reply.text("figures.no_eu_monthly"))
    return lines


def regional_text(session: Session, answer: FigureAnswer, reply: Reply) -> str:
    """A region's answer: its name and country, the previous year, the source, that the regional figures are
    historical (NUTS 2010, ending in 2013), and the country's value for the same year when the data has it."""
    figure = answer.figure
    assert figure is not None
    lang = reply.language
    country = figure.geo[:2]
    text = describe(replace(answer, stale=False, eu=None), reply)
    first = reply.text("figures.region_value", indicator=reply.text(f"indicators.{figure.indicator}"),
                       region=place_name(figure.geo, lang, reply), country=place_name(country, lang, reply),
                       period=format_period(figure.period, reply), value=format_value(figure, reply))
    lines = _first_line(text, first).split("\n")
    national = "youth_unemployment_rate" if figure.indicator == "regional_youth_unemployment_rate" \
        else "unemployment_rate"
    same = figure_answer(session, national, country, figure.year).figure
    if same is not None and same.period == figure.period:
        lines.insert(1, reply.text("figures.region_country", country=place_name(country, lang, reply),
                                   period=format_period(same.period, reply), value=format_value(same, reply)))
    lines.append(reply.text("figures.regional_historical"))
    return "\n".join(lines)

