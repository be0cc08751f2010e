"""Every user-facing string comes from ``locales/<lang>.yml`` through :func:`t`; numbers through Babel.

Locale files are nested YAML mappings; keys are addressed with dots (``menu.title``). Placeholders use
``str.format`` syntax (``{country}``) and must be the same in every language (a test checks this).
"""

from __future__ import annotations

import copy
import logging
import string
from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.numbers import format_currency

from lmi4vet import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from lmi4vet.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

LOCALES_DIR = PROJECT_ROOT / "locales"


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if not isinstance(key, str):
            raise ValueError(f"locale key {prefix}{key!r} is not a string (quote yes/no/on/off in YAML)")
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = "" if value is None else str(value)
    return flat


def load_catalog_file(path: Path) -> dict[str, str]:
    """Read one locale file into a flat ``{dotted.key: text}`` mapping."""
    with path.open(encoding="utf-8") as handle:
        tree = yaml.safe_load(handle) or {}
    if not isinstance(tree, Mapping):
        raise ValueError(f"{path}: a locale file must be a mapping of keys to strings")
    return _flatten(tree)


@cache
def catalog(lang: str) -> dict[str, str]:
    """The flat string catalogue of a supported language (cached)."""
    if lang not in SUPPORTED_LANGUAGES:
        raise KeyError(f"unsupported language {lang!r}")
    return load_catalog_file(LOCALES_DIR / f"{lang}.yml")


def normalise_language(lang: str | None) -> str:
    """Map ``None`` or an unsupported code (``de-AT``, ``it``) to a supported one."""
    if lang:
        base = lang.replace("_", "-").split("-")[0].lower()
        if base in SUPPORTED_LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


def t(lang: str | None, key: str, **params: Any) -> str:
    """Translate ``key`` into ``lang`` and fill its placeholders.

    A key missing in ``lang`` falls back to English and is logged (the locale test keeps this from shipping).
    """
    lang = normalise_language(lang)
    text = catalog(lang).get(key)
    if not text:
        logger.error("locale %s has no text for %r; using %s", lang, key, DEFAULT_LANGUAGE)
        text = catalog(DEFAULT_LANGUAGE).get(key)
        if text is None:
            raise KeyError(f"unknown locale key {key!r}")
    return text.format(**params) if params else text


def t_or(lang: str | None, key: str, default: str) -> str:
    """The text of ``key`` when the locales have it, else ``default`` (for data-driven keys)."""
    return t(lang, key) if key in catalog(DEFAULT_LANGUAGE) else default


def placeholders(text: str) -> set[str]:
    """The placeholder names used in a locale string."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _locale(lang: str) -> Locale:
    return Locale.parse(normalise_language(lang))


def format_number(value: float, lang: str, decimals: int = 1) -> str:
    """``1234.5`` -> ``1,234.5`` (en), ``1.234,5`` (de/es/ro), ``1 234,5`` (fr)."""
    loc = _locale(lang)
    pattern = copy.copy(loc.decimal_formats[None])
    pattern.frac_prec = (decimals, decimals)
    return pattern.apply(value, loc)


def format_percent(value: float, lang: str, decimals: int = 1) -> str:
    """Format a value given in percent points: ``6.1`` -> ``6.1%`` (en), ``6,1 %`` (de/fr/es/ro)."""
    loc = _locale(lang)
    pattern = copy.copy(loc.percent_formats[None])
    pattern.frac_prec = (decimals, decimals)
    return pattern.apply(value / 100, loc)


def format_money(value: float, currency: str, lang: str) -> str:
    """``1234.5, EUR`` -> ``€1,234.50`` (en), ``1.234,50 €`` (de)."""
    return format_currency(value, currency, locale=_locale(lang))


def format_date(value: date, lang: str) -> str:
    """A date in the locale's medium format (``23 Nov 2026``, ``23.11.2026``)."""
    return _babel_format_date(value, format="medium", locale=_locale(lang))


def language_name(code: str, in_lang: str) -> str:
    """The name of language ``code`` in ``in_lang``, as written mid-sentence ("italiano", "Italienisch")."""
    return Locale.parse(normalise_language(in_lang)).languages.get(code, code)


def language_autonym(code: str) -> str:
    """A supported language's name in itself, capitalised for a button: "Deutsch", "Română", "Español"."""
    name = language_name(code, code)
    return name[:1].upper() + name[1:]


def country_name(code: str, lang: str) -> str:
    """The name in ``lang`` of a country by its Eurostat code ("RO" -> "Rumänien", "EL" -> "Griechenland")."""
    from lmi4vet.countries import CLDR_CODES

    code = code.upper()
    return _locale(lang).territories.get(CLDR_CODES.get(code, code), code)
