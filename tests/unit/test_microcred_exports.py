"""The micro-credential exports: ELM v3 JSON-LD, Open Badges 3.0 Achievement (both validated against our JSON
Schemas) and the PDF sheet (parsed back with pypdf)."""

from __future__ import annotations

import copy
import io
import json
from datetime import datetime, timezone

import pytest
from pypdf import PdfReader

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.i18n import t
from lmi4vet.microcred.exports.badges import ob3_achievement
from lmi4vet.microcred.exports.elm import elm_jsonld
from lmi4vet.microcred.exports.pdf import spec_pdf
from lmi4vet.microcred.exports.validate import validate
from lmi4vet.microcred.exports.vocab import label
from lmi4vet.microcred.spec import Outcome, Spec
from lmi4vet.microcred.values import number_text as _number

NOW = datetime(2026, 12, 3, 15, 30, tzinfo=timezone.utc)
ID_FR = "urn:uuid:6f1c1f0e-3d2a-4b7e-9a51-2c6d8e0f4a11"
ID_RO = "urn:uuid:0b7e3c52-91d4-4f0a-8e6b-5a2f9c1d7e30"
ESCO = "http://data.europa.eu/esco/skill/"
SKILL_1 = ESCO + "3f2a7c1e-8b4d-4e6f-9a0b-1c2d3e4f5a6b"
SKILL_2 = ESCO + "7d9e1f20-4a3b-4c5d-8e6f-0a1b2c3d4e5f"
SKILL_3 = ESCO + "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"



def L(lang: str, key: str, **values) -> str:
    """The locale text the exports use for ``key`` (``microcred.export.<key>``)."""
    return t(lang, f"microcred.export.{key}", **values)


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
    doc = elm_jsonld(french_spec(), id_base=ID_FR, now=NOW)
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
    assert assessment["dcType"]["prefLabel"] == {"en": ["Practical demonstration"]}  # our scheme's concept
    assert assessment["additionalNote"][0]["noteLiteral"] == {"fr": [
        "Surveillance et vérification de l'identité pendant l'évaluation\u00a0: "
        "Avec surveillance (en ligne ou sur place) et vérification de l'identité"]}
    notes = [n["noteLiteral"]["fr"][0] for n in doc["additionalNote"]]
    assert notes[0] == ("Type d'assurance de la qualité\u00a0: "
                        "Assurance qualité interne de l'établissement (certification Qualiopi)")
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
    doc = elm_jsonld(romanian_spec(), id_base=ID_RO, now=NOW)
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
    one = elm_jsonld(french_spec(), id_base=ID_FR, now=NOW)
    two = elm_jsonld(french_spec(), id_base=ID_FR, now=NOW)
    assert json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True)
    assert json.loads(json.dumps(one, ensure_ascii=False)) == one


def test_elm_texts_come_from_the_locale_of_the_draft_language():
    doc = elm_jsonld(french_spec(), id_base=ID_FR, now=NOW)
    assert validate(doc, "elm") == []
    assert _language_map_keys(doc, set()) == {"fr", "en"}  # "en": only the EU vocabulary concepts
    assert doc["description"] == {"fr": [L("fr", "unsigned")]}
    assert doc["provenBy"][0]["title"] == {"fr": [L("fr", "assessment.practical_demonstration")]}
    stackability = doc["additionalNote"][1]["noteLiteral"]["fr"][0]
    assert stackability == t("fr", "microcred.export.field", label=L("fr", "elements.stackability"),
                             value=L("fr", "stackability.stackable")) + " (" + t(
        "fr", "microcred.export.field", label=L("fr", "stackable_towards"),
        value="Bac pro Métiers de l'électricité") + ")"


def test_elm_eqf_not_applicable_is_left_out():
    spec = french_spec()
    spec.eqf_level = None
    doc = elm_jsonld(spec, id_base=ID_FR, now=NOW)
    assert "eqfLevel" not in doc
    assert validate(doc, "elm") == []


def test_broken_elm_documents_fail_with_the_expected_messages():
    good = elm_jsonld(french_spec(), id_base=ID_FR, now=NOW)

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
    assert any(m.startswith("(root): {") and "is not valid under any of the given schemas" in m for m in messages)
    assert doc["title"] == {"de": ["Wärmepumpen warten"]}  # (the workload: neither hours nor ECTS)


def test_a_workload_in_ects_only_validates_without_a_duration():
    spec = french_spec()
    spec.workload_hours = None
    doc = elm_jsonld(spec, id_base=ID_FR, now=NOW)
    assert "volumeOfLearning" not in doc and doc["creditPoint"][0]["point"]
    assert validate(doc, "elm") == []


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
    doc = ob3_achievement(french_spec(), id_base=ID_FR, now=NOW)
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
    assert doc["description"].endswith(L("fr", "unsigned"))  # says it is unsigned
    # JSON is machine-readable: the plain "1.5", whatever the language.
    assert doc["description"].startswith("Charge de travail théorique\u00a0: 40 heures, 1.5 crédit ECTS\n")
    assert "Démonstration pratique" in doc["criteria"]["narrative"]


def test_romanian_ob3_achievement_validates():
    doc = ob3_achievement(romanian_spec(), id_base=ID_RO, now=NOW)
    assert validate(doc, "ob3") == []
    assert doc["inLanguage"] == "ro"
    assert [a["targetUrl"] for a in doc["alignment"]] == [SKILL_1, SKILL_3, SKILL_2,
                                                         "http://data.europa.eu/snb/eqf/3"]
    assert "Cursantul poate monta și conecta panourile" in doc["criteria"]["narrative"]


def test_broken_ob3_documents_fail_with_the_expected_messages():
    good = ob3_achievement(french_spec(), id_base=ID_FR, now=NOW)

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
    data = spec_pdf(spec, now=NOW, completeness_note="Completitudine: 100 % (14/14 elemente).")
    assert data.startswith(b"%PDF-")
    pages, text = _pdf_text(data)
    assert pages in (1, 2)
    assert "Instalarea panourilor fotovoltaice" in text
    for outcome in spec.outcomes:
        assert outcome.text in text
    assert "Cursantul poate monta și conecta panourile" in text
    for letter in ("ș", "ț", "ă", "î", "ß", "ä", "Ș", "„"):
        assert letter in text, letter
    assert L("ro", "footer") in text
    assert "Specificație (nu este un certificat): nesemnată; certificatele sunt emise și semnate" in text
    assert L("ro", "document_title").upper() in text and "SPECIFICAȚIA MICROCERTIFICATULUI" in text
    assert "Rezultatele învățării" in text and "Competențe ESCO:" in text
    assert SKILL_3 in text
    assert "3 decembrie 2026" in text  # the date, in Romanian
    assert "Nivelul 3 al CEC" in text and "60 de ore · 2 credite ECTS" in text
    assert "Nivel (CEC)" in text and "Demonstrație practică" in text and "Cu prezență fizică" in text


def _spaced(text: str) -> str:
    """``text`` with its spaces as :func:`_pdf_text` gives them (no-break spaces too become plain spaces)."""
    return " ".join(text.split())


def test_french_pdf_is_in_french_with_french_numbers_and_one_or_two_pages():
    data = spec_pdf(french_spec(), now=NOW)
    pages, text = _pdf_text(data)
    assert pages in (1, 2)
    assert "Installation de panneaux photovoltaïques" in text
    assert "L'apprenant peut appliquer les règles de sécurité du travail en hauteur." in text
    assert _spaced(L("fr", "footer")) in text
    assert "40 heures · 1,5 crédit ECTS" in text and "1.5" not in text
    assert "Niveau 4 du CEC" in text and "Hybride" in text and "Date : 3 décembre 2026" in text
    for key in ("document_title", "elements.eqf_level", "elements.participation", "optional_heading"):
        assert _spaced(L("fr", key)) in text or _spaced(L("fr", key)).upper() in text, key
    assert "Specification" not in text and "credential platform" not in text  # nothing left in English


def test_numbers_and_plurals_follow_the_language():
    assert [_number(v, lang) for v, lang in ((2.0, "fr"), (2, "en"), (1.5, "fr"), (1.5, "de"), (1.5, "es"),
                                             (1.5, "ro"), (1.5, "en"), (1.25, "es"), (37.5, "de"))] == [
        "2", "2", "1,5", "1,5", "1,5", "1,5", "1.5", "1,25", "37,5"]
    hours = {(lang, n): label(lang, "hours", quantity=n, hours=_number(n, lang))
             for lang in ("en", "ro", "fr") for n in (1, 1.5, 10, 60)}
    assert hours == {
        ("en", 1): "1 hour", ("en", 1.5): "1.5 hours", ("en", 10): "10 hours", ("en", 60): "60 hours",
        ("ro", 1): "1 oră", ("ro", 1.5): "1,5 ore", ("ro", 10): "10 ore", ("ro", 60): "60 de ore",
        ("fr", 1): "1 heure", ("fr", 1.5): "1,5 heure", ("fr", 10): "10 heures", ("fr", 60): "60 heures",
    }
    assert label("de", "ects", quantity=1, ects="1") == "1 ECTS-Punkt"
    assert label("es", "ects", quantity=2, ects="2") == "2 créditos ECTS"
    assert label("ro", "ects", quantity=20, ects="20") == "20 de credite ECTS"


def test_pdf_is_deterministic_for_the_same_time():
    assert spec_pdf(romanian_spec(), now=NOW) == spec_pdf(romanian_spec(), now=NOW)


def test_fractional_workload_is_an_iso_duration_in_hours_and_minutes():
    spec = french_spec()
    spec.workload_hours = 37.5
    doc = elm_jsonld(spec, id_base=ID_FR, now=NOW)
    assert doc["volumeOfLearning"] == "PT37H30M"
    assert validate(doc, "elm") == []


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_language_writes_its_own_texts(lang):
    spec = french_spec()
    spec.language = lang
    doc = elm_jsonld(spec, id_base=ID_FR, now=NOW)
    assert validate(doc, "elm") == []
    assert _language_map_keys(doc, set()) == {lang, "en"}
    assert doc["description"] == {lang: [L(lang, "unsigned")]}
    assert doc["provenBy"][0]["title"] == {lang: [L(lang, "assessment.practical_demonstration")]}
    if lang != "en":
        assert L(lang, "unsigned") != L("en", "unsigned")
    badge = ob3_achievement(spec, id_base=ID_FR, now=NOW)
    assert validate(badge, "ob3") == []
    assert badge["description"].endswith(L(lang, "unsigned"))
    assert L(lang, f"participation.{spec.participation}") in badge["description"]
    _, text = _pdf_text(spec_pdf(spec, now=NOW))
    assert _spaced(L(lang, "footer")) in text and _spaced(L(lang, "elements.assessment")) in text


def test_an_empty_draft_still_renders_a_pdf():
    data = spec_pdf(Spec(language="de"), now=NOW)
    pages, text = _pdf_text(data)
    assert pages == 1 and "SPEZIFIKATION EINES MICROCREDENTIALS" in text and "Datum: 3. Dezember 2026" in text
    assert L("de", "not_applicable") in text and L("de", "filled_at_award") in text
