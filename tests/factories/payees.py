"""Payee and agreement factories: a finance user, an organisation's payee account (its own or
through a host unit; confirmed by finance unless asked not to), an agreement signed in the
app."""
from __future__ import annotations

import itertools

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.funds import agreements, payees
from marketplace.organisations.models import MemberRole
from tests.factories.accounts import make_user, valid_uscc

__all__ = ["make_finance", "make_payee", "owner_of", "payee_data", "sign"]

_seq = itertools.count(1)


def owner_of(organisation):
    """An owner of the organisation (memberships come in no set order)."""
    return next(m.user for m in sorted(organisation.memberships, key=lambda m: m.id)
                if m.role == MemberRole.OWNER)


def make_finance(**kw):
    return make_user(roles=[Role.FINANCE], name=kw.pop("name", f"财务{next(_seq)}"), **kw)


def payee_data(number: str = "6222021234567890123", *, host_unit: str | None = None,
               **overrides) -> payees.PayeeData:
    fields = dict(account_name=host_unit or "测试志愿服务队", bank="中国工商银行舟山定海支行",
                  account_number=number, via_host_unit=host_unit is not None,
                  host_unit_name=host_unit or "",
                  host_unit_uscc=valid_uscc() if host_unit else "")
    fields.update(overrides)
    return payees.PayeeData(**fields)


def make_payee(organisation, number: str = "6222021234567890123", *, confirmed: bool = True,
               host_unit: str | None = None, finance=None, commit: bool = True, **overrides):
    """The organisation's owner records an account; finance confirms it (unless not)."""
    owner = owner_of(organisation)
    account = payees.record_payee(owner, organisation,
                                  payee_data(number, host_unit=host_unit, **overrides))
    if confirmed:
        payees.confirm_payee(finance or make_finance(), account)
    db.session.flush()
    if commit:
        db.session.commit()
    return account


def sign(award, *, signer: str = "张三", ip: str = "203.0.113.9", commit: bool = True):
    """The owner signs the award's agreement in the app, on the document as now drawn."""
    owner = owner_of(award.application.organisation)
    digest = agreements.sha256(agreements.render(award))
    agreement = agreements.sign_agreement(owner, award, signer, digest, ip)
    if commit:
        db.session.commit()
    return agreement
