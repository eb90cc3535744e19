"""Money parsing and storage: any text is an amount within the maximum or a MoneyError, and
amounts beyond 32 bits of fen save and read back exactly on both databases."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, func, select
from werkzeug.datastructures import MultiDict

from marketplace.core.money import (
    FEN,
    MAX_AMOUNT,
    FenColumn,
    MoneyError,
    format_yuan,
    from_fen,
    to_decimal,
    to_fen,
)

ODD_TEXT = ["1e27", "1e309", "-1e309", "NaN", "sNaN", "Infinity", "-0", "-0.00", "1,2,3",
            "9" * 5000, "1" + "0" * 30, "0x10", "1_000", "1.005", "¥", "..", "1.2.3",
            "1,000,00", "1 000", "\x00", "١٢٣", "²"]
number_text = st.one_of(
    st.text(),
    st.text(alphabet="0123456789.,-+eE¥￥元 ０１２３４５６７８９，．NaInfty_x", max_size=60),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers().map(str),
    st.floats().map(repr),
)


def _is_an_amount(value: Decimal) -> bool:
    return (value.is_finite() and not value.is_signed() and value <= MAX_AMOUNT
            and value == value.quantize(FEN) and value.as_tuple().exponent == -2)


@given(number_text)
@example("1e27")
@example("1e309")
@example("9" * 100_000)
def test_any_text_is_an_amount_within_the_maximum_or_a_money_error(text):
    try:
        value = to_decimal(text)
    except MoneyError:
        return
    assert _is_an_amount(value)
    assert to_fen(value) <= to_fen(MAX_AMOUNT)


@given(st.decimals(allow_nan=True, allow_infinity=True))
def test_any_decimal_is_an_amount_within_the_maximum_or_a_money_error(number):
    try:
        value = to_decimal(number)
    except MoneyError:
        return
    assert _is_an_amount(value) and value == number


@pytest.mark.parametrize("text", ODD_TEXT)
def test_odd_numbers_are_money_errors(text):
    with pytest.raises(MoneyError):
        to_decimal(text)


def test_the_maximum_is_accepted_and_one_fen_more_is_refused_as_too_big():
    assert to_decimal("999,999,999.99") == MAX_AMOUNT
    with pytest.raises(MoneyError) as refused:
        to_decimal("1,000,000,000.00")
    assert refused.value.too_big and str(refused.value.reason) == "金额不能超过 ¥999,999,999.99。"


def test_negative_amounts_and_negative_zero_are_refused_as_negative():
    for text in ("-5", "-0", "－１"):
        with pytest.raises(MoneyError) as refused:
            to_decimal(text)
        assert str(refused.value.reason) == "金额不能为负数。"


def test_full_width_digits_and_currency_signs_are_taken_as_typed():
    assert to_decimal("１２３") == Decimal("123.00")
    assert to_decimal("￥１２，３４５．６元") == Decimal("12345.60")
    assert to_decimal(" ¥30,000,000 ") == Decimal("30000000.00")


def test_money_round_trips_through_fen_beyond_32_bits():
    amount = to_decimal("30,000,000.01")
    assert to_fen(amount) == 3_000_000_001 and from_fen(to_fen(amount)) == amount
    assert format_yuan(to_fen(MAX_AMOUNT)) == "¥999,999,999.99"


# --- MoneyField -----------------------------------------------------------------------------

def _money_form(text, **field_options):
    from flask_wtf import FlaskForm

    from marketplace.core.forms import MoneyField

    class Form(FlaskForm):
        class Meta:
            csrf = False

        amount = MoneyField("金额", **field_options)

    form = Form(formdata=MultiDict({"amount": text}))
    form.validate()
    return form


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # app is read-only here
@given(number_text)
@example("1e309")
def test_money_field_gives_an_amount_or_a_message_for_any_text(app, text):
    with app.test_request_context():
        form = _money_form(text)
        field = form.amount
        assert field.data == text  # kept as typed, for re-showing
        if field.errors:
            assert field.amount is None and all(str(e) for e in field.errors)
        elif text.strip():
            assert _is_an_amount(field.amount)
        else:
            assert field.amount is None


def test_money_field_says_why_next_to_the_field(app):
    with app.test_request_context():
        assert _money_form("1e27").amount.errors == ["请填写金额（元），最多两位小数。"]
        assert _money_form("1000000000").amount.errors == ["金额不能超过 ¥999,999,999.99。"]
        assert _money_form("abc", message="单价有误。").amount.errors == ["单价有误。"]
        assert _money_form("1000000000", message="单价有误。").amount.errors == [
            "金额不能超过 ¥999,999,999.99。"]
        assert _money_form("¥30,000,000").amount.amount == Decimal("30000000.00")


# --- storage --------------------------------------------------------------------------------

def test_every_fen_column_is_a_bigint_fen_column(app):
    from marketplace.extensions import db

    fen_columns = [c for t in db.metadata.sorted_tables for c in t.columns
                   if c.name.endswith("_fen")]
    assert len(fen_columns) >= 9
    for column in fen_columns:
        assert isinstance(column.type, FenColumn), f"{column.table.name}.{column.name}"
        assert isinstance(column.type.impl_instance, BigInteger)


def test_a_30_million_round_budget_award_and_ledger_entry_read_back_exactly(app):
    from marketplace.extensions import db
    from marketplace.funds import services as funds
    from marketplace.funds.balances import balance
    from marketplace.funds.models import Award, LedgerEntry
    from marketplace.rounds.models import Pool, Round
    from tests.factories import make_application, make_organizer, make_review_round

    thirty_million = Decimal("30000000.00")
    round_ = make_review_round(total_budget_fen=to_fen(thirty_million) + 1)
    round_.pools[0].amount_fen = to_fen(thirty_million)
    db.session.commit()
    application = make_application(round_, requested=thirty_million)
    funds.commit_award(make_organizer(), application, round_.pools[0], thirty_million)
    db.session.commit()
    db.session.expire_all()

    assert db.session.get(Round, round_.id).total_budget == Decimal("30000000.01")
    assert db.session.get(Pool, round_.pools[0].id).amount == thirty_million
    award = db.session.scalar(select(Award))
    assert award.amount == thirty_million and award.amount_fen == 3_000_000_000
    assert db.session.scalar(select(LedgerEntry.amount_fen)) == 3_000_000_000
    # A sum of BIGINT fen is NUMERIC on PostgreSQL; it still reads back as int fen.
    total = db.session.scalar(select(func.sum(LedgerEntry.amount_fen)))
    assert total == 3_000_000_000 and type(total) is int
    assert balance(Pool, round_.pools[0].id).remaining == 0
