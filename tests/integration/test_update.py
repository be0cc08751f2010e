"""The real ``lmi4vet update`` command, run as a subprocess against the Eurostat and ESCO stand-ins (real files of
shared/data on 127.0.0.1), on a temporary SQLite database (``DATABASE_URL``): first import, a revision, a failed
download (exit code 1, database unchanged), ESCO German labels. Needs no Rasa model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from lmi4vet.db.engine import make_engine, session_scope
from lmi4vet.db.models import Dataset, Fact, ImportRun, OccupationLabel
from lmi4vet.settings import PROJECT_ROOT
from tests.standins.esco import EscoStandIn
from tests.standins.eurostat import EurostatStandIn

pytestmark = pytest.mark.integration
BUS_DRIVER = "http://data.europa.eu/esco/occupation/00cee175-1376-43fb-9f02-ba3d7a910a58"


def lmi4vet(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lmi4vet.cli", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def env(tmp_path: Path):
    eurostat, esco = EurostatStandIn(delay=2.0).start(), EscoStandIn(delay=2.0).start()
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'update.sqlite'}",
                   "EUROSTAT_API_URL": eurostat.url, "ESCO_API_URL": esco.url, "UPDATE_TIMEOUT_SECONDS": "0.5",
                   "LMI4VET_VAR_DIR": str(tmp_path / "var")}
    yield environment, eurostat, esco
    eurostat.stop()
    esco.stop()


def value(url: str, indicator: str, geo: str, period: str) -> float | None:
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            return session.execute(select(Fact.value).join(Dataset).where(
                Dataset.code == "une_rt_a", Fact.indicator == indicator, Fact.geo == geo,
                Fact.period == period)).scalar_one_or_none()
    finally:
        engine.dispose()


def test_update_eurostat_command(env) -> None:
    environment, eurostat, _ = env
    url = environment["DATABASE_URL"]
    first = lmi4vet(environment, "update", "eurostat", "une_rt_a")
    assert first.returncode == 0, first.stderr
    assert "une_rt_a: first import, 1270 values, periods 2003 to 2025 (source updated 2026-09-29)" in first.stdout
    assert "data as of: une_rt_a 2026-09-29" in first.stdout
    assert value(url, "unemployment_rate", "AT", "2025") == 5.7

    eurostat.revise("une_rt_a", "2025", "6.1", age="Y15-74", geo="AT")
    eurostat.fail("500")
    failed = lmi4vet(environment, "update", "eurostat", "une_rt_a")
    assert failed.returncode == 1
    assert "une_rt_a: FAILED, database unchanged: HTTP 500" in failed.stdout
    assert value(url, "unemployment_rate", "AT", "2025") == 5.7

    eurostat.fail("timeout")
    timed_out = lmi4vet(environment, "update", "eurostat", "une_rt_a")
    assert timed_out.returncode == 1 and "no answer within 0.5 s" in timed_out.stdout

    revised = lmi4vet(environment, "update", "eurostat", "une_rt_a")
    assert revised.returncode == 0, revised.stderr
    assert "revised unemployment_rate AT 2025: 5.7 -> 6.1" in revised.stdout
    assert value(url, "unemployment_rate", "AT", "2025") == 6.1

    engine = make_engine(url)
    with session_scope(engine) as session:
        statuses = [r.status for r in session.execute(select(ImportRun).order_by(ImportRun.id)).scalars()]
    engine.dispose()
    assert statuses == ["ok", "failed", "failed", "ok"]


def test_update_esco_command(env) -> None:
    environment, _, esco = env
    init = lmi4vet(environment, "db", "init")
    assert init.returncode == 0, init.stderr
    result = lmi4vet(environment, "update", "esco", "--language", "de")
    assert result.returncode == 0, result.stderr
    assert "'Busfahrer/Busfahrerin' -> 'Omnibusfahrer/Omnibusfahrerin'" in result.stdout
    assert len(esco.calls_of("occupation")) == 196
    engine = make_engine(environment["DATABASE_URL"])
    with session_scope(engine) as session:
        preferred = session.execute(select(OccupationLabel.label, OccupationLabel.project_translation).where(
            OccupationLabel.occupation_uri == BUS_DRIVER, OccupationLabel.lang == "de",
            OccupationLabel.kind == "preferred")).all()
    engine.dispose()
    assert preferred == [("Omnibusfahrer/Omnibusfahrerin", False)]
