"""Eurostat bulk TSV and SDMX-CSV: parse observations, keep the series of our indicators, store them as facts.

TSV: a header ``freq,age,unit,sex,geo\\TIME_PERIOD<TAB>2015 <TAB>2016 ...``, one row per series, cells like
``11.3 ``, ``9.1 bu``, ``: `` (not available) or ``: c`` (confidential).
SDMX-CSV: one observation per row with ``DATAFLOW`` (1.0) or ``STRUCTURE_ID`` (2.0), dimension columns,
``TIME_PERIOD``, ``OBS_VALUE`` and ``OBS_FLAG``, and often ``LAST UPDATE`` (``04/03/26 11:00:00``: the data's last
update at the source). Our curated files may add ``SECONDARY`` (1/0), ``SECONDARY_PUBLISHER`` (who published a
transcribed value) and ``NOTE`` (for admins). Eurostat's "labels" download variant holds English labels instead of
codes in the dimension cells ("Seasonally adjusted data, not calendar adjusted data", "Less than 25 years",
"Austria"); ``DIMENSION_LABELS`` maps the labels of the dimensions we use back to codes (country names through
``lmi4vet.countries``), and a label it does not know is a row problem, never a guess.
JSON-stat 2.0 (``.json``) is read by ``lmi4vet.importers.jsonstat``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lmi4vet.countries import CLDR_CODES, EU27, OTHER_EUROPEAN
from lmi4vet.db.models import Dataset, Fact
from lmi4vet.importers.progress import progress
from lmi4vet.importers.report import ImportError_, ImportReport, RowProblem
from lmi4vet.kb.indicators import BY_CODE, is_nuts2, match

EUROSTAT_LICENCE = "© European Union, 1995-2025. Reuse authorised with acknowledgement (Decision 2011/833/EU)"
_PERIOD = re.compile(r"^(\d{4})(?:-?([QSM])?(\d{1,2}))?$")
_FLAGS = re.compile(r"^[a-z]{1,6}$")


@dataclass(frozen=True)
class Observation:
    """One value of one series, as read from a file."""

    dataset: str
    dimensions: dict[str, str]
    period: str
    year: int
    value: float | None
    flags: str
    line: int
    secondary: bool = False
    note: str | None = None
    secondary_publisher: str | None = None
    last_update: date | None = None

    @property
    def geo(self) -> str:
        return self.dimensions.get("geo", "")


def normalise_period(raw: str) -> tuple[str, int]:
    """``"2024 "`` -> ``("2024", 2024)``, ``"2024Q4"``/``"2024-Q4"`` -> ``("2024-Q4", 2024)``, ``"2025S1"`` ->
    ``("2025-S1", 2025)``, ``"2024M03"``/``"2024-03"`` -> ``("2024-03", 2024)``."""
    text = raw.strip().upper()
    found = _PERIOD.match(text)
    if not found:
        raise ValueError(f"unknown period {raw.strip()!r}")
    year, kind, number = int(found.group(1)), found.group(2), found.group(3)
    if number is None:
        return str(year), year
    if kind in ("Q", "S"):
        return f"{year}-{kind}{int(number)}", year
    return f"{year}-{int(number):02d}", year


def parse_cell(raw: str) -> tuple[float | None, str]:
    """``"9.1 bu"`` -> ``(9.1, "bu")``, ``": c"`` -> ``(None, "c")``, ``":"`` -> ``(None, "")``."""
    text = raw.strip()
    if not text:
        raise ValueError("empty cell")
    number, _, flags = text.partition(" ")
    flags = flags.strip()
    if number == ":":
        value = None
    else:
        if not number[-1].isdigit():  # "12.3b" without the space
            digits = number.rstrip("abcdefghijklmnopqrstuvwxyz")
            flags, number = number[len(digits):] + flags, digits
        try:
            value = float(number)
        except ValueError:
            raise ValueError(f"not a number: {raw.strip()!r}") from None
    if flags and not _FLAGS.match(flags):
        raise ValueError(f"unknown flags {flags!r}")
    return value, flags


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportError_(path, None, f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ImportError_(path, None, f"cannot read the file ({exc.strerror})") from None


def dataset_from_name(path: Path) -> str:
    """``une_rt_a.tsv``, ``une_rt_a__extract.tsv``, ``estat_une_rt_a.tsv`` -> ``une_rt_a``."""
    stem = path.name.split(".")[0].lower()
    stem = stem.removeprefix("estat_")
    return stem.split("__")[0]


def parse_tsv(path: Path, dataset: str | None = None,
              problems: list[RowProblem] | None = None) -> Iterator[Observation]:
    """Observations of a Eurostat bulk TSV file; rows with bad cells are reported in ``problems``."""
    dataset = (dataset or dataset_from_name(path)).lower()
    lines = _read_text(path).splitlines()
    if not lines:
        raise ImportError_(path, 1, "empty file")
    header = lines[0].split("\t")
    first = header[0]
    if "\\" not in first or "," not in first.split("\\")[0] + ",":
        raise ImportError_(path, 1, "not a Eurostat TSV header (expected 'dim1,dim2,...,geo\\TIME_PERIOD')")
    dims = [d.strip().lower() for d in first.split("\\")[0].split(",")]
    try:
        periods = [normalise_period(p) for p in header[1:]]
    except ValueError as exc:
        raise ImportError_(path, 1, str(exc)) from None
    if not periods:
        raise ImportError_(path, 1, "no period columns")
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != len(header):
            raise ImportError_(path, number, f"{len(cells)} columns where the header has {len(header)}")
        keys = [k.strip() for k in cells[0].split(",")]
        if len(keys) != len(dims):
            raise ImportError_(path, number, f"{len(keys)} dimension values for {len(dims)} dimensions")
        dimensions = dict(zip(dims, keys, strict=True))
        for (period, year), cell in zip(periods, cells[1:], strict=True):
            try:
                value, flags = parse_cell(cell)
            except ValueError as exc:
                if problems is not None:
                    problems.append(RowProblem(str(path), number, f"{dimensions.get('geo', '?')} {period}: {exc}"))
                continue
            yield Observation(dataset, dimensions, period, year, value, flags, number)


_SDMX_FIXED = {"dataflow", "structure", "structure_id", "action", "last update", "time_period", "obs_value",
               "obs_flag", "conf_status", "secondary", "secondary_publisher", "note", "obs_status"}
_LAST_UPDATE = re.compile(r"^(\d{2})/(\d{2})/(\d{2})(?:\s|$)")


def parse_last_update(raw: str) -> date | None:
    """SDMX-CSV ``LAST UPDATE`` (``"04/03/26 11:00:00"``: day/month/year) or ISO ``"2026-03-04"``, else ``None``."""
    text = raw.strip()
    found = _LAST_UPDATE.match(text)
    try:
        if found:
            day, month, year = (int(part) for part in found.groups())
            return date(2000 + year, month, day)
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


# English labels of Eurostat's "labels" SDMX-CSV variant, per dimension (geo: see _geo_labels).
DIMENSION_LABELS: dict[str, dict[str, str]] = {
    "freq": {"Annual": "A", "Semi-annual": "S", "Quarterly": "Q", "Monthly": "M"},
    "s_adj": {
        "Seasonally adjusted data, not calendar adjusted data": "SA",
        "Unadjusted data (i.e. neither seasonally adjusted nor calendar adjusted data)": "NSA",
        "Trend cycle data": "TC",
        "Seasonally and calendar adjusted data": "SCA",
    },
    "age": {
        "Less than 25 years": "Y_LT25", "From 25 to 74 years": "Y25-74", "From 15 to 24 years": "Y15-24",
        "From 15 to 74 years": "Y15-74", "From 20 to 64 years": "Y20-64", "From 15 to 29 years": "Y15-29",
        "15 years or over": "Y_GE15",
    },
    "unit": {
        "Percentage of population in the labour force": "PC_ACT", "Percentage of total population": "PC_POP",
        "Percentage of population": "PC_POP", "Thousand persons": "THS_PER", "Percentage": "PC", "Euro": "EUR",
    },
    "sex": {"Total": "T", "Males": "M", "Females": "F"},
}
_AGGREGATE_LABELS = {
    "European Union - 27 countries (from 2020)": "EU27_2020",
    "Euro area – 20 countries (from 2023)": "EA20", "Euro area - 20 countries (from 2023)": "EA20",
    "Euro area - 19 countries  (2015-2022)": "EA19", "Euro area – 19 countries  (2015-2022)": "EA19",
}
_CODE = re.compile(r"^[A-Z0-9_\-]+$")


def _geo_labels() -> dict[str, str]:
    """English country names (Eurostat's, which are CLDR's for these countries) -> Eurostat codes."""
    from babel import Locale

    territories = Locale.parse("en").territories
    table = {territories[CLDR_CODES.get(code, code)]: code for code in (*EU27, *OTHER_EUROPEAN)
             if CLDR_CODES.get(code, code) in territories}
    table.update({"Czechia": "CZ", "Türkiye": "TR", "Kosovo*": "XK", "North Macedonia": "MK"})
    table.update(_AGGREGATE_LABELS)
    return table


_GEO_LABELS: dict[str, str] | None = None


def dimension_code(name: str, cell: str) -> str:
    """A dimension cell as a code: a code stays (``"SA"``, ``"EU27_2020"``), ``"M:Monthly"`` gives ``"M"``, a label
    is looked up (``"Less than 25 years"`` -> ``"Y_LT25"``, ``"Austria"`` -> ``"AT"``); ``ValueError`` if unknown."""
    global _GEO_LABELS
    text = cell.strip()
    if not text or _CODE.match(text):
        return text
    code, colon, _label = text.partition(":")
    if colon and _CODE.match(code.strip()):  # "both" variant: "M:Monthly"
        return code.strip()
    if name == "geo":
        if _GEO_LABELS is None:
            _GEO_LABELS = _geo_labels()
        table = _GEO_LABELS
    else:
        table = DIMENSION_LABELS.get(name, {})
    if text in table:
        return table[text]
    raise ValueError(f"unknown label {text!r} for dimension {name}")


def parse_sdmx_csv(path: Path, dataset: str | None = None,
                   problems: list[RowProblem] | None = None) -> Iterator[Observation]:
    """Observations of an SDMX-CSV file (1.0 or 2.0)."""
    reader = csv.reader(io.StringIO(_read_text(path), newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ImportError_(path, 1, "empty file") from None
    lowered = [h.lower() for h in header]
    for required in ("time_period", "obs_value"):
        if required not in lowered:
            raise ImportError_(path, 1, f"not SDMX-CSV: no {required.upper()} column")
    index = {name: lowered.index(name) for name in lowered}
    flow_column = next((index[c] for c in ("dataflow", "structure_id") if c in index), None)
    dims = [(name, i) for i, name in enumerate(lowered) if name not in _SDMX_FIXED]
    for row in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ImportError_(path, number, f"{len(row)} columns where the header has {len(header)}")
        flow = row[flow_column] if flow_column is not None else ""
        # "ESTAT:UNE_RT_A(1.0)" -> une_rt_a
        code = (dataset or flow.split(":")[-1].split("(")[0] or dataset_from_name(path)).lower()
        try:
            dimensions = {name: dimension_code(name, row[i]) for name, i in dims}
            period, year = normalise_period(row[index["time_period"]])
            raw_value = row[index["obs_value"]].strip()
            value = float(raw_value) if raw_value not in ("", ":") else None
            flags = row[index["obs_flag"]].strip() if "obs_flag" in index else ""
            if flags and not _FLAGS.match(flags):
                raise ValueError(f"unknown flags {flags!r}")
            secondary = row[index["secondary"]].strip().lower() in {"1", "true", "yes"} if "secondary" in index \
                else False
        except ValueError as exc:
            if problems is not None:
                problems.append(RowProblem(str(path), number, str(exc)))
            continue
        note = row[index["note"]].strip() or None if "note" in index else None
        publisher = row[index["secondary_publisher"]].strip() or None if "secondary_publisher" in index else None
        updated = parse_last_update(row[index["last update"]]) if "last update" in index else None
        yield Observation(code, dimensions, period, year, value, flags, number, secondary, note, publisher, updated)


def sniff_format(path: Path) -> str:
    """``"tsv"``, ``"sdmx-csv"`` or ``"json-stat"`` from the file's first line."""
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        first = handle.readline()
    if first.lstrip().startswith("{"):
        return "json-stat"
    if "\t" in first and "\\" in first.split("\t")[0]:
        return "tsv"
    if "TIME_PERIOD" in first.upper() and "OBS_VALUE" in first.upper():
        return "sdmx-csv"
    raise ImportError_(path, 1, "neither a Eurostat TSV nor an SDMX-CSV file")


def import_eurostat(
    session: Session,
    path: Path,
    *,
    dataset: str | None = None,
    title: str = "",
    url: str = "",
    extracted_on: date | None = None,
    source_updated: date | None = None,
    licence: str = EUROSTAT_LICENCE,
    source_name: str = "Eurostat",
    show_progress: bool = False,
) -> ImportReport:
    """Import one Eurostat file into ``session`` (the caller's transaction); replaces that dataset's facts, except
    that real series come first: an official file keeps the transcribed (secondary) values it has no value for,
    and a transcribed file only adds values where the dataset has no official one.

    ``source_updated`` (the data's last update at the source) defaults to the file's latest ``LAST UPDATE`` (or
    JSON-stat ``updated``). An indicator with a ``breakdown`` stores one fact per value of those dimensions."""
    from lmi4vet.importers.jsonstat import parse_jsonstat

    path = Path(path)
    report = ImportReport("eurostat", str(path))
    parser = {"tsv": parse_tsv, "sdmx-csv": parse_sdmx_csv, "json-stat": parse_jsonstat}[sniff_format(path)]
    rows: dict[tuple[str, str, str, str], dict] = {}
    codes: set[str] = set()
    updates: set[date] = set()
    for obs in progress(parser(path, dataset, report.problems), f"reading {path.name}", show_progress):
        indicator = match(obs.dataset, obs.dimensions)
        if indicator is None or not obs.geo or (indicator.geo_level == "nuts2" and not is_nuts2(obs.geo)):
            report.rows_skipped += 1  # another series, or a country/NUTS 1/EU total of a regional series
            continue
        codes.add(obs.dataset)
        if obs.last_update:
            updates.add(obs.last_update)
        breakdown = indicator.breakdown_key(obs.dimensions)
        rows[(indicator.code, obs.geo.upper(), obs.period, breakdown)] = {
            "indicator": indicator.code, "geo": obs.geo.upper(), "period": obs.period, "year": obs.year,
            "value": obs.value, "unit": BY_CODE[indicator.code].unit, "flags": obs.flags,
            "secondary": obs.secondary, "secondary_publisher": obs.secondary_publisher, "note": obs.note,
            "breakdown": breakdown,
        }
    if not rows:
        raise ImportError_(path, None, "no series of a known indicator in this file "
                                       f"(known datasets: {', '.join(sorted({i.dataset for i in BY_CODE.values()}))})")
    if len(codes) > 1:
        raise ImportError_(path, None, f"one dataset per file, found {sorted(codes)}")
    code = codes.pop()
    record = session.execute(select(Dataset).where(Dataset.code == code)).scalar_one_or_none()
    official = any(not row["secondary"] for row in rows.values())
    kept: dict[tuple[str, str, str, str], Fact] = {}
    if record is not None:
        # Real series first: an official file replaces the dataset's official facts and every transcribed value
        # it now has; transcribed values it does not have stay (marked secondary). A transcribed file never
        # replaces an official value: it only fills places and periods the official data lacks.
        for fact in session.execute(select(Fact).where(Fact.dataset_id == record.id)).scalars():
            key = (fact.indicator, fact.geo, fact.period, fact.breakdown)
            if (fact.secondary and official and key not in rows) or (not fact.secondary and not official):
                kept[key] = fact
    if not official and any(not fact.secondary for fact in kept.values()):
        for key in [key for key in rows if key in kept]:
            del rows[key]
            report.rows_skipped += 1
    else:
        if record is None:
            record = Dataset(code=code, source_name=source_name)
            session.add(record)
        record.title, record.url, record.licence = title or record.title or code, url, licence
        record.source_name, record.extracted_on, record.file_name = source_name, extracted_on, path.name
        record.source_updated = source_updated or (max(updates) if updates else None)
        session.flush()
    kept_ids = [fact.id for fact in kept.values()]
    session.execute(delete(Fact).where(Fact.dataset_id == record.id, Fact.id.not_in(kept_ids)) if kept_ids
                    else delete(Fact).where(Fact.dataset_id == record.id))
    if rows:
        session.execute(Fact.__table__.insert(), [{**row, "dataset_id": record.id} for row in rows.values()])
    report.rows_ok = len(rows)
    report.details["series values"] = len(rows)
    return report
