"""The embedded default dataset (``data/defaults``): curated Eurostat extracts, the multilingual occupation
glossary with essential skills, and shortage occupations. Loaded by ``lmi4vet db init`` when it changed.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.db.models import (
    Dataset,
    Fact,
    ImportRun,
    Occupation,
    OccupationLabel,
    OccupationSkill,
    Shortage,
    Skill,
    SkillLabel,
)
from lmi4vet.importers.esco import ESCO_ATTRIBUTION, ESCO_LICENCE, split_labels
from lmi4vet.importers.eurostat import dataset_from_name, import_eurostat
from lmi4vet.importers.report import ImportError_, ImportReport
from lmi4vet.settings import PROJECT_ROOT
from lmi4vet.text import fold

DEFAULTS_DIR = PROJECT_ROOT / "data" / "defaults"
KIND = "defaults"


def fingerprint(directory: Path = DEFAULTS_DIR) -> str:
    """Hash of every file of the default dataset."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def loaded_fingerprint(session: Session) -> str | None:
    """The fingerprint of the defaults last loaded into this database, if any."""
    return session.execute(
        select(ImportRun.source).where(ImportRun.kind == KIND, ImportRun.status == "ok")
        .order_by(ImportRun.id.desc()).limit(1)
    ).scalar_one_or_none()


def _csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    if not path.exists():
        raise ImportError_(path, None, "missing file of the default dataset")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return [(reader.line_num, row) for row in reader]


def _load_glossary(session: Session, directory: Path, report: ImportReport) -> None:
    """Curated occupations (labels + synonyms in five languages), their essential skills, skill labels."""
    esco = directory / "esco"
    occupations = _csv(esco / "occupations.csv")
    uris = [row["esco_uri"].strip() for _, row in occupations]
    existing = set(session.execute(select(Occupation.uri)).scalars())
    for _, row in occupations:
        values = {"uri": row["esco_uri"].strip(), "isco_code": row["isco_code"].strip(),
                  "esco_code": row.get("esco_code", "").strip(), "sector": row.get("sector", "").strip() or None}
        if values["uri"] in existing:
            session.bulk_update_mappings(Occupation, [values])
        else:
            session.add(Occupation(origin="curated", **values))
    session.flush()
    session.execute(delete(OccupationLabel).where(OccupationLabel.occupation_uri.in_(uris),
                                                  OccupationLabel.kind.in_(("preferred", "synonym"))))
    labels: dict[tuple[str, str, str, str], dict] = {}
    for _, row in occupations:
        project = set(split_labels(row.get("project_translated", "")))
        for lang in SUPPORTED_LANGUAGES:
            preferred = row.get(f"label_{lang}", "").strip()
            names = [("preferred", preferred)] if preferred else []
            names += [("synonym", s) for s in split_labels(row.get(f"synonyms_{lang}", ""))]
            for kind, label in names:
                key = (row["esco_uri"].strip(), lang, kind, label)
                labels[key] = {"occupation_uri": key[0], "lang": lang, "kind": kind, "label": label,
                               "normalized": fold(label), "project_translation": lang in project}
    session.execute(OccupationLabel.__table__.insert(), list(labels.values()))

    skills = _csv(esco / "skills.csv")
    skill_uris = [row["skill_uri"].strip() for _, row in skills]
    known_skills = set(session.execute(select(Skill.uri)).scalars())
    new_skills = [{"uri": row["skill_uri"].strip(), "skill_type": row.get("skill_type", "").strip(),
                   "reuse_level": ""} for _, row in skills if row["skill_uri"].strip() not in known_skills]
    if new_skills:
        session.execute(Skill.__table__.insert(), new_skills)
    for start in range(0, len(skill_uris), 500):
        session.execute(delete(SkillLabel).where(SkillLabel.skill_uri.in_(skill_uris[start:start + 500]),
                                                 SkillLabel.kind == "preferred"))
    skill_labels = []
    for line, row in skills:
        project = set(split_labels(row.get("project_translated", "")))
        for lang in SUPPORTED_LANGUAGES:
            label = row.get(f"label_{lang}", "").strip()
            if label:
                skill_labels.append({"skill_uri": row["skill_uri"].strip(), "lang": lang, "kind": "preferred",
                                     "label": label, "project_translation": lang in project})
            elif lang == "en":
                raise ImportError_(esco / "skills.csv", line, "skill without an English label")
    session.execute(SkillLabel.__table__.insert(), skill_labels)

    relations = _csv(esco / "occupation_skills.csv")
    session.execute(delete(OccupationSkill).where(OccupationSkill.occupation_uri.in_(uris)))
    rows = {(r["occupation_uri"].strip(), r["skill_uri"].strip()): r for _, r in relations}
    session.execute(OccupationSkill.__table__.insert(), [
        {"occupation_uri": o, "skill_uri": s, "relation": r.get("relation", "essential").strip() or "essential"}
        for (o, s), r in rows.items()])
    dataset = session.execute(select(Dataset).where(Dataset.code == "esco")).scalar_one_or_none()
    if dataset is None:
        session.add(Dataset(code="esco", source_name="ESCO (European Commission)",
                            title="European Skills, Competences, Qualifications and Occupations",
                            url="https://esco.ec.europa.eu", licence=f"{ESCO_LICENCE}. {ESCO_ATTRIBUTION}",
                            version="v1.1.1"))
    report.details.update(occupations=len(occupations), skills=len(skills), relations=len(rows))


def _load_shortages(session: Session, directory: Path, entries: list[dict], report: ImportReport) -> None:
    for entry in entries:
        code = entry["dataset"]
        dataset = session.execute(select(Dataset).where(Dataset.code == code)).scalar_one_or_none()
        if dataset is None:
            dataset = Dataset(code=code, source_name=entry["source_name"])
            session.add(dataset)
        dataset.title, dataset.url = entry["title"], entry.get("url", "")
        dataset.source_name, dataset.licence = entry["source_name"], entry.get("licence", "")
        dataset.file_name = entry["file"]
        session.flush()
        session.execute(delete(Shortage).where(Shortage.dataset_id == dataset.id))
        known = set(session.execute(select(Occupation.uri)).scalars())
        rows = []
        for line, row in _csv(directory / entry["file"]):
            uri = row["occupation_uri"].strip()
            if uri not in known:
                raise ImportError_(directory / entry["file"], line, f"unknown occupation {uri}")
            rows.append({"dataset_id": dataset.id, "occupation_uri": uri, "geo": row["geo"].strip(),
                         "year": int(row["year"]), "rank": int(row["rank"]) if row.get("rank") else None,
                         "note": row.get("note") or None})
        session.execute(Shortage.__table__.insert(), rows)
        report.details[f"shortages {code}"] = len(rows)


def load_defaults(session: Session, directory: Path = DEFAULTS_DIR) -> ImportReport:
    """Load (or reload) the whole default dataset into the caller's transaction."""
    manifest = yaml.safe_load((directory / "manifest.yml").read_text(encoding="utf-8"))
    report = ImportReport(KIND, str(directory))
    # A reload starts the manifest's datasets afresh; within the load, a real series replaces its transcribed
    # counterpart whatever the order of the files (import_eurostat).
    codes = {dataset_from_name(Path(entry["file"])) for entry in manifest.get("eurostat", [])}
    ids = list(session.execute(select(Dataset.id).where(Dataset.code.in_(codes))).scalars())
    if ids:
        session.execute(delete(Fact).where(Fact.dataset_id.in_(ids)))
    for entry in manifest.get("eurostat", []):
        extracted = entry.get("extracted_on")
        part = import_eurostat(session, directory / entry["file"], title=entry.get("title", ""),
                               url=entry.get("url", ""),
                               extracted_on=extracted if isinstance(extracted, date) else None)
        report.rows_ok += part.rows_ok
        report.problems.extend(part.problems)
    if (directory / "esco" / "occupations.csv").exists():
        _load_glossary(session, directory, report)
    _load_shortages(session, directory, manifest.get("shortages", []), report)
    return report
