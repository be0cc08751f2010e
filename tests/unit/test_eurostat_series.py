"""The real Eurostat series of ../shared/data (SOURCES.md section 2) through the official-format importers: every
stored value is compared with the value read from the shared file here, independently of the importer's code.
Skipped where ../shared/data is absent."""

from __future__ import annotations

import csv
import importlib.util
import itertools
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from lmi4vet.db.engine import make_engine, session_scope, upgrade
from lmi4vet.db.models import Dataset, Fact
from lmi4vet.importers.eurostat import import_eurostat
from lmi4vet.settings import PROJECT_ROOT
from tests.unit.test_real_data import SHARED, needs_shared

EUROSTAT = SHARED / "eurostat"
MONTHLY = EUROSTAT / "une_rt_m__SA_PC_ACT_T__Y_LT25_Y25-74__EU27_2021-12_2026-01.csv"
REGIONAL = EUROSTAT / "lfst_r_lfu3rt__bulk_2014-04.tsv"
FRANCE = EUROSTAT / "fr_jsonstat"
# The 27 member states as named in Eurostat's English labels.
COUNTRIES = {
    "Austria": "AT", "Belgium": "BE", "Bulgaria": "BG", "Croatia": "HR", "Cyprus": "CY", "Czechia": "CZ",
    "Denmark": "DK", "Estonia": "EE", "Finland": "FI", "France": "FR", "Germany": "DE", "Greece": "EL",
    "Hungary": "HU", "Ireland": "IE", "Italy": "IT", "Latvia": "LV", "Lithuania": "LT", "Luxembourg": "LU",
    "Malta": "MT", "Netherlands": "NL", "Poland": "PL", "Portugal": "PT", "Romania": "RO", "Slovakia": "SK",
    "Slovenia": "SI", "Spain": "ES", "Sweden": "SE",
}
JSONSTAT = {  # file -> (indicator, dimensions stored as the breakdown)
    "eurostat_lfsa_egai2d_fr_2019_2024.json": ("employment_by_occupation", ("isco08",)),
    "eurostat_lfsa_egised_fr_2024.json": ("employment_by_occupation_education", ("isco08", "isced11")),
    "eurostat_earn_ses22_25_fr.json": ("mean_earnings_by_occupation", ("isco08", "sizeclas")),
}

pytestmark = needs_shared


@pytest.fixture
def engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'series.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def stored(session, indicator: str) -> dict[tuple[str, str, str], tuple[float | None, str]]:
    """``{(geo, period, breakdown): (value, flags)}`` of one indicator."""
    return {(f.geo, f.period, f.breakdown): (f.value, f.flags)
            for f in session.execute(select(Fact).where(Fact.indicator == indicator)).scalars()}


def source_updated(session, code: str) -> date | None:
    return session.execute(select(Dataset.source_updated).where(Dataset.code == code)).scalar_one()


def test_monthly_unemployment_labels_variant(engine) -> None:
    ages = {"Less than 25 years": "youth_unemployment_monthly", "From 25 to 74 years": "unemployment_25_74_monthly"}
    expected: dict[str, dict] = {code: {} for code in ages.values()}
    with MONTHLY.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            expected[ages[row["age"]]][(COUNTRIES[row["geo"]], row["TIME_PERIOD"], "")] = (
                float(row["OBS_VALUE"]), row["OBS_FLAG"])
    assert sum(len(values) for values in expected.values()) == 2691  # as SOURCES.md says
    with session_scope(engine) as session:
        report = import_eurostat(session, MONTHLY)
        assert (report.rows_ok, report.rows_bad, report.rows_skipped) == (2691, 0, 0)
        for indicator, values in expected.items():
            assert stored(session, indicator) == values
        assert source_updated(session, "une_rt_m") == date(2026, 3, 4)  # LAST UPDATE 04/03/26
        assert not session.execute(select(Fact).where(Fact.geo.like("EU%"))).first()  # no EU aggregate invented


def _jsonstat_cells(path: Path) -> list[tuple[dict[str, str], float | None, str]]:
    """Every cell of a JSON-stat file with a value or a status: (categories by dimension, value, status)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    orders = []
    for name in data["id"]:
        index = data["dimension"][name]["category"]["index"]
        orders.append(sorted(index, key=index.get) if isinstance(index, dict) else list(index))
    values, status = data["value"], data.get("status", {})
    cells = []
    for flat, combination in enumerate(itertools.product(*orders)):
        value, flag = values.get(str(flat)), status.get(str(flat), "")
        if value is not None or flag:
            cells.append((dict(zip(data["id"], combination, strict=True)), value, flag))
    return cells


@pytest.mark.parametrize("file_name", sorted(JSONSTAT))
def test_france_jsonstat(engine, file_name: str) -> None:
    path = FRANCE / file_name
    indicator, breakdown = JSONSTAT[file_name]
    expected = {}
    for categories, value, flag in _jsonstat_cells(path):
        key = ";".join(f"{d}={categories[d]}" for d in breakdown if categories[d] != "TOTAL")
        expected[(categories["geo"], categories["time"], key)] = (value, flag)
    updated = date.fromisoformat(json.loads(path.read_text(encoding="utf-8"))["updated"][:10])
    with session_scope(engine) as session:
        report = import_eurostat(session, path)
        assert report.rows_ok == len(expected) and report.rows_bad == 0
        assert stored(session, indicator) == expected
        code = session.execute(select(Dataset.code)).scalar_one()
        assert source_updated(session, code) == updated
    if indicator == "employment_by_occupation":
        assert len(expected) == 320 and expected[("FR", "2024", "isco08=OC72")][0] is not None
    if indicator == "employment_by_occupation_education":
        # France 2024 has no general/vocational split (ED34_44, ED35_45 are "positions with no data")
        assert not [key for key in expected if "ED35_45" in key[2] or "ED34_44" in key[2]]
        assert expected[("FR", "2024", "isco08=OC7;isced11=ED3_4")][0] is not None
    if indicator == "mean_earnings_by_occupation":
        assert all("sizeclas=" in key[2] for key in expected)  # no all-sizes class in the survey table


def _regional_rows() -> dict[str, dict[tuple[str, str, str], tuple[float | None, str]]]:
    ages = {"Y_GE15": "regional_unemployment_rate", "Y15-24": "regional_youth_unemployment_rate"}
    expected: dict[str, dict] = {code: {} for code in ages.values()}
    lines = REGIONAL.read_text(encoding="utf-8").splitlines()
    years = [cell.strip() for cell in lines[0].split("\t")[1:]]
    for line in lines[1:]:
        cells = line.split("\t")
        age, sex, geo = cells[0].split(",")
        if age not in ages or sex != "T" or len(geo) != 4 or geo.startswith(("EU", "EA")):
            continue
        for year, cell in zip(years, cells[1:], strict=True):
            number, _, flag = cell.strip().partition(" ")
            expected[ages[age]][(geo, year, "")] = (None if number == ":" else float(number), flag.strip())
    return expected


def test_regional_unemployment_nuts2(engine) -> None:
    expected = _regional_rows()
    assert {geo[:2] for geo, _, _ in expected["regional_unemployment_rate"]} >= {"ES", "RO", "FR", "DE"}
    with session_scope(engine) as session:
        report = import_eurostat(session, REGIONAL)
        assert report.rows_bad == 0
        for indicator, values in expected.items():
            assert stored(session, indicator) == values
        assert stored(session, "regional_unemployment_rate")[("FR10", "2013", "")] == (8.9, "")  # Île de France
        assert source_updated(session, "lfst_r_lfu3rt") is None  # the old bulk file has no LAST UPDATE


def test_curation_reproduces_the_default_files(tmp_path: Path) -> None:
    """data/curation/curate_eurostat.py, run on ../shared/data, writes exactly the files in data/defaults."""
    spec = importlib.util.spec_from_file_location("curate_eurostat", PROJECT_ROOT / "data/curation/curate_eurostat.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.OUT = tmp_path
    for step in (module.une_rt_a, module.headlines, module.une_rt_m, module.lfst_r_lfu3rt, module.france_jsonstat):
        step(SHARED)
    defaults = PROJECT_ROOT / "data" / "defaults" / "eurostat"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in defaults.iterdir())
    for path in tmp_path.iterdir():
        assert path.read_bytes() == (defaults / path.name).read_bytes(), path.name


def test_defaults_hold_the_shared_values(db_url: str) -> None:
    """The curated extracts loaded by db init carry the shared files' values, breakdowns and update dates."""
    from lmi4vet.cli import prepare_database

    prepare_database(db_url, quiet=True)
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        for file_name, (indicator, breakdown) in JSONSTAT.items():
            expected = {}
            for categories, value, flag in _jsonstat_cells(FRANCE / file_name):
                key = ";".join(f"{d}={categories[d]}" for d in breakdown if categories[d] != "TOTAL")
                expected[(categories["geo"], categories["time"], key)] = (value, flag)
            assert stored(session, indicator) == expected, indicator
        regional = _regional_rows()
        for indicator, values in regional.items():
            assert stored(session, indicator) == values
        monthly = stored(session, "youth_unemployment_monthly")
        with MONTHLY.open(encoding="utf-8-sig", newline="") as handle:
            spain = [row for row in csv.DictReader(handle)
                     if row["geo"] == "Spain" and row["age"] == "Less than 25 years"]
        assert [monthly[("ES", row["TIME_PERIOD"], "")][0] for row in spain] == [float(r["OBS_VALUE"]) for r in spain]
    engine.dispose()
