"""The micro-credential exports: ELM v3 JSON-LD, Open Badges 3.0 Achievement (both validated against our JSON
Schemas) and the PDF sheet (parsed back with pypdf)."""

from __future__ import annotations

import copy
import io
import json
from datetime import datetime, timezone

import pytest
from pypdf import PdfReader

from lmi4vet.microcred.exports.badges import ob3_achievement
from lmi4vet.microcred.exports.elm import elm_jsonld
from lmi4vet.microcred.exports.pdf import spec_pdf
from lmi4vet.microcred.exports.validate import validate
from lmi4vet.microcred.spec import Outcome, Spec

NOW = datetime(2026, 12, 3, 15, 30, tzinfo=timezone.utc)
ID_FR = "urn:uuid:6f1c1f0e-3d2a-4b7e-9a51-2c6d8e0f4a11"
ID_RO = "urn:uuid:0b7e3c52-91d4-4f0a-8e6b-5a2f9c1d7e30"
ESCO = "http://data.europa.eu/esco/skill/"
SKILL_1 = ESCO + "3f2a7c1e-8b4d-4e6f-9a0b-1c2d3e4f5a6b"
SKILL_2 = ESCO + "7d9e1f20-4a3b-4c5d-8e6f-0a1b2c3d4e5f"
SKILL_3 = ESCO + "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"

LABELS_FR = {
    "document_title": "Spécification de micro-certification",
    "quality_assurance": "Type d'assurance qualité",
    "supervision": "Surveillance et vérification d'identité pendant l'évaluation",
    "stackability": "Intégration / cumul",
    "stackable_towards": "Cumulable vers",
    "further_information": "Informations complémentaires",
    "unsigned": "Spécification non signée : la plateforme de certification de l'établissement émet et signe "
                "les certificats.",
    "assessment.practical_demonstration": "Démonstration pratique",
    "participation.blended": "Hybride",
    "supervision.supervised_with_id": "Surveillée, avec vérification d'identité",
    "stackability.stackable": "Intégrée, cumulable vers une autre certification",
    "date": "Date",
}

# The Romanian labels, as the locales would give them (element names, headings, choices, footer).
LABELS_RO = {
    "document_title": "Specificația micro-certificatului",
    "annex_heading": "Elemente (Recomandarea Consiliului 2022/C 243/02, anexa I)",
    "optional_heading": "Elemente opționale",
    "title": "Titlul micro-certificatului",
    "countries": "Țara/regiunea emitentului",
    "awarding_body": "Organismul care acordă certificatul",
    "learner_identification": "Identificarea cursantului",
    "date_of_issuing": "Data emiterii",
    "outcomes": "Rezultatele învățării",
    "outcomes_below": "{count} (enumerate mai jos)",
    "workload": "Volumul de lucru estimat",
    "eqf_level": "Nivel (CEC)",
    "assessment": "Tipul de evaluare",
    "participation": "Forma de participare",
    "quality_assurance": "Tipul de asigurare a calității",
    "prerequisites": "Condiții de înscriere",
    "supervision": "Supravegherea și verificarea identității la evaluare",
    "grading": "Nota obținută",
    "stackability": "Integrare/cumulare",
    "stackable_towards": "Cumulabil în vederea",
    "further_information": "Informații suplimentare",
    "esco_skills": "Competențe ESCO",
    "hours": "{hours} de ore",
    "ects": "{ects} credite ECTS",
    "eqf_value": "Nivelul CEC {level}",
    "not_applicable": "Nu se aplică",
    "filled_at_award": "Se completează la acordare, de platforma de certificare a școlii",
    "completeness": "Completitudine",
    "date": "Data",
    "page": "Pagina {page}/{pages}",
    "issuer": "Emitent",
    "unsigned": "Specificație nesemnată: platforma de certificare a școlii emite și semnează certificatele.",
    "footer": "Specificație (nu un certificat): nesemnată; emisă și semnată de platforma de certificare a școlii",
    "assessment.practical_demonstration": "Demonstrație practică",
    "participation.onsite": "Cu prezență fizică",
    "supervision.supervised_with_id": "Supravegheată, cu verificarea identității",
    "stackability.stackable": "Integrat, cumulabil în vederea altui certificat",
}


def french_spec() -> Spec:
    return Spec(
        language="fr",
        title="Installation de panneaux photovoltaïques",
        countries=["FR"],
        region="Occitanie",
        awarding_body="Lycée professionnel Jean Jaurès",
        awarding_body_url="https://lp-jaures.example.fr",
        outcomes=[
            Outcome("L'apprenant peut monter et raccorder des panneaux photovoltaïques en toiture.",
                    [{"uri": SKILL_1, "label": "installer des panneaux solaires"}]),
            Outcome("L'apprenant peut appliquer les règles de sécurité du travail en hauteur.",
                    [{"uri": SKILL_2, "label": "respecter les procédures de sécurité en hauteur"}]),
        ],
        workload_hours=40,
        ects=1.5,
        eqf_level=4,
        assessment="practical_demonstration",
        participation="blended",
        quality_assurance="Assurance qualité interne de l'établissement (certification Qualiopi)",
        prerequisites="CAP électricien ou expérience équivalente",
        supervision="supervised_with_id",
        grading="Réussi / non réussi",
        stackability="stackable",
        stackable_towards="Bac pro Métiers de l'électricité",
        further_information="Formation en partenariat avec une entreprise locale.",
    )


def romanian_spec() -> Spec:
    return Spec(
        language="ro",
        title="Instalarea panourilor fotovoltaice",
        countries=["RO"],
        region="Regiunea Centru",
        awarding_body="Colegiul Tehnic „Ștefan cel Mare” Brașov",
        awarding_body_url="https://ct-stefan.example.ro",
        outcomes=[
            Outcome("Cursantul poate monta și conecta panourile fotovoltaice pe acoperiș.",
                    [{"uri": SKILL_1, "label": "instalarea panourilor solare"},
                     {"uri": SKILL_3, "label": "conectarea invertoarelor"}]),
            Outcome("Cursantul poate aplica regulile de siguranță la lucrul la înălțime.",
                    [{"uri": SKILL_2, "label": "respectarea procedurilor de siguranță la înălțime"}]),
            Outcome("Cursantul poate verifica funcționarea sistemului și întocmește fișa de punere în funcțiune.",
                    []),
        ],
        workload_hours=60,
        ects=2,
        eqf_level=3,
        assessment="practical_demonstration",
        participation="onsite",
        quality_assurance="Asigurarea internă a calității, conform ARACIP; Straße-Prüfung ß ä (partener german)",
        prerequisites="Calificare de electrician, nivelul 3",
        supervision="supervised_with_id",
        grading="Admis / respins",
        stackability="stackable",
        stackable_towards="Certificatul de calificare „Electrician pentru instalații fotovoltaice”",
        further_information="Cursul are loc în atelierul școlii și pe un acoperiș de probă.",
    )


# --- ELM v3 JSON-LD ----------------------------------------------------------------------------------------


def test_french_elm_validates_with_exact_key_fields():
    doc = elm_jsonld(french_spec(), id_base=ID_FR, now=NOW, labels=LABELS_FR)
    assert validate(doc, "elm") == []
    assert doc["@context"] == "http://data.europa.eu/snb/model/context/edc-ap"
    assert doc["id"] == ID_FR and doc["type"] == "Qualification"
    assert doc["title"] == {"fr": ["Installation de panneaux photovoltaïques"]}
    assert doc["volumeOfLearning"] == "PT40H"
    assert doc["creditPoint"] == [{
        "id": f"{ID_FR}#creditPoint-1",
        "type": "CreditPoint",
        "framework": {"id": "http://data.europa.eu/snb/education-credit/6fcec5c5af", "type": "Concept",
                      "inScheme": {"id": "http://data.europa.eu/snb/education-credit/25831c2",
                                   "type": "ConceptScheme"},
                      "prefLabel": {"en": ["European Credit Transfer System"]}},
        "point": "1.5",
    }]
    assert doc["eqfLevel"]["id"] == "http://data.europa.eu/snb/eqf/4"
    assert doc["eqfLevel"]["inScheme"]["id"] == "http://data.europa.eu/snb/eqf/25831c2"
    assert doc["language"][0]["id"] == "http://publications.europa.eu/resource/authority/language/FRA"
    assert doc["mode"][0]["id"] == "http://data.europa.eu/snb/learning-assessment/e92d221e4d"  # blended
    outcome = doc["learningOutcome"][0]
    assert outcome["id"] == f"{ID_FR}#learningOutcome-1"
    assert [s["id"] for s in outcome["relatedESCOSkill"]] == [SKILL_1]
    body = doc["awardingOpportunity"][0]["awardingBody"][0]
    assert body["legalName"] == {"fr": ["Lycée professionnel Jean Jaurès"]}
    country = body["location"][0]["address"][0]["countryCode"]
    assert country["id"] == "http://publications.europa.eu/resource/authority/country/FRA"
    assert country["prefLabel"] == {"fr": ["France"]}
    assert doc["entryRequirement"]["noteLiteral"] == {"fr": ["CAP électricien ou expérience équivalente"]}
    assessment = doc["provenBy"][0]
    assert assessment["title"] == {"fr": ["Démonstration pratique"]}
    assert assessment["gradingScheme"]["title"] == {"fr": ["Réussi / non réussi"]}
    assert "Surveillée, avec vérification d'identité" in assessment["additionalNote"][0]["noteLiteral"]["fr"][0]
    notes = [n["noteLiteral"]["fr"][0] for n in doc["additionalNote"]]
    assert notes[0].startswith("Type d'assurance qualité: Assurance qualité interne")
    assert any("Bac pro Métiers de l'électricité" in n for n in notes)
    assert doc["dateModified"] == "2026-12-03T15:30:00Z"


def _language_map_keys(node, found: set[str]) -> set[str]:
    """The keys of every language map (title, prefLabel, noteLiteral, legalName, description) in ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"title", "prefLabel", "noteLiteral", "legalName", "description"} and isinstance(value, dict):
                found |= set(value)
            else:
                _language_map_keys(value, found)
    elif isinstance(node, list):
        for item in node:
            _language_map_keys(item, found)
    return found


def test_language_maps_are_keyed_by_the_draft_language():
    doc = elm_jsonld(romanian_spec(), id_base=ID_RO, now=NOW, labels=LABELS_RO)
    assert validate(doc, "elm") == []
    # The vocabulary concepts keep the EU's English labels; everything written for the draft is in Romanian.
    assert _language_map_keys(doc, set()) == {"ro", "en"}
    assert doc["title"] == {"ro": ["Instalarea panourilor fotovoltaice"]}
    assert doc["learningOutcome"][0]["title"] == {
        "ro": ["Cursantul poate monta și conecta panourile fotovoltaice pe acoperiș."]}
    assert doc["language"][0]["id"].endswith("/language/RON")
    assert doc["awardingOpportunity"][0]["awardingBody"][0]["location"][0]["address"][0]["countryCode"]["id"] \
        == "http://publications.europa.eu/resource/authority/country/ROU"
    assert doc["awardingOpportunity"][0]["location"]["description"] == {"ro": ["Regiunea Centru"]}
    assert doc["mode"][0]["id"] == "http://data.europa.eu/snb/learning-assessment/9191af2ed9"  # presential
    assert doc["creditPoint"][0]["point"] == "2" and doc["volumeOfLearning"] == "PT60H"
    assert "relatedESCOSkill" not in doc["learningOutcome"][2]  # an outcome without ESCO skills


def test_elm_is_deterministic_and_json_serialisable():
    one = elm_jsonld(french_spec(), id_base=ID_FR, now=NOW, labels=LABELS_FR)
    two = elm_jsonld(french_spec(), id_base=ID_FR, now=NOW, labels=LABELS_FR)
    assert json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True)
    assert json.loads(json.dumps(one, ensure_ascii=False)) == one


def test_elm_without_labels_uses_english_texts_and_still_validates():
    doc = elm_jsonld(french_spec(), id_base=ID_FR, now=NOW)
    assert validate(doc, "elm") == []
    assert doc["provenBy"][0]["title"] == {"en": ["Practical demonstration"]}
    assert doc["title"] == {"fr": ["Installation de panneaux photovoltaïques"]}


def test_elm_eqf_not_applicable_is_left_out():
    spec = french_spec()
    spec.eqf_level = None
    doc = elm_jsonld(spec, id_base=ID_FR, now=NOW, labels=LABELS_FR)
    assert "eqfLevel" not in doc
    assert validate(doc, "elm") == []


def test_broken_elm_documents_fail_with_the_expected_messages():
    good = elm_jsonld(french_spec(), id_base=ID_FR, now=NOW, labels=LABELS_FR)

    wrong_eqf = copy.deepcopy(good)
    wrong_eqf["eqfLevel"]["id"] = "http://data.europa.eu/snb/eqf/9"
    assert validate(wrong_eqf, "elm") == [
        "/eqfLevel/id: 'http://data.europa.eu/snb/eqf/9' does not match "
        "'^http://data\\\\.europa\\\\.eu/snb/eqf/[1-8]$'"]

    no_title = copy.deepcopy(good)
    del no_title["title"]
    assert validate(no_title, "elm") == ["(root): 'title' is a required property"]

    not_esco = copy.deepcopy(good)
    not_esco["learningOutcome"][0]["relatedESCOSkill"][0]["id"] = "http://example.org/skills/roofing"
    messages = validate(not_esco, "elm")
    assert len(messages) == 1
    assert messages[0].startswith("/learningOutcome/0/relatedESCOSkill/0/id: 'http://example.org/skills/roofing' "
                                  "does not match '^http://data")

    bad_duration = copy.deepcopy(good)
    bad_duration["volumeOfLearning"] = "40 hours"
    assert validate(bad_duration, "elm")[0].startswith("/volumeOfLearning: '40 hours' does not match")

    bad_language = copy.deepcopy(good)
    bad_language["title"] = {"it": ["Installazione"]}
    assert validate(bad_language, "elm") == ["/title: 'it' is not one of ['en', 'es', 'ro', 'fr', 'de']"]

    bad_country = copy.deepcopy(good)
    bad_country["awardingOpportunity"][0]["awardingBody"][0]["location"][0]["address"][0]["countryCode"]["id"] = (
        "http://publications.europa.eu/resource/authority/country/FR")
    assert validate(bad_country, "elm")[0].startswith(
        "/awardingOpportunity/0/awardingBody/0/location/0/address/0/countryCode/id: ")


def test_an_incomplete_spec_exports_but_does_not_validate():
    spec = Spec(language="de", title="Wärmepumpen warten", outcomes=[Outcome("Der Lernende kann ...")])
    doc = elm_jsonld(spec, id_base=ID_FR, now=NOW)
    messages = validate(doc, "elm")
    assert "(root): 'awardingOpportunity' is a required property" in messages
    assert "(root): 'volumeOfLearning' is a required property" in messages
    assert doc["title"] == {"de": ["Wärmepumpen warten"]}


def test_an_unknown_country_code_is_a_clear_error():
    spec = french_spec()
    spec.countries = ["XX"]
    with pytest.raises(ValueError, match="unsupported country code 'XX'"):
        elm_jsonld(spec, id_base=ID_FR, now=NOW)


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="unknown document kind"):
        validate({}, "xml")


# --- Open Badges 3.0 -----------------------------------------------------------------------------------------


def test_french_ob3_achievement_validates_with_exact_key_fields():
    doc = ob3_achievement(french_spec(), id_base=ID_FR, now=NOW, labels=LABELS_FR)
    assert validate(doc, "ob3") == []
    assert doc["@context"] == ["https://www.w3.org/ns/credentials/v2",
                               "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert doc["id"] == ID_FR and doc["type"] == ["Achievement"]
    assert doc["achievementType"] == "MicroCredential"
    assert doc["name"] == "Installation de panneaux photovoltaïques"
    assert doc["inLanguage"] == "fr" and doc["creditsAvailable"] == 1.5
    assert doc["alignment"][0] == {"type": ["Alignment"], "targetName": "installer des panneaux solaires",
                                   "targetUrl": SKILL_1, "targetFramework": "ESCO",
                                   "targetType": "ceasn:Competency"}
    assert doc["alignment"][-1]["targetUrl"] == "http://data.europa.eu/snb/eqf/4"
    assert doc["creator"] == {"id": "https://lp-jaures.example.fr", "type": ["Profile"],
                              "name": "Lycée professionnel Jean Jaurès", "url": "https://lp-jaures.example.fr",
                              "address": {"type": ["Address"], "addressCountryCode": "FR",
                                          "addressRegion": "Occitanie"}}
    assert "1. L'apprenant peut monter et raccorder" in doc["criteria"]["narrative"]
    assert "Démonstration pratique" in doc["criteria"]["narrative"]
    assert doc["description"].endswith(LABELS_FR["unsigned"])  # says it is unsigned


def test_romanian_ob3_achievement_validates():
    doc = ob3_achievement(romanian_spec(), id_base=ID_RO, now=NOW, labels=LABELS_RO)
    assert validate(doc, "ob3") == []
    assert doc["inLanguage"] == "ro"
    assert [a["targetUrl"] for a in doc["alignment"]] == [SKILL_1, SKILL_3, SKILL_2,
                                                         "http://data.europa.eu/snb/eqf/3"]
    assert "Cursantul poate monta și conecta panourile" in doc["criteria"]["narrative"]


def test_broken_ob3_documents_fail_with_the_expected_messages():
    good = ob3_achievement(french_spec(), id_base=ID_FR, now=NOW, labels=LABELS_FR)

    not_esco = copy.deepcopy(good)
    not_esco["alignment"][0]["targetUrl"] = "https://example.org/skill/1"
    assert validate(not_esco, "ob3") == [
        "/alignment/0/targetUrl: 'https://example.org/skill/1' does not match "
        "'^http://data\\\\.europa\\\\.eu/esco/skill/[0-9a-f-]{36}$'"]

    wrong_eqf = copy.deepcopy(good)
    wrong_eqf["alignment"][-1]["targetUrl"] = "http://data.europa.eu/snb/eqf/level-4"
    assert validate(wrong_eqf, "ob3")[0].startswith("/alignment/2/targetUrl: 'http://data.europa.eu/snb/eqf/level-4'")

    no_name = copy.deepcopy(good)
    del no_name["name"]
    assert validate(no_name, "ob3") == ["(root): 'name' is a required property"]

    bad_id = copy.deepcopy(good)
    bad_id["id"] = "not-a-uri"
    assert validate(bad_id, "ob3")[0].startswith("/id: 'not-a-uri' does not match")

    bad_type = copy.deepcopy(good)
    bad_type["achievementType"] = "Nanodegree"
    assert validate(bad_type, "ob3")[0].startswith("/achievementType: 'Nanodegree' is not one of")


# --- PDF -----------------------------------------------------------------------------------------------------


def _pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


def test_romanian_pdf_has_the_title_and_outcomes_with_diacritics():
    spec = romanian_spec()
    data = spec_pdf(spec, LABELS_RO, now=NOW, completeness_note="Completitudine: 100 % (14/14 elemente).")
    assert data.startswith(b"%PDF-")
    pages, text = _pdf_text(data)
    assert pages in (1, 2)
    assert "Instalarea panourilor fotovoltaice" in text
    for outcome in spec.outcomes:
        assert outcome.text in text
    assert "Cursantul poate monta și conecta panourile" in text
    for letter in ("ș", "ț", "ă", "î", "ß", "ä", "Ș", "„"):
        assert letter in text, letter
    assert LABELS_RO["footer"] in text
    assert "Rezultatele învățării" in text and "Competențe ESCO" in text
    assert SKILL_3 in text
    assert "3 decembrie 2026" in text  # the date, in Romanian
    assert "Nivelul CEC 3" in text and "60 de ore · 2 credite ECTS" in text


def test_french_pdf_with_english_fallback_labels_is_one_or_two_pages():
    data = spec_pdf(french_spec(), {}, now=NOW)
    pages, text = _pdf_text(data)
    assert pages in (1, 2)
    assert "Installation de panneaux photovoltaïques" in text
    assert "L'apprenant peut appliquer les règles de sécurité du travail en hauteur." in text
    assert "Specification (not a credential): unsigned; issued and signed by the school's credential platform" in text


def test_pdf_is_deterministic_for_the_same_time():
    assert spec_pdf(romanian_spec(), LABELS_RO, now=NOW) == spec_pdf(romanian_spec(), LABELS_RO, now=NOW)


def test_fractional_workload_is_an_iso_duration_in_hours_and_minutes():
    spec = french_spec()
    spec.workload_hours = 37.5
    doc = elm_jsonld(spec, id_base=ID_FR, now=NOW, labels=LABELS_FR)
    assert doc["volumeOfLearning"] == "PT37H30M"
    assert validate(doc, "elm") == []


def test_missing_labels_are_english_and_keyed_en():
    labels = dict(LABELS_FR)
    del labels["assessment.practical_demonstration"]
    doc = elm_jsonld(french_spec(), id_base=ID_FR, now=NOW, labels=labels)
    assert doc["provenBy"][0]["title"] == {"en": ["Practical demonstration"]}
    assert doc["description"] == {"fr": [LABELS_FR["unsigned"]]}


def test_an_empty_draft_still_renders_a_pdf():
    data = spec_pdf(Spec(language="de"), {}, now=NOW)
    pages, text = _pdf_text(data)
    assert pages == 1 and "MICRO-CREDENTIAL SPECIFICATION" in text and "3. Dezember 2026" in text
