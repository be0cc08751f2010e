"""The micro-credential designer without Rasa: the drafts table and its migration, drafts (create, list, get
only one's own, answer, move, duplicate, delete) on SQLite and PostgreSQL (the db_url fixture), answer checks
with exact results in all five languages, completeness and the Annex II review, export and erasure through
lmi4vet.privacy, and the five content files."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.db.engine import downgrade, make_engine, session_scope, upgrade
from lmi4vet.db.models import Base
from lmi4vet.microcred import checks
from lmi4vet.microcred import drafts as dr
from lmi4vet.microcred import elements as el
from lmi4vet.microcred.checks import Issue
from lmi4vet.microcred.models import Draft
from lmi4vet.microcred.spec import Outcome, Spec
from lmi4vet.privacy import PER_USER, erase_user, export_user, row_counts

NOW = datetime(2026, 12, 10, 9, 0)
SKILL = "http://data.europa.eu/esco/skill/0b1b0d1e-0000-4000-8000-000000000001"  # a made-up ESCO-style URI


@pytest.fixture
def db(db_url):  # SQLite, and PostgreSQL when it answers (CI=true: it must)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def user() -> str:
    return uuid.uuid4().hex


# -- schema ---------------------------------------------------------------------------------------------------
def test_the_migration_matches_the_model_and_goes_down_and_up(db, db_url) -> None:
    with db.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    assert {i["name"] for i in inspect(db).get_indexes("microcred_drafts")} == {"ix_microcred_drafts_sender_id"}
    downgrade(db_url, "0008")
    assert "microcred_drafts" not in inspect(db).get_table_names()
    upgrade(db_url)
    assert "microcred_drafts" in inspect(db).get_table_names()


def test_drafts_are_erased_and_exported_per_user() -> None:
    assert Draft in PER_USER


# -- elements and content -------------------------------------------------------------------------------------
def test_the_elements_follow_annex_one() -> None:
    assert [(e.annex, e.id) for e in el.ELEMENTS] == [
        ("b", "title"), ("c", "countries"), ("d", "awarding_body"), ("f", "outcomes"), ("g", "workload"),
        ("h", "eqf_level"), ("i", "assessment"), ("j", "participation"), ("k", "quality_assurance"),
        ("o1", "prerequisites"), ("o2", "supervision"), ("o3", "grading"), ("o4", "stackability"),
        ("o5", "further_information")]
    assert el.MANDATORY == ("title", "countries", "awarding_body", "outcomes", "workload", "eqf_level",
                            "assessment", "participation", "quality_assurance")
    assert el.AWARD_TIME == {"learner_identification": "a", "date_of_issuing": "e"}
    assert {e.id: e.kind for e in el.ELEMENTS if e.kind != el.TEXT} == {
        "countries": "list", "outcomes": "list", "workload": "number", "eqf_level": "choice",
        "assessment": "choice", "participation": "choice", "supervision": "choice", "stackability": "choice"}
    assert el.next_id("title") == "countries" and el.next_id("further_information") is None
    assert el.previous_id("countries") == "title" and el.previous_id("title") is None
    with pytest.raises(ValueError, match="unknown element 'level'"):
        el.element("level")


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_content_file_has_every_element_principle_and_level(lang) -> None:
    data = el.content(lang)
    assert data["language"] == lang and data["copy_suffix"].strip()
    assert list(data["elements"]) == list(el.IDS)
    for element_id, entry in data["elements"].items():
        assert set(entry) == {"name", "explanation", "example"}, element_id
        assert all(isinstance(v, str) and v.strip() for v in entry.values()), element_id
        assert len(entry["explanation"]) <= 400, element_id  # short: 1-3 sentences
    assert set(data["award_time"]) == set(el.AWARD_TIME)
    assert list(data["principles"]) == list(el.PRINCIPLES)
    assert all(isinstance(p, str) and p.strip() for p in data["principles"].values())
    assert sorted(data["eqf"]) == list(range(1, 9))
    for level in data["eqf"].values():
        assert set(level) == {"short", "knowledge", "skills", "autonomy"} and all(level.values())
        assert len(level["short"]) <= 64
    assert len(data["verbs"]) >= 40 and len(data["verb_forms"]) >= 40 and data["prefixes"]
    assert data["verb_position"] == ("end" if lang == "de" else "start")


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_examples_of_every_language_pass_their_own_checks(lang) -> None:
    examples = {k: v["example"] for k, v in el.content(lang)["elements"].items()}
    assert checks.check_answer("outcomes", examples["outcomes"], lang).ok
    assert checks.check_answer("title", examples["title"], lang).ok
    assert checks.check_answer("workload", examples["workload"], lang).value == {"workload_hours": 50, "ects": 2.0}
    assert checks.check_answer("eqf_level", examples["eqf_level"].split(":")[0], lang).value == {"eqf_level": 4}
    assert len(checks.check_answer("countries", examples["countries"].split("(")[0], lang).value["countries"]) == 2


def test_the_eqf_short_descriptors_are_the_csvs() -> None:
    assert el.content("en")["eqf"][1]["knowledge"] == "Basic general knowledge"
    assert el.content("en")["eqf"][8]["knowledge"] == ("Knowledge at the most advanced frontier of a field of work "
                                                       "or study and at the interface between fields")


# -- checks: learning outcomes in five languages --------------------------------------------------------------
@pytest.mark.parametrize(("lang", "text"), [
    ("en", "The learner can weld butt joints in steel plate."),
    ("en", "Installs rooftop PV modules safely."),
    ("en", "Learners will be able to explain the risks of working at height."),
    ("en", "- identify faults in a PV string"),
    ("es", "El alumno puede aplicar las normas de seguridad."),
    ("es", "Es capaz de montar paneles fotovoltaicos."),
    ("es", "Evalúa el riesgo de caídas de la persona mayor."),
    ("ro", "Cursantul poate aplica regulile de securitate."),
    ("ro", "Cursantul poate să monteze panouri fotovoltaice."),
    ("ro", "Montează panouri fotovoltaice pe acoperiș."),
    ("ro", "Cursantul este capabil să identifice defectele sudurii."),
    ("fr", "L'apprenant peut appliquer les règles de sécurité."),
    ("fr", "L’apprenant est capable d'identifier les risques."),
    ("fr", "Vérifie les soudures selon la norme ISO 5817."),
    ("de", "Die Lernenden können Schweißnähte nach ISO 5817 prüfen."),
    ("de", "Der Lernende kann Sicherheitsregeln beim Schweißen anwenden."),
    ("de", "Die Lernenden sind in der Lage, Sicherheitsregeln anzuwenden."),
    ("de", "Solarmodule fachgerecht montieren können"),
    ("de", "Prüft Schweißnähte nach ISO 5817."),
    ("de", "Die Lernenden prüfen Schweißnähte."),
])
def test_outcomes_with_an_action_verb_pass(lang, text) -> None:
    assert checks.outcome_issue(text, lang) is None
    assert checks.check_outcomes([text], lang).value == {"outcomes": [Outcome(text.lstrip("- "))]}


@pytest.mark.parametrize(("lang", "text", "position"), [
    ("en", "The learner understands the safety rules.", "start"),
    ("en", "Safety rules for welding.", "start"),
    ("es", "El alumno conoce las normas de seguridad.", "start"),
    ("es", "Normas de seguridad en soldadura.", "start"),
    ("ro", "Cursantul cunoaște regulile de securitate.", "start"),
    ("fr", "L'apprenant connaît les règles de sécurité.", "start"),
    ("fr", "Connaître les règles de sécurité.", "start"),
    ("de", "Die Lernenden können prüfen die Schweißnähte.", "end"),  # the verb belongs at the end
    ("de", "Die Lernenden kennen die Sicherheitsregeln.", "end"),
    ("de", "Schweißnähte nach ISO 5817.", "end"),
])
def test_outcomes_without_an_action_verb_are_refused(lang, text, position) -> None:
    assert checks.outcome_issue(text, lang, 2) == Issue("outcome_no_action_verb", {"index": 2, "position": position})


@pytest.mark.parametrize(("lang", "text"), [("en", "The learner can"), ("es", "El alumno puede"),
                                            ("ro", "Cursantul poate"), ("fr", "L'apprenant peut"),
                                            ("de", "Die Lernenden können"), ("en", "  "), ("de", "-")])
def test_an_empty_outcome_is_an_error(lang, text) -> None:
    answer = checks.check_outcomes(["Installs PV modules.", text] if lang == "en" else [text], lang)
    index = 2 if lang == "en" else 1
    assert answer.errors == (Issue("outcome_empty", {"index": index}),) and answer.value is None


def test_outcomes_come_one_per_line_from_one_to_twelve() -> None:
    answer = checks.check_answer("outcomes", "1. Install PV modules.\n\n• Test the string.\n", "en")
    assert answer.value == {"outcomes": [Outcome("Install PV modules."), Outcome("Test the string.")]}
    assert checks.check_answer("outcomes", "", "en").errors == (Issue("outcomes_none", {}),)
    assert checks.check_answer("outcomes", [], "de").errors == (Issue("outcomes_none", {}),)
    assert checks.check_answer("outcomes", ["Install it."] * 13, "en").errors == (
        Issue("outcomes_too_many", {"count": 13, "max": 12}),)
    assert checks.check_answer("outcomes", ["Install it."] * 12, "en").ok
    mixed = checks.check_answer("outcomes", ["Install it.", "Knows it.", "The learner can"], "en")
    assert mixed.errors == (Issue("outcome_no_action_verb", {"index": 2, "position": "start"}),
                            Issue("outcome_empty", {"index": 3}))


# -- checks: workload, EQF level, title, countries, choices ---------------------------------------------------
@pytest.mark.parametrize(("raw", "value", "warnings", "notes"), [
    ("50 h, 2 ECTS", {"workload_hours": 50, "ects": 2.0}, (), ()),
    ("45 h 1 ECTS", {"workload_hours": 45, "ects": 1.0},
     (Issue("workload_outside_ects", {"hours": 45, "ects": 1, "per_ects": 45, "min": 25, "max": 30}),), ()),
    ({"hours": "40", "ects": 2}, {"workload_hours": 40, "ects": 2.0},
     (Issue("workload_outside_ects", {"hours": 40, "ects": 2, "per_ects": 20, "min": 25, "max": 30}),), ()),
    ("40 Stunden", {"workload_hours": 40, "ects": 1.5}, (),
     (Issue("ects_computed", {"hours": 40, "ects": 1.5, "ects_min": 1.3, "ects_max": 1.6}),)),
    (55, {"workload_hours": 55, "ects": 2.0}, (),
     (Issue("ects_computed", {"hours": 55, "ects": 2, "ects_min": 1.8, "ects_max": 2.2}),)),
    ("1,5 créditos ECTS", {"workload_hours": None, "ects": 1.5}, (),
     (Issue("hours_from_ects", {"ects": 1.5, "hours_min": 37.5, "hours_max": 45}),)),
    ("75 de ore (3 ECTS)", {"workload_hours": 75, "ects": 3.0}, (), ()),
])
def test_the_workload_is_read_in_hours_and_ects(raw, value, warnings, notes) -> None:
    answer = checks.check_answer("workload", raw, "en")
    assert (answer.value, answer.errors, answer.warnings, answer.notes) == (value, (), warnings, notes)


@pytest.mark.parametrize(("raw", "error"), [
    ("abc", Issue("not_a_number", {"value": "abc"})),
    ("", Issue("empty", {})),
    ("0", Issue("hours_out_of_range", {"hours": 0, "min": 1, "max": 2000})),
    ("0 h", Issue("hours_out_of_range", {"hours": 0, "min": 1, "max": 2000})),
    ("2001", Issue("hours_out_of_range", {"hours": 2001, "min": 1, "max": 2000})),
    ("0 ECTS", Issue("ects_out_of_range", {"ects": 0, "min": 0.1, "max": 80})),
    ({"hours": "many", "ects": 2}, Issue("not_a_number", {"value": "many / 2"})),
    ({"hours": None, "ects": ""}, Issue("empty", {})),
])
def test_a_bad_workload_is_an_error(raw, error) -> None:
    answer = checks.check_answer("workload", raw, "fr")
    assert answer.errors == (error,) and answer.value is None and not answer.ok


@pytest.mark.parametrize(("raw", "result"), [
    ("4", {"eqf_level": 4}), (8, {"eqf_level": 8}), ("EQF 3", {"eqf_level": 3}), ("Niveau 5", {"eqf_level": 5}),
    ("nivelul 2", {"eqf_level": 2}),
])
def test_the_eqf_level_is_one_to_eight(raw, result) -> None:
    assert checks.check_answer("eqf_level", raw, "en").value == result


@pytest.mark.parametrize(("raw", "error"), [
    ("9", Issue("eqf_out_of_range", {"value": 9, "min": 1, "max": 8})),
    (0, Issue("eqf_out_of_range", {"value": 0, "min": 1, "max": 8})),
    ("abc", Issue("not_a_number", {"value": "abc"})),
    ("4 or 5", Issue("not_a_number", {"value": "4 or 5"})),
    ("", Issue("empty", {})),
])
def test_a_bad_eqf_level_is_an_error(raw, error) -> None:
    assert checks.check_answer("eqf_level", raw, "ro").errors == (error,)


def test_the_title_has_3_to_120_characters() -> None:
    assert checks.check_answer("title", "  Solar   PV installer ", "en").value == {"title": "Solar PV installer"}
    assert checks.check_answer("title", "PV", "en").errors == (Issue("too_short", {"length": 2, "min": 3}),)
    assert checks.check_answer("title", "x" * 121, "en").errors == (Issue("too_long", {"length": 121, "max": 120}),)
    assert checks.check_answer("title", "x" * 120, "en").ok
    assert checks.check_answer("title", "", "en").errors == (Issue("empty", {}),)


@pytest.mark.parametrize(("raw", "codes"), [
    ("FR", ["FR"]), ("ro, de", ["RO", "DE"]), ("Rumänien und Österreich", ["RO", "AT"]),
    ("España y Francia", ["ES", "FR"]), ("România și Franța", ["RO", "FR"]), ("Greece; UK", ["GR", "GB"]),
    (["es", "ES", "Spain"], ["ES"]),
])
def test_countries_are_codes_or_names(raw, codes) -> None:
    assert checks.check_answer("countries", raw, "en").value == {"countries": codes}


def test_unknown_countries_and_choices_are_errors() -> None:
    assert checks.check_answer("countries", "France, Atlantis", "en").errors == (
        Issue("unknown_country", {"value": "Atlantis"}),)
    assert checks.check_answer("countries", "EU", "en").errors == (Issue("unknown_country", {"value": "EU"}),)
    assert checks.check_answer("countries", "", "en").errors == (Issue("empty", {}),)
    assert checks.check_answer("assessment", "practical_demonstration", "en").value == {
        "assessment": "practical_demonstration"}
    assert checks.check_answer("participation", " Blended ", "en").value == {"participation": "blended"}
    assert checks.check_answer("participation", "hybrid", "en").value == {"participation": "blended"}
    assert checks.check_answer("participation", "sometimes", "en").errors == (
        Issue("unknown_choice", {"value": "sometimes", "choices": ["online", "onsite", "blended"]}),)
    assert checks.check_answer("awarding_body", " ", "en").errors == (Issue("empty", {}),)
    assert checks.check_answer("grading", "", "en").value == {"grading": ""}  # optional: may be cleared


# -- completeness and review ----------------------------------------------------------------------------------
def complete_spec(lang: str = "en") -> Spec:
    return Spec(language=lang, title="Installing rooftop solar PV systems", countries=["ES"],
                awarding_body="Regional VET Centre, Bilbao",
                outcomes=[Outcome("The learner can install PV modules.", [{"uri": SKILL, "label": "install PV"}])],
                workload_hours=50, ects=2.0, eqf_level=4, assessment="practical_demonstration",
                participation="blended", quality_assurance="EQAVET internal QA",
                prerequisites="Electrician qualification", supervision="supervised_with_id", grading="pass/fail",
                stackability="stackable", stackable_towards="Solar installer certificate",
                further_information="Careers office of the school")


def partial_spec() -> Spec:
    return Spec(language="de", title="PV-Dachanlagen installieren", countries=["DE"],
                outcomes=[Outcome("Die Lernenden können Solarmodule montieren.")], workload_hours=45, ects=1.0,
                assessment="online_quiz", grading="bestanden/nicht bestanden", stackability="stackable")


def test_completeness_weighs_the_mandatory_elements_more() -> None:
    assert checks.completeness(Spec(language="en")) == (0, list(el.MANDATORY), list(el.OPTIONAL))
    assert checks.completeness(complete_spec()) == (100, [], [])
    # 5 of 9 mandatory, 2 of 5 optional: 80 x 5/9 + 20 x 2/5 = 52.4
    assert checks.completeness(partial_spec()) == (
        52, ["awarding_body", "eqf_level", "participation", "quality_assurance"],
        ["prerequisites", "supervision", "further_information"])
    mandatory_only = Spec(**{**complete_spec().to_dict(), "outcomes": complete_spec().outcomes, "prerequisites": "",
                             "supervision": "", "grading": "", "stackability": "", "further_information": ""})
    assert checks.completeness(mandatory_only)[0] == 80


def test_the_review_of_an_empty_spec_asks_for_attention_everywhere() -> None:
    assert checks.review(Spec(language="fr")) == [
        ("quality", "attention", "quality_assurance_missing"), ("transparency", "attention", "mandatory_missing"),
        ("relevance", "attention", "outcomes_missing"), ("valid_assessment", "attention", "assessment_missing"),
        ("learning_pathways", "attention", "stackability_missing"),
        ("recognition", "attention", "eqf_level_missing"), ("portable", "attention", "not_exportable_yet"),
        ("learner_centred", "attention", "prerequisites_missing"), ("authentic", "attention", "issuer_missing"),
        ("information_guidance", "attention", "further_information_missing")]


def test_the_review_of_a_partial_spec() -> None:
    assert checks.review(partial_spec()) == [
        ("quality", "attention", "quality_assurance_missing"), ("transparency", "attention", "mandatory_missing"),
        ("relevance", "attention", "no_esco_links"), ("valid_assessment", "attention", "supervision_missing"),
        ("learning_pathways", "attention", "stackable_towards_missing"),
        ("recognition", "attention", "eqf_level_missing"), ("portable", "attention", "not_exportable_yet"),
        ("learner_centred", "attention", "prerequisites_missing"), ("authentic", "attention", "issuer_missing"),
        ("information_guidance", "attention", "further_information_missing")]


def test_the_review_of_a_complete_spec_meets_every_principle() -> None:
    assert checks.review(complete_spec()) == [
        ("quality", "met", "quality_assurance_described"), ("transparency", "met", "all_mandatory_present"),
        ("relevance", "met", "outcomes_linked_to_esco"),
        ("valid_assessment", "met", "assessment_and_supervision_given"),
        ("learning_pathways", "met", "stackability_given"), ("recognition", "met", "eqf_level_given"),
        ("portable", "met", "exportable"), ("learner_centred", "met", "target_group_and_format_given"),
        ("authentic", "met", "issuer_identified"), ("information_guidance", "met", "further_information_given")]
    unassessable = complete_spec()
    unassessable.outcomes = [Outcome("Knows the safety rules.", [{"uri": SKILL, "label": "x"}])]
    assert ("valid_assessment", "attention", "outcomes_not_assessable") in checks.review(unassessable)


# -- drafts (SQLite and PostgreSQL) ---------------------------------------------------------------------------
def test_drafts_are_created_listed_newest_first_and_only_their_owners(db) -> None:
    ana, bob = user(), user()
    with session_scope(db) as session:
        first = dr.create(session, ana, "es", now=NOW).id
        second = dr.create(session, ana, "ro", now=NOW + timedelta(minutes=1), title="Sudură MIG/MAG").id
        bobs = dr.create(session, bob, "de", now=NOW).id
    with session_scope(db) as session:
        assert [d.id for d in dr.list_drafts(session, ana)] == [second, first]
        draft = dr.get(session, second, ana)
        assert (draft.language, draft.title, draft.step) == ("ro", "Sudură MIG/MAG", "title")
        assert dr.spec_of(draft) == Spec(language="ro", title="Sudură MIG/MAG")
        assert dr.get(session, bobs, ana) is None and dr.get(session, 999999, ana) is None
        dr.save_answer(session, first, ana, "title", "Soldadura MIG/MAG", now=NOW + timedelta(minutes=2))
    with session_scope(db) as session:  # the draft changed last comes first
        assert [d.id for d in dr.list_drafts(session, ana)] == [first, second]
        with pytest.raises(ValueError, match="no draft"):
            dr.save_answer(session, bobs, ana, "title", "Not mine", now=NOW)
        with pytest.raises(ValueError, match="unknown language 'it'"):
            dr.create(session, ana, "it", now=NOW)
        with pytest.raises(ValueError, match="invalid title: too_short"):
            dr.create(session, ana, "en", now=NOW, title="PV")


def test_answers_are_validated_before_they_are_stored(db) -> None:
    ana = user()
    with session_scope(db) as session:
        draft_id = dr.create(session, ana, "fr", now=NOW).id
        bad = dr.save_answer(session, draft_id, ana, "workload", "abc", now=NOW, advance=True)
        assert bad.errors == (Issue("not_a_number", {"value": "abc"}),)
        assert dr.get(session, draft_id, ana).step == "title"  # nothing stored, no move
        assert dr.save_answer(session, draft_id, ana, "eqf_level", "9", now=NOW).errors == (
            Issue("eqf_out_of_range", {"value": 9, "min": 1, "max": 8}),)
        assert dr.save_answer(session, draft_id, ana, "outcomes", ["L'apprenant peut"], now=NOW).errors == (
            Issue("outcome_empty", {"index": 1}),)
        assert dr.save_answer(session, draft_id, ana, "title", "Soudure à l'arc en position", now=NOW,
                              advance=True).ok
        warned = dr.save_answer(session, draft_id, ana, "workload", "45 heures, 1 ECTS", now=NOW)
        assert warned.ok and warned.warnings[0].code == "workload_outside_ects"
        dr.save_answer(session, draft_id, ana, "outcomes",
                       "L'apprenant peut souder une tôle d'acier.\nL'apprenant peut contrôler la soudure.", now=NOW)
        dr.link_skill(session, draft_id, ana, 1, SKILL, "souder", now=NOW)
        dr.link_skill(session, draft_id, ana, 1, SKILL, "souder", now=NOW)  # twice: once
    with session_scope(db) as session:
        draft = dr.get(session, draft_id, ana)
        spec = dr.spec_of(draft)
        assert (draft.title, draft.step, spec.workload_hours, spec.ects) == ("Soudure à l'arc en position",
                                                                             "countries", 45, 1.0)
        assert spec.outcomes[0].esco == [{"uri": SKILL, "label": "souder"}] and spec.outcomes[1].esco == []
        # rewriting the outcomes keeps the skills of an unchanged outcome
        dr.save_answer(session, draft_id, ana, "outcomes", ["L'apprenant peut souder une tôle d'acier.",
                                                            "L'apprenant peut nettoyer le poste."], now=NOW)
        assert dr.spec_of(dr.get(session, draft_id, ana)).outcomes == [
            Outcome("L'apprenant peut souder une tôle d'acier.", [{"uri": SKILL, "label": "souder"}]),
            Outcome("L'apprenant peut nettoyer le poste.")]
        with pytest.raises(ValueError, match="no outcome 3"):
            dr.link_skill(session, draft_id, ana, 3, SKILL, "x", now=NOW)


def test_the_worksheet_moves_to_next_previous_and_any_element(db) -> None:
    ana = user()
    with session_scope(db) as session:
        draft_id = dr.create(session, ana, "de", now=NOW).id
        assert dr.go_previous(session, draft_id, ana, now=NOW).step == "title"
        assert dr.go_next(session, draft_id, ana, now=NOW).step == "countries"
        assert dr.go_to(session, draft_id, ana, "further_information", now=NOW).step == "further_information"
        assert dr.go_next(session, draft_id, ana, now=NOW).step == dr.REVIEW
        assert dr.go_next(session, draft_id, ana, now=NOW).step == dr.REVIEW
        assert dr.go_previous(session, draft_id, ana, now=NOW).step == "further_information"
        assert dr.go_to(session, draft_id, ana, "eqf_level", now=NOW).step == "eqf_level"
        with pytest.raises(ValueError, match="unknown element"):
            dr.go_to(session, draft_id, ana, "learner_identification", now=NOW)
        with pytest.raises(ValueError, match="no draft"):
            dr.go_next(session, draft_id, user(), now=NOW)
    with session_scope(db) as session:
        assert dr.get(session, draft_id, ana).step == "eqf_level"


@pytest.mark.parametrize(("lang", "suffix"), [("en", "(copy)"), ("es", "(copia)"), ("ro", "(copie)"),
                                              ("fr", "(copie)"), ("de", "(Kopie)")])
def test_a_duplicate_is_a_copy_with_a_localized_suffix(db, lang, suffix) -> None:
    ana = user()
    with session_scope(db) as session:
        source = dr.create(session, ana, lang, now=NOW, title="Schweißen MAG")
        dr.save_answer(session, source.id, ana, "eqf_level", "3", now=NOW)
        dr.go_to(session, source.id, ana, "grading", now=NOW)
        copy = dr.duplicate(session, source.id, ana, now=NOW + timedelta(minutes=1))
        assert copy.id != source.id and copy.step == "title" and copy.title == f"Schweißen MAG {suffix}"
        assert dr.spec_of(copy) == Spec(language=lang, title=f"Schweißen MAG {suffix}", eqf_level=3)
        assert dr.spec_of(source).title == "Schweißen MAG"
        long_copy = dr.duplicate(session, dr.create(session, ana, lang, now=NOW, title="x" * 120).id, ana, now=NOW,
                                 suffix="(Kopie 2)")
        assert long_copy.title == "x" * 110 + " (Kopie 2)" and len(long_copy.title) == 120
        assert dr.list_drafts(session, ana)[0].id == copy.id


def test_a_draft_is_deleted_only_by_its_owner(db) -> None:
    ana, bob = user(), user()
    with session_scope(db) as session:
        draft_id = dr.create(session, ana, "en", now=NOW).id
        assert dr.delete(session, draft_id, bob) is False
        assert dr.delete(session, draft_id, ana) is True
        assert dr.delete(session, draft_id, ana) is False
        assert session.execute(select(Draft).where(Draft.id == draft_id)).first() is None


# -- privacy --------------------------------------------------------------------------------------------------
def test_a_users_drafts_are_exported_readably_and_erased(db, tmp_path) -> None:
    tracker = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    ana, bob = user(), user()
    with session_scope(db) as session:
        for person in (ana, bob):
            draft = dr.create(session, person, "ro", now=NOW, title="Îngrijirea vârstnicilor la domiciliu")
            dr.save_answer(session, draft.id, person, "outcomes", ["Cursantul poate sprijini igiena zilnică."],
                           now=NOW)
        dr.create(session, ana, "de", now=NOW, title="Schweißen für Einsteiger")
    exported = export_user(ana, db, tracker)
    rows = sorted(exported["microcred_drafts"], key=lambda r: r["id"])
    assert [r["title"] for r in rows] == ["Îngrijirea vârstnicilor la domiciliu", "Schweißen für Einsteiger"]
    assert rows[0]["spec"]["outcomes"] == [{"text": "Cursantul poate sprijini igiena zilnică.", "esco": []}]
    assert rows[0]["spec"]["language"] == "ro" and rows[0]["sender_id"] == ana
    assert "sprijini igiena zilnică" in json.dumps(exported, ensure_ascii=False)  # JSON-ready, readable
    counts = erase_user(ana, db, tracker)
    assert counts["microcred_drafts"] == 2
    assert row_counts(ana, db, tracker)["microcred_drafts"] == 0
    with session_scope(db) as session:  # the other person's draft stays
        assert [d.title for d in dr.list_drafts(session, bob)] == ["Îngrijirea vârstnicilor la domiciliu"]
    tracker.dispose()
