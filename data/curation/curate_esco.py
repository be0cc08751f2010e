#!/usr/bin/env python3
"""Build the embedded ESCO default dataset of LMI4VET from the shared ESCO files.

Usage:
    python data/curation/curate_esco.py [SHARED_DATA_DIR]

SHARED_DATA_DIR defaults to ``../shared/data`` relative to the project root (the folder that holds
``esco/v1.1.1_en/`` etc., see shared/data/SOURCES.md section 1).

Inputs:
  * ESCO v1.1.1 English occupations/skills and language-independent relations (the URI base)
  * ESCO French labels: api_v1.2.1_trimmed (preferred), v1.1.2_official (fallback for occupations and,
    through its skill collections, for skills)
  * ESCO Spanish labels: trimmed_v1.1plus occupations (preferred), v1.0.x_official occupations/skills
  * data/curation/occupation_selection.yml: the hand-curated occupation list (sectors, German and
    Romanian labels, synonyms in all five languages)

Outputs (data/defaults/esco/):
  * occupations.csv        one row per selected occupation
  * occupation_skills.csv  every ESSENTIAL occupation-skill relation of the selected occupations
  * skills.csv             one row per skill used in occupation_skills.csv (de/ro labels left empty)

Re-running the script with the same inputs reproduces the outputs byte for byte. It only reads the
shared files and only writes the three CSV files above.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import unicodedata
from collections import Counter, OrderedDict
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SELECTION_FILE = Path(__file__).resolve().parent / "occupation_selection.yml"
OUT_DIR = PROJECT_ROOT / "data" / "defaults" / "esco"

OCC_PREFIX = "http://data.europa.eu/esco/occupation/"
LANGS = ("en", "es", "ro", "fr", "de")
MIN_SYN, MAX_SYN = 3, 8

OCC_COLUMNS = [
    "esco_uri", "isco_code", "esco_code", "sector",
    "label_en", "label_es", "label_ro", "label_fr", "label_de",
    "synonyms_en", "synonyms_es", "synonyms_ro", "synonyms_fr", "synonyms_de",
    "project_translated",
]
REL_COLUMNS = ["occupation_uri", "skill_uri", "relation", "skill_type"]
SKILL_COLUMNS = ["skill_uri", "skill_type", "label_en", "label_es", "label_fr", "label_de", "label_ro",
                 "project_translated"]

# French v1.1.2 official skill collections: they carry French labels for part of the skills and are
# used only when the (more complete) v1.2.1 API file has no label for a skill.
FR_SKILL_COLLECTIONS = [
    "digitalSkillsCollection_fr.csv", "greenSkillsCollection_fr.csv", "transversalSkillsCollection_fr.csv",
    "languageSkillsCollection_fr.csv", "digCompSkillsCollection_fr.csv", "researchSkillsCollection_fr.csv",
]

csv.field_size_limit(sys.maxsize)


def fold(text: str) -> str:
    """Same folding as lmi4vet.text.fold (case, diacritics, ß): used to detect duplicate synonyms."""
    lowered = text.casefold().translate(str.maketrans({"ß": "ss", "ø": "o", "đ": "d", "ł": "l",
                                                        "æ": "ae", "œ": "oe"}))
    decomposed = unicodedata.normalize("NFKD", lowered)
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def clean(label: str | None) -> str:
    return " ".join((label or "").split())


def read_rows(path: Path):
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def load_labels(path: Path) -> dict[str, str]:
    """conceptUri -> preferredLabel (first occurrence wins; files with duplicated rows keep the first)."""
    labels: dict[str, str] = {}
    for row in read_rows(path):
        uri = clean(row.get("conceptUri"))
        label = clean(row.get("preferredLabel"))
        if uri and label and uri not in labels:
            labels[uri] = label
    return labels


class Fail(Exception):
    pass


def load_selection(path: Path, en_occ: dict[str, dict]) -> tuple[dict, list[dict]]:
    raw = path.read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    sectors = data["sectors"]
    entries = data["occupations"]
    # the "# english label" comment after each id is for humans; check it still matches ESCO
    comments = dict(re.findall(r"^- id: ([0-9a-f-]{36})\s+#\s*(.+?)\s*$", raw, flags=re.M))
    errors: list[str] = []
    seen: set[str] = set()
    for entry in entries:
        oid = entry.get("id", "")
        uri = OCC_PREFIX + oid
        where = f"{oid} ({comments.get(oid, '?')})"
        if oid in seen:
            errors.append(f"{where}: selected twice")
        seen.add(oid)
        if uri not in en_occ:
            errors.append(f"{where}: not an ESCO v1.1.1 occupation")
            continue
        if comments.get(oid) and clean(comments[oid]) != clean(en_occ[uri]["preferredLabel"]):
            errors.append(f"{where}: comment differs from ESCO label {en_occ[uri]['preferredLabel']!r}")
        if entry.get("sector") not in sectors:
            errors.append(f"{where}: unknown sector {entry.get('sector')!r}")
        for lang in ("de", "ro"):
            if not clean(entry.get(lang)):
                errors.append(f"{where}: missing {lang} label")
        syn = entry.get("syn") or {}
        for lang in LANGS:
            items = [clean(s) for s in str(syn.get(lang) or "").split("|")]
            if any(not s for s in items):
                errors.append(f"{where}: empty synonym in {lang}")
            folded = [fold(s) for s in items if s]
            # spelling variants that only differ by diacritics/ß are allowed (e.g. Schweißer|Schweisser)
            dupes = [s for s, n in Counter(s.lower() for s in items if s).items() if n > 1]
            if dupes:
                errors.append(f"{where}: duplicate {lang} synonyms {dupes}")
            if not MIN_SYN <= len(set(folded)) <= MAX_SYN:
                errors.append(f"{where}: {len(set(folded))} distinct {lang} synonyms (want {MIN_SYN}-{MAX_SYN})")
    if errors:
        raise Fail("occupation_selection.yml has problems:\n  " + "\n  ".join(errors))
    return sectors, entries


def load_project_translations() -> dict[str, dict[str, str]]:
    """Our own skill labels where ESCO has none: translations/skills_<lang>_<part>.csv (skill_uri,label)."""
    found: dict[str, dict[str, str]] = {}
    for path in sorted((Path(__file__).resolve().parent / "translations").glob("skills_*.csv")):
        lang = path.stem.split("_")[1]
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("label", "").strip():
                    found.setdefault(lang, {})[row["skill_uri"].strip()] = clean(row["label"])
    return found


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shared_data", nargs="?", default=str(PROJECT_ROOT.parent / "shared" / "data"),
                        help="shared data folder (default: ../shared/data relative to the project root)")
    args = parser.parse_args(argv)
    esco = Path(args.shared_data) / "esco"
    if not (esco / "v1.1.1_en" / "occupations_en.csv").is_file():
        print(f"error: no ESCO files under {esco}", file=sys.stderr)
        return 2

    # ---- ESCO inputs
    en_occ = {clean(r["conceptUri"]): r for r in read_rows(esco / "v1.1.1_en" / "occupations_en.csv")}
    en_skill = {clean(r["conceptUri"]): r for r in read_rows(esco / "v1.1.1_en" / "skills_en.csv")}
    fr_occ = load_labels(esco / "fr" / "api_v1.2.1_trimmed" / "occupations_fr.csv")
    fr_occ_old = load_labels(esco / "fr" / "v1.1.2_official" / "occupations_fr.csv")
    es_occ = load_labels(esco / "es" / "trimmed_v1.1plus" / "occupations_es.csv")
    es_occ_old = load_labels(esco / "es" / "v1.0.x_official" / "occupations_es.csv")
    fr_skill = load_labels(esco / "fr" / "api_v1.2.1_trimmed" / "skills_fr.csv")
    fr_skill_old: dict[str, str] = {}
    for name in FR_SKILL_COLLECTIONS:
        for uri, label in load_labels(esco / "fr" / "v1.1.2_official" / name).items():
            fr_skill_old.setdefault(uri, label)
    es_skill = load_labels(esco / "es" / "v1.0.x_official" / "skills_es.csv")

    try:
        sectors, entries = load_selection(SELECTION_FILE, en_occ)
    except Fail as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    # ---- occupations.csv
    occ_rows: list[dict] = []
    notes: list[str] = []
    for entry in entries:
        uri = OCC_PREFIX + entry["id"]
        en = en_occ[uri]
        isco = clean(en["iscoGroup"])
        if not re.fullmatch(r"\d{4}", isco):
            print(f"error: {uri} has ISCO group {isco!r}", file=sys.stderr)
            return 1
        translated = ["de", "ro"]
        if entry.get("es_label_from_v10") and uri in es_occ_old:
            label_es = es_occ_old[uri]
            notes.append(f"label_es of {clean(en['preferredLabel'])!r} taken from ES v1.0 ({label_es!r}) "
                         f"instead of v1.2 ({es_occ.get(uri)!r})")
        else:
            label_es = es_occ.get(uri) or es_occ_old.get(uri) or ""
        label_fr = fr_occ.get(uri) or fr_occ_old.get(uri) or ""
        if uri not in fr_occ and label_fr:
            notes.append(f"label_fr of {clean(en['preferredLabel'])!r} from FR v1.1.2 (absent from v1.2.1 file)")
        for lang, value in (("es", label_es), ("fr", label_fr)):
            if not value:  # no ESCO label: the selection file must give one, and it is ours
                if not clean(entry.get(lang)):
                    print(f"error: no ESCO {lang} label for {uri}; add '{lang}:' to the selection",
                          file=sys.stderr)
                    return 1
                translated.append(lang)
        if "es" in translated:
            label_es = clean(entry["es"])
        if "fr" in translated:
            label_fr = clean(entry["fr"])
        syn = {lang: "|".join(clean(s) for s in str(entry["syn"][lang]).split("|")) for lang in LANGS}
        occ_rows.append({
            "esco_uri": uri,
            "isco_code": isco,
            "esco_code": clean(en["code"]),
            "sector": entry["sector"],
            "label_en": clean(en["preferredLabel"]),
            "label_es": label_es,
            "label_ro": clean(entry["ro"]),
            "label_fr": label_fr,
            "label_de": clean(entry["de"]),
            **{f"synonyms_{lang}": syn[lang] for lang in LANGS},
            "project_translated": "|".join(sorted(set(translated))),
        })
    write_csv(OUT_DIR / "occupations.csv", OCC_COLUMNS, occ_rows)

    # ---- occupation_skills.csv (essential relations only)
    order = {row["esco_uri"]: i for i, row in enumerate(occ_rows)}
    relations = []
    for row in read_rows(esco / "v1.1.1_relations" / "occupationSkillRelations.csv"):
        occ = clean(row["occupationUri"])
        if occ in order and clean(row["relationType"]) == "essential":
            skill = clean(row["skillUri"])
            skill_type = clean(row["skillType"]) or clean(en_skill.get(skill, {}).get("skillType"))
            relations.append({"occupation_uri": occ, "skill_uri": skill, "relation": "essential",
                              "skill_type": skill_type})
    relations = list(OrderedDict(((r["occupation_uri"], r["skill_uri"]), r) for r in relations).values())
    relations.sort(key=lambda r: (order[r["occupation_uri"]], r["skill_uri"]))
    write_csv(OUT_DIR / "occupation_skills.csv", REL_COLUMNS, relations)

    # ---- skills.csv (project translations: data/curation/translations/skills_<lang>_*.csv)
    project = load_project_translations()
    skill_rows = []
    for skill in sorted({r["skill_uri"] for r in relations}):
        en = en_skill.get(skill)
        if en is None:
            print(f"warning: skill {skill} not in ESCO v1.1.1 skills_en.csv", file=sys.stderr)
        row = {
            "skill_uri": skill,
            "skill_type": clean((en or {}).get("skillType")),
            "label_en": clean((en or {}).get("preferredLabel")),
            "label_es": es_skill.get(skill, ""),
            "label_fr": fr_skill.get(skill) or fr_skill_old.get(skill, ""),
            "label_de": "",
            "label_ro": "",
        }
        translated = []
        for lang in ("es", "fr", "de", "ro"):
            if not row[f"label_{lang}"] and project.get(lang, {}).get(skill):
                row[f"label_{lang}"] = project[lang][skill]
                translated.append(lang)
        row["project_translated"] = "|".join(translated)
        skill_rows.append(row)
    write_csv(OUT_DIR / "skills.csv", SKILL_COLUMNS, skill_rows)

    # ---- report
    shared_syn: dict[tuple[str, str], set[str]] = {}
    for row in occ_rows:
        for lang in LANGS:
            for s in row[f"synonyms_{lang}"].split("|"):
                shared_syn.setdefault((lang, fold(s)), set()).add(row["esco_uri"])
    shared = {k: v for k, v in shared_syn.items() if len(v) > 1}

    per_sector = Counter(row["sector"] for row in occ_rows)
    print(f"occupations: {len(occ_rows)}")
    for sector in sectors:
        print(f"  {sector:18} {per_sector.get(sector, 0)}")
    print(f"essential relations: {len(relations)}"
          f" (skill/competence {sum(r['skill_type'] == 'skill/competence' for r in relations)},"
          f" knowledge {sum(r['skill_type'] == 'knowledge' for r in relations)})")
    print(f"distinct skills: {len(skill_rows)}")
    no_es = sum(not r["label_es"] for r in skill_rows)
    no_fr = sum(not r["label_fr"] for r in skill_rows)
    fr_from_old = sum(1 for r in skill_rows if r["skill_uri"] not in fr_skill and r["label_fr"])
    print(f"skills without es label: {no_es}")
    print(f"skills without fr label: {no_fr} ({fr_from_old} fr labels taken from the v1.1.2 collections)")
    print(f"skills without es or fr label: {sum(not r['label_es'] or not r['label_fr'] for r in skill_rows)}")
    print(f"synonyms shared by several occupations (same language): {len(shared)}")
    for (lang, syn), uris in sorted(shared.items()):
        print(f"  {lang} {syn!r}: {sorted(uris)}")
    for note in notes:
        print(f"note: {note}")
    for path in ("occupations.csv", "occupation_skills.csv", "skills.csv"):
        print(f"wrote {OUT_DIR / path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
