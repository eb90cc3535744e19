"""Money is Decimal yuan in code and integer fen in the database, never float."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")


class MoneyError(ValueError):
    pass


def to_decimal(value: object) -> Decimal:
    """Parse yuan with at most two decimals; refuse anything else rather than round it."""
    if isinstance(value, float):
        raise MoneyError("money must not be a float")
    try:
        amount = Decimal(str(value).replace(",", "").replace("¥", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise MoneyError(f"not an amount: {value!r}")
    if amount != amount.quantize(FEN):
        raise MoneyError(f"more than two decimals: {value!r}")
    return amount.quantize(FEN)


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
