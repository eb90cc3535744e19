"""E-mail addresses are unique in their normal form: trimmed, NFKC, case-folded."""
from __future__ import annotations

import unicodedata


def normalise_email(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw or "").strip().casefold()
