"""Splitting long replies (bot/text.py): within the limit, whole units, the right separators, nothing lost."""

from __future__ import annotations

import random

import pytest

from bot.text import shorten, split_message


def assert_cut_from(text: str, chunks: list[str], limit: int) -> None:
    """Each chunk is a stretch of ``text`` as written, in order, and only whitespace lies between them."""
    position = 0
    for chunk in chunks:
        assert 0 < len(chunk) <= limit
        assert chunk == chunk.strip()
        found = text.find(chunk, position)
        assert found >= 0, f"{chunk!r} is not the text as written from position {position}"
        assert text[position:found].strip() == "", f"text lost before {chunk!r}: {text[position:found]!r}"
        position = found + len(chunk)
    assert text[position:].strip() == ""


def test_sentences_of_a_long_paragraph_stay_joined_by_one_space() -> None:
    text = "Intro para.\n\nFirst sentence here. Second one is here. Third sentence ok.\nA line."
    assert split_message(text, 45) == [
        "Intro para.\n\nFirst sentence here.",
        "Second one is here. Third sentence ok.",
        "A line.",
    ]


def test_paragraphs_lines_and_sentences_keep_their_own_separators() -> None:
    paragraph = "One two three. Four five six. Seven eight nine."
    text = f"{paragraph}\n\n{paragraph}\nShort line.\n\nLast."
    assert split_message(text, 40) == [
        "One two three. Four five six.",
        "Seven eight nine.\n\nOne two three.",
        "Four five six. Seven eight nine.",
        "Short line.\n\nLast.",
    ]


def test_words_of_a_long_sentence_are_joined_by_one_space() -> None:
    text = "Heading\n\n" + " ".join(f"w{n}" for n in range(30))
    chunks = split_message(text, 20)
    assert chunks == ["Heading\n\nw0 w1 w2 w3", "w4 w5 w6 w7 w8 w9", "w10 w11 w12 w13 w14", "w15 w16 w17 w18 w19",
                      "w20 w21 w22 w23 w24", "w25 w26 w27 w28 w29"]
    assert_cut_from(text, chunks, 20)


def test_extra_blank_lines_and_edges_give_no_empty_or_padded_chunk() -> None:
    text = "\n\n  Alpha beta gamma.\n\n\n\nDelta epsilon.  \n\n"
    chunks = split_message(text, 18)
    assert chunks == ["Alpha beta gamma.", "Delta epsilon."]


def test_a_word_longer_than_the_limit_is_cut_and_nothing_is_lost() -> None:
    text = "See " + "x" * 25 + " now."
    chunks = split_message(text, 10)
    assert all(len(c) <= 10 for c in chunks)
    assert "".join(chunks).replace(" ", "") == text.replace(" ", "")


@pytest.mark.parametrize("seed", range(40))
def test_random_replies_are_cut_only_at_boundaries(seed: int) -> None:
    rng = random.Random(seed)

    def sentence() -> str:
        return " ".join(rng.choice(["job", "rate", "Romania", "skills", "6,1 %", "2024", "VET"])
                        for _ in range(rng.randint(1, 14))) + rng.choice([".", "!", "?", ":"])

    def line() -> str:
        return " ".join(sentence() for _ in range(rng.randint(1, 6)))

    text = "\n\n".join("\n".join(line() for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(1, 6)))
    limit = rng.choice([40, 80, 160, 400])
    chunks = split_message(text, limit)
    assert_cut_from(text, chunks, limit)
    if len(text) <= limit:
        assert chunks == [text]


@pytest.mark.parametrize(("title", "short"), [
    ("Yes, in most programmes", "Yes, in most programmes"),  # 23: fits
    ("Da, și revizuim periodic", "Da, și revizuim periodic"),  # 24: fits exactly
    ("📝 Selbsteinschätzung starten", "📝 Selbsteinschätzung…"),
    ("📘 Guide: partnerships with employers", "📘 Guide: partnerships…"),
    ("🔄 Nouvelle autoévaluation, tout de suite", "🔄 Nouvelle…"),
    ("Donaudampfschifffahrtsgesellschaft", "Donaudampfschifffahrtsg…"),  # one long word: cut inside it
    ("🏭 Donaudampfschifffahrtsgesellschaft", "🏭 Donaudampfschifffahrt…"),
])
def test_shorten_cuts_at_a_word_boundary_with_an_ellipsis(title: str, short: str) -> None:
    assert shorten(title, 24) == short
    assert len(shorten(title, 24)) <= 24
