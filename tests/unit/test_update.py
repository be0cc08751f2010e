"""``lmi4vet update``: Eurostat and ESCO refreshes against the local stand-ins (tests/standins/eurostat.py, esco.py)
serving the real files of shared/data: first import, up to date, a revision and a new period reported exactly, a
500, a timeout, a maintenance page, a truncated file (database unchanged, reason, exit code 1), the ESCO German
labels replacing our translations label by label, and the console's "data as of" table."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from lmi4vet import cli
from lmi4vet.cli import prepare_database
from lmi4vet.db.engine import make_engine, session_scope, upgrade
from lmi4vet.db.models import Dataset, Fact, ImportRun, OccupationLabel, SkillLabel
from lmi4vet.importers import update
from tests.standins.esco import PACKAGES, EscoStandIn
from tests.standins.eurostat import EurostatStandIn

TIMEOUT = 0.4  # the client's; the stand-in's "timeout" answers after 1 s
AT_2025 = ("unemployment_rate", "AT", "2025", "")


BUS_DRIVER = "http://data.europa.eu/esco/occupation/00cee175-1376-43fb-9f02-ba3d7a910a58"


@pytest.fixture(scope="module")
def eurostat():
    standin = EurostatStandIn(delay=1.0).start()
    yield standin
    standin.stop()


@pytest.fixture
def api(eurostat):
    eurostat.reset()
    yield eurostat
    eurostat.reset()


@pytest.fixture
def engine(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def facts(engine, dataset: str = "une_rt_a") -> dict:
    with session_scope(engine) as session:
        rows = session.execute(select(Fact.indicator, Fact.geo, Fact.period, Fact.breakdown, Fact.value, Fact.flags)
                               .join(Dataset).where(Dataset.code == dataset)).all()
        return {tuple(r[:4]): (r[4], r[5]) for r in rows}


def source_updated(engine, dataset: str = "une_rt_a"):
    with session_scope(engine) as session:
        return session.execute(select(Dataset.source_updated).where(Dataset.code == dataset)).scalar_one_or_none()


def runs(engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as session:
        return [(r.kind, r.status, r.message) for r in session.execute(select(ImportRun).order_by(ImportRun.id))
                .scalars()]


def test_the_request_asks_for_our_series_only() -> None:
    url, params, fmt = update.eurostat_request("https://ec.europa.eu/eurostat/api/dissemination/", "une_rt_a")
    assert url == "https://ec.europa.eu/eurostat/api/dissemination/sdmx/2.1/data/UNE_RT_A/.Y15-24+Y15-74.PC_ACT.T."
    assert params == {"format": "SDMX-CSV", "compressed": "false"} and fmt == "sdmx-csv"
    url, params, fmt = update.eurostat_request("http://x", "earn_ses22_25")
    assert url == "http://x/statistics/1.0/data/earn_ses22_25" and fmt == "json-stat"
    assert params["lang"] == "en" and params["indic_se"] == "ERN"
    assert "une_rt_a" in update.api_datasets() and "lfst_r_lfu3rt" not in update.api_datasets()


def test_the_key_follows_the_data_structure_definition(api, engine) -> None:
    result = update.update_eurostat_dataset(engine, "une_rt_m", api.url, TIMEOUT)
    assert result.status == "changed" and result.after == 2691, result.lines()
    assert api.calls_of("datastructure", dataset="une_rt_m")
    assert api.calls_of("sdmx", dataset="une_rt_m")[-1].params["key"] == ".SA.Y25-74+Y_LT25.PC_ACT.T."
    assert update.dsd_dimensions(api.url, "une_rt_m", TIMEOUT) == ("freq", "s_adj", "age", "unit", "sex", "geo")
    assert update.dsd_dimensions(api.url, "lfsi_emp_a", TIMEOUT) is None  # unknown there: fetched whole
    assert update.eurostat_request("http://x", "lfsi_emp_a")[0] == "http://x/sdmx/2.1/data/LFSI_EMP_A"


def test_first_import_then_up_to_date(api, engine) -> None:
    result = update.update_eurostat_dataset(engine, "une_rt_a", api.url, TIMEOUT)
    assert result.status == "changed" and result.before == 0 and result.after == 1270
    assert result.lines()[0] == ("une_rt_a: first import, 1270 values, periods 2003 to 2025 "
                                 "(source updated 2026-09-29)")
    assert api.calls_of("sdmx")[-1].params["key"] == ".Y15-24+Y15-74.PC_ACT.T."
    assert facts(engine)[AT_2025] == (5.7, "")
    assert str(source_updated(engine)) == "2026-09-29"
    again = update.update_eurostat_dataset(engine, "une_rt_a", api.url, TIMEOUT)
    assert again.status == "unchanged" and again.ok
    assert again.lines() == ["une_rt_a: up to date, 1270 values (source updated 2026-09-29)"]
    assert [(k, s) for k, s, _ in runs(engine)] == [("eurostat-api", "ok")] * 2


def test_a_revision_and_a_new_period_are_reported_exactly(api, engine) -> None:
    update.update_eurostat_dataset(engine, "une_rt_a", api.url, TIMEOUT)
    assert api.revise("une_rt_a", "2025", "6.1", age="Y15-74", geo="AT") == "5.7"
    api.add_period("une_rt_a", "2026", {("A", "Y15-74", "PC_ACT", "T", "AT"): "5.9",
                                        ("A", "Y15-24", "PC_ACT", "T", "AT"): "12.0"})
    api.set_last_update("une_rt_a", "15/11/26 23:00:00")
    result = update.update_eurostat_dataset(engine, "une_rt_a", api.url, TIMEOUT)
    assert result.status == "changed"
    assert [(r.key, r.old, r.new) for r in result.revised] == [(AT_2025, (5.7, ""), (6.1, ""))]
    assert result.new_periods == ["2026"] and len(result.new) == 2 and not result.removed
    assert result.lines() == [
        "une_rt_a: 2 new, 1 revised, 0 removed values (1272 in all) (source updated 2026-11-15)",
        "  new period 2026: 2 values",
        "  revised unemployment_rate AT 2025: 5.7 -> 6.1",
        "  source last update: 2026-09-29 -> 2026-11-15",
    ]
    held = facts(engine)
    assert held[AT_2025] == (6.1, "") and held[("youth_unemployment_rate", "AT", "2026", "")] == (12.0, "")
    assert str(source_updated(engine)) == "2026-11-15"


@pytest.mark.parametrize(("mode", "reason"), [
    ("500", "HTTP 500 from http://127.0.0.1"),
    ("timeout", f"no answer within {TIMEOUT:g} s from http://127.0.0.1"),
    ("html", "is not SDMX-CSV (it starts '<html>"),
    ("truncated", "the answer is not usable: 1 columns where the header has 10"),
])
def test_a_failed_download_leaves_the_database_unchanged(api, engine, mode, reason, monkeypatch, capsys) -> None:
    update.update_eurostat_dataset(engine, "une_rt_a", api.url, TIMEOUT)
    before = facts(engine)
    api.revise("une_rt_a", "2025", "6.1", age="Y15-74", geo="AT")  # a change that must not get in
    api.set_last_update("une_rt_a", "15/11/26 23:00:00")
    api.fail(mode)
    monkeypatch.setenv("EUROSTAT_API_URL", api.url)
    code = cli.main(["--database-url", str(engine.url), "update", "eurostat", "une_rt_a", "--timeout", str(TIMEOUT)])
    out, err = capsys.readouterr()
    assert code == update.EXIT_FAILED == 1
    assert out.startswith("une_rt_a: FAILED, database unchanged: ") and reason in out
    assert "update failed for une_rt_a; their data are unchanged" in err
    assert facts(engine) == before and str(source_updated(engine)) == "2026-09-29"
    assert runs(engine)[-1][:2] == ("eurostat-api", "failed") and reason in runs(engine)[-1][2]
    # the next run (the API healthy again) takes the revision
    assert cli.main(["--database-url", str(engine.url), "update", "eurostat", "une_rt_a"]) == update.EXIT_OK
    assert "revised unemployment_rate AT 2025: 5.7 -> 6.1" in capsys.readouterr().out


def test_the_command_exits_0_and_says_data_as_of(api, engine, monkeypatch, capsys) -> None:
    monkeypatch.setenv("EUROSTAT_API_URL", api.url)
    assert cli.main(["--database-url", str(engine.url), "update", "eurostat", "une_rt_a", "une_rt_m"]) == 0
    out = capsys.readouterr().out
    assert "data as of: une_rt_a 2026-09-29" in out and "data as of: une_rt_m 2026-03-04" in out
    assert cli.main(["--database-url", str(engine.url), "update", "eurostat", "une_rt_a"]) == 0
    assert "une_rt_a: up to date" in capsys.readouterr().out


def test_one_failed_dataset_fails_the_run_but_not_the_others(api, engine) -> None:
    results = update.update_eurostat(engine, ["une_rt_a", "lfsi_emp_a"], api.url, TIMEOUT)
    assert [r.status for r in results] == ["changed", "failed"]
    assert "HTTP 404" in results[1].reason and facts(engine, "lfsi_emp_a") == {}
    unknown = update.update_eurostat_dataset(engine, "nama_10_gdp", api.url, TIMEOUT)
    assert unknown.status == "failed" and "not a dataset of the indicator registry" in unknown.reason


def test_a_jsonstat_dataset_from_the_statistics_api(api, engine) -> None:
    result = update.update_eurostat_dataset(engine, "earn_ses22_25", api.url, TIMEOUT)
    assert result.status == "changed" and result.after == 40, result.lines()
    assert str(source_updated(engine, "earn_ses22_25")) == "2026-02-09"
    assert api.calls_of("statistics")[-1].params["indic_se"] == "ERN"


# --- ESCO ----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def esco():
    standin = EscoStandIn(delay=1.0).start()
    yield standin
    standin.stop()


@pytest.fixture
def glossary(tmp_path: Path):
    """A database with the default dataset (our curated German and Romanian translations, flagged)."""
    url = f"sqlite:///{tmp_path / 'glossary.sqlite'}"
    prepare_database(url, quiet=True)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def labels(engine, uri: str, lang: str = "de") -> set[tuple[str, str, bool]]:
    with session_scope(engine) as session:
        return {(r.kind, r.label, r.project_translation) for r in session.execute(
            select(OccupationLabel).where(OccupationLabel.occupation_uri == uri, OccupationLabel.lang == lang))
            .scalars()}


def skill_flags(engine, lang: str = "de") -> dict[str, tuple[str, bool]]:
    with session_scope(engine) as session:
        return {r.skill_uri: (r.label, r.project_translation) for r in session.execute(
            select(SkillLabel).where(SkillLabel.lang == lang, SkillLabel.kind == "preferred")).scalars()}


def test_esco_german_labels_replace_ours_label_by_label(esco, glossary) -> None:
    dropped = "http://data.europa.eu/esco/occupation/02447817-ea01-4d8b-b09c-8bc128e447e6"  # Fliesenleger
    esco.drop(dropped)  # the API lacks this one: ours stays, flagged
    before_skills = skill_flags(glossary)
    assert ("preferred", "Busfahrer/Busfahrerin", True) in labels(glossary, BUS_DRIVER)
    result = update.update_esco(glossary, "de", base_url=esco.url, timeout=5)
    assert result.status == "changed", result.lines()
    assert ("occupation", BUS_DRIVER, "Busfahrer/Busfahrerin", "Omnibusfahrer/Omnibusfahrerin") in result.replaced
    bus = labels(glossary, BUS_DRIVER)
    assert ("preferred", "Omnibusfahrer/Omnibusfahrerin", False) in bus
    assert not any(kind == "preferred" and flagged for kind, _, flagged in bus)
    assert ("synonym", "Busfahrer/Busfahrerin", True) in bus  # our name stays findable, still ours
    assert any(kind == "alt" and not flagged for kind, _, flagged in bus)
    kept = labels(glossary, dropped)
    assert ("preferred", "Fliesenleger/Fliesenlegerin", True) in kept
    # skills: those the source has are official now, the others keep our translation, flagged
    after_skills = skill_flags(glossary)
    official = {uri: preferred for uri, (preferred, _) in esco.concepts[("skill", "de")].items()}
    in_source = [u for u in before_skills if u in official]
    missing = [u for u in before_skills if u not in official]
    assert in_source and missing
    assert all(after_skills[u] == (official[u], False) for u in in_source)
    assert all(after_skills[u] == before_skills[u] and after_skills[u][1] for u in missing)
    assert result.kept["skill"] == len(missing) and result.kept["occupation"] == 1
    assert all(c.params["language"] == "de" for c in esco.calls_of("occupation"))
    # Romanian labels were not touched
    assert any(flagged for _, _, flagged in labels(glossary, BUS_DRIVER, "ro"))
    esco.hidden.clear()


@pytest.mark.parametrize("mode", ["500", "timeout", "malformed"])
def test_esco_failure_changes_nothing(esco, glossary, mode, monkeypatch, capsys) -> None:
    before = labels(glossary, BUS_DRIVER), skill_flags(glossary)
    esco.fail(mode)
    monkeypatch.setenv("ESCO_API_URL", esco.url)
    url = str(glossary.url)
    assert cli.main(["--database-url", url, "update", "esco", "--language", "de", "--timeout", str(TIMEOUT)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("esco de: FAILED, database unchanged: ")
    assert (labels(glossary, BUS_DRIVER), skill_flags(glossary)) == before
    esco.failures.clear()


def test_esco_from_a_downloaded_package_zip(glossary, tmp_path: Path) -> None:
    package = tmp_path / "ESCO dataset - v1.2.1 - classification - de - csv.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.write(PACKAGES["de"] / "occupations_de.csv", "occupations_de.csv")
    result = update.update_esco(glossary, "de", package=package)
    assert result.status == "changed"
    assert ("preferred", "Omnibusfahrer/Omnibusfahrerin", False) in labels(glossary, BUS_DRIVER)
    assert result.kept["skill"] > 0 and "occupation" not in result.kept  # no skills in this package
    assert all(flagged for _, flagged in skill_flags(glossary).values())
    bad = tmp_path / "empty.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("readme.txt", "nothing")
    failed = update.update_esco(glossary, "de", package=bad)
    assert failed.status == "failed" and "no occupations_de.csv or skills_de.csv" in failed.reason


def test_the_console_shows_data_as_of(api, tmp_path: Path) -> None:
    from tests.unit.test_admin import login, make_console

    app, engine, *_ = make_console(tmp_path)
    update.update_eurostat_dataset(engine, "une_rt_a", api.url, TIMEOUT)
    api.fail("500")
    update.update_eurostat_dataset(engine, "une_rt_a", api.url, TIMEOUT)  # failed: our data stay
    with session_scope(engine) as session:
        lines = {f.code: f for f in update.freshness(session, 45)}
    assert set(lines) == {"une_rt_a"} and lines["une_rt_a"].refreshed_at and not lines["une_rt_a"].stale
    assert "HTTP 500" in lines["une_rt_a"].last_failure
    with session_scope(engine) as session:
        assert update.freshness(session, 45, now=datetime(2099, 1, 1))[0].stale
    client = app.test_client()
    login(client, "ada")
    page = client.get("/analytics").get_data(as_text=True)
    assert 'id="data-as-of"' in page and 'id="as-of-une_rt_a"' in page and "2026-09-29" in page
    assert "last refresh failed" in page
