"""Refresh from the official APIs: Eurostat's dissemination API and ESCO (``lmi4vet update``).

Each refresh is fetch -> validate -> import in ONE transaction -> diff -> an ``import_runs`` row. The download
happens before the transaction opens; a failed download (timeout, connection refused, HTTP error), a body that
is not the expected format, or a single rejected row stops that refresh: the database stays exactly as it was,
the reason is returned (and logged as a failed run). Plain HTTP with ``requests``: ``sdmx1`` would upgrade
``packaging`` past Rasa 3.6's pin, the ``eurostat`` package pulls pandas and has its API address built in.

Eurostat: ``GET {base}/sdmx/2.1/data/{DATASET}[/{key}]?format=SDMX-CSV&compressed=false`` (SDMX-CSV 1.0, read by
:mod:`lmi4vet.importers.eurostat`, with ``LAST UPDATE`` -> ``datasets.source_updated``); datasets read as
JSON-stat come from ``GET {base}/statistics/1.0/data/{dataset}?lang=en&<dimension>=<code>...`` (the same
importer reads them, through :mod:`lmi4vet.importers.jsonstat`). A dataset the registry marks ``api = False``,
or listed in ``NOT_FROM_API``, is not refreshed by default.

ESCO: an official label replaces our translation label by label, for the concepts whose labels in that language
are ours (``project_translation``): the official preferred label becomes the concept's name with the flag off,
its alternative labels are added, our replaced name stays as a search synonym (still flagged: it is ours). A
concept the source lacks in that language keeps our translation, flagged. Source: the ESCO API
(``GET {base}/resource/occupation?uri=...&language=de``) or a downloaded package (folder or zip with
``occupations_<lang>.csv``, ``skills_<lang>.csv`` or the ``*SkillsCollection_<lang>.csv`` files).
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import threading
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import requests
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from lmi4vet.db.engine import session_scope
from lmi4vet.db.models import Dataset, Fact, ImportRun, OccupationLabel, SkillLabel
from lmi4vet.importers.esco import split_labels
from lmi4vet.importers.eurostat import import_eurostat
from lmi4vet.importers.report import ImportError_, import_run
from lmi4vet.kb.indicators import INDICATORS
from lmi4vet.text import fold

KIND_EUROSTAT = "eurostat-api"  # import_runs.kind of a Eurostat refresh; source = "<dataset> <url>"
KIND_ESCO = "esco-update"  # source = "esco <lang> <api url or package>"
EXIT_OK, EXIT_FAILED = 0, 1
MAX_LINES = 40  # of each kind of change printed
USER_AGENT = "lmi4vet-update/1 (+https://github.com/lmi4vet)"

#: The order of the SDMX key's dimensions (the dataset's DSD) of datasets we checked: the key then asks the API for
#: our series only. For any other dataset the order is read from its data structure definition
#: (``{base}/sdmx/2.1/datastructure/ESTAT/{DATASET}``); if that fails the dataset is fetched whole and filtered here.
SDMX_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "une_rt_a": ("freq", "age", "unit", "sex", "geo"),
}
#: Datasets read from the statistics API (JSON-stat 2.0) rather than SDMX-CSV.
JSONSTAT_DATASETS = frozenset({"lfsa_egai2d", "lfsa_egised", "earn_ses22_25"})
#: Datasets we keep from a file that the API cannot give again: lfst_r_lfu3rt is the historical bulk file (NUTS
#: 2010, 1999-2013); today's API data (NUTS 2021) would replace that history. Ask for it by name to refresh it.
NOT_FROM_API = frozenset({"lfst_r_lfu3rt"})


class UpdateFailed(Exception):
    """A refresh that could not be done; nothing was written."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


# --- HTTP ----------------------------------------------------------------------------------------------------

_local = threading.local()


def _http() -> requests.Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
        session.headers["User-Agent"] = USER_AGENT
    return session


def http_get(url: str, params: dict[str, Any] | None, timeout: float, *, missing_ok: bool = False) -> bytes | None:
    """The body of a 200 answer; ``None`` for a 404 when ``missing_ok``; anything else raises UpdateFailed."""
    try:
        response = _http().get(url, params=params, timeout=timeout)
    except requests.Timeout:
        raise UpdateFailed(f"no answer within {timeout:g} s from {url}") from None
    except requests.ConnectionError as exc:
        raise UpdateFailed(f"cannot connect to {url} ({exc.__class__.__name__})") from None
    except requests.RequestException as exc:
        raise UpdateFailed(f"download of {url} failed ({exc.__class__.__name__}: {exc})") from None
    if response.status_code == 404 and missing_ok:
        return None
    if response.status_code != 200:
        text = " ".join(response.text.split())[:200]
        raise UpdateFailed(f"HTTP {response.status_code} from {response.url}" + (f": {text}" if text else ""))
    if not response.content.strip():
        raise UpdateFailed(f"empty answer from {response.url}")
    return response.content


# --- Eurostat ------------------------------------------------------------------------------------------------

FactKey = tuple[str, str, str, str]  # indicator, geo, period, breakdown


@dataclass(frozen=True)
class Revision:
    key: FactKey
    old: tuple[float | None, str]
    new: tuple[float | None, str]


@dataclass
class UpdateResult:
    """What one refresh did (or why it did nothing)."""

    target: str  # a dataset code, or "esco <lang>"
    url: str = ""
    status: str = "failed"  # changed | unchanged | failed
    reason: str = ""
    before: int = 0  # values held before
    after: int = 0
    new: dict[FactKey, tuple[float | None, str]] = field(default_factory=dict)
    revised: list[Revision] = field(default_factory=list)
    removed: dict[FactKey, tuple[float | None, str]] = field(default_factory=dict)
    source_updated: date | None = None
    previous_source_updated: date | None = None
    replaced: list[tuple[str, str, str, str]] = field(default_factory=list)  # ESCO: kind, uri, ours, official
    kept: Counter = field(default_factory=Counter)  # ESCO: concepts that keep our translation, per kind
    confirmed: int = 0  # ESCO: our label was the official one already; now marked official

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    @property
    def new_periods(self) -> list[str]:
        """Periods that had no value at all before."""
        return sorted({key[2] for key in self.new} - self._old_periods)

    _old_periods: set[str] = field(default_factory=set, repr=False)

    def summary(self) -> str:
        if self.status == "failed":
            return f"{self.target}: FAILED, database unchanged: {self.reason}"
        as_of = f" (source updated {self.source_updated.isoformat()})" if self.source_updated else ""
        if self.target.startswith("esco"):
            kept = ", ".join(f"{n} {kind}s" for kind, n in sorted(self.kept.items())) or "none"
            return (f"{self.target}: {len(self.replaced)} of our translations replaced by official labels, "
                    f"{self.confirmed} confirmed (same text, now marked official); kept ours (not in the source): "
                    f"{kept}")
        if self.status == "unchanged":
            return f"{self.target}: up to date, {self.after} values{as_of}"
        if not self.before:
            periods = sorted({key[2] for key in self.new})
            span = f", periods {periods[0]} to {periods[-1]}" if periods else ""
            return f"{self.target}: first import, {self.after} values{span}{as_of}"
        return (f"{self.target}: {len(self.new)} new, {len(self.revised)} revised, {len(self.removed)} removed "
                f"values ({self.after} in all){as_of}")

    def lines(self) -> list[str]:
        """The summary, then each change (at most MAX_LINES of each kind)."""
        out = [self.summary()]
        if self.status == "failed":
            return out
        if self.replaced:
            out += _capped([f"  replaced {kind} {uri}: {ours!r} -> {official!r}"
                            for kind, uri, ours, official in self.replaced])
        if self.before:
            periods = self.new_periods
            per_period = Counter(key[2] for key in self.new)
            out += _capped([f"  new period {p}: {per_period[p]} values" for p in periods])
            out += _capped([f"  new {_name(k)}: {_value(v)}" for k, v in sorted(self.new.items())
                            if k[2] not in periods])
            out += _capped([f"  revised {_name(r.key)}: {_value(r.old)} -> {_value(r.new)}" for r in self.revised])
            out += _capped([f"  removed {_name(k)} (was {_value(v)})" for k, v in sorted(self.removed.items())])
        if self.previous_source_updated != self.source_updated and self.source_updated and self.before:
            was = self.previous_source_updated.isoformat() if self.previous_source_updated else "unknown"
            out.append(f"  source last update: {was} -> {self.source_updated.isoformat()}")
        return out


def _capped(lines: list[str]) -> list[str]:
    return lines if len(lines) <= MAX_LINES else [*lines[:MAX_LINES], f"  ... and {len(lines) - MAX_LINES} more"]


def _name(key: FactKey) -> str:
    indicator, geo, period, breakdown = key
    return f"{indicator} {geo} {period}" + (f" [{breakdown}]" if breakdown else "")


def _value(value: tuple[float | None, str]) -> str:
    number, flags = value
    text = ":" if number is None else f"{number:g}"
    return f"{text} {flags}" if flags else text


def api_datasets() -> list[str]:
    """The registry's datasets refreshed by default from Eurostat's API (an indicator may say ``api = False``)."""
    return sorted({i.dataset for i in INDICATORS if getattr(i, "api", True)} - NOT_FROM_API)


def registry_datasets() -> list[str]:
    """Every dataset of the registry (those that may be refreshed when named)."""
    return sorted({i.dataset for i in INDICATORS})


def dsd_dimensions(base: str, dataset: str, timeout: float) -> tuple[str, ...] | None:
    """The dimensions of ``dataset`` in key order, from its SDMX-ML data structure definition (``None``: unknown)."""
    try:
        body = http_get(f"{base.rstrip('/')}/sdmx/2.1/datastructure/ESTAT/{dataset.upper()}", None, timeout)
        root = ElementTree.fromstring(body or b"")
    except (UpdateFailed, ElementTree.ParseError):
        return None
    found = []
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "Dimension" and element.get("id"):
            try:
                found.append((int(element.get("position") or 0), element.get("id", "").lower()))
            except ValueError:
                return None
    return tuple(name for _, name in sorted(found)) or None


def sdmx_key(dataset: str, dims: tuple[str, ...] | None = None) -> str:
    """The SDMX key asking for our series only (``A.Y15-24+Y15-74.PC_ACT.T.``), or "" (the whole dataset)."""
    dims = dims or SDMX_DIMENSIONS.get(dataset)
    indicators = [i for i in INDICATORS if i.dataset == dataset]
    if not dims or not indicators:
        return ""
    parts = []
    for dim in dims:
        values = [i.filters.get(dim) for i in indicators]
        parts.append("" if None in values else "+".join(sorted({v.upper() for v in values if v})))
    return ".".join(parts)


def eurostat_request(base: str, dataset: str, dims: tuple[str, ...] | None = None) -> tuple[str, dict[str, Any], str]:
    """``(url, params, format)`` of the API call for ``dataset`` (``dims``: its key's dimensions, when known)."""
    base = base.rstrip("/")
    if dataset in JSONSTAT_DATASETS:
        params: dict[str, Any] = {"lang": "en"}
        for indicator in INDICATORS:
            if indicator.dataset == dataset:
                for dim, value in indicator.filters.items():
                    params.setdefault(dim, value)
        return f"{base}/statistics/1.0/data/{dataset}", params, "json-stat"
    key = sdmx_key(dataset, dims)
    url = f"{base}/sdmx/2.1/data/{dataset.upper()}" + (f"/{key}" if key else "")
    return url, {"format": "SDMX-CSV", "compressed": "false"}, "sdmx-csv"


def _snapshot(session: Session, dataset: str) -> tuple[dict[FactKey, tuple[float | None, str]], date | None]:
    record = session.execute(select(Dataset).where(Dataset.code == dataset)).scalar_one_or_none()
    if record is None:
        return {}, None
    rows = session.execute(select(Fact.indicator, Fact.geo, Fact.period, Fact.breakdown, Fact.value, Fact.flags)
                           .where(Fact.dataset_id == record.id)).all()
    return {(r[0], r[1], r[2], r[3] or ""): (r[4], r[5] or "") for r in rows}, record.source_updated


def _check_body(body: bytes, fmt: str, url: str) -> str:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UpdateFailed(f"the answer of {url} is not UTF-8 text") from None
    if fmt == "json-stat":
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise UpdateFailed(f"the answer of {url} is not JSON ({exc})") from None
        if not isinstance(document, dict) or "value" not in document or "dimension" not in document:
            raise UpdateFailed(f"the answer of {url} is not a JSON-stat dataset")
        return text
    first = text.lstrip().split("\n", 1)[0].upper()
    if "TIME_PERIOD" not in first or "OBS_VALUE" not in first:
        raise UpdateFailed(f"the answer of {url} is not SDMX-CSV (it starts {text.strip()[:60]!r})")
    return text


def _log_run(engine: Engine, kind: str, source: str, started: datetime, ok: bool, message: str,
             rows_ok: int = 0, session: Session | None = None) -> None:
    run = import_run(kind, source, started, ok, message, rows_ok)
    if session is not None:
        session.add(run)
        return
    with session_scope(engine) as own:
        own.add(run)


def update_eurostat_dataset(engine: Engine, dataset: str, base_url: str, timeout: float = 60.0) -> UpdateResult:
    """Fetch ``dataset`` from the API and import it in one transaction; the result says what changed."""
    dataset = dataset.strip().lower()
    started = datetime.utcnow()
    known = dataset in registry_datasets()
    dims = None
    if known and dataset not in JSONSTAT_DATASETS and dataset not in SDMX_DIMENSIONS:
        dims = dsd_dimensions(base_url, dataset, timeout)
    url, params, fmt = eurostat_request(base_url, dataset, dims)
    result = UpdateResult(dataset, url=url)
    source = f"{dataset} {url}"
    try:
        if not known:
            raise UpdateFailed(f"not a dataset of the indicator registry (known: {', '.join(registry_datasets())})")
        body = http_get(url, params, timeout)
        text = _check_body(body, fmt, url)
        with tempfile.TemporaryDirectory(prefix="lmi4vet-update-") as folder:
            path = Path(folder) / f"{dataset}.{'json' if fmt == 'json-stat' else 'csv'}"
            path.write_text(text, encoding="utf-8")
            with session_scope(engine) as session:
                before, result.previous_source_updated = _snapshot(session, dataset)
                existing = session.execute(select(Dataset).where(Dataset.code == dataset)).scalar_one_or_none()
                keep_url = existing.url if existing is not None and existing.url else url
                report = import_eurostat(session, path, dataset=dataset, url=keep_url, extracted_on=date.today(),
                                         title=existing.title if existing is not None else "")
                if report.problems:
                    first = report.problems[0]
                    raise UpdateFailed(f"{report.rows_bad} row(s) of the answer rejected, first: line {first.line}: "
                                       f"{first.reason}")
                session.flush()
                after, result.source_updated = _snapshot(session, dataset)
                _diff(result, before, after)
                _log_run(engine, KIND_EUROSTAT, source, started, True, result.summary(), len(after), session)
    except ImportError_ as exc:
        result.status, result.reason = "failed", f"the answer is not usable: {exc.reason}" + (
            f" (line {exc.line})" if exc.line else "")
    except UpdateFailed as exc:
        result.status, result.reason = "failed", exc.reason
    if result.status == "failed":
        _log_run(engine, KIND_EUROSTAT, source, started, False, result.reason)
    return result


def _diff(result: UpdateResult, before: dict, after: dict) -> None:
    result.before, result.after = len(before), len(after)
    result._old_periods = {key[2] for key in before}
    result.new = {k: v for k, v in after.items() if k not in before}
    result.removed = {k: v for k, v in before.items() if k not in after}
    result.revised = [Revision(k, before[k], v) for k, v in sorted(after.items()) if k in before and before[k] != v]
    changed = result.new or result.removed or result.revised
    result.status = "changed" if changed else "unchanged"


def update_eurostat(engine: Engine, datasets: Iterable[str] | None, base_url: str, timeout: float = 60.0,
                    echo: Callable[[str], None] | None = None) -> list[UpdateResult]:
    """Refresh each dataset (default: every API dataset of the registry), each in its own transaction."""
    results = []
    for dataset in list(datasets or []) or api_datasets():
        result = update_eurostat_dataset(engine, dataset, base_url, timeout)
        results.append(result)
        if echo:
            for line in result.lines():
                echo(line)
    return results


# --- ESCO ----------------------------------------------------------------------------------------------------

Official = tuple[str, list[str]]  # preferred label, alternative labels


def _ours(session: Session, model, column, lang: str) -> set[str]:
    """URIs of concepts that have a label of ours (project_translation) in ``lang``."""
    return set(session.execute(select(column).where(model.lang == lang, model.project_translation.is_(True))
                               ).scalars())


def _read_package(package: Path, lang: str) -> tuple[dict[str, Official], dict[str, Official]]:
    """Official labels in ``lang`` of a package folder or zip: ``(occupations, skills)`` by concept URI."""
    lang = lang.lower()
    names: dict[str, bytes] = {}
    try:
        if package.is_dir():
            for path in sorted(package.rglob("*.csv")):
                names[path.name] = path.read_bytes()
        elif zipfile.is_zipfile(package):
            with zipfile.ZipFile(package) as archive:
                for info in archive.infolist():
                    if info.filename.lower().endswith(".csv"):
                        names[Path(info.filename).name] = archive.read(info)
        else:
            raise UpdateFailed(f"{package}: neither a folder nor a zip file")
    except (OSError, zipfile.BadZipFile) as exc:
        raise UpdateFailed(f"cannot read the package {package} ({exc})") from None
    occupation_files = [n for n in names if n.lower() == f"occupations_{lang}.csv"]
    skill_files = [n for n in names if n.lower() == f"skills_{lang}.csv"]
    skill_files += sorted(n for n in names if n.lower().endswith(f"skillscollection_{lang}.csv"))
    if not occupation_files and not skill_files:
        raise UpdateFailed(f"no occupations_{lang}.csv or skills_{lang}.csv in {package}")
    return _labels_of(names, occupation_files), _labels_of(names, skill_files)


def _labels_of(names: dict[str, bytes], files: list[str]) -> dict[str, Official]:
    found: dict[str, tuple[str, Official]] = {}
    for name in files:
        try:
            text = names[name].decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UpdateFailed(f"{name} is not UTF-8 text") from None
        reader = csv.DictReader(io.StringIO(text, newline=""))
        missing = [c for c in ("conceptUri", "preferredLabel") if c not in (reader.fieldnames or [])]
        if missing:
            raise UpdateFailed(f"{name}: missing column(s) {', '.join(missing)}")
        try:
            for row in reader:
                uri, label = (row.get("conceptUri") or "").strip(), (row.get("preferredLabel") or "").strip()
                if not uri or not label:
                    continue
                modified = row.get("modifiedDate") or ""
                if uri in found and found[uri][0] > modified:  # a URI listed twice: the latest row wins
                    continue
                found[uri] = (modified, (label, split_labels(row.get("altLabels"))))
        except csv.Error as exc:
            raise UpdateFailed(f"{name}: malformed CSV ({exc})") from None
    return {uri: labels for uri, (_, labels) in found.items()}


def _fetch_api(base: str, kind: str, uris: Iterable[str], lang: str, timeout: float) -> dict[str, Official]:
    """Official labels from ``{base}/resource/{kind}?uri=...&language=lang``; URIs unknown there are left out."""
    url = f"{base.rstrip('/')}/resource/{kind}"

    def one(uri: str) -> tuple[str, Official | None]:
        body = http_get(url, {"uri": uri, "language": lang}, timeout, missing_ok=True)
        if body is None:
            return uri, None
        try:
            document = json.loads(body.decode("utf-8"))
            preferred = (document.get("preferredLabel") or {}).get(lang)
            alternatives = (document.get("alternativeLabel") or {}).get(lang) or []
        except (ValueError, AttributeError, UnicodeDecodeError):
            raise UpdateFailed(f"the ESCO API's answer for {uri} is not the expected JSON") from None
        if not isinstance(preferred, str) or not preferred.strip():
            return uri, None
        if isinstance(alternatives, str):
            alternatives = [alternatives]
        return uri, (preferred.strip(), [a.strip() for a in alternatives if isinstance(a, str) and a.strip()])

    pool = ThreadPoolExecutor(max_workers=4)
    try:
        return {uri: labels for uri, labels in pool.map(one, sorted(uris)) if labels}
    finally:  # a failure stops the downloads not yet started
        pool.shutdown(wait=True, cancel_futures=True)


def _apply_occupations(session: Session, lang: str, official: dict[str, Official], result: UpdateResult) -> None:
    for uri, (preferred, alternatives) in sorted(official.items()):
        labels = session.execute(select(OccupationLabel).where(OccupationLabel.occupation_uri == uri,
                                                               OccupationLabel.lang == lang)).scalars().all()
        ours = [label for label in labels if label.kind == "preferred"]
        known = {fold(preferred), *map(fold, alternatives)}
        synonyms = {fold(label.label) for label in labels if label.kind == "synonym"}
        for label in ours:
            if label.project_translation and label.label == preferred:
                result.confirmed += 1
            elif label.project_translation:
                result.replaced.append(("occupation", uri, label.label, preferred))
                if fold(label.label) not in known | synonyms:  # our name stays findable
                    session.add(OccupationLabel(occupation_uri=uri, lang=lang, kind="synonym", label=label.label,
                                                normalized=fold(label.label)[:500], project_translation=True))
                    synonyms.add(fold(label.label))
        session.execute(delete(OccupationLabel).where(OccupationLabel.occupation_uri == uri,
                                                      OccupationLabel.lang == lang,
                                                      OccupationLabel.kind.in_(("preferred", "alt", "hidden"))))
        rows = {("preferred", preferred)} | {("alt", a) for a in alternatives if fold(a) != fold(preferred)}
        for kind, text in sorted(rows):
            session.add(OccupationLabel(occupation_uri=uri, lang=lang, kind=kind, label=text[:500],
                                        normalized=fold(text)[:500], project_translation=False))
        for label in labels:
            if label.kind == "synonym" and fold(label.label) in known:
                label.project_translation = False  # the official source has this label too
        session.flush()


def _apply_skills(session: Session, lang: str, official: dict[str, Official], result: UpdateResult) -> None:
    for uri, (preferred, alternatives) in sorted(official.items()):
        ours = session.execute(select(SkillLabel).where(SkillLabel.skill_uri == uri, SkillLabel.lang == lang,
                                                        SkillLabel.kind == "preferred")).scalars().all()
        for label in ours:
            if label.project_translation and label.label == preferred:
                result.confirmed += 1
            elif label.project_translation:
                result.replaced.append(("skill", uri, label.label, preferred))
        session.execute(delete(SkillLabel).where(SkillLabel.skill_uri == uri, SkillLabel.lang == lang,
                                                 SkillLabel.kind.in_(("preferred", "alt"))))
        rows = {("preferred", preferred)} | {("alt", a) for a in alternatives if a != preferred}
        for kind, text in sorted(rows):
            session.add(SkillLabel(skill_uri=uri, lang=lang, kind=kind, label=text[:1000], project_translation=False))
        session.flush()


def update_esco(engine: Engine, lang: str, *, base_url: str = "", package: Path | None = None,
                timeout: float = 60.0) -> UpdateResult:
    """Replace our translations in ``lang`` by ESCO's official labels (from the API, or ``package``)."""
    lang = lang.strip().lower()
    where = str(package) if package else f"{base_url.rstrip('/')}/resource"
    result = UpdateResult(f"esco {lang}", url=where)
    started = datetime.utcnow()
    source = f"esco {lang} {where}"
    try:
        with session_scope(engine) as session:
            occupations = _ours(session, OccupationLabel, OccupationLabel.occupation_uri, lang)
            skills = _ours(session, SkillLabel, SkillLabel.skill_uri, lang)
        if package is not None:
            official_occupations, official_skills = _read_package(Path(package), lang)
        else:
            official_occupations = _fetch_api(base_url, "occupation", occupations, lang, timeout)
            official_skills = _fetch_api(base_url, "skill", skills, lang, timeout)
        official_occupations = {u: v for u, v in official_occupations.items() if u in occupations}
        official_skills = {u: v for u, v in official_skills.items() if u in skills}
        result.kept = Counter({"occupation": len(occupations - set(official_occupations)),
                               "skill": len(skills - set(official_skills))})
        result.kept = +result.kept  # drop zero counts
        with session_scope(engine) as session:
            _apply_occupations(session, lang, official_occupations, result)
            _apply_skills(session, lang, official_skills, result)
            result.before = len(occupations) + len(skills)
            result.after = len(official_occupations) + len(official_skills)
            result.status = "changed" if result.replaced or result.confirmed else "unchanged"
            _log_run(engine, KIND_ESCO, source, started, True, result.summary(), result.after, session)
    except UpdateFailed as exc:
        result.status, result.reason = "failed", exc.reason
    except SQLAlchemyError as exc:
        result.status, result.reason = "failed", f"database error: {exc.__class__.__name__}: {exc}"[:500]
    if result.status == "failed":
        _log_run(engine, KIND_ESCO, source, started, False, result.reason)
    return result


# --- what the console shows ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Freshness:
    """A dataset's 'data as of' line: the source's last update, our last successful refresh, staleness."""

    code: str
    title: str
    source_updated: date | None
    imported_at: datetime | None  # when the data we hold was loaded (any import)
    refreshed_at: datetime | None  # our last successful refresh from the API
    last_failure: str | None  # the message of a failed refresh newer than the last good one
    stale: bool


def freshness(session: Session, stale_days: int, now: datetime | None = None) -> list[Freshness]:
    """One line per dataset we hold, API datasets first."""
    now = now or datetime.utcnow()
    runs = session.execute(select(ImportRun).where(ImportRun.kind.in_((KIND_EUROSTAT, KIND_ESCO)))
                           .order_by(ImportRun.finished_at)).scalars().all()
    good: dict[str, datetime] = {}
    failed: dict[str, tuple[datetime, str]] = {}
    for run in runs:
        code = run.source.split(" ")[0] if run.kind == KIND_EUROSTAT else "esco"
        when = run.finished_at or run.started_at
        if run.status == "ok":
            good[code] = when
            failed.pop(code, None)
        else:
            failed[code] = (when, run.message or "")
    lines = []
    for record in session.execute(select(Dataset).order_by(Dataset.code)).scalars():
        refreshed = good.get(record.code)
        seen = refreshed or record.imported_at
        stale = seen is None or (now - seen).days > stale_days
        lines.append(Freshness(record.code, record.title, record.source_updated, record.imported_at, refreshed,
                               failed.get(record.code, (None, None))[1], stale))
    api = set(api_datasets())
    return sorted(lines, key=lambda f: (f.code not in api, f.code))
