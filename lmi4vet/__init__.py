"""LMI4VET Assistant core: settings, locales, language handling and process launcher.

The Rasa custom actions live in ``actions/`` and the channels in ``bot/``; both build on this package.
"""

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "es", "ro", "fr", "de")
DEFAULT_LANGUAGE = "en"
