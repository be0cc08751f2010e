"""Splitting long replies for channels with a length limit, at paragraph, line or sentence boundaries."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?…:;])\s+")

# (separator to split on, text that joins the parts again); None splits at sentence ends
_LEVELS: tuple[tuple[str | None, str], ...] = (("\n\n", "\n\n"), ("\n", "\n"), (None, " "), (" ", " "))


def _pieces(text: str, limit: int) -> list[tuple[str, str]]:
    """Units no longer than ``limit`` (paragraphs, else lines, else sentences, else words, else characters),
    each with the separator that follows it in ``text`` ("" after the last one and inside a cut word).

    A unit split further passes its own separator to its last sub-unit only: the sentences of a paragraph
    stay joined by a space, and only the paragraph's last sentence is followed by the blank line.
    """
    if len(text) <= limit:
        return [(text, "")]
    for separator, joiner in _LEVELS:
        parts = _SENTENCE_END.split(text) if separator is None else text.split(separator)
        if len(parts) > 1:
            pieces: list[tuple[str, str]] = []
            for number, part in enumerate(parts):
                sub = _pieces(part, limit)
                if number < len(parts) - 1:
                    sub[-1] = (sub[-1][0], joiner)
                pieces.extend(sub)
            return pieces
    return [(text[i:i + limit], "") for i in range(0, len(text), limit)]


def split_message(text: str, limit: int) -> list[str]:
    """Split ``text`` into messages of at most ``limit`` characters, keeping the order and whole units.

    Units that fit together stay in one message, joined as in ``text``; no message starts or ends with
    whitespace, and the whitespace at a cut is dropped.
    """
    chunks: list[str] = []
    current = ""
    joiner = ""
    for piece, following in _pieces(text, limit):
        candidate = current + joiner + piece if current.strip() else piece.lstrip()
        if len(candidate.rstrip()) <= limit:
            current = candidate
        else:
            chunks.append(current.strip())
            current = piece.lstrip()
        joiner = following
    if current.strip():
        chunks.append(current.strip())
    return chunks or [""]


def shorten(title: str, limit: int) -> str:
    """``title`` in at most ``limit`` characters: cut at the last word boundary that leaves room for "…" (inside
    a word only when the first word, after a leading emoji, does not fit), unchanged when it fits."""
    if len(title) <= limit:
        return title
    room = title[:limit - 1]
    cut = room.rstrip()
    space = cut.rfind(" ")
    if space > 2:  # a word before the space, not only an emoji
        cut = cut[:space]
    return cut.rstrip(" ,;:·-–") + "…"
