"""Splitting long replies for channels with a length limit, at paragraph, line or sentence boundaries."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?…:;])\s+")


def _pieces(text: str, limit: int) -> list[str]:
    """Units no longer than ``limit``: paragraphs, else lines, else sentences, else words, else characters."""
    if len(text) <= limit:
        return [text]
    for separator in ("\n\n", "\n", None, " "):
        parts = _SENTENCE_END.split(text) if separator is None else text.split(separator)
        if len(parts) > 1:
            joiner = " " if separator is None else separator
            pieces: list[str] = []
            for part in parts:
                pieces.extend(_pieces(part, limit))
            return [p + joiner for p in pieces[:-1]] + pieces[-1:]
    return [text[i:i + limit] for i in range(0, len(text), limit)]


def split_message(text: str, limit: int) -> list[str]:
    """Split ``text`` into messages of at most ``limit`` characters, keeping the order and whole units."""
    chunks: list[str] = []
    current = ""
    for piece in _pieces(text, limit):
        if len(current) + len(piece) <= limit:
            current += piece
        else:
            if current.strip():
                chunks.append(current.rstrip())
            current = piece
    if current.strip():
        chunks.append(current.rstrip())
    return chunks or [""]
