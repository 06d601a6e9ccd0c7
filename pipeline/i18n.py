"""English and French: photoscreen's messages through gettext, with catalogues in ``pipeline/locale``.

``pipeline/locale/fr/LC_MESSAGES/photoscreen.po`` is the French catalogue (edited by hand or with
Babel: ``pybabel extract`` / ``update``); ``make setup`` compiles it to ``photoscreen.mo`` with
``pybabel compile``. English is the source text, so English needs no catalogue, and a missing
catalogue falls back to English.

The language is ``--lang`` when given, else the first of ``PHOTOSCREEN_LANG``, ``LC_ALL``,
``LC_MESSAGES`` and ``LANG`` that is set (``fr_FR.UTF-8`` -> French). ``set_language`` also sets
``PHOTOSCREEN_LANG``, so worker processes started by ``batch`` speak the same language.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

DOMAIN = "photoscreen"
LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGES = ("en", "fr")
ENV = "PHOTOSCREEN_LANG"

_translation: gettext.NullTranslations | None = None


def language_from_env() -> str:
    for name in (ENV, "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            code = value.split(".")[0].split("_")[0].lower()
            return code if code in LANGUAGES else "en"
    return "en"


def set_language(lang: str | None = None) -> str:
    """Use ``lang`` (en or fr; None: from the environment) from now on; returns the one in use."""
    global _translation
    lang = lang or language_from_env()
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    os.environ[ENV] = lang
    _translation = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
    return lang


def language() -> str:
    return os.environ.get(ENV) or language_from_env()


def _t() -> gettext.NullTranslations:
    if _translation is None:
        set_language(os.environ.get(ENV) or None)
    return _translation


def _(message: str) -> str:
    return _t().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _t().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a text for the catalogue where it is defined; it is translated where it is shown."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a singular and plural pair for the catalogue; shown with ``ngettext(*pair, n)``."""
    return singular, plural
