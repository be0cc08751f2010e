"""Figures, jobs in demand and skills through the actions, on the embedded default dataset, in every language.

Expected figures are those of Eurostat's une_rt_a and earn_mw_cur as curated in data/defaults.
"""

from __future__ import annotations

import pytest
import yaml
from rasa_sdk.events import SlotSet

from actions.figures import ActionIndicator
from actions.occupations import ActionInDemand, ActionOccupationSkills
from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.i18n import t
from lmi4vet.settings import PROJECT_ROOT
from tests.conftest import ents, make_tracker
from tests.conftest import run_action as run

NBSP = "\xa0"
WELDER = "http://data.europa.eu/esco/occupation/7aedaa07-3884-4c5b-88f9-80997b2aa54b"




ROMANIA_2025 = {  # une_rt_a, Y15-74: RO 2025 6.1, 2024 5.4; EU27_2020 2025 6.0
    "en": ("Unemployment rate (ages 15-74), Romania, 2025: 6.1%", "EU-27 for 2025: 6.0%", "2024: 5.4% (up 0.7 points)"),
    "es": (f"Tasa de paro (15-74 años), Rumanía, 2025: 6,1{NBSP}%", f"UE-27 en 2025: 6,0{NBSP}%",
           f"2024: 5,4{NBSP}% (sube 0,7 puntos)"),
    "ro": (f"Rata șomajului (15-74 de ani), România, 2025: 6,1{NBSP}%", f"UE-27 pentru 2025: 6,0{NBSP}%",
           f"2024: 5,4{NBSP}% (în creștere cu 0,7 puncte)"),
    "fr": (f"Taux de chômage (15-74 ans), Roumanie, 2025 : 6,1{NBSP}%", f"UE-27 pour 2025 : 6,0{NBSP}%",
           f"2024 : 5,4{NBSP}% (en hausse de 0,7 point(s))"),
    "de": (f"Arbeitslosenquote (15-74 Jahre), Rumänien, 2025: 6,1{NBSP}%", f"EU-27 für 2025: 6,0{NBSP}%",
           f"2024: 5,4{NBSP}% (plus 0,7 Prozentpunkte)"),
}
MANIFEST_DATES = {entry["file"].split("/")[-1]: entry["extracted_on"] for entry in yaml.safe_load(
    (PROJECT_ROOT / "data" / "defaults" / "manifest.yml").read_text(encoding="utf-8"))["eurostat"]}
QUESTIONS = {"en": ("unemployment", "Romania"), "es": ("paro", "Rumanía"), "ro": ("somajul", "romania"),
             "fr": ("chômage", "Roumanie"), "de": ("Arbeitslosigkeit", "Rumänien")}


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_latest_figure_with_comparisons_and_source(kb_url, kb_session, lang: str) -> None:
    from sqlalchemy import select

    from actions.figure_text import long_date
    from lmi4vet.db.models import Dataset

    updated, retrieved = kb_session.execute(select(Dataset.source_updated, Dataset.extracted_on)
                                            .where(Dataset.code == "une_rt_a")).one()
    assert updated is None and retrieved == MANIFEST_DATES["une_rt_a.tsv"]  # a bulk TSV says no update date
    indicator, country = QUESTIONS[lang]
    tracker = make_tracker(f"{indicator} {country}", intent="ask_indicator",
                           entities=ents(indicator=indicator, country=country), slots={"language": lang})
    messages, events = run(ActionIndicator(), tracker)
    lines = messages[0]["text"].split("\n")
    assert lines[:3] == list(ROMANIA_2025[lang])
    source = {"source": "Eurostat", "dataset": "une_rt_a", "title": t(lang, "datasets.une_rt_a"), "period": "2025"}
    assert lines[3] == t(lang, "figures.source_retrieved", retrieved=long_date(retrieved, lang), **source)
    assert SlotSet("indicator", "unemployment_rate") in events and SlotSet("country", "RO") in events


def test_specific_year_and_flags(kb_url) -> None:
    tracker = make_tracker("youth unemployment Spain 2024", intent="ask_indicator",
                           entities=ents(indicator="youth unemployment", country="Spain", year="2024"),
                           slots={"language": "en"})
    messages, _ = run(ActionIndicator(), tracker)
    text = messages[0]["text"]
    assert text.startswith("Youth unemployment rate (ages 15-24), Spain, 2024: 26.5%\nEU-27 for 2024: 15.0%\n"
                           "2023: 28.7% (down 2.2 points)")
    assert "Eurostat flags: d = definition differs." in text


def test_follow_ups_reuse_the_previous_question(kb_url) -> None:
    slots = {"language": "en", "indicator": "unemployment_rate", "country": "RO", "last_topic": "indicator"}
    germany, events = run(ActionIndicator(), make_tracker("and in Germany?", intent="ask_indicator",
                                                          entities=ents(country="Germany"), slots=slots))
    assert germany[0]["text"].startswith("Unemployment rate (ages 15-74), Germany, 2025: 3.8%")
    young, _ = run(ActionIndicator(), make_tracker("and for young people?", intent="ask_indicator",
                                                   entities=ents(indicator="young people"), slots=slots))
    assert young[0]["text"].startswith("Youth unemployment rate (ages 15-24), Romania, 2025:")
    year, events = run(ActionIndicator(), make_tracker("what about 2020?", intent="ask_indicator",
                                                       entities=ents(year="2020"), slots=slots))
    assert year[0]["text"].startswith("Unemployment rate (ages 15-74), Romania, 2020: 6.1%")
    assert SlotSet("year", "2020") in events


def test_missing_year_answers_the_nearest_without_inventing(kb_url) -> None:
    tracker = make_tracker("unemployment romania 2010", intent="ask_indicator",
                           entities=ents(indicator="unemployment", country="romania", year="2010"),
                           slots={"language": "en"})
    messages, events = run(ActionIndicator(), tracker)
    lines = messages[0]["text"].split("\n")
    assert lines[0] == t("en", "figures.missing_year", indicator="Unemployment rate (ages 15-74)",
                         place="Romania", year="2010", nearest="2015")
    assert lines[0] == ('I have no value of "Unemployment rate (ages 15-74)" for Romania in '
                        '2010; nearest available: 2015.')
    assert lines[1].startswith("Unemployment rate (ages 15-74), Romania, 2015: ")
    assert messages[0]["buttons"][0] == {"title": "2025", "payload": '/ask_indicator{"year":"2025"}'}
    assert SlotSet("year", "2010") in events


def test_minimum_wage_in_euros_per_month(kb_url) -> None:
    tracker = make_tracker("salariul minim romania", intent="ask_indicator",
                           entities=ents(indicator="salariul minim", country="romania"), slots={"language": "ro"})
    messages, _ = run(ActionIndicator(), tracker)
    assert messages[0]["text"].startswith(f"Salariul minim lunar, România, ianuarie 2025: 814,00{NBSP}EUR pe lună\n"
                                          f"UE-27 pentru ianuarie 2025:") is False
    lines = messages[0]["text"].split("\n")
    assert lines[0] == f"Salariul minim lunar, România, ianuarie 2025: 814,00{NBSP}EUR pe lună"
    assert "perioada de referință: ianuarie 2025" in lines[1]
    assert "earn_mw_cur „Salariile minime lunare - date semestriale”" in lines[1]


def test_secondary_sources_are_marked(kb_url) -> None:
    tracker = make_tracker("NEET rate italy", intent="ask_indicator", entities=ents(indicator="NEET rate",
                                                                                    country="italy"),
                           slots={"language": "en"})
    messages, _ = run(ActionIndicator(), tracker)
    text = messages[0]["text"]
    assert "Italy, 2024: 15.2%" in text
    assert "Secondary source: " in text and "Source: Eurostat" not in text
    assert "Not taken from Eurostat's data file: check the official table before quoting it." in text
    assert "quoted by" not in text and "euronews" not in text  # the admins' note never reaches users


def test_unknown_country_gets_suggestions(kb_url) -> None:
    tracker = make_tracker("chômage en Atlantide", intent="ask_indicator",
                           entities=ents(indicator="chômage", country="Atlantide"), slots={"language": "fr"})
    messages, _ = run(ActionIndicator(), tracker)
    assert messages[0]["text"] == t("fr", "figures.unknown_country", name="Atlantide")
    assert [b["title"] for b in messages[0]["buttons"]] == ["Roumanie", "Espagne", "Allemagne", "France", "Italie",
                                                            "UE-27"]


def test_no_indicator_asks_which_one(kb_url, kb_session) -> None:
    from lmi4vet.kb.facts import indicators_for_geo

    messages, _ = run(ActionIndicator(), make_tracker("/ask_indicator", intent="ask_indicator",
                                                           slots={"language": "de"}))
    assert messages[0]["text"] == t("de", "figures.which_indicator", place="EU-27")
    offered = [b["payload"] for b in messages[0]["buttons"]]
    # only figures the EU-27 has (no EU minimum wage), at most six
    assert offered == [f'/ask_indicator{{"indicator":"{code}"}}' for code in indicators_for_geo(kb_session,
                                                                                               "EU27_2020")[:6]]
    assert offered[0] == '/ask_indicator{"indicator":"unemployment_rate"}' and len(offered) >= 5
    assert '/ask_indicator{"indicator":"minimum_wage"}' not in offered


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_jobs_in_demand_with_source_and_year(kb_url, lang: str) -> None:
    messages, _ = run(ActionInDemand(), make_tracker("jobs in demand", intent="ask_in_demand_occupations",
                                                          slots={"language": lang}))
    text = messages[0]["text"]
    assert text.startswith(t(lang, "in_demand.header", place=t(lang, "figures.eu27"), year="2023",
                             source=t(lang, "sources.european_labour_authority"),
                             title=t(lang, "datasets.eures_shortages_2023")))
    assert text.count("• ") == 6
    assert all(b["payload"].startswith('/ask_occupation_skills{"occupation_id":"') for b in messages[0]["buttons"])


def test_jobs_in_demand_for_a_country_without_a_list(kb_url) -> None:
    messages, _ = run(ActionInDemand(), make_tracker("jobs in demand in the Netherlands",
                                                     intent="ask_in_demand_occupations",
                                                     entities=ents(country="Netherlands"), slots={"language": "en"}))
    text = messages[0]["text"]
    assert text.startswith(t("en", "in_demand.no_country_list", place="Netherlands"))
    assert "Job vacancy rate, Netherlands, Q4 2024: 4.1%" in text


WELDER_QUERIES = {"en": ("what skills does a welder need", "welder"),
                  "es": ("qué competencias piden a los soldadores", "soldadores"),
                  "ro": ("ce competente trebuie sa aiba sudorii", "sudorii"),
                  "fr": ("quelles compétences pour une soudeuse", "soudeuse"),
                  "de": ("was muss eine Schweisserin können", "Schweisserin")}


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_skills_for_a_welder_in_every_language(kb_url, lang: str) -> None:
    text, occupation = WELDER_QUERIES[lang]
    tracker = make_tracker(text, intent="ask_occupation_skills", entities=ents(occupation=occupation),
                           slots={"language": lang})
    messages, events = run(ActionOccupationSkills(), tracker)
    text = messages[0]["text"]
    lines = text.split("\n")
    assert [line[:2] for line in lines[1:12]] == ["• "] * 10 + [t(lang, "skills.page", page="1", pages="4",
                                                                     total="36")[:2]]
    assert t(lang, "skills.page", page="1", pages="4", total="36") in text
    assert f"https://esco.ec.europa.eu/{lang}/classification/occupation?uri={WELDER}" in text
    assert t(lang, "skills.attribution") in text
    assert messages[0]["buttons"][0]["payload"] == (
        '/ask_occupation_skills{"occupation_id":"7aedaa07-3884-4c5b-88f9-80997b2aa54b","page":"2"}')
    assert SlotSet("occupation", WELDER) in events


def test_skill_labels_are_in_the_users_language(kb_url) -> None:
    tracker = make_tracker("Welche Skills braucht ein Schweißer", intent="ask_occupation_skills",
                           entities=ents(occupation="Schweißer"), slots={"language": "de"})
    text = run(ActionOccupationSkills(), tracker)[0][0]["text"]
    assert text.split("\n")[1] == "• 2D-Pläne interpretieren"
    assert t("de", "skills.project_translation", language="Deutsch") in text


def test_more_pages_and_the_last_page(kb_url, kb_session) -> None:
    from lmi4vet.kb.occupations import essential_skills

    welder_skills_en = [skill.label for skill in essential_skills(kb_session, WELDER, "en")]
    payload = ents(occupation_id="7aedaa07-3884-4c5b-88f9-80997b2aa54b", page="4")
    messages, _ = run(ActionOccupationSkills(), make_tracker("/ask_occupation_skills", intent="ask_occupation_skills",
                                                             entities=payload, slots={"language": "en"}))
    text = messages[0]["text"]
    assert [line for line in text.split("\n") if line.startswith("• ")] == \
        [f"• {label}" for label in welder_skills_en[30:36]]  # the last 6 of 36
    assert t("en", "skills.page", page="4", pages="4", total="36") in text
    assert [b["title"] for b in messages[0]["buttons"]] == [t("en", "menu.in_demand")]


def test_ambiguous_job_offers_three_candidates(kb_url) -> None:
    messages, _ = run(ActionOccupationSkills(), make_tracker("skills electric", intent="ask_occupation_skills",
                                                             entities=ents(occupation="electric"),
                                                             slots={"language": "en"}))
    assert messages[0]["text"] == t("en", "skills.candidates", query="electric")
    buttons = messages[0]["buttons"]  # the only three occupations that match, all with the same score
    assert [b["title"] for b in buttons] == ["electrical equipment assembler", "electrician", "domestic electrician"]
    assert [b["payload"] for b in buttons] == [f'/ask_occupation_skills{{"occupation_id":"{concept}"}}' for concept in
                                               ["3e524c3e-3ee8-47dd-8463-2c2a41b548bf",
                                                "4910419f-b4af-4f59-b544-9dbebc8a74f0",
                                                "5dbb9cf0-b226-402c-a295-2f42ef05ff8b"]]


def test_unknown_job(kb_url) -> None:
    messages, _ = run(ActionOccupationSkills(), make_tracker("skills for a xqzvt", intent="ask_occupation_skills",
                                                             entities=ents(occupation="xqzvt"),
                                                             slots={"language": "es"}))
    assert messages[0]["text"] == t("es", "skills.not_found", query="xqzvt")
    assert messages[0]["buttons"]


def test_database_down_gets_a_clear_answer(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    tracker = make_tracker("unemployment romania", intent="ask_indicator",
                           entities=ents(indicator="unemployment", country="romania"), slots={"language": "ro"})
    messages, _ = run(ActionIndicator(), tracker)
    assert messages[-1]["text"] == t("ro", "errors.database")


@pytest.mark.parametrize(("text", "code"), [
    # German typed with ae/oe/ue for the umlauts
    ("beschaeftigte in Deutschland", "employment_rate"), ("erwerbstaetige", "employment_rate"),
    ("arbeitslosenquote muenchen", "unemployment_rate"), ("Beschaeftigte nach Beruf", "employment_by_occupation"),
    # misspelt names
    ("monthly unemployement", "unemployment_25_74_monthly"), ("unemplyment in Spain", "unemployment_rate"),
    ("somajull in Romania", "unemployment_rate"), ("chomage", "unemployment_rate"),
    ("arbeitslosikeit", "unemployment_rate"), ("unemployed", "unemployment_rate"),
    # earnings without the usual words
    ("salariu sudor", "mean_earnings_by_occupation"), ("cat ia un bucatar in Franta", "mean_earnings_by_occupation"),
    ("what does a cook make in France", "mean_earnings_by_occupation"), ("make it shorter", None),
    ("salariu minim Romania", "minimum_wage"),
    # under 25 with a month word: the monthly youth series
    ("jobless under 25 monthly", "youth_unemployment_monthly"), ("paro menores de 25", "youth_unemployment_rate"),
    ("tineri sub 25 luna trecuta", "youth_unemployment_monthly"),
])
def test_resolve_indicator_second_chances(text: str, code: str) -> None:
    from lmi4vet.kb.indicators import resolve_indicator

    assert resolve_indicator(text) == code


@pytest.mark.parametrize("text", ["employer", "employee", "employed in France", "quelle", "Georgia", "bueno"])
def test_resolve_indicator_does_not_invent_an_indicator(text: str) -> None:
    from lmi4vet.kb.indicators import resolve_indicator

    assert resolve_indicator(text) is None


def test_a_misspelt_longer_name_beats_a_shorter_one_written_right() -> None:
    from lmi4vet.kb.indicators import resolve_indicator

    assert resolve_indicator("paro juvenill") == "youth_unemployment_rate"
    assert resolve_indicator("chomage des jeunnes") == "youth_unemployment_rate"
    assert resolve_indicator("how many people are employed in France") is None  # short words are never bent
