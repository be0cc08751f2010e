"""Importers on small hand-made files in the official formats, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lmi4vet.cli import main as cli_main
from lmi4vet.cli import run_import
from lmi4vet.db.engine import make_engine, session_scope
from lmi4vet.db.models import (
    Dataset,
    Fact,
    ImportRun,
    IscoGroupLabel,
    Occupation,
    OccupationLabel,
    OccupationSkill,
    SkillLabel,
)
from lmi4vet.importers.esco import import_esco, split_labels
from lmi4vet.importers.eurostat import dimension_code, import_eurostat, normalise_period, parse_cell, parse_sdmx_csv
from lmi4vet.importers.jsonstat import parse_jsonstat
from lmi4vet.importers.report import ImportError_
from lmi4vet.kb.facts import figure_answer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EUROSTAT = FIXTURES / "eurostat"
ESCO = FIXTURES / "esco"
WELDER = "http://data.europa.eu/esco/occupation/7aedaa07-3884-4c5b-88f9-80997b2aa54b"


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with session_scope(engine) as session:
        result = {model.__tablename__: session.execute(select(func.count()).select_from(model)).scalar_one()
                  for model in (Dataset, Fact, Occupation, OccupationLabel, OccupationSkill, SkillLabel)}
    engine.dispose()
    return result


@pytest.mark.parametrize(("raw", "expected"), [("11.3 ", (11.3, "")), ("26.3 b", (26.3, "b")), (": ", (None, "")),
                                                (": c", (None, "c")), ("9.1 bu", (9.1, "bu")), ("12.3p", (12.3, "p"))])
def test_cells(raw: str, expected) -> None:
    assert parse_cell(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "", "1.2 BAD", "1,2"])
def test_bad_cells(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_cell(raw)


def test_periods() -> None:
    assert normalise_period("2024 ") == ("2024", 2024)
    assert normalise_period("2024Q4") == ("2024-Q4", 2024)
    assert normalise_period("2024-Q4") == ("2024-Q4", 2024)
    assert normalise_period("2025S1") == ("2025-S1", 2025)
    assert normalise_period("2024M03") == ("2024-03", 2024)


def test_eurostat_tsv_with_flags_missing_values_and_a_bad_cell(db_url: str) -> None:
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        report = import_eurostat(session, EUROSTAT / "une_rt_a.tsv", extracted_on=date(2026, 9, 29))
    assert report.rows_ok == 27  # 7 known series x 4 periods, minus the rejected cell
    assert [str(p) for p in report.problems] == [f"{EUROSTAT / 'une_rt_a.tsv'}:9: BG 2022: not a number: 'abc'"]
    assert report.rows_skipped == 4  # Y25-74 is not one of our indicators
    with session_scope(engine) as session:
        ro = figure_answer(session, "unemployment_rate", "RO")
        assert (ro.figure.period, ro.figure.value, ro.figure.flags) == ("2024", 5.4, "p")
        assert ro.eu.value == 5.9 and ro.previous.value == 5.6
        youth = figure_answer(session, "youth_unemployment_rate", "RO", 2024)
        assert (youth.figure.value, youth.figure.flags) == (26.3, "b")
        malta = figure_answer(session, "unemployment_rate", "MT", 2023)
        assert malta.figure is None and malta.nearest_year == 2024 and malta.available_years == [2022, 2024]
        dataset = session.execute(select(Dataset).where(Dataset.code == "une_rt_a")).scalar_one()
        assert dataset.extracted_on == date(2026, 9, 29) and "2011/833/EU" in dataset.licence
    engine.dispose()


def test_reimport_is_idempotent(db_url: str) -> None:
    engine = make_engine(db_url)
    for _ in range(2):
        with session_scope(engine) as session:
            import_eurostat(session, EUROSTAT / "une_rt_a.tsv")
    engine.dispose()
    assert counts(db_url)["facts"] == 27


@pytest.mark.parametrize("name", ["une_rt_a__broken_columns.tsv", "une_rt_a__not_eurostat.tsv"])
def test_broken_file_leaves_the_database_unchanged(db_url: str, name: str) -> None:
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        import_eurostat(session, EUROSTAT / "une_rt_a.tsv")
    before = counts(db_url)
    with pytest.raises(ImportError_) as error:
        run_import(engine, "eurostat", name, lambda s: import_eurostat(s, EUROSTAT / name))
    assert name in str(error.value)
    assert counts(db_url) == before
    with session_scope(engine) as session:
        last = session.execute(select(ImportRun).order_by(ImportRun.id.desc())).scalars().first()
        assert last.status == "failed"
    engine.dispose()


def test_sdmx_csv_1_and_2(db_url: str) -> None:
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        report = import_eurostat(session, EUROSTAT / "lfsi_emp_a.csv")
        assert report.rows_ok == 4 and report.rows_bad == 1 and report.rows_skipped == 1
        assert "could not convert" in str(report.problems[0]) and ":7:" in str(report.problems[0])
        import_eurostat(session, EUROSTAT / "jvs_q_nace2_sdmx2.csv")
    with session_scope(engine) as session:
        assert figure_answer(session, "employment_rate", "DE").figure.flags == "p"
        assert figure_answer(session, "employment_rate", "FR").figure is None  # confidential, no value
        vacancy = figure_answer(session, "job_vacancy_rate", "NL")
        assert (vacancy.figure.period, vacancy.figure.value, vacancy.eu.value) == ("2024-Q4", 4.1, 2.3)
    engine.dispose()


def test_split_labels() -> None:
    assert split_labels("a\nb\n\na") == ["a", "b"]
    assert split_labels("soudeuse|soudeur") == ["soudeuse", "soudeur"]
    assert split_labels("") == []


def test_esco_package_with_several_languages(db_url: str) -> None:
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        report = import_esco(session, [ESCO / "v1.1", ESCO / "fr", ESCO / "v1.2"], version="v1.1.1")
    assert [p.reason for p in report.problems] == ["not an ESCO concept URI: 'not-a-uri'",
                                                   "unknown relationType 'mandatory'"]
    with session_scope(engine) as session:
        labels = {(lang, kind, label) for lang, kind, label in session.execute(
            select(OccupationLabel.lang, OccupationLabel.kind, OccupationLabel.label)
            .where(OccupationLabel.occupation_uri == WELDER))}
        assert {("en", "preferred", "welder"), ("en", "alt", "welding operator"),
                ("fr", "preferred", "soudeur/soudeuse"), ("fr", "alt", "soudeur-monteur"),
                ("es", "preferred", "soldador/soldadora"), ("es", "alt", "soldador montador")} <= labels
        welder = session.get(Occupation, WELDER)
        assert (welder.isco_code, welder.esco_code) == ("7212", "7212.1")
        relations = session.execute(select(OccupationSkill.relation).where(
            OccupationSkill.occupation_uri == WELDER)).scalars().all()
        assert relations == ["essential"]  # the v1.2 relations file replaced the three v1.1 relations
        assert session.execute(select(IscoGroupLabel.label).where(IscoGroupLabel.code == "7212")).scalar_one() \
            == "Welders and flame cutters"
    before = counts(db_url)
    with session_scope(engine) as session:
        import_esco(session, [ESCO / "v1.1", ESCO / "fr", ESCO / "v1.2"])
    assert counts(db_url) == before
    engine.dispose()


def test_broken_esco_files_are_rejected_whole(db_url: str) -> None:
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        import_esco(session, [ESCO / "v1.1"])
    before = counts(db_url)
    with pytest.raises(ImportError_, match="missing column"), session_scope(engine) as session:
        import_esco(session, [ESCO / "broken" / "occupations_en.csv"])
    with pytest.raises(ImportError_, match="not UTF-8"), session_scope(engine) as session:
        import_esco(session, [ESCO / "broken" / "skills_de.csv"])
    assert counts(db_url) == before
    engine.dispose()


def test_cli_reports_and_exit_codes(db_url: str, capsys) -> None:
    assert cli_main(["--database-url", db_url, "import", "eurostat", str(EUROSTAT / "une_rt_a.tsv")]) == 0
    out = capsys.readouterr().out
    assert "27 rows imported, 1 rejected" in out and "une_rt_a.tsv:9: BG 2022" in out
    assert cli_main(["--database-url", db_url, "import", "eurostat",
                     str(EUROSTAT / "une_rt_a__broken_columns.tsv")]) == 1
    assert "database unchanged" in capsys.readouterr().err
    assert cli_main(["--database-url", db_url, "import", "esco", str(ESCO / "v1.1")]) == 0


@pytest.mark.parametrize(("name", "cell", "code"), [
    ("s_adj", "Seasonally adjusted data, not calendar adjusted data", "SA"), ("age", "Less than 25 years", "Y_LT25"),
    ("age", "From 25 to 74 years", "Y25-74"), ("unit", "Percentage of population in the labour force", "PC_ACT"),
    ("sex", "Total", "T"), ("freq", "Monthly", "M"), ("geo", "Austria", "AT"), ("geo", "Greece", "EL"),
    ("geo", "Czechia", "CZ"), ("geo", "European Union - 27 countries (from 2020)", "EU27_2020"),
    ("geo", "EU27_2020", "EU27_2020"), ("age", "Y_LT25", "Y_LT25"), ("freq", "M:Monthly", "M"),
])
def test_sdmx_labels_become_codes(name: str, cell: str, code: str) -> None:
    assert dimension_code(name, cell) == code


@pytest.mark.parametrize(("name", "cell"), [("geo", "Atlantis"), ("age", "Less than 30 years"), ("colour", "Blue")])
def test_unknown_sdmx_labels_are_not_guessed(name: str, cell: str) -> None:
    with pytest.raises(ValueError, match="unknown label"):
        dimension_code(name, cell)


LABELS_CSV = """DATAFLOW,LAST UPDATE,freq,s_adj,age,unit,sex,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG,CONF_STATUS
ESTAT:UNE_RT_M(1.0),04/03/26 11:00:00,Monthly,"Seasonally adjusted data, not calendar adjusted data",\
Less than 25 years,Percentage of population in the labour force,Total,Spain,2026-01,24.1,,
ESTAT:UNE_RT_M(1.0),04/03/26 11:00:00,Monthly,"Seasonally adjusted data, not calendar adjusted data",\
Less than 25 years,Percentage of population in the labour force,Total,Narnia,2026-01,3.0,,
ESTAT:UNE_RT_M(1.0),04/03/26 11:00:00,Monthly,"Seasonally adjusted data, not calendar adjusted data",\
From 25 to 74 years,Percentage of population in the labour force,Total,Romania,2025-12,5.2,b,
"""  # a backslash at the end of a line continues it (the rows are one line each)


def test_sdmx_csv_labels_variant_with_an_unknown_label(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "une_rt_m.csv"
    path.write_text(LABELS_CSV, encoding="utf-8")
    problems: list = []
    observations = list(parse_sdmx_csv(path, problems=problems))
    assert [(o.geo, o.dimensions["age"], o.period, o.value, o.flags) for o in observations] == [
        ("ES", "Y_LT25", "2026-01", 24.1, ""), ("RO", "Y25-74", "2025-12", 5.2, "b")]
    assert [str(p) for p in problems] == [f"{path}:3: unknown label 'Narnia' for dimension geo"]
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        report = import_eurostat(session, path)
        assert report.rows_ok == 2 and report.rows_bad == 1
        dataset = session.execute(select(Dataset).where(Dataset.code == "une_rt_m")).scalar_one()
        assert dataset.source_updated == date(2026, 3, 4)
        spain = session.execute(select(Fact).where(Fact.geo == "ES")).scalar_one()
        assert (spain.indicator, spain.period, spain.value, spain.breakdown) == (
            "youth_unemployment_monthly", "2026-01", 24.1, "")
    engine.dispose()


def _cube(value, status=None, index_as_list: bool = False) -> dict:
    """A 2 (isco08) x 3 (time) JSON-stat 2.0 dataset of lfsa_egai2d for FR; cell (i, j) is index i * 3 + j."""
    occupations = ["TOTAL", "OC7"] if index_as_list else {"TOTAL": 0, "OC7": 1}
    data = {
        "version": "2.0", "class": "dataset", "updated": "2026-04-17T11:00:00+0200",
        "id": ["freq", "unit", "sex", "age", "geo", "isco08", "time"], "size": [1, 1, 1, 1, 1, 2, 3],
        "dimension": {
            "freq": {"category": {"index": {"A": 0}}}, "unit": {"category": {"index": {"THS_PER": 0}}},
            "sex": {"category": {"label": {"T": "Total"}}},  # a single category may omit its index
            "age": {"category": {"index": {"Y_GE15": 0}}}, "geo": {"category": {"index": ["FR"]}},
            "isco08": {"category": {"index": occupations}},
            "time": {"category": {"index": {"2022": 0, "2023": 1, "2024": 2}}},
        },
        "value": value, "extension": {"id": "LFSA_EGAI2D"},
    }
    if status is not None:
        data["status"] = status
    return data


@pytest.mark.parametrize(("value", "status", "as_list"), [
    ({"0": 100.0, "2": 102.5, "4": 11.0, "5": 12.5}, {"2": "b", "5": "u"}, False),
    ([100.0, None, 102.5, None, 11.0, 12.5], [None, None, "b", None, None, "u"], True),
])
def test_jsonstat_values_by_flat_index(tmp_path: Path, value, status, as_list: bool) -> None:
    path = tmp_path / "egai2d.json"
    path.write_text(json.dumps(_cube(value, status, as_list)), encoding="utf-8")
    observations = list(parse_jsonstat(path))
    assert [(o.dimensions["isco08"], o.period, o.value, o.flags) for o in observations] == [
        ("TOTAL", "2022", 100.0, ""), ("TOTAL", "2024", 102.5, "b"), ("OC7", "2023", 11.0, ""),
        ("OC7", "2024", 12.5, "u")]
    assert {(o.dataset, o.geo, o.dimensions["sex"], o.last_update) for o in observations} == {
        ("lfsa_egai2d", "FR", "T", date(2026, 4, 17))}


def test_jsonstat_status_without_value_and_one_status_for_all(tmp_path: Path) -> None:
    path = tmp_path / "egai2d.json"
    path.write_text(json.dumps(_cube({"0": 1.0}, {"1": "c"})), encoding="utf-8")
    assert [(o.period, o.value, o.flags) for o in parse_jsonstat(path)] == [("2022", 1.0, ""), ("2023", None, "c")]
    path.write_text(json.dumps(_cube([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "p")), encoding="utf-8")
    assert {o.flags for o in parse_jsonstat(path)} == {"p"}


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(size=[1, 1, 1, 1, 1, 3, 3]), "categories where size says"),
    (lambda d: d.update(value=[1.0, 2.0]), "2 entries for 6 cells"),
    (lambda d: d.update(value={"6": 1.0}), "outside the 6 cells"),
    (lambda d: d.pop("value"), "no 'value'"),
    (lambda d: d["dimension"].pop("time") and d.update(id=d["id"][:-1], size=d["size"][:-1]), "no time dimension"),
])
def test_broken_jsonstat_is_rejected(tmp_path: Path, change, message: str) -> None:
    data = _cube({"0": 1.0})
    change(data)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ImportError_, match=message):
        list(parse_jsonstat(path))


def test_jsonstat_import_stores_breakdowns(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "egai2d.json"
    path.write_text(json.dumps(_cube({"0": 100.0, "2": 102.5, "4": 11.0, "5": 12.5}, {"5": "u"})), encoding="utf-8")
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        report = import_eurostat(session, path)
        assert report.rows_ok == 4
        facts = {(f.breakdown, f.period): (f.value, f.flags, f.unit) for f in session.execute(select(Fact)).scalars()}
        assert facts == {("", "2022"): (100.0, "", "thousand_persons"), ("", "2024"): (102.5, "", "thousand_persons"),
                         ("isco08=OC7", "2023"): (11.0, "", "thousand_persons"),
                         ("isco08=OC7", "2024"): (12.5, "u", "thousand_persons")}
        dataset = session.execute(select(Dataset).where(Dataset.code == "lfsa_egai2d")).scalar_one()
        assert dataset.source_updated == date(2026, 4, 17)
    engine.dispose()


TRANSCRIBED = """DATAFLOW,freq,age,unit,sex,indic_em,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG,SECONDARY,\
SECONDARY_PUBLISHER,NOTE
ESTAT:LFSI_EMP_A(1.0),A,Y20-64,PC_POP,T,EMP_LFS,DE,2024,81.0,,1,apiardata.com,read on apiardata.com
ESTAT:LFSI_EMP_A(1.0),A,Y20-64,PC_POP,T,EMP_LFS,FR,2024,75.1,,1,apiardata.com,read on apiardata.com
"""
OFFICIAL = """DATAFLOW,LAST UPDATE,freq,age,unit,sex,indic_em,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG
ESTAT:LFSI_EMP_A(1.0),23/04/25 23:00:00,A,Y20-64,PC_POP,T,EMP_LFS,DE,2024,81.3,
ESTAT:LFSI_EMP_A(1.0),23/04/25 23:00:00,A,Y20-64,PC_POP,T,EMP_LFS,DE,2023,81.1,
"""


@pytest.mark.parametrize("official_first", [False, True])
def test_a_real_series_replaces_its_transcribed_counterpart(db_url: str, tmp_path: Path, official_first: bool) -> None:
    transcribed, official = tmp_path / "lfsi_emp_a__transcribed.csv", tmp_path / "lfsi_emp_a.csv"
    transcribed.write_text(TRANSCRIBED, encoding="utf-8")
    official.write_text(OFFICIAL, encoding="utf-8")
    engine = make_engine(db_url)
    for path in ([official, transcribed] if official_first else [transcribed, official]):
        with session_scope(engine) as session:
            import_eurostat(session, path)
    with session_scope(engine) as session:
        facts = {(f.geo, f.period): (f.value, f.secondary, f.secondary_publisher)
                 for f in session.execute(select(Fact)).scalars()}
        assert facts == {("DE", "2024"): (81.3, False, None), ("DE", "2023"): (81.1, False, None),
                         ("FR", "2024"): (75.1, True, "apiardata.com")}  # kept: no official value for France
        dataset = session.execute(select(Dataset)).scalar_one()
        assert (dataset.file_name, dataset.source_updated) == ("lfsi_emp_a.csv", date(2025, 4, 23))
    engine.dispose()
