"""Held-out NLU evaluation through /model/parse: every language must reach 90 % accuracy and macro-F1."""

from __future__ import annotations

import pytest

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.nlu_eval import evaluate, format_table, load_examples, macro_f1, plain_text
from lmi4vet.settings import PROJECT_ROOT
from lmi4vet.training import training_files

HELDOUT = PROJECT_ROOT / "tests" / "nlu_heldout"
CONTRACT = {"greet", "goodbye", "thank", "affirm", "deny", "help", "choose_language", "ask_indicator",
            "ask_in_demand_occupations", "ask_occupation_skills", "ask_guide", "start_course", "forget_me",
            "bot_challenge", "out_of_scope", "request_human", "ask_events", "manage_preferences",
            "design_microcredential", "ask_employer_engagement", "find_service", "offer_services"}
THRESHOLD = 0.90


def _key(text: str) -> str:
    """Folded text without punctuation (digits and emoji kept): what makes two examples the same."""
    import unicodedata

    from lmi4vet.text import fold

    kept = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in fold(text))
    return " ".join(kept.split())


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_heldout_set_is_large_enough_and_never_trained_on(lang: str) -> None:
    heldout = load_examples(HELDOUT / f"{lang}.yml")
    training = [example for path in sorted((PROJECT_ROOT / "nlu" / lang).glob("*.yml"))
                for example in load_examples(path)]
    for intent in CONTRACT:
        assert sum(1 for _, i in training if i == intent) >= 25, f"{lang}/{intent}: fewer than 25 training examples"
        assert sum(1 for _, i in heldout if i == intent) >= 10, f"{lang}/{intent}: fewer than 10 held-out examples"
    all_training = {_key(text) for path in training_files() if "nlu" in path.parts for text, _ in load_examples(path)}
    leaked = [text for text, _ in heldout if _key(text) and _key(text) in all_training]
    assert not leaked, f"held-out examples also in training: {leaked}"
    assert not any(HELDOUT in path.parents for path in training_files())


def test_helpers() -> None:
    assert plain_text("paro en [España](country) [2024](year)") == "paro en España 2024"
    assert macro_f1(["a", "a", "b"], ["a", "b", "b"]) == pytest.approx((2 / 3 + 2 / 3) / 2)


@pytest.mark.integration
def test_heldout_accuracy_per_language(assistant, capsys) -> None:
    scores = []
    for lang in SUPPORTED_LANGUAGES:
        examples = load_examples(HELDOUT / f"{lang}.yml")
        scores.append(evaluate(lang, examples, lambda text: assistant.parse(text)["intent"]["name"]))
    with capsys.disabled():
        print("\n\nHeld-out NLU evaluation through /model/parse\n" + format_table(scores))
        for score in scores:
            for text, expected, predicted in score.errors:
                print(f"  {score.language}: {text!r}: expected {expected}, got {predicted}")
    weak = [s.language for s in scores if s.accuracy < THRESHOLD or s.macro_f1 < THRESHOLD]
    assert not weak, f"below {THRESHOLD:.0%}: {weak}"
