"""Offline language handling: detection restricted to our five languages, language names, sticky choice.

The conversation language lives in the ``language`` slot. :func:`decide_language` decides, for each user
message, whether that slot keeps its value or changes:

* an explicit choice ("in German please", a menu tap) always wins and pins the language;
* a new conversation takes the detected language, else the channel's hint, else the default;
* an established language flips only on a clear sentence in another language (two or more words, high
  confidence): "ok", "1", an emoji, a country name or a one-word message never flip it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import cache

from babel import Locale

from lmi4vet import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from lmi4vet.countries import cldr_names, find_countries
from lmi4vet.kb.regions import region_names_in
from lmi4vet.text import fold, words

logger = logging.getLogger(__name__)

# Words that say nothing about the language a person writes in.
_NEUTRAL = frozenset({
    "ok", "okay", "oki", "okey", "k", "menu", "meniu", "bot", "lmi", "vet", "neet", "esco", "eurostat", "isco",
    "ict", "it", "pls", "plz", "lol", "xd", "hmm", "hm", "eures", "cedefop", "oecd", "eu", "ue", "la", "info",
})
# One-word messages that lingua gets wrong or finds ambiguous, with the language they signal.
_MARKERS: dict[str, str] = {
    "hola": "es", "buenas": "es", "si": "es", "vale": "es", "gracias": "es", "adios": "es", "ayuda": "es",
    "merci": "fr", "bonjour": "fr", "bonsoir": "fr", "oui": "fr", "aide": "fr", "coucou": "fr",
    "hallo": "de", "moin": "de", "servus": "de", "danke": "de", "ja": "de", "nein": "de", "hilfe": "de",
    "tschuss": "de",
    "buna": "ro", "multumesc": "ro", "mersi": "ro", "da": "ro", "nu": "ro", "ajutor": "ro", "pa": "ro",
    "hello": "en", "hi": "en", "hey": "en", "thanks": "en", "yes": "en", "no": "en", "help": "en", "bye": "en",
}
# Extra ways to name our languages that CLDR does not list (typed umlauts, adverbs, Castilian...).
_EXTRA_NAMES: dict[str, str] = {
    "englisch": "en", "engleza": "en", "englez": "en", "englezeste": "en", "ingles": "en", "anglais": "en",
    "castellano": "es", "espanol": "es", "spaniola": "es", "spanisch": "es", "espagnol": "es", "spanish": "es",
    "romaneste": "ro", "rumaenisch": "ro", "rumanisch": "ro", "romana": "ro", "rumano": "ro", "roumain": "ro",
    "francais": "fr", "franceza": "fr", "frantuzeste": "fr", "franzoesisch": "fr", "frances": "fr",
    "deutsch": "de", "germana": "de", "nemteste": "de", "aleman": "de", "allemand": "de",
}


@cache
def _language_names() -> dict[str, str]:
    """Folded language name (any of our five UI languages, any language) -> ISO 639-1 code."""
    names: dict[str, str] = {}
    for ui in SUPPORTED_LANGUAGES:
        for code, name in Locale.parse(ui).languages.items():
            if len(code) == 2:
                names.setdefault(fold(name), code)
    for lang in SUPPORTED_LANGUAGES:  # our own languages win over look-alikes
        for ui in SUPPORTED_LANGUAGES:
            names[fold(Locale.parse(ui).languages[lang])] = lang
        names[lang] = lang
    names.update(_EXTRA_NAMES)
    return names


def language_from_name(name: str | None) -> str | None:
    """ISO code for a language name in any of our languages ("Deutsch", "alemán", "germana" -> "de").

    Returns codes of unsupported languages too ("italiano" -> "it"); ``None`` when unknown.
    """
    if not name:
        return None
    key = fold(name).strip(" .!?¿¡")
    for prefix in ("in ", "en ", "pe ", "auf ", "in limba ", "limba "):
        if key.startswith(prefix) and key not in _language_names():
            key = key[len(prefix):]
    return _language_names().get(key)


class _Detector:
    """Lazily built lingua detector restricted to the supported languages (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._detector = None

    def _build(self):
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        wanted = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in SUPPORTED_LANGUAGES]
        return LanguageDetectorBuilder.from_languages(*wanted).with_preloaded_language_models().build()

    def confidences(self, text: str) -> list[tuple[str, float]]:
        """``[(code, confidence), ...]`` best first, over the supported languages."""
        if self._detector is None:
            with self._lock:
                if self._detector is None:
                    self._detector = self._build()
        values = self._detector.compute_language_confidence_values(text)
        return [(v.language.iso_code_639_1.name.lower(), float(v.value)) for v in values]


detector = _Detector()


@dataclass(frozen=True)
class Detection:
    """What a message says about its language: ``strong`` when it is clear enough to switch on."""

    language: str | None
    confidence: float
    words: int
    strong: bool


@cache
def _country_name_languages() -> dict[str, str]:
    """Folded country name -> the one language whose CLDR name it is ("rumania" -> es, "rumanien" -> de);
    names shared by several of our languages ("romania": en and ro) are left out."""
    seen: dict[str, set[str]] = {}
    for lang, _, name in cldr_names():
        seen.setdefault(name, set()).add(lang)
    return {name: langs.pop() for name, langs in seen.items() if len(langs) == 1}


def _country_signal(forms: set[str]) -> str | None:
    """The language the country names of a message are written in, when they all point to one."""
    langs = {_country_name_languages()[form] for form in forms if form in _country_name_languages()}
    return langs.pop() if len(langs) == 1 else None


def detect(text: str) -> Detection:
    """Detect the language of one message, ignoring country names, codes, numbers, emoji and neutral words.

    When the remaining words are not clear, a country name written the way only one of our languages writes it
    ("Rumanía", "Rumänien") decides; that alone never counts as ``strong`` (it does not flip a conversation)."""
    if not text or text.lstrip().startswith("/"):
        return Detection(None, 0.0, 0, False)
    country_forms = {form for _, form in find_countries(text)}
    folded_text = fold(text).replace("-", " ")  # place names say nothing about the writer's language
    for form in region_names_in(folded_text):  # first: "Île-de-France" is a region, not France
        folded_text = folded_text.replace(form, " ")
    for form in country_forms:
        folded_text = folded_text.replace(form, " ")
    tokens = [w for w in words(folded_text) if w not in _NEUTRAL]
    signal = _country_signal(country_forms)
    if not tokens:
        return Detection(signal, 0.5 if signal else 0.0, 0, False)
    if len(tokens) == 1 and tokens[0] in _MARKERS:
        return Detection(_MARKERS[tokens[0]], 1.0, 1, False)
    ranking = detector.confidences(" ".join(w for w in words(text) if fold(w) in tokens) or text)
    if not ranking:
        return Detection(signal, 0.5 if signal else 0.0, len(tokens), False)
    lang, confidence = ranking[0]
    strong = len(tokens) >= 2 and confidence >= 0.75
    if not strong and signal:
        return Detection(signal, max(0.5, dict(ranking).get(signal, 0.0)), len(tokens), False)
    return Detection(lang, confidence, len(tokens), strong)


@dataclass(frozen=True)
class LanguageDecision:
    """The conversation language after one message, and why."""

    language: str
    changed: bool
    reason: str  # "kept", "detected", "hint", "default"


def decide_language(
    text: str,
    current: str | None,
    *,
    pinned: bool = False,
    hint: str | None = None,
    default: str = DEFAULT_LANGUAGE,
) -> LanguageDecision:
    """Decide the conversation language for a new user message (see the module docstring)."""
    current = current if current in SUPPORTED_LANGUAGES else None
    found = detect(text)
    if current is None:
        if found.language and (found.strong or found.confidence >= 0.5):
            return LanguageDecision(found.language, True, "detected")
        hint_code = (hint or "").replace("_", "-").split("-")[0].lower()
        if hint_code in SUPPORTED_LANGUAGES:
            return LanguageDecision(hint_code, True, "hint")
        if found.language and found.confidence >= 0.3:
            return LanguageDecision(found.language, True, "detected")
        return LanguageDecision(default, True, "default")
    if not pinned and found.strong and found.language != current:
        return LanguageDecision(found.language, True, "detected")
    return LanguageDecision(current, False, "kept")
