"""Validation of the exported JSON documents against the JSON Schemas (draft 2020-12) in
``lmi4vet/microcred/schemas/``: ``elm`` (ELM v3 JSON-LD micro-credential specification) and ``ob3`` (Open Badges
3.0 Achievement)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
SCHEMAS = {"elm": "elm_v3_microcredential.schema.json", "ob3": "ob3_achievement.schema.json"}


@cache
def validator(kind: str) -> Draft202012Validator:
    """The validator of ``kind`` ("elm" or "ob3"); ValueError for another kind."""
    if kind not in SCHEMAS:
        raise ValueError(f"unknown document kind {kind!r}: one of {', '.join(SCHEMAS)}")
    schema = json.loads((SCHEMA_DIR / SCHEMAS[kind]).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _path(parts: Any) -> str:
    return "/" + "/".join(str(p) for p in parts) if parts else "(root)"


def validate(document: dict[str, Any], kind: str) -> list[str]:
    """The schema errors of ``document`` as ``"<JSON pointer>: <message>"`` lines, sorted by place; empty when
    the document is valid."""
    errors = validator(kind).iter_errors(document)
    return [f"{_path(e.absolute_path)}: {e.message}"
            for e in sorted(errors, key=lambda e: ([str(p) for p in e.absolute_path], e.message))]
