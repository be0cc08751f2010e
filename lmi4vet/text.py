"""Language-neutral text normalisation shared by language detection and entity resolution."""

from __future__ import annotations

import re
import unicodedata

_SPECIAL_FOLDS = str.maketrans({"ß": "ss", "ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe"})
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)


def fold(text: str) -> str:
    """Lower-case and strip diacritics ("Rumänien" -> "rumanien", "țară" -> "tara")."""
    lowered = text.casefold().translate(_SPECIAL_FOLDS)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The alphabetic words of ``text`` in order (digits, emoji and punctuation dropped)."""
    return _WORD_RE.findall(text)
