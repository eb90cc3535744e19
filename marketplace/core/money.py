"""Money is Decimal yuan in code and integer fen in the database, never float.

Limits:
- A typed amount (round budget, pool, cap, unit price, decision amount, imported amount) is
  at most MAX_AMOUNT, ¥999,999,999.99 (just under one billion yuan). Any text is either such
  an amount or a MoneyError; nothing else escapes the parser.
- Fen columns are BIGINT (`Fen`): a single amount fits with room to spare, and so do sums of
  many of them (the BIGINT limit is about 92 billion billion fen).
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger
from sqlalchemy.orm import mapped_column
from sqlalchemy.types import TypeDecorator

FEN = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")


class FenColumn(TypeDecorator):
    """BIGINT fen that reads back as int everywhere. On PostgreSQL the SUM of a BIGINT is a
    NUMERIC, which the driver returns as Decimal, and format_yuan takes a Decimal for yuan,
    not fen; sums, CASE and COALESCE over these columns keep this type, so they stay int.
    (Alembic's autogenerate renders it as marketplace.core.money.FenColumn(): write
    sa.BigInteger() in the migration.)"""

    impl = BigInteger
    cache_ok = True

    def process_result_value(self, value, dialect):
        return None if value is None else int(value)


# Every `*_fen` column is declared `Mapped[Fen]` (or `Mapped[Fen | None]`), so a new money
# table cannot fall back to a 32-bit INTEGER, which overflows at ¥21,474,836.47.
Fen = Annotated[int, mapped_column(FenColumn)]

# Longer text is no amount anyone means (the longest plain one, "999,999,999.99", has 14
# characters); refusing it early keeps Decimal away from megabytes of digits.
MAX_TEXT = 40
# Chinese input methods often type full-width digits and punctuation: take them as typed.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９，．－￥　", "0123456789,.-¥ ")
# Thousands separators only where they belong ("1,234.5", not "1,2,3"); no exponent, sign
# other than a refused minus, NaN or Infinity.
_NUMBER = re.compile(r"(?P<minus>-)?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.[0-9]*)?")
NOT_AN_AMOUNT = _l("请填写金额（元），最多两位小数。")


class MoneyError(ValueError):
    """Text that is not an amount as typed. `reason` is a message a person can act on;
    `too_big` tells a refused maximum from a malformed number, so a form can say which."""

    def __init__(self, reason: str, *, too_big: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.too_big = too_big


def parse_decimal(value: object, *, maximum: Decimal) -> Decimal:
    """A number from 0 to `maximum` with at most two decimals, from typed text (or an int or
    Decimal); refuses anything else with MoneyError rather than round it. The reasons speak
    of amounts: other fields (a budget line's quantity) put their own words."""
    if isinstance(value, float):
        raise MoneyError("money must not be a float")
    if isinstance(value, int | Decimal):
        number = Decimal(value)
        if not number.is_finite():
            raise MoneyError(NOT_AN_AMOUNT)
    else:
        number = _parse_text(str(value))
    if number.is_signed():
        raise MoneyError(_l("金额不能为负数。"))
    if number > maximum:
        raise MoneyError(_l("金额不能超过 %(max)s。", max=format_yuan(maximum)), too_big=True)
    # Safe now that the size is bounded: quantize cannot exceed the context's precision.
    if number != number.quantize(FEN):
        raise MoneyError(NOT_AN_AMOUNT)
    return number.quantize(FEN)


def _parse_text(raw: str) -> Decimal:
    text = raw.translate(_FULL_WIDTH).strip()
    if len(text) > MAX_TEXT:
        raise MoneyError(NOT_AN_AMOUNT)
    text = text.removeprefix("¥").removesuffix("元").strip()
    match = _NUMBER.fullmatch(text)
    if match is None or not any(c.isdigit() for c in text):
        raise MoneyError(NOT_AN_AMOUNT)
    if match["minus"]:  # "-0" too: nobody types a negative zero meaning nothing
        raise MoneyError(_l("金额不能为负数。"))
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation as exc:  # the pattern admits only plain numbers; kept as a guard
        raise MoneyError(NOT_AN_AMOUNT) from exc


def to_decimal(value: object) -> Decimal:
    """Yuan as typed (¥ sign, thousands separators and full-width digits allowed), at most
    two decimals, from 0 to MAX_AMOUNT; anything else is a MoneyError."""
    return parse_decimal(value, maximum=MAX_AMOUNT)


def to_fen(amount: Decimal) -> int:
    return int((amount.quantize(FEN, rounding=ROUND_HALF_UP) * 100).to_integral_value())


def from_fen(fen: int | None) -> Decimal:
    return (Decimal(fen or 0) / 100).quantize(FEN)


def format_yuan(amount: Decimal | int | None) -> str:
    """¥12,000.00 — ints are taken as fen."""
    if amount is None:
        return ""
    if isinstance(amount, int):
        amount = from_fen(amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"

