"""Payee accounts (收款信息) and 依托单位: recording a change, finance's confirmation, and the
payee each award's money goes to.

The classic grant-fraud path is a changed bank account, so a change is a new version
(never an edit), is audited, is mailed to every owner of the organisation, and holds every
payment to the organisation until finance confirms it (`hooks.PAYMENT_BLOCKERS["payee"]`).
An award's payee is copied from the organisation's confirmed account when its agreement is
signed (funds/agreements.py), and again when finance confirms a later change; a payment goes
to the award's payee (`hooks.AWARD_PAYEE["payee"]`).

Locks: the organisation's row serialises its changes and finance's decisions; signing takes
it after the award's (round → pool → award → organisation), so an agreement signed while
finance confirms a change gets the account confirmed last.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.audit.services import record
from marketplace.core.locks import lock_rows
from marketplace.core.policy import NotAllowed, require
from marketplace.core.request_cache import per_request
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.funds import hooks
from marketplace.funds import payee_policy as policy
from marketplace.funds.agreement_models import Agreement, AgreementStatus
from marketplace.funds.models import Award, AwardStatus
from marketplace.funds.payee_models import AwardPayee, PayeeAccount, PayeeStatus
from marketplace.funds.payee_workflow import PAYEE, mail_owners
from marketplace.organisations.models import Organisation
from marketplace.organisations.services import uscc_message
from marketplace.organisations.uscc import normalise_uscc

ACCOUNT_NUMBER = re.compile(r"^\d{8,32}$")
MAX_NOTE = 500


@dataclass(frozen=True)
class PayeeData:
    account_name: str
    bank: str
    account_number: str
    via_host_unit: bool = False
    host_unit_name: str = ""
    host_unit_uscc: str = ""


def normalise_account_number(raw: str | None) -> str:
    """Digits as typed, without spaces or hyphens; full-width digits folded to ASCII."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", raw or ""))


def account_number_message(number: str) -> str | None:
    if not ACCOUNT_NUMBER.match(number):
        return str(_l("银行账号应为 8 到 32 位数字。"))
    return None


def checked(data: PayeeData) -> PayeeData:
    """The data as stored (trimmed, normalised), or refused next to the field at fault."""
    data = replace(data, account_name=(data.account_name or "").strip(),
                   bank=(data.bank or "").strip(),
                   account_number=normalise_account_number(data.account_number),
                   host_unit_name=(data.host_unit_name or "").strip() if data.via_host_unit
                   else "",
                   host_unit_uscc=normalise_uscc(data.host_unit_uscc) if data.via_host_unit
                   else "")
    if data.via_host_unit:
        if not data.host_unit_name:
            raise NotAllowed(_l("请填写依托单位名称。"), field="host_unit_name")
        if len(data.host_unit_name) > 120:
            raise NotAllowed(_l("不能超过 %(n)d 个字。", n=120), field="host_unit_name")
        message = uscc_message(data.host_unit_uscc)
        if message:
            raise NotAllowed(message, field="host_unit_uscc")
    for name, value, missing in (("account_name", data.account_name, _l("请填写户名。")),
                                 ("bank", data.bank, _l("请填写开户行（银行及支行）。"))):
        if not value:
            raise NotAllowed(missing, field=name)
        if len(value) > 120:
            raise NotAllowed(_l("不能超过 %(n)d 个字。", n=120), field=name)
    message = account_number_message(data.account_number)
    if message:
        raise NotAllowed(message, field="account_number")
    return data


# --- reading ----------------------------------------------------------------------------------

def versions(organisation_id: int) -> list[PayeeAccount]:
    """Every version, the latest first."""
    return list(db.session.scalars(select(PayeeAccount).where(
        PayeeAccount.organisation_id == organisation_id).order_by(PayeeAccount.version.desc())))


def current_account(organisation_id: int) -> PayeeAccount | None:
    """The latest version, whatever finance made of it."""
    return db.session.scalar(select(PayeeAccount).where(
        PayeeAccount.organisation_id == organisation_id)
        .order_by(PayeeAccount.version.desc()).limit(1))


def confirmed_account(organisation_id: int) -> PayeeAccount | None:
    """The latest version finance confirmed."""
    return db.session.scalar(select(PayeeAccount).where(
        PayeeAccount.organisation_id == organisation_id,
        PayeeAccount.status == PayeeStatus.CONFIRMED)
        .order_by(PayeeAccount.version.desc()).limit(1))


def award_account(award: Award) -> PayeeAccount | None:
    """The account the award's money goes to: its latest assignment."""
    return db.session.scalar(select(PayeeAccount).join(
        AwardPayee, AwardPayee.payee_account_id == PayeeAccount.id)
        .where(AwardPayee.award_id == award.id)
        .order_by(AwardPayee.id.desc()).limit(1))


@dataclass(frozen=True)
class Change:
    """A version waiting for finance, with the confirmed one it would replace."""
    account: PayeeAccount
    previous: PayeeAccount | None


def pending_changes(limit: int | None = None) -> list[Change]:
    """Versions waiting for finance, oldest first, each with the account it replaces (a fixed
    number of statements, whatever the number)."""
    stmt = (select(PayeeAccount).where(PayeeAccount.status == PayeeStatus.PENDING)
            .options(selectinload(PayeeAccount.organisation)
                     .selectinload(Organisation.memberships),
                     selectinload(PayeeAccount.created_by))
            .order_by(PayeeAccount.created_at, PayeeAccount.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    pending = list(db.session.scalars(stmt))
    if not pending:
        return []
    org_ids = {a.organisation_id for a in pending}
    latest = (select(PayeeAccount.organisation_id,
                     func.max(PayeeAccount.version).label("version"))
              .where(PayeeAccount.organisation_id.in_(org_ids),
                     PayeeAccount.status == PayeeStatus.CONFIRMED)
              .group_by(PayeeAccount.organisation_id).subquery())
    previous = {a.organisation_id: a for a in db.session.scalars(
        select(PayeeAccount).join(latest, (latest.c.organisation_id
                                           == PayeeAccount.organisation_id)
                                  & (latest.c.version == PayeeAccount.version)))}
    return [Change(a, previous.get(a.organisation_id)) for a in pending]


@per_request
def pending_count(user) -> int:
    """Changes waiting for finance (one statement; shared by the to-do list and the nav)."""
    return int(db.session.scalar(select(func.count(PayeeAccount.id)).where(
        PayeeAccount.status == PayeeStatus.PENDING)) or 0)


# --- changing ---------------------------------------------------------------------------------

def _lock(organisation_id: int) -> None:
    lock_rows(Organisation, [organisation_id])


def _audit(account: PayeeAccount | None) -> dict | None:
    """What the audit log keeps of an account: never the full number."""
    if account is None:
        return None
    return {"version": account.version, "account_name": account.account_name,
            "bank": account.bank, "account_number": account.masked,
            "host_unit": account.host_unit_name or None,
            "host_unit_uscc": account.host_unit_uscc or None, "status": account.status}


def _same(account: PayeeAccount, data: PayeeData) -> bool:
    return (account.account_name, account.bank, account.account_number, account.via_host_unit,
            account.host_unit_name, account.host_unit_uscc) == (
        data.account_name, data.bank, data.account_number, data.via_host_unit,
        data.host_unit_name, data.host_unit_uscc)


def record_payee(actor, organisation: Organisation, data: PayeeData) -> PayeeAccount:
    """An owner records the organisation's payee account, or changes it: a new version that
    waits for finance (a version still waiting is superseded). Audited; every owner is
    mailed."""
    _lock(organisation.id)
    require(policy.can_manage_payee(actor, organisation))
    data = checked(data)
    latest = current_account(organisation.id)
    if latest is not None and latest.status in (PayeeStatus.PENDING, PayeeStatus.CONFIRMED) \
            and _same(latest, data):
        raise NotAllowed(_l("收款信息没有变化。"), field="account_number")
    previous = confirmed_account(organisation.id)
    if latest is not None and latest.status == PayeeStatus.PENDING:
        PAYEE.move(actor, latest, PayeeStatus.SUPERSEDED)
    account = PayeeAccount(
        organisation_id=organisation.id, version=(latest.version + 1) if latest else 1,
        via_host_unit=data.via_host_unit, host_unit_name=data.host_unit_name,
        host_unit_uscc=data.host_unit_uscc, account_name=data.account_name, bank=data.bank,
        account_number=data.account_number, status=PayeeStatus.PENDING,
        created_by_id=getattr(actor, "id", None))
    db.session.add(account)
    db.session.flush()
    record("payee.change", organisation, actor=actor, before=_audit(previous),
           after=_audit(account))
    mail_owners(account, "funds/payee_changed", previous=previous, actor=actor)
    return account


def _live_signed_awards(organisation_id: int) -> list[Award]:
    return list(db.session.scalars(
        select(Award).join(Agreement, Agreement.award_id == Award.id)
        .where(Agreement.status == AgreementStatus.SIGNED, Award.status == AwardStatus.AWARDED,
               Award.application.has(organisation_id=organisation_id))
        .order_by(Award.id)))


def confirm_payee(actor, account: PayeeAccount) -> list[int]:
    """Finance confirms a version: payments to the organisation may go on, to it. The awards
    whose agreements are signed now pay to it (a new AwardPayee each). Returns their ids."""
    _lock(account.organisation_id)
    db.session.refresh(account)
    require(PAYEE.may(actor, account, PayeeStatus.CONFIRMED))
    account.decided_at = utcnow()
    account.decided_by_id = getattr(actor, "id", None)
    awards = _live_signed_awards(account.organisation_id)
    for award in awards:
        db.session.add(AwardPayee(award_id=award.id, payee_account_id=account.id,
                                  reason="change_confirmed"))
    PAYEE.move(actor, account, PayeeStatus.CONFIRMED,
               audit={"version": account.version, "account_number": account.masked,
                      "awards": [a.id for a in awards]})
    return [a.id for a in awards]


def reject_payee(actor, account: PayeeAccount, note: str) -> PayeeAccount:
    """Finance does not accept a version (it could not be verified with the organisation):
    payments keep waiting until an owner records a new one."""
    _lock(account.organisation_id)
    db.session.refresh(account)
    require(PAYEE.may(actor, account, PayeeStatus.REJECTED))
    note = (note or "").strip()
    if not note:
        raise NotAllowed(_l("请填写不予确认的理由，组织负责人会收到这条说明。"), field="note")
    if len(note) > MAX_NOTE:
        raise NotAllowed(_l("不能超过 %(n)d 个字。", n=MAX_NOTE), field="note")
    account.decided_at = utcnow()
    account.decided_by_id = getattr(actor, "id", None)
    account.decision_note = note
    PAYEE.move(actor, account, PayeeStatus.REJECTED, audit={"note": note})
    return account


def assign_on_signing(award: Award) -> PayeeAccount | None:
    """At signing, the organisation's confirmed account becomes the award's payee (None:
    nothing confirmed yet; finance's confirmation will assign it). The caller holds the
    award's lock; the organisation's comes after it."""
    organisation_id = award.application.organisation_id
    _lock(organisation_id)
    account = confirmed_account(organisation_id)
    if account is not None:
        db.session.add(AwardPayee(award_id=award.id, payee_account_id=account.id,
                                  reason="agreement"))
    return account


# --- what the other half of funds asks (hooks.py) ---------------------------------------------

def _award_payee(award: Award) -> hooks.PayeeInfo | None:
    account = award_account(award)
    return account.info if account is not None else None


def payee_blocker(award: Award):
    """Why a payment on the award must wait for the payee, or None."""
    latest = current_account(award.application.organisation_id)
    if latest is None:
        return _l("项目组织尚未填写收款信息。")
    if latest.status == PayeeStatus.PENDING:
        return _l("收款账户有变更，待财务确认；确认前暂停向该组织拨付。")
    if latest.status == PayeeStatus.REJECTED:
        return _l("收款账户变更未通过财务确认；请组织负责人重新填写收款信息。")
    if award_account(award) is None:
        return _l("本项目还没有收款账户：项目协议书签署时确定。")
    return None


def _payee_missing(award: Award):
    if current_account(award.application.organisation_id) is None:
        return _l("请组织负责人先在组织设置中填写收款信息。")
    return None


hooks.AWARD_PAYEE["payee"] = _award_payee
hooks.PAYMENT_BLOCKERS["payee"] = payee_blocker
hooks.AGREEMENT_PREREQUISITES["payee"] = _payee_missing
