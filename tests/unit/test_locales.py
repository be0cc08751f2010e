"""Every locale is complete: same keys, nothing empty, same placeholders, and written in its own language."""

from __future__ import annotations

import re

import pytest

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.i18n import LOCALES_DIR, catalog, load_catalog_file, placeholders
from lmi4vet.language import detect

REFERENCE = "en"
OTHERS = [lang for lang in SUPPORTED_LANGUAGES if lang != REFERENCE]


def test_one_locale_file_per_supported_language() -> None:
    files = sorted(p.stem for p in LOCALES_DIR.glob("*.yml"))
    assert files == sorted(SUPPORTED_LANGUAGES)


@pytest.mark.parametrize("lang", OTHERS)
def test_same_keys_as_english(lang: str) -> None:
    missing = set(catalog(REFERENCE)) - set(catalog(lang))
    extra = set(catalog(lang)) - set(catalog(REFERENCE))
    assert not missing, f"{lang} lacks {sorted(missing)}"
    assert not extra, f"{lang} has keys English lacks: {sorted(extra)}"


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_no_empty_strings(lang: str) -> None:
    empty = [key for key, text in catalog(lang).items() if not text.strip()]
    assert not empty, f"{lang}: empty {empty}"


@pytest.mark.parametrize("lang", OTHERS)
def test_placeholders_match_english(lang: str) -> None:
    english = catalog(REFERENCE)
    wrong = {key: (placeholders(english[key]), placeholders(text))
             for key, text in catalog(lang).items() if placeholders(text) != placeholders(english.get(key, ""))}
    assert not wrong, f"{lang}: placeholders differ {wrong}"


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_sentences_are_written_in_their_language(lang: str) -> None:
    """No English (or other language) left behind: each sentence of 5+ words detects as the file's language."""
    wrong = {}
    for key, text in catalog(lang).items():
        found = detect(re.sub(r"\{\w+\}", " ", text))
        if found.words >= 5 and found.language != lang:
            wrong[key] = found.language
    assert not wrong, f"{lang}: strings detected as another language: {wrong}"


def test_detects_a_missing_key(tmp_path) -> None:
    broken = tmp_path / "xx.yml"
    broken.write_text("greet:\n  hello: ''\n", encoding="utf-8")
    assert load_catalog_file(broken) == {"greet.hello": ""}


def test_yaml_booleans_as_keys_are_rejected(tmp_path) -> None:
    broken = tmp_path / "xx.yml"
    broken.write_text("forget:\n  yes: Ja\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a string"):
        load_catalog_file(broken)


KEY_USE = re.compile(
    r"""(?:\.text|(?<!wording)(?<![\W]w)\.say|\bt|say_with_menu)\(\s*(?:[\w.]+,\s*)?f?["']([a-z_]+(?:\.[a-z_0-9{}]+)+)["']""")
# the marketplace's texts, named without their "marketplace." (lmi4vet.marketplace.wording.say)
MARKETPLACE_USE = re.compile(r"""\b(?:w|wording)\.say\(\s*[\w.]+,\s*f?["']([a-z_]+(?:\.[a-z_0-9{}]+)*)["']""")
KEY_LITERAL = re.compile(r"""\(\s*["']((?:menu|figures|skills|in_demand|guide|course)\.[a-z_0-9]+)["']""")


def test_every_key_used_in_the_code_exists() -> None:
    """Keys named in actions/, bot/ and lmi4vet/ exist (f-string keys are checked for each indicator and flag)."""
    from lmi4vet.kb.indicators import BY_CODE
    from lmi4vet.settings import PROJECT_ROOT

    english = catalog(REFERENCE)
    used: set[str] = set()
    for folder in ("actions", "bot", "lmi4vet"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            if "db" in path.relative_to(PROJECT_ROOT).parts:
                continue  # table names such as "skills.uri" are not locale keys
            source = path.read_text(encoding="utf-8")
            used |= set(KEY_USE.findall(source)) | set(KEY_LITERAL.findall(source))
            if "marketplace" in path.parts or path.stem == "marketplace":
                used |= {f"marketplace.{key}" for key in MARKETPLACE_USE.findall(source)}
    expanded = set()
    for key in used:
        if "{" in key:
            prefix = key.split("{")[0]
            expanded |= {k for k in english if k.startswith(prefix)}
            assert any(k.startswith(prefix) for k in english), key
        else:
            expanded.add(key)
    assert {f"indicators.{code}" for code in BY_CODE} <= set(english)
    missing = sorted(k for k in expanded if k not in english)
    assert not missing, f"keys used in the code but missing from locales/en.yml: {missing}"
    assert len(expanded) > 40
