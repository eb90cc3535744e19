"""Mobile numbers (中国大陆手机号码): one rule for every form that takes one (an account's
optional mobile, an organisation's contact phone), and how one is shown to others."""
from __future__ import annotations

import re

MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalise_mobile(text: str | None) -> str:
    """As typed, without the spaces and dashes people put in (138 0013 8000, 138-0013-8000)."""
    return re.sub(r"[\s-]", "", text or "")


def is_mobile(text: str | None) -> bool:
    return bool(MOBILE.match(normalise_mobile(text)))


def mask_mobile(number: str | None) -> str:
    """138****8000: enough to recognise, not enough to call."""
    number = number or ""
    if len(number) < 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
