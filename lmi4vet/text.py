"""Language-neutral text normalisation shared by language detection and entity resolution."""

from __future__ import annotations

import re
import unicodedata

_SPECIAL_FOLDS = str.maketrans({"ß": "ss", "ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe",
                                "Ø": "O", "Đ": "D", "Ł": "L", "Æ": "AE", "Œ": "OE"})
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)


def strip_accents(text: str) -> str:
    """Strip diacritics, keeping case ("Schweißer" -> "Schweisser", "Țară" -> "Tara")."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_FOLDS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower-case and strip diacritics ("Rumänien" -> "rumanien", "țară" -> "tara")."""
    return strip_accents(text.casefold())


def words(text: str) -> list[str]:
    """The alphabetic words of ``text`` in order (digits, emoji and punctuation dropped)."""
    return _WORD_RE.findall(text)
