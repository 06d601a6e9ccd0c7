"""Case and accent folding, shared by the roster (pipeline/text/roster.py), the recognizers and the
caption checks: English and French words compared without their accents."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without accents, for matching context words in English and French."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def unaccent(text: str) -> str:
    """Accents removed, case kept (OCR reads a capital A as À now and then)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
