"""Imports of the real ESCO and Eurostat files in ../shared/data (skipped where that folder is absent),
the default dataset on both databases, and the migrations up and down."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, update

from lmi4vet.cli import prepare_database
from lmi4vet.db.engine import downgrade, make_engine, session_scope, upgrade
from lmi4vet.db.models import Dataset, Fact, OccupationLabel, OccupationSkill
from lmi4vet.importers.esco import import_esco
from lmi4vet.importers.eurostat import import_eurostat
from lmi4vet.kb.facts import figure_answer
from lmi4vet.kb.occupations import OccupationIndex, decide
from lmi4vet.settings import PROJECT_ROOT

SHARED = Path(PROJECT_ROOT.parent / "shared" / "data")
WELDER = "http://data.europa.eu/esco/occupation/7aedaa07-3884-4c5b-88f9-80997b2aa54b"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} not present")


@needs_shared
def test_real_eurostat_une_rt_a(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'real.db'}"
    upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        report = import_eurostat(session, SHARED / "eurostat" / "une_rt_a__PC_ACT_T__Y15-24_Y15-74.tsv",
                                 dataset="une_rt_a")
        assert report.rows_bad == 0 and report.rows_ok == 76 * 23
    with session_scope(engine) as session:
        belgium = figure_answer(session, "youth_unemployment_rate", "BE", 2017)
        assert (belgium.figure.value, belgium.figure.flags) == (19.4, "b")
    engine.dispose()


@needs_shared
def test_real_esco_english_package_merged_with_french_and_spanish(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'esco.db'}"
    upgrade(url)
    engine = make_engine(url)
    esco = SHARED / "esco"
    with session_scope(engine) as session:
        report = import_esco(session, [esco / "v1.1.1_en", esco / "v1.1.1_relations",
                                       esco / "fr" / "api_v1.2.1_trimmed", esco / "es" / "v1.0.x_official"])
    assert report.details["occupations_en"] == 3007 and report.details["skills_en"] == 13896
    with session_scope(engine) as session:
        essential = session.execute(select(func.count()).select_from(OccupationSkill).where(
            OccupationSkill.occupation_uri == WELDER, OccupationSkill.relation == "essential")).scalar_one()
        assert essential == 36  # as SOURCES.md says
        french = session.execute(select(OccupationLabel.label).where(
            OccupationLabel.occupation_uri == WELDER, OccupationLabel.lang == "fr",
            OccupationLabel.kind == "preferred")).scalar_one()
        assert "soudeur" in french
        index = OccupationIndex.load(session)
        assert decide(index.search("oxy-fuel welder", "en"))[0] == WELDER  # an ESCO alternative label
    engine.dispose()


def test_default_dataset_loads_on_both_databases(db_url: str) -> None:
    prepare_database(db_url, quiet=True)
    prepare_database(db_url, quiet=True)  # unchanged: nothing reloaded
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        answer = figure_answer(session, "unemployment_rate", "RO")
        assert (answer.figure.period, answer.figure.value, answer.figure.dataset) == ("2025", 6.1, "une_rt_a")
        labels = session.execute(select(func.count()).select_from(OccupationLabel).where(
            OccupationLabel.kind == "preferred")).scalar_one()
        assert labels == 196 * 5
    engine.dispose()


TRANSCRIBED = ("lfsi_emp_a", "earn_mw_cur", "edat_lfse_20", "jvs_q_nace2")


def test_default_dataset_provenance(db_url: str) -> None:
    """Every transcribed figure is secondary and names its publisher; the official files' figures are not
    secondary and their datasets carry the source's last update; breakdowns are stored."""
    prepare_database(db_url, quiet=True)
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        rows = session.execute(select(Dataset.code, Fact.secondary, Fact.secondary_publisher)
                               .join(Dataset, Fact.dataset_id == Dataset.id)).all()
        transcribed = [(secondary, publisher) for code, secondary, publisher in rows if code in TRANSCRIBED]
        assert len(transcribed) == 28 + 27 + 16 + 42
        assert all(secondary and publisher for secondary, publisher in transcribed)
        assert {publisher for _, publisher in transcribed} == {
            "Eurostat, Statistics Explained", "Eurostat news release", "apiardata.com", "europe-data.com",
            "agensir.it", "TRT Global", "Euronews"}
        official = [(secondary, publisher) for code, secondary, publisher in rows if code not in TRANSCRIBED]
        assert official and not any(secondary or publisher for secondary, publisher in official)
        malta = session.execute(select(Fact.secondary_publisher).where(
            Fact.indicator == "employment_rate", Fact.geo == "MT")).scalar_one()
        assert malta == "Eurostat, Statistics Explained"  # Eurostat's 83.0, not the aggregator's 82.7
        updated = dict(session.execute(select(Dataset.code, Dataset.source_updated)).all())
        assert (updated["une_rt_m"], updated["lfsa_egai2d"], updated["lfsa_egised"], updated["earn_ses22_25"]) == (
            date(2026, 3, 4), date(2026, 4, 17), date(2026, 4, 17), date(2026, 2, 9))
        assert updated["une_rt_a"] is None and updated["lfsi_emp_a"] is None  # no LAST UPDATE in those files
        welders = session.execute(select(Fact.value, Fact.unit).where(
            Fact.indicator == "employment_by_occupation", Fact.geo == "FR", Fact.period == "2024",
            Fact.breakdown == "isco08=OC72")).one()
        assert welders.unit == "thousand_persons" and welders.value > 0
        breakdowns = set(session.execute(select(Fact.breakdown).where(
            Fact.indicator == "mean_earnings_by_occupation")).scalars())
        assert "isco08=OC7;sizeclas=10-49" in breakdowns and "sizeclas=GE1000" in breakdowns
        # one figure per indicator, place, period and breakdown: never a transcribed and a real one side by side
        keys = session.execute(select(Fact.indicator, Fact.geo, Fact.period, Fact.breakdown)).all()
        assert len(keys) == len(set(keys))
    engine.dispose()


def test_default_reload_corrects_figures_once_stored_as_official(db_url: str) -> None:
    """A database loaded before the transcribed rows were marked secondary gets them marked on the next load."""
    prepare_database(db_url, quiet=True)
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        session.execute(update(Fact).values(secondary=False, secondary_publisher=None))
    prepare_database(db_url, force=True, quiet=True)
    with session_scope(engine) as session:
        flags = session.execute(select(Fact.secondary, Fact.secondary_publisher).join(Dataset).where(
            Dataset.code.in_(TRANSCRIBED))).all()
        assert len(flags) == 113 and all(secondary and publisher for secondary, publisher in flags)
    engine.dispose()


def test_migrations_go_down_and_up(db_url: str) -> None:
    engine = make_engine(db_url)
    assert "facts" in inspect(engine).get_table_names()
    downgrade(db_url, "base")
    assert "facts" not in inspect(engine).get_table_names()
    upgrade(db_url)
    assert "facts" in inspect(engine).get_table_names()
    engine.dispose()
