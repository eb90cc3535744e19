from decimal import Decimal

import pytest

from marketplace.core.money import MoneyError, format_yuan, from_fen, to_decimal, to_fen
from marketplace.core.urls import public_url


def test_public_url_never_doubles_the_host(app):
    from flask import url_for

    link = public_url(url_for("accounts.confirm", token="abc"))
    assert link == "https://volunteer.example.org/confirm/abc"
    assert public_url("/x?y=1") == "https://volunteer.example.org/x?y=1"


def test_money_round_trips_through_fen():
    assert to_fen(Decimal("12000.00")) == 1200000
    assert from_fen(1200001) == Decimal("12000.01")
    assert format_yuan(Decimal("12000")) == "¥12,000.00"
    assert format_yuan(-150) == "-¥1.50"


@pytest.mark.parametrize("raw", ["1.005", "abc", "NaN", "Infinity", 1.5])
def test_money_refuses_what_is_not_yuan_with_two_decimals(raw):
    with pytest.raises(MoneyError):
        to_decimal(raw)


def test_money_accepts_commas_and_yuan_sign():
    assert to_decimal("¥1,234.5") == Decimal("1234.50")


def test_perform_rolls_back_a_refusal_and_leaves_the_commit_to_the_request(app):
    from marketplace.accounts.models import User
    from marketplace.core.actions import perform
    from marketplace.core.policy import NotAllowed
    from marketplace.extensions import db
    from tests.factories import make_user

    user = make_user(name="原名")

    def refused():
        user.name = "半途而废"
        raise NotAllowed("不行")

    with app.test_request_context():
        assert not perform(refused, "好")
        assert db.session.get(User, user.id).name == "原名"

        def rename():
            user.name = "新名字"

        assert perform(rename, "好")
        assert db.session.get(User, user.id).name == "新名字"
    # Not committed: the request's unit of work commits once, after the view (see
    # tests/core/test_unit_of_work.py).
    db.session.rollback()
    assert db.session.get(User, user.id).name == "原名"


def test_perform_shows_a_refusal_next_to_its_field_and_a_message_from_the_result(app):
    from flask import get_flashed_messages
    from flask_wtf import FlaskForm
    from wtforms import StringField

    from marketplace.core.actions import perform
    from marketplace.core.policy import NotAllowed

    class NameForm(FlaskForm):
        name = StringField()

    def refused():
        raise NotAllowed("名称已被使用", field="name")

    with app.test_request_context(method="POST", data={"name": "x"}):
        form = NameForm(meta={"csrf": False})
        outcome = perform(refused, "好", form)
        assert not outcome and form.name.errors == ["名称已被使用"]
        done = perform(lambda: 3, lambda n: f"已通知 {n} 个")
        assert done and done.value == 3
        assert get_flashed_messages() == ["已通知 3 个"]
