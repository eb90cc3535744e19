"""Form helpers shared by every domain: refusals shown next to their field, and the fields
for typed numbers and dates, each refusing what does not fit with a message, never a 500.

Limits (documented in docs/architecture.md, "Data"):
- amounts: 0 to core.money.MAX_AMOUNT (¥999,999,999.99), at most two decimals (MoneyField);
- a budget line's quantity: more than 0, at most MAX_QUANTITY, two decimals (QuantityField);
- counts (people, days, slots, percentages): a range per field, never beyond MAX_COUNT, so
  they fit a 32-bit INTEGER column (CountField);
- dates: EARLIEST_DATE to LATEST_DATE (DateInRange). Year 1 or 9999 is a typing slip, and
  moving it between Shanghai and UTC overflows.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import NumberRange, ValidationError

from marketplace.core.money import MAX_AMOUNT, MoneyError, parse_decimal
from marketplace.core.policy import NotAllowed

MAX_QUANTITY = Decimal("1000000")
MAX_COUNT = 10_000_000  # far below 2**31: a person's count, not a column's limit
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def apply_refusal(form: FlaskForm, refusal: NotAllowed) -> None:
    """Show a service's refusal next to its field (or on top), keeping what was typed."""
    field = getattr(form, refusal.field, None) if refusal.field else None
    if field is not None:
        field.errors = [*field.errors, refusal.reason]
    else:
        flash(refusal.reason, "danger")


class MoneyField(StringField):
    """Yuan typed as text ("12,000.50", "¥500", full-width digits). Every typed amount uses
    this field, so the parsing and the maximum (core.money) are the same everywhere. The text
    stays as typed for re-showing; `.amount` is its Decimal, None when empty or refused.

    `message` replaces the reason for a malformed amount (a too-large one keeps its own)."""

    def __init__(self, label=None, validators=None, *, message: str | None = None,
                 maximum: Decimal = MAX_AMOUNT, **kwargs):
        render_kw = {"inputmode": "decimal", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.message = message
        self.maximum = maximum

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        try:
            self._parse()
        except MoneyError as refusal:
            self.process_errors.append(
                refusal.reason if refusal.too_big or not self.message else self.message)

    @property
    def amount(self) -> Decimal | None:
        try:
            return self._parse()
        except MoneyError:
            return None

    def set_amount(self, amount: Decimal | None) -> None:
        self.data = "" if amount is None else f"{amount:.2f}"

    def _parse(self) -> Decimal | None:
        # From a form the data is text; from an object (PoolForm(obj=pool)) a Decimal.
        text = "" if self.data is None else str(self.data).strip()
        return parse_decimal(text, maximum=self.maximum) if text else None


class QuantityField(StringField):
    """A budget line's quantity: more than 0, at most two decimals, at most `maximum`, so a
    line's quantity × unit price stays a sane amount. `.quantity` is the Decimal or None."""

    def __init__(self, label=None, validators=None, *, message: str,
                 maximum: Decimal = MAX_QUANTITY, **kwargs):
        render_kw = {"inputmode": "decimal", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.message = message
        self.maximum = maximum

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        try:
            self._parse()
        except MoneyError as refusal:
            self.process_errors.append(_l("数量不能超过 %(max)s。", max=f"{self.maximum:,}")
                                       if refusal.too_big else self.message)

    @property
    def quantity(self) -> Decimal | None:
        try:
            return self._parse()
        except MoneyError:
            return None

    def _parse(self) -> Decimal | None:
        # From a form the data is text; as initial data it may be a Decimal.
        text = "" if self.data is None else str(self.data).strip()
        if not text:
            return None
        quantity = parse_decimal(text, maximum=self.maximum)
        if quantity == 0:
            raise MoneyError(self.message)
        return quantity


class CountField(IntegerField):
    """A whole number typed by a person (volunteers, days, slots, percentages), from `minimum`
    to `maximum`: huge numbers are refused next to the field instead of overflowing the
    INTEGER column. Full-width digits are taken as typed (Python's int() reads them)."""

    def __init__(self, label=None, validators=None, *, minimum: int = 0,
                 maximum: int = MAX_COUNT, message: str | None = None, **kwargs):
        if not minimum <= maximum <= MAX_COUNT:
            raise ValueError("a count field's maximum must be at most MAX_COUNT")
        validators = [*(validators or []), NumberRange(
            minimum, maximum, message or _l("请填写 %(min)s 到 %(max)s 之间的整数。"))]
        render_kw = {"inputmode": "numeric", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            # int() refuses "1e5", "12.5" and more than 4300 digits alike.
            raise ValueError(_l("请填写整数。")) from None


class DateInRange:
    """Refuses a date (or date and time) outside EARLIEST_DATE … LATEST_DATE, next to its
    field: year 1 or 9999 is a typing slip, and converting it between time zones overflows."""

    def __init__(self, earliest: date = EARLIEST_DATE, latest: date = LATEST_DATE,
                 message: str | None = None):
        self.earliest, self.latest = earliest, latest
        self.message = message

    def __call__(self, form, field) -> None:
        value = field.data
        if value is None:
            return
        day = value.date() if isinstance(value, datetime) else value
        if not self.earliest <= day <= self.latest:
            raise ValidationError(self.message or _l(
                "请填写 %(earliest)s 至 %(latest)s 之间的日期。",
                earliest=self.earliest.isoformat(), latest=self.latest.isoformat()))


class OneOfChoices:
    """A select whose choices are built per request: the value must be one of them (WTForms'
    own check is off on these fields, validate_choice=False, so the message is ours)."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(self.message)
