"""The accent-folding tokenizer: folded token texts, original offsets."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from lmi4vet.nlu_components import AccentFoldingTokenizer


def test_tokens_are_folded_but_keep_their_offsets() -> None:
    tokenizer = AccentFoldingTokenizer(AccentFoldingTokenizer.get_default_config())
    text = "Welche Skills braucht ein Schweißer? competențe în România"
    tokens = tokenizer.tokenize(Message(data={"text": text}), "text")
    assert [t.text for t in tokens] == ["Welche", "Skills", "braucht", "ein", "Schweisser", "competente", "in",
                                        "Romania"]
    schweisser = tokens[4]
    assert text[schweisser.start:schweisser.end] == "Schweißer"
    assert schweisser.lemma == "Schweisser"


def test_emoji_only_message_still_has_a_token() -> None:
    tokenizer = AccentFoldingTokenizer(AccentFoldingTokenizer.get_default_config())
    assert len(tokenizer.tokenize(Message(data={"text": "👍"}), "text")) == 1
