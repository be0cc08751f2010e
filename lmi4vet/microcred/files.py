"""A draft's three export files (PDF sheet, ELM v3 JSON-LD, Open Badges 3.0 JSON), made on demand, and the
unguessable, expiring links to them for channels that cannot receive files (WhatsApp, the web chat).

Files are made from the draft as it is at the time: a link opened after an edit gives the edited draft; a
deleted draft's links give nothing.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from lmi4vet.events.catalogue import utc
from lmi4vet.links import File, add_link, live_link
from lmi4vet.microcred import checks
from lmi4vet.microcred.exports.badges import ob3_achievement
from lmi4vet.microcred.exports.elm import elm_jsonld
from lmi4vet.microcred.exports.pdf import spec_pdf
from lmi4vet.microcred.exports.vocab import label
from lmi4vet.microcred.models import Draft, ExportLink
from lmi4vet.microcred.spec import Spec
from lmi4vet.text import fold

FORMATS = ("pdf", "elm", "ob3")
EXTENSIONS = {"pdf": "pdf", "elm": "jsonld", "ob3": "json"}
CONTENT_TYPES = {"pdf": "application/pdf", "elm": "application/ld+json", "ob3": "application/json"}
LINK_LIFETIME = timedelta(days=7)


def document_id(draft: Draft) -> str:
    """The draft's stable document id, ``urn:uuid:...`` (the same in every export, nothing personal in it)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'lmi4vet:microcred:{draft.id}:{utc(draft.created_at)}')}"


def filename(spec: Spec, fmt: str) -> str:
    """``<title as a slug>.<pdf|jsonld|json>`` (ASCII, at most 60 characters before the extension)."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(spec.title)).strip("-")[:60].rstrip("-") or "micro-credential"
    suffix = {"pdf": "", "elm": "-elm", "ob3": "-openbadge"}[fmt]
    return f"{slug}{suffix}.{EXTENSIONS[fmt]}"


def completeness_note(spec: Spec) -> str:
    """The PDF's note: completeness score and the mandatory elements still missing, in the draft's language."""
    score, missing, _ = checks.completeness(spec)
    lang = spec.language
    note = f"{label(lang, 'completeness')}: {score} %"
    if missing:
        names = ", ".join(label(lang, f"elements.{element}") for element in missing)
        note += f" · {label(lang, 'missing')}: {names}"
    return note


def render(draft: Draft, fmt: str, *, now: datetime) -> File:
    """The export ``fmt`` (``pdf``, ``elm``, ``ob3``) of the draft; ValueError for another format or a draft
    an export cannot be made of yet (:func:`lmi4vet.microcred.checks.missing_for_export`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: one of {', '.join(FORMATS)}")
    spec = Spec.from_dict(draft.spec)
    missing = checks.missing_for_export(spec)
    if missing:
        raise ValueError(f"the draft cannot be exported yet: {', '.join(missing)} missing")
    if fmt == "pdf":
        body = spec_pdf(spec, now=now, completeness_note=completeness_note(spec))
    else:
        make = elm_jsonld if fmt == "elm" else ob3_achievement
        document = make(spec, id_base=document_id(draft), now=now)
        body = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    return File(body, filename(spec, fmt), CONTENT_TYPES[fmt])


def create_link(session: Session, draft: Draft, fmt: str, now: datetime,
                lifetime: timedelta = LINK_LIFETIME) -> str:
    """A new unguessable token (256 random bits) for the draft's export ``fmt``, valid for ``lifetime``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: one of {', '.join(FORMATS)}")
    return add_link(session, ExportLink, now, lifetime, draft_id=draft.id, sender_id=draft.sender_id, format=fmt)


def resolve_link(session: Session, token: str, now: datetime) -> tuple[Draft, str] | None:
    """``(draft, format)`` behind a link; None when the token is unknown or expired, or the draft is gone."""
    link = live_link(session, ExportLink, token, now)
    if link is None:
        return None
    draft = session.get(Draft, link.draft_id)
    return (draft, link.format) if draft is not None and draft.sender_id == link.sender_id else None
