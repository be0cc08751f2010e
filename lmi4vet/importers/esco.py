"""The official ESCO CSV package (v1.1 and v1.2, any language; several languages merge on the concept URI).

Files are recognised by name: ``occupations_<lang>.csv``, ``skills_<lang>.csv``, ``ISCOGroups_<lang>.csv``
and ``occupationSkillRelations[_<lang>].csv``. Labels of the concepts in a file replace that language's
ESCO labels of those concepts (our curated synonyms stay); relations replace those of the occupations listed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lmi4vet.db.models import (
    Dataset,
    IscoGroup,
    IscoGroupLabel,
    Occupation,
    OccupationLabel,
    OccupationSkill,
    Skill,
    SkillLabel,
)
from lmi4vet.importers.progress import progress
from lmi4vet.importers.report import ImportError_, ImportReport, RowProblem
from lmi4vet.text import fold

ESCO_ATTRIBUTION = "This service uses the ESCO classification of the European Commission."
ESCO_LICENCE = "© European Union, ESCO. Reuse under Commission Decision 2011/833/EU (CC BY 4.0)"
_NAME = re.compile(r"^(occupations|skills|iscogroups|occupationskillrelations)(?:_([a-z]{2}(?:-[a-z]+)?))?\.csv$",
                   re.IGNORECASE)
_CHUNK = 500
ESCO_KINDS = ("preferred", "alt", "hidden")


@dataclass(frozen=True)
class EscoFile:
    """A recognised file of the package."""

    path: Path
    kind: str  # occupations | skills | iscogroups | occupationskillrelations
    lang: str | None


def classify(path: Path) -> EscoFile | None:
    """Recognise an ESCO CSV by its name, or ``None``."""
    found = _NAME.match(path.name)
    if not found:
        return None
    return EscoFile(path, found.group(1).lower(), (found.group(2) or "").lower() or None)


def find_files(paths: Iterable[Path]) -> list[EscoFile]:
    """The ESCO files among ``paths`` (files or folders), occupations and skills before relations."""
    found: list[EscoFile] = []
    for path in paths:
        candidates = sorted(path.glob("*.csv")) if path.is_dir() else [path]
        found.extend(f for f in map(classify, candidates) if f)
    order = {"iscogroups": 0, "occupations": 1, "skills": 2, "occupationskillrelations": 3}
    return sorted(found, key=lambda f: (order[f.kind], str(f.path)))


def split_labels(raw: str | None) -> list[str]:
    """ESCO separates alternative labels by newlines (some exports use ``|``)."""
    if not raw:
        return []
    parts = re.split(r"[\n|]", raw)
    seen: dict[str, None] = {}
    for part in parts:
        label = part.strip()
        if label:
            seen.setdefault(label, None)
    return list(seen)


def read_rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, row)`` of a CSV file with a header; the file must have the ``required`` columns."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportError_(path, None, f"not UTF-8 text ({exc.reason})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportError_(path, 1, f"missing column(s) {', '.join(missing)}")
    try:
        for row in reader:
            if None in row:
                raise ImportError_(path, reader.line_num, "more cells than header columns")
            yield reader.line_num, {k: (v or "") for k, v in row.items()}
    except csv.Error as exc:
        raise ImportError_(path, reader.line_num, f"malformed CSV ({exc})") from None


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


class EscoImporter:
    """Imports ESCO files into one session (the caller's transaction)."""

    def __init__(self, session: Session, report: ImportReport, show_progress: bool = False) -> None:
        self.session = session
        self.report = report
        self.show_progress = show_progress

    def _problem(self, file: Path, line: int, reason: str) -> None:
        self.report.problems.append(RowProblem(str(file), line, reason))

    def _concepts(self, esco: EscoFile, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
        rows = []
        for line, row in progress(read_rows(esco.path, columns), f"reading {esco.path.name}", self.show_progress):
            uri = row["conceptUri"].strip()
            if not uri.startswith("http://data.europa.eu/esco/"):
                self._problem(esco.path, line, f"not an ESCO concept URI: {uri[:80]!r}")
                continue
            if not row["preferredLabel"].strip():
                self._problem(esco.path, line, "empty preferredLabel")
                continue
            rows.append((line, row))
        return rows

    def occupations(self, esco: EscoFile) -> None:
        lang = self._language(esco)
        rows = self._concepts(esco, ("conceptUri", "preferredLabel"))
        existing = set(self.session.execute(select(Occupation.uri)).scalars())
        new, updates = [], []
        for _, row in rows:
            uri = row["conceptUri"].strip()
            isco = row.get("iscoGroup", "").strip()[:4]
            record = {"uri": uri, "isco_code": isco, "esco_code": row.get("code", "").strip()}
            if uri in existing:
                if isco:
                    updates.append(record)
            else:
                new.append({**record, "origin": "esco"})
                existing.add(uri)
        if new:
            self.session.execute(Occupation.__table__.insert(), new)
        if updates:
            self.session.bulk_update_mappings(Occupation, updates)
        uris = [row["conceptUri"].strip() for _, row in rows]
        for chunk in _chunks(uris):
            self.session.execute(delete(OccupationLabel).where(
                OccupationLabel.lang == lang, OccupationLabel.kind.in_(ESCO_KINDS),
                OccupationLabel.occupation_uri.in_(chunk)))
        labels = []
        for _, row in rows:
            uri = row["conceptUri"].strip()
            for kind, raw in (("preferred", row["preferredLabel"]), ("alt", row.get("altLabels")),
                              ("hidden", row.get("hiddenLabels"))):
                for label in split_labels(raw)[: 1 if kind == "preferred" else None]:
                    labels.append({"occupation_uri": uri, "lang": lang, "kind": kind, "label": label[:500],
                                   "normalized": fold(label)[:500], "project_translation": False})
        self._insert_unique(OccupationLabel, labels, ("occupation_uri", "lang", "kind", "label"))
        self.report.rows_ok += len(rows)
        self.report.details[f"occupations_{lang}"] = len(rows)

    def skills(self, esco: EscoFile) -> None:
        lang = self._language(esco)
        rows = self._concepts(esco, ("conceptUri", "preferredLabel"))
        existing = set(self.session.execute(select(Skill.uri)).scalars())
        new = []
        for _, row in rows:
            uri = row["conceptUri"].strip()
            if uri not in existing:
                new.append({"uri": uri, "skill_type": row.get("skillType", "").strip(),
                            "reuse_level": row.get("reuseLevel", "").strip()})
                existing.add(uri)
        if new:
            self.session.execute(Skill.__table__.insert(), new)
        uris = [row["conceptUri"].strip() for _, row in rows]
        for chunk in _chunks(uris):
            self.session.execute(delete(SkillLabel).where(
                SkillLabel.lang == lang, SkillLabel.kind.in_(ESCO_KINDS), SkillLabel.skill_uri.in_(chunk)))
        labels = []
        for _, row in rows:
            uri = row["conceptUri"].strip()
            labels.append({"skill_uri": uri, "lang": lang, "kind": "preferred",
                           "label": row["preferredLabel"].strip()[:1000], "project_translation": False})
            labels.extend({"skill_uri": uri, "lang": lang, "kind": "alt", "label": label[:1000],
                           "project_translation": False} for label in split_labels(row.get("altLabels")))
        self._insert_unique(SkillLabel, labels, ("skill_uri", "lang", "kind", "label"))
        self.report.rows_ok += len(rows)
        self.report.details[f"skills_{lang}"] = len(rows)

    def isco_groups(self, esco: EscoFile) -> None:
        lang = self._language(esco)
        count = 0
        existing = set(self.session.execute(select(IscoGroup.code)).scalars())
        for line, row in read_rows(esco.path, ("conceptUri", "code", "preferredLabel")):
            code = row["code"].strip()
            if not code.isdigit() or len(code) > 4:
                self._problem(esco.path, line, f"not an ISCO-08 code: {code!r}")
                continue
            if code not in existing:
                self.session.add(IscoGroup(code=code, uri=row["conceptUri"].strip()))
                existing.add(code)
                self.session.flush()
            self.session.execute(delete(IscoGroupLabel).where(IscoGroupLabel.code == code,
                                                              IscoGroupLabel.lang == lang))
            self.session.add(IscoGroupLabel(code=code, lang=lang, label=row["preferredLabel"].strip()[:500]))
            count += 1
        self.session.flush()
        self.report.rows_ok += count
        self.report.details[f"isco_groups_{lang}"] = count

    def relations(self, esco: EscoFile) -> None:
        occupations = set(self.session.execute(select(Occupation.uri)).scalars())
        skills = set(self.session.execute(select(Skill.uri)).scalars())
        rows: dict[tuple[str, str], dict[str, str]] = {}
        missing = 0
        reader = read_rows(esco.path, ("occupationUri", "relationType", "skillUri"))
        for line, row in progress(reader, f"reading {esco.path.name}", self.show_progress):
            occupation, skill = row["occupationUri"].strip(), row["skillUri"].strip()
            relation = row["relationType"].strip().lower()
            if relation not in ("essential", "optional"):
                self._problem(esco.path, line, f"unknown relationType {relation!r}")
                continue
            if occupation not in occupations or skill not in skills:
                missing += 1
                continue
            rows[(occupation, skill)] = {"occupation_uri": occupation, "skill_uri": skill, "relation": relation}
        listed = sorted({occupation for occupation, _ in rows})
        for chunk in _chunks(listed):
            self.session.execute(delete(OccupationSkill).where(OccupationSkill.occupation_uri.in_(chunk)))
        if rows:
            self.session.execute(OccupationSkill.__table__.insert(), list(rows.values()))
        self.report.rows_ok += len(rows)
        self.report.rows_skipped += missing
        self.report.details["relations"] = len(rows)

    def _language(self, esco: EscoFile) -> str:
        if not esco.lang:
            raise ImportError_(esco.path, None, "the file name does not say its language (e.g. occupations_en.csv)")
        return esco.lang

    def _insert_unique(self, model, rows: list[dict], key: tuple[str, ...]) -> None:
        unique = {tuple(row[k] for k in key): row for row in rows}
        if unique:
            self.session.execute(model.__table__.insert(), list(unique.values()))


def import_esco(session: Session, paths: Iterable[Path], version: str = "", show_progress: bool = False
                ) -> ImportReport:
    """Import the ESCO files found in ``paths`` (files or folders) into the caller's transaction."""
    paths = [Path(p) for p in paths]
    files = find_files(paths)
    if not files:
        raise ImportError_(", ".join(map(str, paths)), None, "no ESCO CSV files found "
                           "(occupations_<lang>.csv, skills_<lang>.csv, occupationSkillRelations.csv ...)")
    report = ImportReport("esco", ", ".join(str(p) for p in paths))
    importer = EscoImporter(session, report, show_progress)
    handlers = {"occupations": importer.occupations, "skills": importer.skills,
                "iscogroups": importer.isco_groups, "occupationskillrelations": importer.relations}
    for esco in files:
        handlers[esco.kind](esco)
        session.flush()
    dataset = session.execute(select(Dataset).where(Dataset.code == "esco")).scalar_one_or_none()
    if dataset is None:
        dataset = Dataset(code="esco", source_name="ESCO (European Commission)")
        session.add(dataset)
    dataset.title = "European Skills, Competences, Qualifications and Occupations"
    dataset.url = "https://esco.ec.europa.eu"
    dataset.licence = f"{ESCO_LICENCE}. {ESCO_ATTRIBUTION}"
    dataset.version = version or dataset.version or ""
    dataset.file_name = ", ".join(sorted({f.path.name for f in files}))[:300]
    return report
