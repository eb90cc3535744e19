"""Payments factories: finance users, a fake payee and gate registered in funds.hooks (the real
ones come from the payee/agreement side), tranches released and paid through the services."""
from __future__ import annotations

import itertools
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.funds import hooks, tranches
from tests.factories.accounts import make_user
from tests.factories.review import make_organizer

__all__ = ["PAYEE", "hook", "make_finance", "pay_tranche", "payee_registered", "release",
           "ask_release"]

PAYEE = hooks.PayeeInfo("岱山县蓝色港湾志愿服务中心", "中国农业银行岱山支行",
                        "6228 4803 1234 5678 901", host_unit=None)
_keys = itertools.count(1)


def make_finance(**kw):
    return make_user(roles=[Role.FINANCE], **kw)


@contextmanager
def hook(registry: dict, key: str, value):
    """Register `value` in one of funds.hooks' dicts for the block, then take it out."""
    registry[key] = value
    try:
        yield value
    finally:
        registry.pop(key, None)


@contextmanager
def payee_registered(payee: hooks.PayeeInfo | None = PAYEE):
    """The payments side alone, against the hooks' contract: for the block the award's payee
    is `payee` and the payee/agreement side's own rules (no payee recorded, an unconfirmed
    change, no signed agreement) stand aside — tests/funds/test_payees.py and
    test_agreements.py test those, and test_payments_with_agreements.py the two together."""
    saved = dict(hooks.AWARD_PAYEE), dict(hooks.PAYMENT_BLOCKERS)
    hooks.AWARD_PAYEE.clear()
    hooks.AWARD_PAYEE["test"] = lambda award: payee
    for key in ("payee", "agreement"):
        hooks.PAYMENT_BLOCKERS.pop(key, None)
    try:
        yield hooks.AWARD_PAYEE["test"]
    finally:
        hooks.AWARD_PAYEE.clear()
        hooks.AWARD_PAYEE.update(saved[0])
        hooks.PAYMENT_BLOCKERS.clear()
        hooks.PAYMENT_BLOCKERS.update(saved[1])


def ask_release(tranche, organizer=None, commit: bool = True):
    made = tranches.request_release(organizer or make_organizer(), tranche)
    if commit:
        db.session.commit()
    return made


def release(tranche, organizer=None, finance=None, commit: bool = True):
    ask_release(tranche, organizer, commit=False)
    entry = tranches.approve_release(finance or make_finance(), tranche)
    if commit:
        db.session.commit()
    return entry


def pay_tranche(tranche, finance=None, amount: str | Decimal | None = None,
                key: str | None = None, voucher: str = "记-001", commit: bool = True,
                paid_on: date = date(2026, 1, 10)):
    payment = tranches.record_payment(
        finance or make_finance(), tranche, tranches.PaymentData(
            amount=Decimal(amount) if amount is not None else tranche.amount, paid_on=paid_on,
            voucher_number=voucher, idempotency_key=key or f"key-{next(_keys)}"),
        "凭证.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    if commit:
        db.session.commit()
    return payment
