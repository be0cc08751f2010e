"""Provenance of every figure (publisher, dataset, reference period, last update at the source; a secondary
value's publisher instead of Eurostat), staleness, the missing-year answer, headline vs breakdown rows, and the
"our own translation" notice per label: on a small database of our own, so each expectation is exact."""

from __future__ import annotations

import re
from datetime import date

import pytest
from rasa_sdk.executor import CollectingDispatcher

import actions.figures
from actions.base import Reply
from actions.figure_text import describe, format_period, format_value, long_date
from actions.figures import ActionIndicator
from actions.occupations import ActionInDemand, ActionOccupationSkills
from lmi4vet.db.models import (
    Dataset,
    Fact,
    Occupation,
    OccupationLabel,
    OccupationSkill,
    Shortage,
    Skill,
    SkillLabel,
)
from lmi4vet.i18n import t
from lmi4vet.kb.facts import Figure, figure_answer, indicators_for_geo, is_stale, next_period, period_end
from tests.conftest import ents, make_tracker
from tests.conftest import run_action as run

NBSP = "\xa0"
NEET_TABLE = "https://ec.europa.eu/eurostat/databrowser/view/edat_lfse_20/default/table"
NOTE = "Eurostat news May 2023 quoted by agensir.it (https://agensir.it/quotidiano/2023/5/26/x)"
ESCO = "http://data.europa.eu/esco/"
OFFICIAL_JOB = "11111111-1111-1111-1111-111111111111"  # German labels: ESCO's own, but one skill is ours
OUR_JOB = "22222222-2222-2222-2222-222222222222"  # German labels all ours; Spanish ones ESCO's
FULLY_OFFICIAL_JOB = "33333333-3333-3333-3333-333333333333"  # ESCO's own labels in German and Spanish


def _fact(dataset: Dataset, indicator: str, geo: str, period: str, value: float | None, **extra) -> Fact:
    return Fact(dataset=dataset, indicator=indicator, geo=geo, period=period, year=int(period[:4]), value=value,
                unit=extra.pop("unit", "percent"), flags=extra.pop("flags", ""),
                secondary=extra.pop("secondary", False), **extra)


def _occupation(session, concept: str, labels: dict[str, tuple[str, bool]],
                skills: list[dict[str, tuple[str, bool]]]) -> None:
    uri = f"{ESCO}occupation/{concept}"
    session.add(Occupation(uri=uri, isco_code="7212", origin="curated"))
    for lang, (label, ours) in labels.items():
        session.add(OccupationLabel(occupation_uri=uri, lang=lang, kind="preferred", label=label,
                                    normalized=label.lower(), project_translation=ours))
    session.flush()
    for number, skill in enumerate(skills):
        skill_uri = f"{ESCO}skill/{concept[:8]}-{number}"
        session.add(Skill(uri=skill_uri, skill_type="skill/competence"))
        session.flush()
        for lang, (label, ours) in skill.items():
            session.add(SkillLabel(skill_uri=skill_uri, lang=lang, kind="preferred", label=label,
                                   project_translation=ours))
        session.add(OccupationSkill(occupation_uri=uri, skill_uri=skill_uri, relation="essential"))
        session.flush()


@pytest.fixture(scope="module")
def prov_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from lmi4vet.db.engine import session_scope, shared_engine, upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('provenance') / 'kb.db'}"
    upgrade(url)
    with session_scope(shared_engine(url)) as session:
        une = Dataset(code="une_rt_a", source_name="Eurostat", title="Unemployment by sex and age - annual data",
                      source_updated=date(2026, 3, 4))
        neet = Dataset(code="edat_lfse_20", source_name="Eurostat", title="NEET, 15-29 (headlines)",
                       source_updated=date(2025, 5, 1))
        jvs = Dataset(code="jvs_q_nace2", source_name="Eurostat", title="Job vacancies")
        session.add_all([une, neet, jvs])
        for period, value in (("2018", 4.2), ("2020", 5.0), ("2021", 5.6), ("2024", 5.4)):
            session.add(_fact(une, "unemployment_rate", "RO", period, value))
        session.add_all([
            _fact(une, "unemployment_rate", "RO", "2025", 6.1, flags="p"),
            _fact(une, "unemployment_rate", "EU27_2020", "2025", 5.9),
            # rows broken down by occupation are not the headline, even when more recent
            _fact(une, "unemployment_rate", "RO", "2025", 9.9, breakdown="isco08=OC7"),
            _fact(une, "unemployment_rate", "RO", "2026", 9.5, breakdown="isco08=OC7"),
            _fact(une, "unemployment_rate", "FR", "2025", 8.8, breakdown="isco08=OC7"),
            _fact(une, "youth_unemployment_rate", "RO", "2025", 26.3),
            _fact(une, "youth_unemployment_rate", "EU27_2020", "2025", 14.8, secondary=True,
                  secondary_publisher="agensir.it", note=NOTE),
            _fact(neet, "neet_rate", "IT", "2023", 16.1, secondary=True, secondary_publisher="agensir.it",
                  note=NOTE),
            _fact(neet, "neet_rate", "IT", "2024", 15.2, secondary=True, secondary_publisher="agensir.it",
                  note=NOTE),
            _fact(neet, "neet_rate", "EU27_2020", "2024", 11.0, secondary=True, note="from a press article"),
            _fact(jvs, "job_vacancy_rate", "NL", "2024-Q4", 4.1),
        ])
        skill = {"en": ("use welding equipment", False), "de": ("Schweißgeräte bedienen", False),
                 "es": ("utilizar equipos de soldadura", False)}
        ours = {"en": ("join metal parts", False), "de": ("Metallteile verbinden", True),
                "es": ("unir piezas metálicas", False)}
        _occupation(session, OFFICIAL_JOB, {"en": ("welder", False), "de": ("Schweißer/Schweißerin", False),
                                            "es": ("soldador/soldadora", False)}, [skill, ours])
        _occupation(session, OUR_JOB, {"en": ("pipe welder", False), "de": ("Rohrschweißer/in", True),
                                       "es": ("soldador de tuberías", True)},
                    [{"en": ("weld pipes", False), "de": ("Rohre schweißen", True),
                      "es": ("soldar tuberías", True)}])
        _occupation(session, FULLY_OFFICIAL_JOB, {"en": ("tig welder", False), "de": ("WIG-Schweißer", False),
                                                  "es": ("soldador TIG", False)}, [skill])
        shortages = Dataset(code="eures_shortages_2023", source_name="European Labour Authority (EURES)",
                            title="EURES Report on labour shortages and surpluses 2023")
        session.add(shortages)
        session.flush()
        session.add(Shortage(dataset_id=shortages.id, geo="EU27_2020", year=2023, rank=1,
                             occupation_uri=f"{ESCO}occupation/{FULLY_OFFICIAL_JOB}"))
    return url


@pytest.fixture
def kb(prov_url: str, monkeypatch: pytest.MonkeyPatch):
    """The provenance database for the actions, with today fixed at 4 December 2026 unless a test moves it."""
    from lmi4vet.db.engine import session_scope, shared_engine

    monkeypatch.setenv("DATABASE_URL", prov_url)
    monkeypatch.setattr(actions.figures, "today", lambda: date(2026, 12, 4))
    with session_scope(shared_engine(prov_url)) as session:
        yield session


def ask(text: str, lang: str, **entities: str) -> tuple[str, list[dict]]:
    messages, _ = run(ActionIndicator(), make_tracker(text, intent="ask_indicator", entities=ents(**entities),
                                                      slots={"language": lang}))
    return messages[0]["text"], messages[0]["buttons"]


# --- a primary figure: publisher, code, localized title, reference period, localized last update ---------------

def test_primary_figure_names_eurostat_dataset_period_and_last_update(kb) -> None:
    text, _ = ask("unemployment romania", "en", indicator="unemployment", country="Romania")
    assert text.split("\n") == [
        "Unemployment rate (ages 15-74), Romania, 2025: 6.1%",
        "EU-27 for 2025: 5.9%",
        "2024: 5.4% (up 0.7 points)",
        f'Source: Eurostat, dataset une_rt_a "{t("en", "datasets.une_rt_a")}"; reference period 2025; '
        "last updated by Eurostat on 4 March 2026.",
        "Eurostat flags: p = provisional.",
    ]


@pytest.mark.parametrize(("lang", "line"), [
    ("de", "Quelle: Eurostat, Datensatz une_rt_a „{title}“; Bezugszeitraum 2025; zuletzt aktualisiert von Eurostat "
           "am 4. März 2026."),
    ("ro", "Sursa: Eurostat, setul de date une_rt_a „{title}”; perioada de referință: 2025; actualizat ultima dată "
           "de Eurostat la 4 martie 2026."),
    ("es", "Fuente: Eurostat, conjunto de datos une_rt_a «{title}»; periodo de referencia: 2025; última "
           "actualización de Eurostat: 4 de marzo de 2026."),
    ("fr", "Source : Eurostat, jeu de données une_rt_a « {title} » ; période de référence : 2025 ; dernière mise à "
           "jour par Eurostat le 4 mars 2026."),
])
def test_primary_provenance_in_the_users_language(kb, lang: str, line: str) -> None:
    text, _ = ask("unemployment romania", lang, indicator="unemployment", country="RO")
    assert text.split("\n")[3] == line.format(title=t(lang, "datasets.une_rt_a"))
    assert "http" not in text  # a fresh primary figure needs no link


def test_dates_and_months_in_each_locale() -> None:
    day = date(2026, 3, 4)
    assert [long_date(day, lang) for lang in ("en", "es", "ro", "fr", "de")] == [
        "4 March 2026", "4 de marzo de 2026", "4 martie 2026", "4 mars 2026", "4. März 2026"]
    assert format_period("2026-01", Reply(CollectingDispatcher(), "de")) == "Januar 2026"
    assert format_period("2026-01", Reply(CollectingDispatcher(), "en")) == "January 2026"
    assert format_period("2024-Q4", Reply(CollectingDispatcher(), "en")) == "Q4 2024"


def test_a_count_of_people_is_not_shown_as_a_percentage() -> None:
    figure = Figure("unemployment_rate", "FR", "2025", 2025, 1234.5, "thousand_persons", "", False, None,
                    "lfsa_egai2d", "Eurostat", "")
    assert format_value(figure, Reply(CollectingDispatcher(), "en")) == "1,234.5 thousand people"
    assert format_value(figure, Reply(CollectingDispatcher(), "de")) == "1.234,5 Tsd. Personen"


# --- a secondary figure: its publisher, never "Source: Eurostat", no admin note, no other link ------------------

ENGLISH_TEMPLATE_WORDS = {word.lower() for key in ("secondary", "secondary_check", "other_secondary_unnamed", "stale",
                                                   "official_table", "source")
                          for word in re.findall(r"[A-Za-z']{4,}", re.sub(r"\{\w+\}", " ", t("en", f"figures.{key}")))}


def test_secondary_figure_in_german_names_its_publisher_and_nothing_english(kb, monkeypatch) -> None:
    monkeypatch.setattr(actions.figures, "today", lambda: date(2026, 7, 1))  # 2025 is usually out by now
    title = t("de", "datasets.edat_lfse_20")
    text, _ = ask("NEET Italien", "de", indicator="neet", country="Italien")
    lines = text.split("\n")
    assert lines[0] == f"{t('de', 'indicators.neet_rate')}, Italien, 2024: 15,2{NBSP}%"
    assert lines[1:] == [
        f"EU-27 für 2024: 11,0{NBSP}%",
        f"2023: 16,1{NBSP}% (minus 0,9 Prozentpunkte)",
        f"Sekundärquelle: agensir.it, gibt Zahlen von Eurostat wieder (Datensatz edat_lfse_20 „{title}“); "
        "Bezugszeitraum 2024.",
        "Der Wert für EU-27, 2024 stammt aus einer Sekundärquelle, nicht aus der Datendatei von Eurostat.",
        "Diese Zahl stammt nicht aus der Datendatei von Eurostat: Prüfe sie in der amtlichen Tabelle, bevor du sie "
        "zitierst.",
        "Das ist der neueste Wert, den ich habe; Eurostat hat um diese Zeit normalerweise schon neuere Zahlen "
        "veröffentlicht, prüfe also die amtliche Tabelle.",
        f"Amtliche Tabelle: {NEET_TABLE}",
    ]
    assert not any(line.startswith("Quelle:") for line in lines)  # never "Source: Eurostat" for this value
    assert re.findall(r"https?://\S+", text) == [NEET_TABLE]
    assert "quoted by" not in text and "press article" not in text and "quotidiano" not in text
    words = {word.lower() for word in re.findall(r"[A-Za-z']{4,}", re.sub(r"https?://\S+", " ", text))}
    assert {"secondary", "reporting", "taken", "check", "official", "quoting"} <= ENGLISH_TEMPLATE_WORDS
    assert not words & (ENGLISH_TEMPLATE_WORDS - {"eurostat"})


def test_secondary_figure_in_english(kb, monkeypatch) -> None:
    monkeypatch.setattr(actions.figures, "today", lambda: date(2026, 6, 30))  # not stale yet
    text, _ = ask("NEET italy", "en", indicator="NEET rate", country="italy")
    assert "\n".join(text.split("\n")[3:]) == "\n".join([
        f'Secondary source: agensir.it, reporting Eurostat figures (dataset edat_lfse_20 '
        f'"{t("en", "datasets.edat_lfse_20")}"); reference period 2024.',
        "The value for EU-27, 2024 comes from a secondary source, not from Eurostat's data file.",
        "Not taken from Eurostat's data file: check the official table before quoting it.",
        f"Official table: {NEET_TABLE}",
    ])
    assert "Source: Eurostat" not in text


def test_a_secondary_comparison_is_named_under_a_primary_figure(kb) -> None:
    text, _ = ask("youth unemployment romania", "en", indicator="youth unemployment", country="Romania")
    lines = text.split("\n")
    assert lines[2].startswith("Source: Eurostat, dataset une_rt_a")
    assert lines[3:] == [
        "The value for EU-27, 2025 comes from a secondary source (agensir.it), not from Eurostat's data file.",
        "Official table: https://ec.europa.eu/eurostat/databrowser/view/une_rt_a/default/table",
    ]


# --- staleness: per frequency, against a fixed today ---------------------------------------------------------

def test_staleness_rule_per_frequency() -> None:
    assert period_end("2024-Q4") == date(2024, 12, 31) and period_end("2025-S1") == date(2025, 6, 30)
    assert period_end("2026-02") == date(2026, 2, 28) and period_end("2024") == date(2024, 12, 31)
    assert [next_period(p) for p in ("2024", "2024-Q4", "2025-S1", "2025-S2", "2026-12")] == [
        "2025", "2025-Q1", "2025-S2", "2026-S1", "2027-01"]
    # annual: 2025 ended 31 Dec 2025, usually out 6 months later
    assert not is_stale("2024", date(2026, 6, 30)) and is_stale("2024", date(2026, 7, 1))
    assert not is_stale("2025", date(2026, 12, 4))
    # quarterly: Q1 2025 ended 31 Mar 2025, usually out 4 months later
    assert not is_stale("2024-Q4", date(2025, 7, 31)) and is_stale("2024-Q4", date(2025, 8, 1))
    # half-yearly: the second half of 2025 ended 31 Dec 2025, usually out 3 months later
    assert not is_stale("2025-S1", date(2026, 3, 31)) and is_stale("2025-S1", date(2026, 4, 1))
    # monthly: February 2026 ended 28 Feb 2026, usually out 2 months later
    assert not is_stale("2026-01", date(2026, 4, 28)) and is_stale("2026-01", date(2026, 4, 29))
    # a declared frequency wins over the period's form; one without a known lag is never stale
    assert is_stale("2024", date(2026, 7, 1), "A") and not is_stale("2022", date(2030, 1, 1), "4Y")


def test_an_old_series_says_so_and_a_fresh_one_does_not(kb, monkeypatch) -> None:
    stale = t("en", "figures.stale", source="Eurostat")
    assert stale == ("This is the latest value I have; Eurostat usually publishes newer figures by now, "
                     "so check the official table.")
    monkeypatch.setattr(actions.figures, "today", lambda: date(2026, 6, 30))
    assert stale not in ask("NEET italy", "en", indicator="NEET rate", country="italy")[0]
    monkeypatch.setattr(actions.figures, "today", lambda: date(2026, 7, 1))
    text = ask("NEET italy", "en", indicator="NEET rate", country="italy")[0]
    assert stale in text and text.count(NEET_TABLE) == 1
    # Romania's 2025 unemployment is fresh in December 2026, stale a year later; an older year asked is not
    monkeypatch.setattr(actions.figures, "today", lambda: date(2026, 12, 4))
    assert stale not in ask("unemployment romania", "en", indicator="unemployment", country="Romania")[0]
    monkeypatch.setattr(actions.figures, "today", lambda: date(2027, 12, 4))
    text = ask("unemployment romania", "en", indicator="unemployment", country="Romania")[0]
    assert text.split("\n")[-2:] == [stale, "Official table: https://ec.europa.eu/eurostat/databrowser/view/une_rt_a/"
                                            "default/table"]
    assert stale not in ask("unemployment romania 2021", "en", indicator="unemployment", country="Romania",
                            year="2021")[0]


def test_stale_in_german(kb, monkeypatch) -> None:
    monkeypatch.setattr(actions.figures, "today", lambda: date(2025, 12, 1))
    text = ask("offene Stellen Niederlande", "de", indicator="offene Stellen", country="Niederlande")[0]
    assert ("Das ist der neueste Wert, den ich habe; Eurostat hat um diese Zeit normalerweise schon neuere Zahlen "
            "veröffentlicht, prüfe also die amtliche Tabelle.") in text


# --- the missing year: the nearest period answered directly ---------------------------------------------------

def test_missing_year_answers_the_nearest_year_directly(kb) -> None:
    text, buttons = ask("unemployment romania 2019", "en", indicator="unemployment", country="Romania", year="2019")
    lines = text.split("\n")
    assert lines[0] == ('I have no value of "Unemployment rate (ages 15-74)" for Romania in '
                        '2019; nearest available: 2020.')
    assert lines[1] == "Unemployment rate (ages 15-74), Romania, 2020: 5.0%"  # 2018 and 2020 tie: the later
    assert "reference period 2020" in lines[2]
    assert buttons[0] == {"title": "2025", "payload": '/ask_indicator{"year":"2025"}'}


def test_missing_year_of_a_quarterly_series_names_the_quarter(kb) -> None:
    text, buttons = ask("vacancies netherlands 2023", "es", indicator="vacantes", country="Países Bajos",
                        year="2023")
    lines = text.split("\n")
    assert lines[0] == t("es", "figures.missing_year", indicator=t("es", "indicators.job_vacancy_rate"),
                         place="Países Bajos", year="2023", nearest=t("es", "figures.quarter", quarter="4",
                                                                      year="2024"))
    assert lines[1].startswith(f"{t('es', 'indicators.job_vacancy_rate')}, Países Bajos, ")
    assert lines[1].endswith(f": 4,1{NBSP}%")
    assert not any(b["title"] == "2024" for b in buttons)  # the year answered is the latest: nothing to offer


# --- the headline ignores breakdown rows -----------------------------------------------------------------------

def test_headline_ignores_breakdown_rows_unless_asked(kb) -> None:
    headline = figure_answer(kb, "unemployment_rate", "RO", today=date(2026, 12, 4))
    assert (headline.figure.period, headline.figure.value, headline.figure.breakdown) == ("2025", 6.1, "")
    assert headline.available_years == [2018, 2020, 2021, 2024, 2025]
    assert headline.figure.source_updated == date(2026, 3, 4) and headline.figure.secondary_publisher is None
    welders = figure_answer(kb, "unemployment_rate", "RO", breakdown="isco08=OC7", today=date(2026, 12, 4))
    assert (welders.figure.period, welders.figure.value, welders.figure.breakdown) == ("2026", 9.5, "isco08=OC7")
    assert "unemployment_rate" not in indicators_for_geo(kb, "FR")  # only broken-down rows for France
    assert figure_answer(kb, "unemployment_rate", "FR").figure is None


def test_describe_never_shows_the_note(kb) -> None:
    answer = figure_answer(kb, "neet_rate", "IT", today=date(2026, 1, 1))
    assert answer.figure.note == NOTE and answer.figure.secondary_publisher == "agensir.it"
    for lang in ("en", "es", "ro", "fr", "de"):
        text = describe(answer, Reply(CollectingDispatcher(), lang))
        assert "agensir.it/" not in text and "quoted" not in text and "agensir.it" in text


# --- "our own translation": per label shown, not per language -------------------------------------------------

def skills_text(concept: str, lang: str) -> str:
    messages, _ = run(ActionOccupationSkills(), make_tracker("/ask_occupation_skills",
                                                             intent="ask_occupation_skills",
                                                             entities=ents(occupation_id=concept),
                                                             slots={"language": lang}))
    return messages[0]["text"]


def test_translation_notice_follows_the_labels_shown(kb) -> None:
    some = t("de", "skills.project_translation_some", language="Deutsch")
    every = t("de", "skills.project_translation", language="Deutsch")
    mixed = skills_text(OFFICIAL_JOB, "de")
    assert "• Metallteile verbinden" in mixed and some in mixed and every not in mixed
    ours = skills_text(OUR_JOB, "de")
    assert every in ours and some not in ours
    official = skills_text(FULLY_OFFICIAL_JOB, "de")
    assert "• Schweißgeräte bedienen" in official
    assert some not in official and every not in official
    # Spanish: the same rule (the pipe welder's Spanish labels are ours; ESCO's for the TIG welder)
    assert t("es", "skills.project_translation", language="español") in skills_text(OUR_JOB, "es")
    assert "nuestra propia traducción" not in skills_text(FULLY_OFFICIAL_JOB, "es")
    assert "nuestra propia traducción" not in skills_text(OFFICIAL_JOB, "es")


def test_jobs_in_demand_with_official_labels_has_no_translation_notice(kb) -> None:
    messages, _ = run(ActionInDemand(), make_tracker("Mangelberufe", intent="ask_in_demand_occupations",
                                                     slots={"language": "de"}))
    text = messages[0]["text"]
    assert "• WIG-Schweißer" in text
    assert "Übersetzung" not in text


@pytest.mark.parametrize(("lang", "shown"), [("en", "Eurostat news release"), ("es", "nota de prensa de Eurostat"),
                                             ("de", "Eurostat-Pressemitteilung")])
def test_a_publisher_that_is_a_description_is_said_in_the_users_language(lang: str, shown: str) -> None:
    from actions.figure_text import publisher_name

    assert publisher_name("Eurostat news release", Reply(CollectingDispatcher(), lang)) == shown
    assert publisher_name("Euronews", Reply(CollectingDispatcher(), lang)) == "Euronews"  # a name stays a name
