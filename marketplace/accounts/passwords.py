"""Password rules: length and a list of common passwords (zxcvbn's 30,000)."""
from __future__ import annotations

from functools import lru_cache

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    # A few that Chinese users pick and the English list ranks low.
    extra = {"woaini1314", "5201314520", "1qaz2wsx3edc", "qq123456789", "aa123456789"}
    return frozenset(FREQUENCY_LISTS["passwords"]) | extra


def password_problem(password: str, email: str = "") -> str | None:
    """None if acceptable, else the reason to show."""
    if len(password) < MIN_LENGTH:
        return str(_l("密码至少需要 %(n)d 个字符。", n=MIN_LENGTH))
    lowered = password.lower()
    if lowered in _common() or len(set(lowered)) <= 2:
        return str(_l("这个密码太常见，容易被猜到，请换一个。"))
    local = email.split("@")[0].lower()
    if local and len(local) >= 4 and local in lowered:
        return str(_l("密码不能包含邮箱地址。"))
    return None
