"""Derive the embedded Eurostat defaults (data/defaults/eurostat/) from the real files in ../shared/data.

Official Eurostat files (SOURCES.md section 2):
* une_rt_a: kept in Eurostat's own TSV format (2015 onwards);
* une_rt_m (SDMX-CSV, labels variant): written as SDMX-CSV with codes (the labels mapped back by the importer's own
  table, so a label it does not know stops the curation), LAST UPDATE kept, every row;
* lfst_r_lfu3rt (old bulk TSV, NUTS 2010, 1999-2013): the NUTS 2 rows of ages 15 or over and 15-24, both sexes,
  kept verbatim (the file's EU27/EU28 aggregates are the 2007-2013 Unions, not today's EU-27: left out);
* France JSON-stat (lfsa_egai2d, lfsa_egised, earn_ses22_25): every cell, as SDMX-CSV with codes and the
  JSON-stat ``updated`` date as LAST UPDATE.
Headline tables transcribed from publications (lfsi_emp_a, earn_mw_cur, edat_lfse_20, jvs_q_nace2) become
SDMX-CSV with the dimension codes of their datasets, SECONDARY=1 on every row (none is read from the official
data file), SECONDARY_PUBLISHER (the publisher a user can look up) and a NOTE naming where it was read (admins).
Run: .venv/bin/python data/curation/curate_eurostat.py [path/to/shared/data]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from lmi4vet.importers.eurostat import parse_sdmx_csv  # noqa: E402
from lmi4vet.importers.jsonstat import parse_jsonstat  # noqa: E402

OUT = ROOT / "data" / "defaults" / "eurostat"
FIRST_YEAR = 2015
MONTHLY = "une_rt_m__SA_PC_ACT_T__Y_LT25_Y25-74__EU27_2021-12_2026-01.csv"
REGIONAL = "lfst_r_lfu3rt__bulk_2014-04.tsv"
REGIONAL_AGES = ("Y_GE15", "Y15-24")
JSONSTAT = {"lfsa_egai2d": "eurostat_lfsa_egai2d_fr_2019_2024.json", "lfsa_egised": "eurostat_lfsa_egised_fr_2024.json",
            "earn_ses22_25": "eurostat_earn_ses22_25_fr.json"}


def une_rt_a(src: Path) -> None:
    lines = (src / "eurostat" / "une_rt_a__PC_ACT_T__Y15-24_Y15-74.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    keep = [0] + [i for i, cell in enumerate(header[1:], start=1) if int(cell.strip()[:4]) >= FIRST_YEAR]
    with (OUT / "une_rt_a.tsv").open("w", encoding="utf-8", newline="\n") as out:
        for line in lines:
            cells = line.split("\t")
            out.write("\t".join(cells[i] for i in keep) + "\n")


def _write_sdmx(name: str, flow: str, dims: dict[str, str],
                rows: list[tuple[str, str, str, str, str]]) -> None:
    """Transcribed rows: (geo, period, value, publisher, note); every row is SECONDARY=1."""
    header = ["DATAFLOW", "freq", *dims, "geo", "TIME_PERIOD", "OBS_VALUE", "OBS_FLAG", "SECONDARY",
              "SECONDARY_PUBLISHER", "NOTE"]
    freq = {"A": "A", "S": "S", "Q": "Q"}[dims.pop("_freq")]
    with (OUT / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([h for h in header if h != "_freq"])
        for geo, period, value, publisher, note in rows:
            if not publisher:
                raise SystemExit(f"{name}: {geo} {period} has no publisher")
            writer.writerow([flow, freq, *dims.values(), geo, period, value, "", 1, publisher, note])


def _rows(path: Path) -> list[dict[str, str]]:
    """The rows of a transcribed table, with "same" in its source column replaced by the source above it."""
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    previous = ""
    for row in rows:
        if "source" in row:
            if row["source"].strip().lower() == "same":
                row["source"] = previous
            previous = row["source"]
    return rows


# Who published each transcribed figure, as a user would look it up (the NOTE keeps the detail for admins).
# First match wins: "Eurostat SE ... [apiardata shows 82.7]" is Eurostat's figure (the NOTE keeps the remark).
PUBLISHERS = (
    ("Eurostat Statistics Explained", "Eurostat, Statistics Explained"),
    ("Eurostat SE ", "Eurostat, Statistics Explained"),
    ("products-eurostat-news", "Eurostat news release"),
    ("apiardata", "apiardata.com"),
    ("europe-data.com", "europe-data.com"),
    ("agensir.it", "agensir.it"),
    ("trt.global", "TRT Global"),
    ("euronews", "Euronews"),
)


def publisher(source: str) -> str:
    """The publisher named in a transcribed row's source text; "" when none of PUBLISHERS is found."""
    lowered = source.lower()
    return next((name for needle, name in PUBLISHERS if needle.lower() in lowered), "")


def headlines(src: Path) -> None:
    eurostat = src / "eurostat"
    _write_sdmx("lfsi_emp_a.csv", "ESTAT:LFSI_EMP_A(1.0)",
                {"_freq": "A", "age": "Y20-64", "unit": "PC_POP", "sex": "T", "indic_em": "EMP_LFS"},
                [(r["geo"], "2024", r["employment_rate_20_64_pct_2024"], publisher(r["source"]), r["source"])
                 for r in _rows(eurostat / "employment_rate_20-64_2024.csv")])
    _write_sdmx("earn_mw_cur.csv", "ESTAT:EARN_MW_CUR(1.0)", {"_freq": "S", "currency": "EUR"},
                [(r["geo"], "2025-S1", r["minimum_wage_eur_per_month_2025-01-01"], publisher(r["source_url"]),
                  f"Eurostat news, 10 April 2025 ({r['source_url']})")
                 for r in _rows(eurostat / "minimum_wage_2025S1_eur_month.csv")])
    _write_sdmx("edat_lfse_20.csv", "ESTAT:EDAT_LFSE_20(1.0)",
                {"_freq": "A", "age": "Y15-29", "sex": "T", "training": "NO_FE_NO_NFE", "wstatus": "NEMP",
                 "unit": "PC"},
                [(r["geo"], r["year"], r["neet_rate_15_29_pct"], publisher(r["source"]), r["source"])
                 for r in _rows(eurostat / "neet_15-29_headlines.csv")])
    _write_sdmx("jvs_q_nace2.csv", "ESTAT:JVS_Q_NACE2(1.0)",
                {"_freq": "Q", "indic_em": "JOBRATE", "nace_r2": "B-S", "sizeclas": "TOTAL", "s_adj": "NSA"},
                [(r["geo"], r["period"], r["job_vacancy_rate_pct"], publisher(r["source"]), r["source"])
                 for r in _rows(eurostat / "job_vacancy_rate_quarterly_headlines.csv")])


def _write_codes(name: str, flow: str, observations: list, dims: list[str], last_update: str) -> None:
    """Official observations as SDMX-CSV with codes."""
    with (OUT / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["DATAFLOW", "LAST UPDATE", *dims, "TIME_PERIOD", "OBS_VALUE", "OBS_FLAG"])
        for obs in observations:
            value = "" if obs.value is None else str(int(obs.value)) if obs.value.is_integer() else repr(obs.value)
            writer.writerow([flow, last_update, *(obs.dimensions[d] for d in dims), obs.period, value, obs.flags])


def _eurostat_date(day) -> str:
    """A date as Eurostat writes LAST UPDATE: ``04/03/26 11:00:00`` (day/month/year; the time is not kept)."""
    return day.strftime("%d/%m/%y 00:00:00")


def une_rt_m(src: Path) -> None:
    path = src / "eurostat" / MONTHLY
    problems: list = []
    observations = list(parse_sdmx_csv(path, problems=problems))
    if problems:
        raise SystemExit("\n".join(str(p) for p in problems))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        last_update = next(csv.DictReader(handle))["LAST UPDATE"]  # kept as published
    observations.sort(key=lambda o: (o.dimensions["age"], o.geo, o.period))
    _write_codes("une_rt_m.csv", "ESTAT:UNE_RT_M(1.0)", observations,
                 ["freq", "s_adj", "age", "unit", "sex", "geo"], last_update)


def lfst_r_lfu3rt(src: Path) -> None:
    lines = (src / "eurostat" / REGIONAL).read_text(encoding="utf-8").splitlines()
    with (OUT / "lfst_r_lfu3rt.tsv").open("w", encoding="utf-8", newline="\n") as out:
        out.write(lines[0] + "\n")
        for line in lines[1:]:
            age, sex, geo = line.split("\t")[0].split(",")
            if age in REGIONAL_AGES and sex == "T" and len(geo) == 4 and geo[:2] not in ("EU", "EA"):
                out.write(line + "\n")


def france_jsonstat(src: Path) -> None:
    for code, file_name in JSONSTAT.items():
        problems: list = []
        observations = list(parse_jsonstat(src / "eurostat" / "fr_jsonstat" / file_name, problems=problems))
        if problems:
            raise SystemExit("\n".join(str(p) for p in problems))
        dims = [d for d in observations[0].dimensions]
        updated = {o.last_update for o in observations}
        assert len(updated) == 1, updated
        _write_codes(f"{code}.csv", f"ESTAT:{code.upper()}(1.0)", observations, dims,
                     _eurostat_date(updated.pop()))


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"
    OUT.mkdir(parents=True, exist_ok=True)
    une_rt_a(src)
    headlines(src)
    une_rt_m(src)
    lfst_r_lfu3rt(src)
    france_jsonstat(src)
    print(f"written to {OUT}")


if __name__ == "__main__":
    main()
