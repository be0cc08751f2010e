"""The model's public contract: intent and entity names, /model/parse, and clean training data."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from lmi4vet.settings import PROJECT_ROOT
from lmi4vet.training import rasa_env

pytestmark = pytest.mark.integration

CONTRACT_INTENTS = {
    "greet", "goodbye", "thank", "affirm", "deny", "help", "choose_language", "ask_indicator",
    "ask_in_demand_occupations", "ask_occupation_skills", "ask_guide", "start_course", "forget_me",
    "bot_challenge", "out_of_scope", "find_service", "offer_services",
}
CONTRACT_ENTITIES = {"country", "indicator", "occupation", "year", "language"}


def test_domain_has_the_contract_intents_and_entities(assistant) -> None:
    domain = requests.get(f"{assistant.url}/domain", headers={"Accept": "application/json"}, timeout=30).json()
    intents = {next(iter(i)) if isinstance(i, dict) else i for i in domain["intents"]}
    assert intents >= CONTRACT_INTENTS
    assert set(domain["entities"]) >= CONTRACT_ENTITIES


@pytest.mark.parametrize(
    ("text", "intent", "entities"),
    [
        ("unemployment romania?", "ask_indicator", {"country": "romania"}),
        ("Welche Skills braucht ein Schweißer", "ask_occupation_skills", {"occupation": "Schweißer"}),
        ("ce meserii se cauta", "ask_in_demand_occupations", {}),
        ("en español por favor", "choose_language", {"language": "español"}),
    ],
)
def test_model_parse(assistant, text: str, intent: str, entities: dict[str, str]) -> None:
    result = assistant.parse(text)
    assert result["intent"]["name"] == intent
    found = {e["entity"]: e["value"] for e in result["entities"]}
    for entity, value in entities.items():
        assert found.get(entity, "").lower() == value.lower(), result["entities"]


def test_gibberish_falls_back(assistant) -> None:
    assert assistant.parse("zzqx vvbn qwpo")["intent"]["name"] in {"nlu_fallback", "out_of_scope"}


def test_rasa_data_validate_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--domain", "domain", "--data", "nlu", "stories",
         "--config", "config.yml", "--fail-on-warnings"],
        cwd=PROJECT_ROOT, env=rasa_env(), capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
