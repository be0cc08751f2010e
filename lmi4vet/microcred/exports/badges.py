"""A micro-credential specification as an Open Badges 3.0 ``Achievement`` (the thing an ``OpenBadgeCredential``
is about; the school's credential platform wraps it in a credential, for a learner, and signs it).

Mapped (OB 3.0 ``Achievement`` property <- Annex I element):

* ``id`` <- the ``id_base`` given (``urn:uuid:...`` or a URL); ``type`` ``["Achievement"]``;
  ``achievementType`` ``"MicroCredential"``;
* ``name`` <- b title; ``inLanguage`` <- the draft's language (BCP 47: ``fr``, ``ro``, ...);
* ``description`` <- a summary (workload, level, assessment, participation) and the unsigned note;
* ``criteria.narrative`` <- f learning outcomes (a Markdown list), i assessment, o2 supervision, o3 grading;
* ``alignment`` <- the ESCO skills of the outcomes (``targetFramework`` ``"ESCO"``, ``targetUrl`` the ESCO URI,
  ``targetType`` ``"ceasn:Competency"``) and h the EQF level (``targetFramework``
  ``"European Qualifications Framework"``, ``targetUrl`` ``http://data.europa.eu/snb/eqf/<n>``,
  ``targetCode`` the level);
* ``creditsAvailable`` <- g ECTS credits;
* ``creator`` <- d awarding body (``Profile``: ``id`` = its URL, else ``id_base#creator``; ``name``; ``url``;
  ``address.addressCountryCode`` <- c the first country, alpha-2; ``address.addressRegion`` <- the region);
* ``otherIdentifier``: none; ``image``: none (the platform adds the badge image); ``fieldOfStudy``: not asked
  by the worksheet. Prerequisites, quality assurance, stackability and further information go into the
  description (OB 3.0 has no property for them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lmi4vet.microcred.exports import vocab
from lmi4vet.microcred.exports.vocab import field, label
from lmi4vet.microcred.spec import Spec

OB3_CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


def _summary(spec: Spec) -> list[str]:
    lang = spec.language
    lines = []
    workload = []
    if spec.workload_hours:
        workload.append(label(lang, "hours", quantity=spec.workload_hours,
                              hours=vocab.plain_number(spec.workload_hours)))
    if spec.ects:
        workload.append(label(lang, "ects", quantity=spec.ects, ects=vocab.plain_number(spec.ects)))
    if workload:
        lines.append(field(lang, "elements.workload", ", ".join(workload)))
    if spec.eqf_level:
        lines.append(field(lang, "elements.eqf_level", label(lang, "eqf_value", level=spec.eqf_level)))
    if spec.participation:
        lines.append(field(lang, "elements.participation", label(lang, f"participation.{spec.participation}")))
    if spec.prerequisites.strip():
        lines.append(field(lang, "elements.prerequisites", spec.prerequisites.strip()))
    if spec.quality_assurance.strip():
        lines.append(field(lang, "elements.quality_assurance", spec.quality_assurance.strip()))
    if spec.stackability:
        text = field(lang, "elements.stackability", label(lang, f"stackability.{spec.stackability}"))
        if spec.stackability == "stackable" and spec.stackable_towards.strip():
            text += f" ({field(lang, 'stackable_towards', spec.stackable_towards.strip())})"
        lines.append(text)
    if spec.further_information.strip():
        lines.append(field(lang, "elements.further_information", spec.further_information.strip()))
    return lines


def _narrative(spec: Spec) -> str:
    lang = spec.language
    parts = []
    outcomes = [o.text.strip() for o in spec.outcomes if o.text.strip()]
    if outcomes:
        parts.append(field(lang, "elements.outcomes", "").rstrip() + "\n"
                     + "\n".join(f"{n}. {t}" for n, t in enumerate(outcomes, 1)))
    if spec.assessment:
        parts.append(field(lang, "elements.assessment", label(lang, f"assessment.{spec.assessment}")))
    if spec.supervision:
        parts.append(field(lang, "elements.supervision", label(lang, f"supervision.{spec.supervision}")))
    if spec.grading.strip():
        parts.append(field(lang, "elements.grading", spec.grading.strip()))
    return "\n\n".join(parts)


def ob3_achievement(spec: Spec, *, id_base: str, now: datetime) -> dict[str, Any]:
    """The Open Badges 3.0 ``Achievement`` of ``spec``, id ``id_base``, its texts in the draft's language (from
    the locales, ``microcred.export``). ``now``: the date the description says it was generated. Deterministic
    for the same arguments."""
    doc: dict[str, Any] = {
        "@context": list(OB3_CONTEXT),
        "id": id_base,
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
    }
    if spec.title.strip():
        doc["name"] = spec.title.strip()
    description = _summary(spec)
    description.append(f"{field(spec.language, 'date', now.date().isoformat())}. {label(spec.language, 'unsigned')}")
    doc["description"] = "\n".join(description)
    narrative = _narrative(spec)
    if narrative:
        doc["criteria"] = {"narrative": narrative}

    alignment = []
    seen: set[str] = set()
    for outcome in spec.outcomes:
        for skill in outcome.esco:
            uri = skill.get("uri", "")
            if not uri or uri in seen:
                continue
            seen.add(uri)
            alignment.append({"type": ["Alignment"], "targetName": skill.get("label") or uri, "targetUrl": uri,
                              "targetFramework": "ESCO", "targetType": "ceasn:Competency"})
    if spec.eqf_level:
        alignment.append({"type": ["Alignment"], "targetName": f"EQF level {spec.eqf_level}",
                          "targetUrl": vocab.EQF_URI.format(level=spec.eqf_level),
                          "targetFramework": "European Qualifications Framework",
                          "targetCode": str(spec.eqf_level)})
    if alignment:
        doc["alignment"] = alignment
    if spec.ects:
        doc["creditsAvailable"] = float(spec.ects)
    doc["inLanguage"] = spec.language

    if spec.awarding_body.strip():
        url = spec.awarding_body_url.strip()
        creator: dict[str, Any] = {"id": url or f"{id_base}#creator", "type": ["Profile"],
                                   "name": spec.awarding_body.strip()}
        if url:
            creator["url"] = url
        countries = [c.strip().upper() for c in spec.countries if c.strip()]
        if countries:
            code = "GR" if countries[0] == "EL" else countries[0]  # OB 3.0 wants ISO 3166-1 alpha-2
            address: dict[str, Any] = {"type": ["Address"], "addressCountryCode": code}
            if spec.region.strip():
                address["addressRegion"] = spec.region.strip()
            creator["address"] = address
        doc["creator"] = creator
    return doc
