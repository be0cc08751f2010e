"""A micro-credential specification as a European Learning Model (ELM) v3 JSON-LD document.

The document is an ELM ``Qualification`` (the class the Commission's "Annex I micro-credential" ELM v3 sample
uses for the specification of a micro-credential, and the one that carries ``eqfLevel``), with the EDC
application-profile context ``http://data.europa.eu/snb/model/context/edc-ap``. Language maps are written as
in that sample, ``{"ro": ["..."]}``, keyed by the draft's language. The awarding body goes in an
``awardingOpportunity`` (a specification has no award yet, so no ``awardedBy``).

Annex I element -> ELM v3 property (on the ``Qualification`` unless said otherwise)

====================================  =======================================================================
b  title                              ``title``
c  country(ies)/region(s)             ``awardingOpportunity[0].awardingBody[0].location[*].address[0]``
                                      ``.countryCode`` (EU authority table, ISO alpha-3, e.g. ``.../country/FRA``)
                                      and ``awardingOpportunity[0].location`` (the same country; the region as
                                      the location's ``description``)
d  awarding body                      ``awardingOpportunity[0].awardingBody[0]`` (``Organisation``:
                                      ``legalName``, ``homepage[0].contentURL``, ``location``)
f  learning outcomes                  ``learningOutcome[*]`` (``LearningOutcome``: ``title``,
                                      ``relatedESCOSkill[*]`` as ESCO ``Concept`` s, id = the ESCO URI)
g  notional workload                  ``volumeOfLearning`` (ISO 8601 duration, ``PT40H``) and ``creditPoint[0]``
                                      (``CreditPoint``, ECTS framework concept, ``point`` as a string, "1.5")
h  level                              ``eqfLevel`` (concept ``http://data.europa.eu/snb/eqf/<n>``); left out when
                                      not applicable
i  type of assessment                 ``provenBy[0]`` (``LearningAssessmentSpecification``: ``title``,
                                      ``dcType`` from OUR scheme ``urn:lmi4vet:microcred:assessment``)
j  form of participation              ``mode`` (EU "learning and assessment mode": online / presential /
                                      blended) and ``influencedBy[0]`` (``LearningActivitySpecification`` with the
                                      same ``mode`` and ``volumeOfLearning``)
k  type of quality assurance          ``additionalNote`` (a ``Note``; ELM's ``accreditation`` is for external
                                      accreditation decisions, which a school's internal QA is not)
o1 prerequisites                      ``entryRequirement`` (``Note``)
o2 supervision / identity check       ``provenBy[0].additionalNote``: ELM's ``idVerification`` (concept of the
                                      EU supervision-verification list) belongs to the awarded
                                      ``LearningAssessment``, not to its specification; the platform sets it
                                      when it issues the credential
o3 grading                            ``provenBy[0].gradingScheme`` (``GradingScheme``: ``title``)
o4 stackability                       ``additionalNote`` (ELM's ``isPartOf`` would need the other credential's
                                      own specification, which we do not have)
o5 further information                ``additionalNote``
a, e learner, date of issuing         not in a specification (award time); ``dateModified`` = the export time
====================================  =======================================================================

Also: ``dcType`` = "Short learning programme" (EU learning-opportunity list, as in the Commission's sample),
``language`` (EU authority table, e.g. ``.../language/RON``), and ``description``: the unsigned note.

Simplified: no ``identifier``, ``nqfLevel``, ``thematicArea`` (ISCED-F), ``learningSetting``, ``targetGroup``,
``maximumDuration`` or ``homepage`` of the course (the worksheet does not ask for them); the concepts carry ``id``,
``inScheme`` and ``prefLabel`` only; one awarding opportunity; no signature, no ``credentialSubject`` (it is
not a credential). The texts that are not the user's own (the title of the assessment, the element names in the
notes) come from the locales (``microcred.export``) in the draft's language, so every language map written for the
draft is keyed by its language; only the EU vocabulary concepts (learning-opportunity type, ECTS, EQF level, mode,
our assessment type) keep their English labels, under ``en``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from lmi4vet.i18n import country_name, language_name
from lmi4vet.microcred.exports import vocab
from lmi4vet.microcred.exports.vocab import field, label
from lmi4vet.microcred.spec import Spec


def _lang_map(language: str, text: str) -> dict[str, list[str]]:
    return {language: [text]}


def _concept(uri: str, scheme: str, pref_label: dict[str, list[str]] | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"id": uri, "type": "Concept", "inScheme": {"id": scheme, "type": "ConceptScheme"}}
    if pref_label:
        concept["prefLabel"] = pref_label
    return concept


def _note(note_id: str, language: str, text: str) -> dict[str, Any]:
    return {"id": note_id, "type": "Note", "noteLiteral": _lang_map(language, text)}


def _duration(hours: float) -> str:
    """ISO 8601 duration of ``hours``: 40 -> "PT40H", 37.5 -> "PT37H30M"."""
    h, m = divmod(round(hours * 60), 60)
    return f"PT{h}H{m}M" if m else f"PT{h}H"


def _iso(now: datetime) -> str:
    moment = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _location(id_base: str, n: int, code: str, language: str, region: str = "") -> dict[str, Any]:
    alpha3 = vocab.country_alpha3(code)
    country = _concept(vocab.COUNTRY_URI.format(code=alpha3), vocab.COUNTRY_SCHEME,
                       _lang_map(language, country_name(code.strip(), language)))
    location: dict[str, Any] = {
        "id": f"{id_base}#location-{n}",
        "type": "Location",
        "address": [{"id": f"{id_base}#address-{n}", "type": "Address", "countryCode": country}],
    }
    if region:
        location["description"] = _lang_map(language, region)
    return location


def elm_jsonld(spec: Spec, *, id_base: str, now: datetime) -> dict[str, Any]:
    """The ELM v3 JSON-LD ``Qualification`` of ``spec``. ``id_base``: the document's id (a ``urn:uuid:...`` or
    an http(s) URL); the ids of its parts are ``id_base#<part>-<n>``, so the same spec, id and time give the
    same document; its texts are in the draft's language (``spec.language``). Elements not filled in are left out (then
    :func:`lmi4vet.microcred.exports.validate.validate` says which required ones are missing). ValueError for a
    country code not in :data:`lmi4vet.microcred.exports.vocab.COUNTRY_CODES`."""
    lang = spec.language

    doc: dict[str, Any] = {
        "@context": vocab.ELM_CONTEXT,
        "id": id_base,
        "type": "Qualification",
    }
    if spec.title.strip():
        doc["title"] = _lang_map(lang, spec.title.strip())
    doc["description"] = _lang_map(lang, label(lang, "unsigned"))
    doc["dcType"] = [_concept(vocab.SHORT_LEARNING_PROGRAMME, vocab.LEARNING_OPPORTUNITY_SCHEME,
                              {"en": ["Short learning programme"]})]
    doc["language"] = [_concept(vocab.LANGUAGE_URI.format(code=vocab.LANGUAGE_CODES.get(lang, lang.upper())),
                                vocab.LANGUAGE_SCHEME, _lang_map(lang, language_name(lang, lang)))]

    outcomes = []
    for n, outcome in enumerate((o for o in spec.outcomes if o.text.strip()), start=1):
        item: dict[str, Any] = {
            "id": f"{id_base}#learningOutcome-{n}",
            "type": "LearningOutcome",
            "title": _lang_map(lang, outcome.text.strip()),
        }
        skills = [
            _concept(skill["uri"], vocab.ESCO_SKILLS_SCHEME,
                     _lang_map(lang, skill["label"]) if skill.get("label") else None)
            for skill in outcome.esco
            if skill.get("uri")
        ]
        if skills:
            item["relatedESCOSkill"] = skills
        outcomes.append(item)
    if outcomes:
        doc["learningOutcome"] = outcomes

    if spec.workload_hours:
        doc["volumeOfLearning"] = _duration(spec.workload_hours)
    if spec.ects:
        doc["creditPoint"] = [{
            "id": f"{id_base}#creditPoint-1",
            "type": "CreditPoint",
            "framework": _concept(vocab.ECTS_URI, vocab.ECTS_SCHEME, {"en": ["European Credit Transfer System"]}),
            "point": vocab.plain_number(spec.ects),
        }]
    if spec.eqf_level:
        doc["eqfLevel"] = _concept(vocab.EQF_URI.format(level=spec.eqf_level), vocab.EQF_SCHEME,
                                   {"en": [f"Level {spec.eqf_level}"]})

    modes = []
    if spec.participation in vocab.MODE_URIS:
        modes = [_concept(vocab.MODE_URIS[spec.participation], vocab.MODE_SCHEME,
                          {"en": [vocab.MODE_LABELS_EN[spec.participation]]})]
        doc["mode"] = modes

    if spec.prerequisites.strip():
        doc["entryRequirement"] = _note(f"{id_base}#note-entryRequirement", lang, spec.prerequisites.strip())

    if spec.assessment:
        assessment: dict[str, Any] = {
            "id": f"{id_base}#assessment-1",
            "type": "LearningAssessmentSpecification",
            "title": _lang_map(lang, label(lang, f"assessment.{spec.assessment}")),
            "dcType": _concept(f"{vocab.ASSESSMENT_SCHEME}:{spec.assessment}", vocab.ASSESSMENT_SCHEME,
                               {"en": [label("en", f"assessment.{spec.assessment}")]}),
            "language": doc["language"],
        }
        if spec.grading.strip():
            assessment["gradingScheme"] = {"id": f"{id_base}#gradingScheme-1", "type": "GradingScheme",
                                           "title": _lang_map(lang, spec.grading.strip())}
        if spec.supervision:
            text = field(lang, "elements.supervision", label(lang, f"supervision.{spec.supervision}"))
            assessment["additionalNote"] = [_note(f"{id_base}#note-supervision", lang, text)]
        doc["provenBy"] = [assessment]

    if spec.participation or spec.workload_hours:
        activity: dict[str, Any] = {
            "id": f"{id_base}#activity-1",
            "type": "LearningActivitySpecification",
            "title": _lang_map(lang, spec.title.strip() or label(lang, "learning_activity")),
        }
        if modes:
            activity["mode"] = modes
        if spec.workload_hours:
            activity["volumeOfLearning"] = doc["volumeOfLearning"]
        doc["influencedBy"] = [activity]

    if spec.awarding_body.strip() or spec.countries:
        countries = [c for c in spec.countries if c.strip()]
        body: dict[str, Any] = {"id": f"{id_base}#awardingBody-1", "type": "Organisation"}
        if spec.awarding_body.strip():
            body["legalName"] = _lang_map(lang, spec.awarding_body.strip())
        if spec.awarding_body_url.strip():
            body["homepage"] = [{"id": f"{id_base}#homepage-1", "type": "WebResource",
                                 "contentURL": spec.awarding_body_url.strip()}]
        if countries:
            body["location"] = [_location(id_base, n, c, lang) for n, c in enumerate(countries, start=1)]
        opportunity: dict[str, Any] = {"id": f"{id_base}#awardingOpportunity-1", "type": "AwardingOpportunity",
                                       "awardingBody": [body]}
        if countries:
            opportunity["location"] = _location(id_base, len(countries) + 1, countries[0], lang,
                                                spec.region.strip())
        doc["awardingOpportunity"] = [opportunity]

    notes = []
    if spec.quality_assurance.strip():
        notes.append(("qualityAssurance", field(lang, "elements.quality_assurance", spec.quality_assurance.strip())))
    if spec.stackability:
        text = field(lang, "elements.stackability", label(lang, f"stackability.{spec.stackability}"))
        if spec.stackability == "stackable" and spec.stackable_towards.strip():
            text += f" ({field(lang, 'stackable_towards', spec.stackable_towards.strip())})"
        notes.append(("stackability", text))
    if spec.further_information.strip():
        notes.append(("furtherInformation",
                      field(lang, "elements.further_information", spec.further_information.strip())))
    if notes:
        doc["additionalNote"] = [_note(f"{id_base}#note-{key}", lang, text) for key, text in notes]

    doc["dateModified"] = _iso(now)
    return doc
