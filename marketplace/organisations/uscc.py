"""统一社会信用代码 (USCC), GB 32100-2015: 18 characters, the last one a check character.

Pure functions, no database: tested directly and with hypothesis.
"""
from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise_uscc(raw: str) -> str:
    """Upper case without spaces; full-width letters and digits folded to ASCII."""
    import unicodedata

    return unicodedata.normalize("NFKC", raw or "").replace(" ", "").strip().upper()


def uscc_problem(code: str) -> tuple[str, dict] | None:
    """None when valid, else (message key, details) saying what is wrong.

    The key is one of 'length', 'characters', 'check'; views translate it.
    """
    if len(code) != LENGTH:
        return "length", {"length": len(code)}
    bad = [(i + 1, c) for i, c in enumerate(code) if c not in ALPHABET]
    if bad:
        return "characters", {"positions": bad}
    if code[-1] != check_character(code[:17]):
        return "check", {}
    return None


def is_valid_uscc(code: str) -> bool:
    return uscc_problem(code) is None
