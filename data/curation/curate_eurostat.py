"""Derive the embedded Eurostat defaults (data/defaults/eurostat/) from the real files in ../shared/data.

The une_rt_a extract is kept in Eurostat's own TSV format (2015 onwards); the headline tables transcribed from
Eurostat publications become SDMX-CSV with the dimension codes of their datasets, a SECONDARY column (1 when the
figure was transcribed from a secondary source or press report) and a NOTE naming where it was read.
Run: .venv/bin/python data/curation/curate_eurostat.py [path/to/shared/data]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "data" / "defaults" / "eurostat"
FIRST_YEAR = 2015


def une_rt_a(src: Path) -> None:
    lines = (src / "eurostat" / "une_rt_a__PC_ACT_T__Y15-24_Y15-74.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    keep = [0] + [i for i, cell in enumerate(header[1:], start=1) if int(cell.strip()[:4]) >= FIRST_YEAR]
    with (OUT / "une_rt_a.tsv").open("w", encoding="utf-8", newline="\n") as out:
        for line in lines:
            cells = line.split("\t")
            out.write("\t".join(cells[i] for i in keep) + "\n")


def _write_sdmx(name: str, flow: str, dims: dict[str, str], rows: list[tuple[str, str, str, bool, str]]) -> None:
    """rows: (geo, period, value, secondary, note)."""
    header = ["DATAFLOW", "freq", *dims, "geo", "TIME_PERIOD", "OBS_VALUE", "OBS_FLAG", "SECONDARY", "NOTE"]
    freq = {"A": "A", "S": "S", "Q": "Q"}[dims.pop("_freq")]
    with (OUT / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([h for h in header if h != "_freq"])
        for geo, period, value, secondary, note in rows:
            writer.writerow([flow, freq, *dims.values(), geo, period, value, "", int(secondary), note])


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


def headlines(src: Path) -> None:
    eurostat = src / "eurostat"
    _write_sdmx("lfsi_emp_a.csv", "ESTAT:LFSI_EMP_A(1.0)",
                {"_freq": "A", "age": "Y20-64", "unit": "PC_POP", "sex": "T", "indic_em": "EMP_LFS"},
                [(r["geo"], "2024", r["employment_rate_20_64_pct_2024"], r["confidence"] != "official", r["source"])
                 for r in _rows(eurostat / "employment_rate_20-64_2024.csv")])
    _write_sdmx("earn_mw_cur.csv", "ESTAT:EARN_MW_CUR(1.0)", {"_freq": "S", "currency": "EUR"},
                [(r["geo"], "2025-S1", r["minimum_wage_eur_per_month_2025-01-01"], False,
                  f"Eurostat news, 10 April 2025 ({r['source_url']})")
                 for r in _rows(eurostat / "minimum_wage_2025S1_eur_month.csv")])
    _write_sdmx("edat_lfse_20.csv", "ESTAT:EDAT_LFSE_20(1.0)",
                {"_freq": "A", "age": "Y15-29", "sex": "T", "training": "NO_FE_NO_NFE", "wstatus": "NEMP",
                 "unit": "PC"},
                [(r["geo"], r["year"], r["neet_rate_15_29_pct"], r["confidence"] != "official", r["source"])
                 for r in _rows(eurostat / "neet_15-29_headlines.csv")])
    _write_sdmx("jvs_q_nace2.csv", "ESTAT:JVS_Q_NACE2(1.0)",
                {"_freq": "Q", "indic_em": "JOBRATE", "nace_r2": "B-S", "sizeclas": "TOTAL", "s_adj": "NSA"},
                [(r["geo"], r["period"], r["job_vacancy_rate_pct"], r["confidence"] != "official", r["source"])
                 for r in _rows(eurostat / "job_vacancy_rate_quarterly_headlines.csv")])


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"
    OUT.mkdir(parents=True, exist_ok=True)
    une_rt_a(src)
    headlines(src)
    print(f"written to {OUT}")


if __name__ == "__main__":
    main()
