"""Every headline indicator asked in all five languages through the real model: the answer's figure is exactly
the value of the file the default dataset imports (read here with the csv module, not with our importer), the
provenance line is the user's language (no English left in it), a transcribed value names its secondary
publisher and never "Source: Eurostat", and follow-ups (another country, young people, another year) work in
every language."""

from __future__ import annotations

import csv
import re
import uuid
from pathlib import Path

import pytest
import yaml

from actions.figure_text import long_date
from lmi4vet.i18n import country_name, format_money, format_percent, t, t_or
from lmi4vet.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration
DEFAULTS = PROJECT_ROOT / "data" / "defaults" / "eurostat"
LANGS = ("en", "es", "ro", "fr", "de")

# indicator -> (file, country asked, question per language)
QUESTIONS: dict[str, tuple[str, str, dict[str, str]]] = {
    "unemployment_rate": ("une_rt_a.tsv", "RO", {
        "en": "unemployment in Romania", "es": "paro en Rumanía", "ro": "care e somajul in romania",
        "fr": "le chômage en Roumanie", "de": "wie hoch ist die Arbeitslosigkeit in Rumänien"}),
    "youth_unemployment_rate": ("une_rt_a.tsv", "ES", {
        "en": "youth unemployment Spain", "es": "paro juvenil en España", "ro": "somajul tinerilor in spania",
        "fr": "chômage des jeunes en Espagne", "de": "Jugendarbeitslosigkeit Spanien"}),
    "employment_rate": ("lfsi_emp_a.csv", "RO", {
        "en": "employment rate Romania", "es": "tasa de empleo en Rumanía", "ro": "rata de ocupare in romania",
        "fr": "taux d'emploi en Roumanie", "de": "Erwerbstätigenquote Rumänien"}),
    "neet_rate": ("edat_lfse_20.csv", "RO", {
        "en": "neet rate in Romania", "es": "ninis en Rumanía", "ro": "rata neet in romania",
        "fr": "taux de NEET en Roumanie", "de": "NEET-Quote in Rumänien"}),
    "job_vacancy_rate": ("jvs_q_nace2.csv", "NL", {
        "en": "job vacancy rate Netherlands", "es": "tasa de vacantes en Países Bajos",
        "ro": "rata locurilor de munca vacante in olanda", "fr": "taux d'emplois vacants aux Pays-Bas",
        "de": "offene Stellen in den Niederlanden"}),
    "minimum_wage": ("earn_mw_cur.csv", "RO", {
        "en": "minimum wage Romania", "es": "salario mínimo en Rumanía", "ro": "salariul minim in romania",
        "fr": "salaire minimum en Roumanie", "de": "Mindestlohn in Rumänien"}),
}
MANIFEST_DATES = {entry["file"].split("/")[-1]: entry["extracted_on"] for entry in yaml.safe_load(
    (PROJECT_ROOT / "data" / "defaults" / "manifest.yml").read_text(encoding="utf-8"))["eurostat"]}
FILTERS = {"unemployment_rate": {"age": "Y15-74"}, "youth_unemployment_rate": {"age": "Y15-24"}}
FOLLOW_UPS = {
    "en": ("unemployment in Romania", "and in Germany?", "and for young people?", "what about 2020?"),
    "es": ("paro en Rumanía", "¿y en Alemania?", "¿y para los jóvenes?", "¿y en 2020?"),
    "ro": ("care e somajul in romania", "si in germania?", "si pentru tineri?", "dar in 2020?"),
    "fr": ("le chômage en Roumanie", "et en Allemagne ?", "et pour les jeunes ?", "et en 2020 ?"),
    "de": ("wie hoch ist die Arbeitslosigkeit in Rumänien", "und in Deutschland?", "und für junge Leute?",
           "und 2020?"),
}


def sender() -> str:
    return f"fig-{uuid.uuid4().hex[:10]}"


def _tsv_values(path: Path, filters: dict[str, str]) -> dict[tuple[str, str], float]:
    """(geo, year) -> value of a Eurostat TSV, for the rows matching ``filters``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    head = lines[0].split("\t")
    dims = head[0].split("\\")[0].split(",")
    years = [cell.strip() for cell in head[1:]]
    values = {}
    for line in lines[1:]:
        cells = line.split("\t")
        keys = dict(zip(dims, cells[0].split(","), strict=True))
        if any(keys.get(k) != v for k, v in filters.items()) or keys.get("sex", "T") != "T":
            continue
        for year, cell in zip(years, cells[1:], strict=True):
            number = cell.strip().split(" ")[0]
            if number != ":":
                values[(keys["geo"], year)] = float(number)
    return values


def _csv_values(path: Path) -> dict[tuple[str, str], tuple[float, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {(row["geo"], row["TIME_PERIOD"]): (float(row["OBS_VALUE"]), row) for row in csv.DictReader(handle)
                if row["OBS_VALUE"].strip()}


def expected(indicator: str) -> tuple[str, float, dict[str, str] | None]:
    """The latest (period, value, row) of the asked country in the file the defaults import."""
    file, geo, _ = QUESTIONS[indicator]
    if file.endswith(".tsv"):
        values = _tsv_values(DEFAULTS / file, FILTERS[indicator])
        period = max(p for g, p in values if g == geo)
        return period, values[(geo, period)], None
    rows = _csv_values(DEFAULTS / file)
    period = max(p for g, p in rows if g == geo)
    value, row = rows[(geo, period)]
    return period, value, row


def shown_period(period: str, lang: str) -> str:
    found = re.fullmatch(r"(\d{4})-?([QS])(\d)", period)
    if not found:
        return period
    year, kind, number = found.groups()
    if kind == "Q":
        return t(lang, "figures.quarter", quarter=number, year=year)
    return t(lang, "figures.half_1" if number == "1" else "figures.half_2", year=year)


def shown_value(indicator: str, value: float, lang: str) -> str:
    if indicator == "minimum_wage":
        return t(lang, "figures.per_month", amount=format_money(value, "EUR", lang))
    return format_percent(value, lang, 1)


def english_fragments() -> set[str]:
    """The fixed words of the English provenance templates (between placeholders), 8 characters or more."""
    keys = ("source", "source_no_update", "source_retrieved", "secondary", "secondary_unnamed", "secondary_check",
            "stale", "official_table", "flags", "eu_comparison")
    templates = [raw("en", key) for key in keys]
    return {part.strip() for template in templates for part in re.split(r"\{[a-z_]+\}", template)
            if len(part.strip()) >= 8}


def raw(lang: str, key: str) -> str:
    import yaml

    return yaml.safe_load((PROJECT_ROOT / "locales" / f"{lang}.yml").read_text(encoding="utf-8"))["figures"][key]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("indicator", sorted(QUESTIONS))
def test_every_headline_indicator_in_every_language(assistant, indicator: str, lang: str) -> None:
    file, geo, questions = QUESTIONS[indicator]
    dataset = file.split(".")[0]
    period, value, row = expected(indicator)
    [reply] = assistant.say(sender(), questions[lang])
    lines = reply["text"].split("\n")
    assert lines[0] == t(lang, "figures.value", indicator=t(lang, f"indicators.{indicator}"),
                         place=country_name(geo, lang), period=shown_period(period, lang),
                         value=shown_value(indicator, value, lang))
    params = {"source": "Eurostat", "dataset": dataset, "title": t(lang, f"datasets.{dataset}"),
              "period": shown_period(period, lang)}
    if row is not None and row.get("SECONDARY") == "1":  # transcribed: its publisher, never "Source: Eurostat"
        publisher = row["SECONDARY_PUBLISHER"]
        slug = re.sub(r"[^a-z0-9]+", "_", publisher.lower()).strip("_")
        shown = t_or(lang, f"publishers.{slug}", publisher)  # "Eurostat news release" in the user's language
        assert t(lang, "figures.secondary", publisher=shown, **params) in lines
        if lang != "en" and shown != publisher:
            assert publisher not in reply["text"]
        assert t(lang, "figures.secondary_check", source="Eurostat") in lines
        assert not any(line.startswith(raw(lang, "source").split("{")[0]) for line in lines)
        assert row["NOTE"] not in reply["text"]
    else:  # the real extract: a bulk TSV has no LAST UPDATE, so the answer gives the day it was downloaded
        retrieved = long_date(MANIFEST_DATES[file], lang)
        assert t(lang, "figures.source_retrieved", retrieved=retrieved, **params) in lines
    urls = re.findall(r"https?://\S+", reply["text"])
    assert all(url == f"https://ec.europa.eu/eurostat/databrowser/view/{dataset}/default/table" for url in urls)
    if lang != "en":
        left = [fragment for fragment in english_fragments() if fragment in reply["text"]]
        assert not left, reply["text"]


@pytest.mark.parametrize("lang", LANGS)
def test_follow_ups_change_one_part_in_every_language(assistant, lang: str) -> None:
    youth = _tsv_values(DEFAULTS / "une_rt_a.tsv", {"age": "Y15-24"})
    total = _tsv_values(DEFAULTS / "une_rt_a.tsv", {"age": "Y15-74"})
    latest = max(p for g, p in total if g == "DE")
    first, other_country, young, year = FOLLOW_UPS[lang]
    user = sender()
    assistant.say(user, first)

    def head(text: str) -> str:
        return assistant.say(user, text)[0]["text"].split("\n")[0]

    def line(indicator: str, period: str, values: dict) -> str:
        return t(lang, "figures.value", indicator=t(lang, f"indicators.{indicator}"), place=country_name("DE", lang),
                 period=period, value=format_percent(values[("DE", period)], lang, 1))

    assert head(other_country) == line("unemployment_rate", latest, total)
    assert head(young) == line("youth_unemployment_rate", latest, youth)
    assert head(year) == line("youth_unemployment_rate", "2020", youth)


# -- the new series: monthly, regional (NUTS 2), France by occupation, education level and earnings ------------
NEW_QUESTIONS: dict[str, dict[str, str]] = {
    "unemployment_25_74_monthly": {
        "en": "monthly unemployment in Germany", "es": "paro mensual en Alemania", "ro": "somaj lunar germania",
        "fr": "chômage mensuel en Allemagne", "de": "monatliche Arbeitslosenquote in Deutschland"},
    "youth_unemployment_monthly": {
        "en": "monthly youth unemployment in Spain", "es": "paro juvenil mensual en España",
        "ro": "somajul lunar al tinerilor in spania", "fr": "chômage des jeunes mensuel en Espagne",
        "de": "monatliche Jugendarbeitslosigkeit in Spanien"},
    "regional_unemployment_rate": {
        "en": "unemployment in Andalusia", "es": "paro en Andalucía", "ro": "somajul in regiunea Nord-Vest",
        "fr": "chômage en Île-de-France", "de": "Arbeitslosigkeit in Oberbayern"},
    "regional_youth_unemployment_rate": {
        "en": "youth unemployment in Andalusia", "es": "paro juvenil en Andalucía",
        "ro": "somajul tinerilor in Nord-Vest", "fr": "chômage des jeunes en Île-de-France",
        "de": "Jugendarbeitslosigkeit in Oberbayern"},
    "employment_by_occupation": {
        "en": "how many people work as welders in France",
        "es": "cuántas personas trabajan como soldador en Francia",
        "ro": "câte persoane lucrează ca sudor în Franța",
        "fr": "combien de personnes travaillent comme soudeur en France",
        "de": "wie viele arbeiten als Schweißer in Frankreich"},
    "mean_earnings_by_occupation": {
        "en": "how much does a welder earn in France", "es": "cuánto gana un soldador en Francia",
        "ro": "cât câștigă un sudor în Franța", "fr": "combien gagne un soudeur en France",
        "de": "wie viel verdient ein Schweißer in Frankreich"},
}
REGION_OF = {"en": "ES61", "es": "ES61", "ro": "RO11", "fr": "FR10", "de": "DE21"}


def _new_first_line(indicator: str, lang: str) -> str:
    from tests.unit import test_figure_breakdowns as fb

    if indicator.startswith("regional_"):
        return fb.region_line(lang, indicator, REGION_OF[lang], 2013)
    if indicator.endswith("_monthly"):
        geo, age = ("DE", "Y25-74") if indicator == "unemployment_25_74_monthly" else ("ES", "Y_LT25")
        latest = [r for r in fb._csv("une_rt_m.csv") if r["geo"] == geo and r["age"] == age and r["OBS_VALUE"]][-1]
        return t(lang, "figures.value", indicator=t(lang, f"indicators.{indicator}"), place=country_name(geo, lang),
                 period=fb.month_name(latest["TIME_PERIOD"], lang), value=fb.pct(float(latest["OBS_VALUE"]), lang))
    welders = fb.value("lfsa_egai2d.csv", isco08="OC72", geo="FR", TIME_PERIOD="2024")
    return t(lang, "figures.occupation_value", indicator=t(lang, "indicators.employment_by_occupation"),
             group=t(lang, "isco08.OC72"), place=country_name("FR", lang), period="2024",
             value=fb.people(welders, lang))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("indicator", sorted(NEW_QUESTIONS))
def test_every_new_series_in_every_language(assistant, indicator: str, lang: str) -> None:
    from tests.unit import test_figure_breakdowns as fb

    [reply] = assistant.say(sender(), NEW_QUESTIONS[indicator][lang])
    lines = reply["text"].split("\n")
    if indicator == "mean_earnings_by_occupation":  # one line per enterprise size class, never one total
        items = [line for line in lines if line.startswith("• ")]
        assert items == [t(lang, "figures.item", name=t(lang, f"sizeclas.{size}"),
                           value=fb.euros(fb.value("earn_ses22_25.csv", isco08="OC7", sizeclas=size, geo="FR"), lang))
                         for size in ("1-9", "10-49", "50-249", "250-499", "500-999", "GE1000")
                         if fb.has_value("earn_ses22_25.csv", isco08="OC7", sizeclas=size, geo="FR")], reply["text"]
        assert t(lang, "figures.ses_note") in lines
    else:
        assert lines[0] == _new_first_line(indicator, lang), reply["text"]
    if lang != "en":
        left = [fragment for fragment in english_fragments() if fragment in reply["text"]]
        assert not left, reply["text"]


EDUCATION = {"en": "welders in France by education level", "es": "soldadores en Francia por nivel educativo",
             "ro": "sudori in Franta dupa nivelul de educatie", "fr": "soudeurs en France par niveau d'études",
             "de": "Schweißer in Frankreich nach Bildungsstand"}


@pytest.mark.parametrize("lang", LANGS)
def test_employment_by_occupation_and_education_in_every_language(assistant, lang: str) -> None:
    from tests.unit import test_figure_breakdowns as fb

    [reply] = assistant.say(sender(), EDUCATION[lang])
    lines = reply["text"].split("\n")
    # the file has one-digit groups only: the welders' group OC72 is answered with OC7, and the answer says so
    assert lines[0] == t(lang, "figures.group_fallback", asked=t(lang, "isco08.OC72"), group=t(lang, "isco08.OC7"))
    rows = [r for r in fb._csv("lfsa_egised.csv") if r["isco08"] == "OC7" and r["OBS_VALUE"]]
    expected = [t(lang, "figures.item", name=t(lang, f"isced11.{r['isced11']}"), value=fb.people(
        float(r["OBS_VALUE"]), lang)) for r in rows]
    assert sorted(line for line in lines if line.startswith("• ")) == sorted(expected), reply["text"]
    assert len(expected) >= 4
