"""Regions, France's occupation breakdowns and the monthly series through the figures action, on the embedded
default dataset, in the five languages.

Expected values are read from the files of data/defaults/eurostat (never typed in): une_rt_m.csv,
lfsa_egai2d.csv, lfsa_egised.csv, earn_ses22_25.csv and lfst_r_lfu3rt.tsv.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pytest
from rasa_sdk.events import SlotSet

from actions.figures import ActionIndicator
from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.countries import resolve_country
from lmi4vet.i18n import country_name, format_money, format_number, format_percent, t
from lmi4vet.kb.regions import resolve_region
from tests.conftest import ents, make_tracker
from tests.conftest import run_action as run

EUROSTAT = Path(__file__).resolve().parents[2] / "data" / "defaults" / "eurostat"


@cache
def _csv(name: str) -> list[dict[str, str]]:
    with (EUROSTAT / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def value(name: str, **where: str) -> float:
    """The OBS_VALUE of the one row of ``name`` whose columns have these values."""
    rows = [r for r in _csv(name) if all(r[k] == v for k, v in where.items())]
    assert len(rows) == 1, (name, where, len(rows))
    return float(rows[0]["OBS_VALUE"])


def has_value(name: str, **where: str) -> bool:
    return any(all(r[k] == v for k, v in where.items()) and r["OBS_VALUE"] for r in _csv(name))


@cache
def regional(age: str, geo: str, year: int) -> float:
    """A value of the historical regional file (TSV: ``age,sex,geo\\time`` then one column per year)."""
    with (EUROSTAT / "lfst_r_lfu3rt.tsv").open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        years = [int(column.strip()) for column in header[1:]]
        for line in handle:
            cells = line.rstrip("\n").split("\t")
            if cells[0] == f"{age},T,{geo}":
                return float(cells[1 + years.index(year)].split()[0])
    raise KeyError((age, geo, year))


def pct(number: float, lang: str) -> str:
    return format_percent(number, lang, 1)


def people(number: float, lang: str) -> str:
    return t(lang, "figures.thousand_persons", number=format_number(number, lang, 1))


def euros(number: float, lang: str) -> str:
    return t(lang, "figures.per_month", amount=format_money(number, "EUR", lang))


def ask(text: str, lang: str, slots: dict | None = None, **entities: str):
    tracker = make_tracker(text, intent="ask_indicator", entities=ents(**entities),
                           slots={"language": lang, **(slots or {})})
    messages, events = run(ActionIndicator(), tracker)
    assert len(messages) == 1
    slots_after = {"language": lang, **(slots or {})}
    slots_after.update({e["name"]: e["value"] for e in events if e.get("event") == "slot"})
    return messages[0], events, slots_after


# --- regions ---------------------------------------------------------------------------------------------------

REGION_QUESTIONS = {
    "en": [("unemployment in Andalusia", "ES61"), ("unemployment in Upper Bavaria", "DE21"),
           ("unemployment in the Paris region", "FR10")],
    "es": [("paro en Andalucía", "ES61"), ("paro en el País Vasco", "ES21"), ("paro en Cataluña", "ES51")],
    "ro": [("șomajul în Nord-Vest", "RO11"), ("somaj in regiunea Sud - Muntenia", "RO31"),
           ("șomajul în București-Ilfov", "RO32")],
    "fr": [("chômage en Île-de-France", "FR10"), ("chômage en Ile de France", "FR10"), ("chômage en Bretagne", "FR52")],
    "de": [("Arbeitslosigkeit in Oberbayern", "DE21"), ("Arbeitslosigkeit in Köln", "DEA2"),
           ("Arbeitslosigkeit in Andalusien", "ES61")],
}


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_regions_are_resolved_in_every_language(lang: str) -> None:
    for text, code in REGION_QUESTIONS[lang]:
        assert resolve_region(text) == code, text


def test_a_country_is_not_taken_for_a_region_and_the_longest_name_wins() -> None:
    for text, country in (("chômage en France", "FR"), ("unemployment in Spain", "ES"), ("somaj in Romania", "RO"),
                          ("Arbeitslosigkeit in Deutschland", "DE"), ("paro en España", "ES")):
        assert resolve_region(text) is None, text
        assert resolve_country(text) == country
    assert resolve_region("somajul in Sud-Vest Oltenia") == "RO41"  # not "Vest"
    assert resolve_region("au centre de formation") is None  # an everyday word, not the region Centre
    assert resolve_region("chômage dans le Centre") == "FR24"


REGION_FIRST = {"en": "unemployment in Andalusia", "es": "paro en Andalucía", "ro": "șomajul în Andalucía",
                "fr": "chômage en Andalousie", "de": "Arbeitslosigkeit in Andalusien"}
YOUNG = {"en": "and for young people?", "es": "¿y para los jóvenes?", "ro": "și pentru tineri?",
         "fr": "et pour les jeunes ?", "de": "und für junge Leute?"}
OTHER_REGION = {"en": "and in Upper Bavaria?", "es": "¿y en Cataluña?", "ro": "și în Nord-Vest?",
                "fr": "et en Bretagne ?", "de": "und in Oberbayern?"}
OTHER_CODE = {"en": "DE21", "es": "ES51", "ro": "RO11", "fr": "FR52", "de": "DE21"}


def region_line(lang: str, indicator: str, geo: str, year: int) -> str:
    age = "Y15-24" if indicator == "regional_youth_unemployment_rate" else "Y_GE15"
    return t(lang, "figures.region_value", indicator=t(lang, f"indicators.{indicator}"),
             region=t(lang, f"nuts2.{geo}"), country=country_name(geo[:2], lang), period=str(year),
             value=pct(regional(age, geo, year), lang))


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_regional_unemployment_with_follow_ups(kb_url, lang: str) -> None:
    message, events, slots = ask(REGION_FIRST[lang], lang)
    lines = message["text"].split("\n")
    assert lines[0] == region_line(lang, "regional_unemployment_rate", "ES61", 2013)
    assert lines[1].startswith(f"2012: {pct(regional('Y_GE15', 'ES61', 2012), lang)}".replace(":", " :")
                               if lang == "fr" else f"2012: {pct(regional('Y_GE15', 'ES61', 2012), lang)}")
    assert t(lang, "figures.regional_historical") in lines
    assert t(lang, "figures.stale", source="Eurostat") not in message["text"]  # historical, said as such
    assert not any(line.startswith(t(lang, "figures.eu27")) for line in lines)  # the file has no EU-27 of today
    assert SlotSet("country", "ES61") in events and SlotSet("indicator", "regional_unemployment_rate") in events

    young, events, slots = ask(YOUNG[lang], lang, slots)
    assert young["text"].split("\n")[0] == region_line(lang, "regional_youth_unemployment_rate", "ES61", 2013)

    other, _, slots = ask(OTHER_REGION[lang], lang, slots)
    assert other["text"].split("\n")[0] == region_line(lang, "regional_youth_unemployment_rate",
                                                       OTHER_CODE[lang], 2013)

    earlier, _, slots = ask("2010", lang, slots)
    assert earlier["text"].split("\n")[0] == region_line(lang, "regional_youth_unemployment_rate",
                                                         OTHER_CODE[lang], 2010)


def test_a_country_after_a_region_is_the_national_figure(kb_url) -> None:
    _, _, slots = ask("paro juvenil en Andalucía", "es")
    assert slots["indicator"] == "regional_youth_unemployment_rate"
    national, _, slots = ask("¿y en Alemania?", "es", slots, country="Alemania")
    assert national["text"].startswith(f"{t('es', 'indicators.youth_unemployment_rate')}, Alemania, ")
    assert slots["indicator"] == "youth_unemployment_rate" and slots["country"] == "DE"


def test_a_region_given_by_nlu_as_country_entity(kb_url) -> None:
    message, _, _ = ask("Arbeitslosigkeit Nord-Vest", "de", country="Nord-Vest")
    assert message["text"].split("\n")[0] == region_line("de", "regional_unemployment_rate", "RO11", 2013)


# --- France's occupation breakdowns ----------------------------------------------------------------------------

WELDERS = {"en": "how many people work as welders in France",
           "es": "¿cuántas personas trabajan como soldador en Francia?",
           "ro": "câte persoane lucrează ca sudor în Franța?",
           "fr": "combien de personnes travaillent comme soudeur en France ?",
           "de": "Wie viele arbeiten als Schweißer in Frankreich?"}


def colon(lang: str, label: str, rest: str) -> str:
    return f"{label} : {rest}" if lang == "fr" else f"{label}: {rest}"


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_a_job_gives_its_occupation_group_with_the_total_and_the_year_before(kb_url, lang: str) -> None:
    message, events, _ = ask(WELDERS[lang], lang)
    lines = message["text"].split("\n")
    welder = value("lfsa_egai2d.csv", isco08="OC72", geo="FR", TIME_PERIOD="2024")
    total = value("lfsa_egai2d.csv", isco08="TOTAL", geo="FR", TIME_PERIOD="2024")
    before = value("lfsa_egai2d.csv", isco08="OC72", geo="FR", TIME_PERIOD="2023")
    france = country_name("FR", lang)
    assert lines[0] == t(lang, "figures.occupation_value", indicator=t(lang, "indicators.employment_by_occupation"),
                         group=t(lang, "isco08.OC72"), place=france, period="2024", value=people(welder, lang))
    assert lines[1] == t(lang, "figures.occupation_total", place=france, period="2024", value=people(total, lang))
    assert lines[2].startswith(colon(lang, "2023", people(before, lang)))
    assert SlotSet("breakdown", "OC72") in events and SlotSet("country", "FR") in events


@pytest.mark.parametrize("lang", ["en", "de", "es"])
def test_by_education_level_lists_the_levels_of_the_group(kb_url, lang: str) -> None:
    _, _, slots = ask(WELDERS[lang], lang)
    follow = {"en": "and by education level?", "de": "und nach Bildungsstand?", "es": "¿y por nivel educativo?"}
    message, _, _ = ask(follow[lang], lang, slots)
    text = message["text"]
    assert text.split("\n")[0] == t(lang, "figures.group_fallback", asked=t(lang, "isco08.OC72"),
                                    group=t(lang, "isco08.OC7"))  # the file has one-digit groups only
    for level in ("ED0-2", "ED3_4", "ED5-8"):
        number = value("lfsa_egised.csv", isco08="OC7", isced11=level, geo="FR", TIME_PERIOD="2024")
        assert t(lang, "figures.item", name=t(lang, f"isced11.{level}"), value=people(number, lang)) in text


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_earnings_are_listed_per_enterprise_size_class_never_as_one_total(kb_url, lang: str) -> None:
    questions = {"en": "how much does a welder earn in France", "es": "¿cuánto gana un soldador en Francia?",
                 "ro": "cât câștigă un sudor în Franța?", "fr": "combien gagne un soudeur en France ?",
                 "de": "Wie viel verdient ein Schweißer in Frankreich?"}
    message, _, _ = ask(questions[lang], lang)
    lines = message["text"].split("\n")
    items = [line for line in lines if line.startswith("• ")]
    expected = [t(lang, "figures.item", name=t(lang, f"sizeclas.{size}"),
                  value=euros(value("earn_ses22_25.csv", isco08="OC7", sizeclas=size, geo="FR"), lang))
                for size in ("1-9", "10-49", "50-249", "250-499", "500-999", "GE1000")
                if has_value("earn_ses22_25.csv", isco08="OC7", sizeclas=size, geo="FR")]
    assert items == expected and len(items) >= 2
    assert t(lang, "figures.ses_note") in lines
    assert any("2022" in line and t(lang, "isco08.OC7") in line for line in lines)


@pytest.mark.parametrize("lang", ["de", "en", "ro"])
def test_another_country_is_told_the_breakdowns_are_for_france_only(kb_url, lang: str) -> None:
    questions = {"de": "Wie viel verdient ein Schweißer in Deutschland?",
                 "en": "how much does a welder earn in Germany",
                 "ro": "cât câștigă un sudor în Germania?"}
    message, events, _ = ask(questions[lang], lang)
    assert message["text"] == t(lang, "figures.france_only", place=country_name("DE", lang),
                                indicator=t(lang, "indicators.mean_earnings_by_occupation"))
    assert message["buttons"][0] == {"title": country_name("FR", lang), "payload": '/ask_indicator{"country":"FR"}'}
    assert all(len(b["payload"].encode()) <= 64 for b in message["buttons"])  # Telegram's callback data limit
    assert SlotSet("country", "DE") in events
    france, _, _ = ask("", lang, {"indicator": "mean_earnings_by_occupation", "country": "DE",
                                  "last_topic": "indicator"}, country="FR")
    assert t(lang, "figures.ses_note") in france["text"]


# --- monthly unemployment --------------------------------------------------------------------------------------

def month_name(period: str, lang: str) -> str:
    from datetime import date

    from babel.dates import format_skeleton

    return format_skeleton("yMMMM", date(int(period[:4]), int(period[5:]), 1), locale={"en": "en_GB"}.get(lang, lang))


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_monthly_unemployment_with_the_month_before_and_a_year_earlier(kb_url, lang: str) -> None:
    questions = {"en": "monthly unemployment Germany", "es": "paro mensual Alemania", "ro": "șomaj lunar Germania",
                 "fr": "chômage mensuel Allemagne", "de": "monatliche Arbeitslosenquote Deutschland"}
    message, _, slots = ask(questions[lang], lang)
    lines = message["text"].split("\n")
    rows = [r for r in _csv("une_rt_m.csv") if r["geo"] == "DE" and r["age"] == "Y25-74" and r["OBS_VALUE"]]
    latest, previous = rows[-1], rows[-2]
    assert lines[0] == t(lang, "figures.value", indicator=t(lang, "indicators.unemployment_25_74_monthly"),
                         place=country_name("DE", lang), period=month_name(latest["TIME_PERIOD"], lang),
                         value=pct(float(latest["OBS_VALUE"]), lang))
    assert lines[1].startswith(colon(lang, month_name(previous["TIME_PERIOD"], lang),
                                     pct(float(previous["OBS_VALUE"]), lang)))
    year_ago = f"{int(latest['TIME_PERIOD'][:4]) - 1}{latest['TIME_PERIOD'][4:]}"
    ago = value("une_rt_m.csv", geo="DE", age="Y25-74", TIME_PERIOD=year_ago)
    assert lines[2].startswith(t(lang, "figures.year_ago", period=month_name(year_ago, lang), value=pct(ago, lang),
                                 change="").rsplit("(", 1)[0])
    assert t(lang, "figures.no_eu_monthly") in lines
    assert not any(b["payload"].endswith('{"country":"EU27_2020"}') for b in message["buttons"])

    young, _, slots = ask(YOUNG[lang], lang, slots)
    youth = [r for r in _csv("une_rt_m.csv") if r["geo"] == "DE" and r["age"] == "Y_LT25" and r["OBS_VALUE"]][-1]
    assert young["text"].split("\n")[0] == t(
        lang, "figures.value", indicator=t(lang, "indicators.youth_unemployment_monthly"),
        place=country_name("DE", lang), period=month_name(youth["TIME_PERIOD"], lang),
        value=pct(float(youth["OBS_VALUE"]), lang))
    assert slots["indicator"] == "youth_unemployment_monthly"

    spain, _, slots = ask("", lang, slots, country="ES")
    assert spain["text"].split("\n")[0].startswith(
        f"{t(lang, 'indicators.youth_unemployment_monthly')}, {country_name('ES', lang)}, ")

    december, _, _ = ask("2024", lang, slots)
    dec = value("une_rt_m.csv", geo="ES", age="Y_LT25", TIME_PERIOD="2024-12")
    assert december["text"].split("\n")[0] == t(
        lang, "figures.value", indicator=t(lang, "indicators.youth_unemployment_monthly"),
        place=country_name("ES", lang), period=month_name("2024-12", lang), value=pct(dec, lang))


def test_headline_follow_ups_still_work_after_the_new_indicators(kb_url) -> None:
    _, _, slots = ask("how much does a welder earn in France", "en")
    annual, _, slots = ask("unemployment in Romania", "en", slots)
    assert annual["text"].startswith(f"{t('en', 'indicators.unemployment_rate')}, Romania, ")
    young, _, _ = ask("and for young people?", "en", slots)
    assert young["text"].startswith(f"{t('en', 'indicators.youth_unemployment_rate')}, Romania, ")
    region, _, _ = ask("and in Nord-Vest?", "en", slots)
    assert region["text"].split("\n")[0] == region_line("en", "regional_unemployment_rate", "RO11", 2013)


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_all_occupations_lists_the_major_groups_and_a_year_follow_up_keeps_the_job(kb_url, lang: str) -> None:
    questions = {"fr": "emploi par profession en France", "es": "ocupados por ocupación en Francia"}
    message, _, _ = ask(questions[lang], lang)
    text = message["text"]
    for code in ("OC1", "OC7", "OC9"):
        number = value("lfsa_egai2d.csv", isco08=code, geo="FR", TIME_PERIOD="2024")
        assert t(lang, "figures.item", name=t(lang, f"isco08.{code}"), value=people(number, lang)) in text
    _, _, slots = ask(WELDERS[lang], lang)
    earlier, events, _ = ask("2020", lang, slots)
    number = value("lfsa_egai2d.csv", isco08="OC72", geo="FR", TIME_PERIOD="2020")
    assert earlier["text"].split("\n")[0] == t(
        lang, "figures.occupation_value", indicator=t(lang, "indicators.employment_by_occupation"),
        group=t(lang, "isco08.OC72"), place=country_name("FR", lang), period="2020", value=people(number, lang))
    assert SlotSet("year", "2020") in events


def test_a_region_with_a_figure_that_has_no_regional_values_answers_the_country_and_says_so(kb_url) -> None:
    message, _, _ = ask("Wie viel verdient ein Schweißer in Île-de-France?", "de")
    lines = message["text"].split("\n")
    assert lines[0] == t("de", "figures.region_national", region=t("de", "nuts2.FR10"),
                         country=country_name("FR", "de"))
    assert t("de", "figures.ses_note") in lines
    germany, _, _ = ask("Wie viele arbeiten als Schweißer in Oberbayern?", "de")
    assert germany["text"].startswith(t("de", "figures.france_only", place=country_name("DE", "de"),
                                        indicator=t("de", "indicators.employment_by_occupation"))[:30])


# --- phrasings a reviewer found: month follow-ups, "under 25" monthly, counts, typing, Länder, cities -----------

def monthly_line(lang: str, age: str, geo: str) -> str:
    row = [r for r in _csv("une_rt_m.csv") if r["geo"] == geo and r["age"] == age and r["OBS_VALUE"]][-1]
    code = "youth_unemployment_monthly" if age == "Y_LT25" else "unemployment_25_74_monthly"
    return t(lang, "figures.value", indicator=t(lang, f"indicators.{code}"), place=country_name(geo, lang),
             period=month_name(row["TIME_PERIOD"], lang), value=pct(float(row["OBS_VALUE"]), lang))


LAST_MONTH = {"en": ["and last month?"], "es": ["¿y el mes pasado?"], "ro": ["și luna trecută?"],
              "fr": ["et le mois dernier ?"], "de": ["und letzten Monat?", "und im letzten Monat?"]}


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_last_month_after_a_yearly_or_monthly_answer_is_the_monthly_series_of_the_same_ages(kb_url, lang) -> None:
    for question in LAST_MONTH[lang]:
        for before, age in (("unemployment_rate", "Y25-74"), ("youth_unemployment_rate", "Y_LT25"),
                            ("unemployment_25_74_monthly", "Y25-74"), ("youth_unemployment_monthly", "Y_LT25")):
            message, _, slots = ask(question, lang, {"indicator": before, "country": "ES", "year": "2020"})
            assert message["text"].split("\n")[0] == monthly_line(lang, age, "ES"), (question, before)
            assert slots["year"] is None


UNDER_25_MONTH = {"en": "jobless under 25 monthly in Spain", "es": "paro menores de 25 el mes pasado en España",
                  "ro": "tineri sub 25 luna trecută în Spania",
                  "fr": "chômage des moins de 25 ans le mois dernier en Espagne",
                  "de": "Arbeitslosigkeit unter 25 letzten Monat in Spanien"}


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_under_25_with_a_month_is_the_monthly_youth_series(kb_url, lang: str) -> None:
    message, _, slots = ask(UNDER_25_MONTH[lang], lang)
    assert message["text"].split("\n")[0] == monthly_line(lang, "Y_LT25", "ES")
    assert slots["indicator"] == "youth_unemployment_monthly"


COUNTS = {"en": [("how many welders are there in France", "OC72"),
                 ("how many people work in construction in France", "OC71")],
          "es": [("¿cuántos soldadores hay en Francia?", "OC72"), ("¿cuántos trabajan en la construcción en Francia?",
                                                                    "OC71")],
          "ro": [("câți sudori sunt în Franța?", "OC72"), ("câți oameni lucrează în construcții în Franța?", "OC71")],
          "fr": [("combien de soudeurs en France ?", "OC72"), ("combien de personnes dans le bâtiment en France ?",
                                                               "OC71")],
          "de": [("Wie viele Schweißer gibt es in Frankreich?", "OC72"), ("Wie viele Schweisser gibt es in Frankreich?",
                                                                         "OC72"),
                 ("Wie viele Leute arbeiten auf dem Bau in Frankreich?", "OC71")]}


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_how_many_with_a_job_is_employment_by_occupation(kb_url, lang: str) -> None:
    for question, group in COUNTS[lang]:
        message, _, slots = ask(question, lang)
        number = value("lfsa_egai2d.csv", isco08=group, geo="FR", TIME_PERIOD="2024")
        assert message["text"].split("\n")[0] == t(
            lang, "figures.occupation_value", indicator=t(lang, "indicators.employment_by_occupation"),
            group=t(lang, f"isco08.{group}"), place=country_name("FR", lang), period="2024",
            value=people(number, lang)), question
    _, _, slots = ask("how many unemployed in Spain", "en")
    assert slots["indicator"] == "unemployment_rate" and slots["country"] == "ES"


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_cities_and_other_names_of_regions(lang: str) -> None:
    for text, code in (("Sevilla", "ES61"), ("Seville", "ES61"), ("Barcelona", "ES51"), ("Madrid", "ES30"),
                       ("Valencia", "ES52"), ("Bilbao", "ES21"), ("Cluj", "RO11"), ("Cluj-Napoca", "RO11"),
                       ("Iași", "RO21"), ("Timișoara", "RO42"), ("Constanța", "RO22"), ("Brașov", "RO12"),
                       ("Craiova", "RO41"), ("București", "RO32"), ("Bucharest", "RO32"), ("Paris", "FR10"),
                       ("Lyon", "FR71"), ("Marseille", "FR82"), ("Toulouse", "FR62"), ("Lille", "FR30"),
                       ("Bordeaux", "FR61"), ("München", "DE21"), ("muenchen", "DE21"), ("Hamburg", "DE60"),
                       ("Köln", "DEA2"), ("Frankfurt", "DE71"), ("Stuttgart", "DE11"), ("Leipzig", "DED5"),
                       ("Dresden", "DED2"), ("Andaluzia", "ES61"), ("Dobrogea", "RO22"), ("Thüringen", "DEG0"),
                       ("Thueringen", "DEG0"), ("Sachsen-Anhalt", "DEE0"), ("Saarland", "DEC0"), ("Berlin", "DE30"),
                       ("Brandenburg", "DE40"), ("Schleswig-Holstein", "DEF0"), ("Mecklenburg-Vorpommern", "DE80"),
                       ("Bremen", "DE50")):
        assert resolve_region(f"{t(lang, 'indicators.unemployment_rate')} {text}") == code, text
    for text in ("Georgia", "France", "Romania", "Spain", "Germany", "employer"):
        assert resolve_region(text) is None, text


LAENDER = {"Bayern": ("DE21", "DE22", "DE23", "DE24", "DE25", "DE26", "DE27"), "Sachsen": ("DED2", "DED4", "DED5"),
           "Nordrhein-Westfalen": ("DEA1", "DEA2", "DEA3", "DEA4", "DEA5"), "Hessen": ("DE71", "DE72", "DE73"),
           "Baden-Württemberg": ("DE11", "DE12", "DE13", "DE14"), "Niedersachsen": ("DE91", "DE92", "DE93", "DE94"),
           "Rheinland-Pfalz": ("DEB1", "DEB2", "DEB3"), "Normandie": ("FR23", "FR25"), "Occitanie": ("FR62", "FR81"),
           "Hauts-de-France": ("FR30", "FR22"), "Grand Est": ("FR21", "FR41", "FR42"),
           "Nouvelle-Aquitaine": ("FR61", "FR63", "FR53"), "Bourgogne-Franche-Comté": ("FR26", "FR43"),
           "Auvergne-Rhône-Alpes": ("FR71", "FR72")}


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_a_land_of_several_regions_offers_them_as_buttons(kb_url, lang: str) -> None:
    asked = {"en": "what is the unemployment in", "es": "cuál es el paro en", "ro": "care este șomajul în",
             "fr": "quel est le chômage en", "de": "wie hoch ist die Arbeitslosigkeit in"}[lang]
    for name, codes in LAENDER.items():
        message, _, slots = ask(f"{asked} {name}", lang)
        assert message["text"] == t(lang, "figures.which_region", country=country_name(codes[0][:2], lang)), name
        assert [b["title"] for b in message["buttons"]] == [t(lang, f"nuts2.{code}") for code in codes]
        assert slots["indicator"] == "regional_unemployment_rate"
    message, _, _ = ask(f"{asked} Thüringen", lang)
    assert message["text"].split("\n")[0] == region_line(lang, "regional_unemployment_rate", "DEG0", 2013)
