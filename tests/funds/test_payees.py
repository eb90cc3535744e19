"""Payee accounts (收款信息) and 依托单位: owners record them on the organisation's own page
(the full number there), a change is a new version, audited, mailed to every owner, and holds
payments to the organisation until finance — and only finance — confirms it; the account is
masked everywhere else, and an award's payee is the one copied when its agreement was
signed."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.funds import hooks, payees
from marketplace.funds.agreement_models import Agreement, AgreementStatus
from marketplace.funds.payee_models import AwardPayee, PayeeAccount, PayeeStatus
from marketplace.notify.models import OutboxMessage
from marketplace.organisations.models import MemberRole, Membership
from tests.factories import (
    make_awarded,
    make_finance,
    make_organisation,
    make_organizer,
    make_payee,
    make_user,
    member_of,
    owner_of,
    payee_data,
    sign,
    valid_uscc,
)

NUMBER = "6222021234567890123"
NEW_NUMBER = "6228480011223344556"


def _owner(organisation):
    return owner_of(organisation)


def _second_owner(organisation):
    user = make_user(commit=False)
    db.session.add(Membership(organisation=organisation, user=user, role=MemberRole.OWNER))
    db.session.commit()
    return user


# --- the pure parts ---------------------------------------------------------------------------

def test_an_account_number_is_masked_to_its_first_and_last_four_digits():
    info = hooks.PayeeInfo("队", "银行", "6222 0212 3456 7890 123")
    assert info.masked == "6222 **** **** 0123"


@pytest.mark.parametrize("field,overrides", [
    ("account_number", {"number": "6222-abc"}),
    ("account_number", {"number": "1234567"}),
    ("account_name", {"account_name": " "}),
    ("bank", {"bank": ""}),
    ("host_unit_uscc", {"host_unit": "东港街道团工委", "host_unit_uscc": "91330900MA2A0000XX"}),
], ids=["letters", "too-short", "no-holder", "no-bank", "bad-uscc"])
def test_bad_payee_data_is_refused_next_to_its_field(app, field, overrides):
    overrides = dict(overrides)  # the table is shared by both databases
    number = overrides.pop("number", NUMBER)
    with pytest.raises(NotAllowed) as refused:
        payees.checked(payee_data(number, **overrides))
    assert refused.value.field == field


def test_a_number_typed_with_spaces_or_full_width_digits_is_stored_as_digits(app):
    data = payees.checked(payee_data("６２２２ ０２１２-3456 7890 123"))
    assert data.account_number == NUMBER


# --- recording and changing -------------------------------------------------------------------

def test_a_change_is_a_new_version_audited_and_mailed_to_every_owner(app):
    organisation = make_organisation()
    other_owner = _second_owner(organisation)
    plain_member = make_user(commit=False)
    db.session.add(Membership(organisation=organisation, user=plain_member))
    db.session.commit()
    first = make_payee(organisation, NUMBER)
    db.session.query(OutboxMessage).delete()
    db.session.commit()

    second = payees.record_payee(_owner(organisation), organisation, payee_data(NEW_NUMBER))
    db.session.commit()

    assert (first.version, second.version) == (1, 2)
    assert first.account_number == NUMBER  # never edited
    assert second.status == PayeeStatus.PENDING
    mailed = set(db.session.scalars(select(OutboxMessage.to_address).where(
        OutboxMessage.template == "funds/payee_changed")))
    assert mailed == {_owner(organisation).email, other_owner.email}
    body = db.session.scalar(select(OutboxMessage.body_text).where(
        OutboxMessage.template == "funds/payee_changed").limit(1))
    assert "6228 **** **** 4556" in body and NEW_NUMBER not in body
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "payee.change").order_by(AuditEntry.id.desc())).first()
    assert entry.before["account_number"] == "6222 **** **** 0123"
    assert entry.after["account_number"] == "6228 **** **** 4556"
    assert NEW_NUMBER not in str(entry.after)


def test_only_owners_record_the_payee(app):
    organisation = make_organisation()
    member = make_user(commit=False)
    db.session.add(Membership(organisation=organisation, user=member))
    db.session.commit()
    for user in (member, make_organizer(), make_finance()):
        with pytest.raises(NotAllowed):
            payees.record_payee(user, organisation, payee_data())
        db.session.rollback()
    assert db.session.scalar(select(func.count(PayeeAccount.id))) == 0


def test_the_same_account_again_is_not_a_change(app):
    organisation = make_organisation()
    make_payee(organisation)
    with pytest.raises(NotAllowed, match="没有变化"):
        payees.record_payee(_owner(organisation), organisation, payee_data())


def test_a_newer_change_supersedes_one_finance_has_not_looked_at(app):
    organisation = make_organisation()
    make_payee(organisation)
    waiting = payees.record_payee(_owner(organisation), organisation, payee_data(NEW_NUMBER))
    newer = payees.record_payee(_owner(organisation), organisation,
                                payee_data("6217000011112222"))
    db.session.commit()
    assert waiting.status == PayeeStatus.SUPERSEDED
    assert [c.account.id for c in payees.pending_changes()] == [newer.id]


def test_a_host_unit_is_recorded_with_its_uscc_and_shown_as_via(app):
    organisation = make_organisation()
    account = make_payee(organisation, host_unit="东港街道团工委")
    award = make_awarded(organisation=organisation)
    sign(award)
    info = hooks.award_payee(award)
    assert info.host_unit == "东港街道团工委" and account.host_unit_uscc


# --- payments wait, only finance confirms ------------------------------------------------------

def test_payments_wait_until_finance_confirms_a_changed_account(app):
    award = make_awarded()
    organisation = award.application.organisation
    blocker = hooks.PAYMENT_BLOCKERS["payee"]
    assert "尚未填写收款信息" in str(blocker(award))
    make_payee(organisation)
    sign(award)
    assert blocker(award) is None

    change = payees.record_payee(member_of(award), organisation, payee_data(NEW_NUMBER))
    db.session.commit()
    assert "待财务确认" in str(blocker(award))
    assert hooks.award_payee(award).account_number == NUMBER  # still the signed one

    payees.confirm_payee(make_finance(), change)
    db.session.commit()
    assert blocker(award) is None
    assert hooks.award_payee(award).account_number == NEW_NUMBER
    assert db.session.scalar(select(func.count(AwardPayee.id))
                             .where(AwardPayee.award_id == award.id)) == 2


def test_a_rejected_change_keeps_payments_waiting(app):
    award = make_awarded()
    organisation = award.application.organisation
    make_payee(organisation)
    change = payees.record_payee(member_of(award), organisation, payee_data(NEW_NUMBER))
    with pytest.raises(NotAllowed):
        payees.reject_payee(make_finance(), change, "")
    payees.reject_payee(make_finance(), change, "电话核实，组织负责人不知情")
    db.session.commit()
    assert change.status == PayeeStatus.REJECTED
    assert "未通过财务确认" in str(hooks.PAYMENT_BLOCKERS["payee"](award))
    last = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "funds/payee_decided").order_by(OutboxMessage.id.desc())).first()
    assert "未通过确认" in last.subject and "组织负责人不知情" in last.body_text


@pytest.mark.parametrize("who", ["owner", "organizer", "admin", "finance-member"])
def test_only_finance_outside_the_organisation_confirms(app, who):
    organisation = make_organisation()
    change = make_payee(organisation, confirmed=False)
    actor = {"owner": lambda: _owner(organisation),
             "organizer": make_organizer,
             "admin": lambda: make_user(roles=[Role.ADMIN]),
             "finance-member": lambda: _member_finance(organisation)}[who]()
    with pytest.raises(NotAllowed):
        payees.confirm_payee(actor, change)
    db.session.rollback()
    assert db.session.get(PayeeAccount, change.id).status == PayeeStatus.PENDING


def _member_finance(organisation):
    user = make_finance()
    db.session.add(Membership(organisation=organisation, user=user))
    db.session.commit()
    return user


def test_confirming_is_audited(app):
    change = make_payee(make_organisation(), confirmed=False)
    finance = make_finance()
    payees.confirm_payee(finance, change)
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "payee.confirm"))
    assert entry.actor_id == finance.id and entry.after["status"] == "confirmed"
    with pytest.raises(NotAllowed):  # once
        payees.confirm_payee(finance, change)


# --- pages: the full number in two places, masked elsewhere ------------------------------------

def test_the_settings_page_shows_the_full_number_to_owners_only(app, client, login_as):
    organisation = make_organisation()
    make_payee(organisation)
    url = f"/organisations/{organisation.id}/payee"
    login_as(_owner(organisation))
    html = client.get(url).get_data(as_text=True)
    assert "6222 0212 3456 7890 123" in html
    member = make_user(commit=False)
    db.session.add(Membership(organisation=organisation, user=member))
    db.session.commit()
    for user in (member, make_organizer(), make_finance(), make_user()):
        login_as(user)
        assert client.get(url).status_code == 404


def test_a_refused_payee_form_keeps_what_was_typed(app, client, login_as):
    organisation = make_organisation()
    login_as(_owner(organisation))
    response = client.post(f"/organisations/{organisation.id}/payee", data={
        "mode": "host_unit", "host_unit_name": "东港街道团工委", "host_unit_uscc": "123",
        "account_name": "东港街道团工委", "bank": "农业银行", "account_number": "62abc"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "统一社会信用代码应为 18 位" in html and "8 到 32 位数字" in html
    assert 'value="东港街道团工委"' in html and 'value="62abc"' in html
    assert db.session.scalar(select(func.count(PayeeAccount.id))) == 0


def test_the_form_records_a_change_and_the_mail_goes_out(app, client, login_as):
    organisation = make_organisation()
    login_as(_owner(organisation))
    response = client.post(f"/organisations/{organisation.id}/payee", data={
        "mode": "host_unit", "host_unit_name": "东港街道团工委", "host_unit_uscc": valid_uscc(),
        "account_name": "东港街道团工委", "bank": "农业银行东港支行",
        "account_number": "6228 4800 1122 3344 556"})
    assert response.status_code == 302
    account = payees.current_account(organisation.id)
    assert account.account_number == NEW_NUMBER and account.via_host_unit


def test_finance_sees_old_and_new_in_full_and_confirms(app, client, login_as):
    organisation = make_organisation()
    make_payee(organisation)
    change = payees.record_payee(_owner(organisation), organisation, payee_data(NEW_NUMBER))
    db.session.commit()
    finance = make_finance()
    login_as(finance)
    html = client.get("/finance/payee-changes").get_data(as_text=True)
    assert "6222 0212 3456 7890 123" in html and "6228 4800 1122 3344 556" in html
    assert 'data-confirm="' in html
    response = client.post(f"/finance/payee-changes/{change.id}/confirm")
    assert response.status_code == 302
    assert db.session.get(PayeeAccount, change.id).status == PayeeStatus.CONFIRMED
    for user in (_owner(organisation), make_organizer(), make_user()):
        login_as(user)
        assert client.get("/finance/payee-changes").status_code == 404
        assert client.post(f"/finance/payee-changes/{change.id}/confirm").status_code == 404


def test_the_project_page_shows_the_payee_masked_and_via_the_host_unit(app, client, login_as):
    award = make_awarded()
    make_payee(award.application.organisation, host_unit="东港街道团工委")
    sign(award)
    for user in (member_of(award), make_organizer(), make_finance()):
        login_as(user)
        html = client.get(f"/projects/{award.application_id}").get_data(as_text=True)
        assert "6222 **** **** 0123" in html and NUMBER not in html
        assert "经依托单位 东港街道团工委" in html
        agreement = client.get(f"/projects/{award.application_id}/agreement")
        assert NUMBER not in agreement.get_data(as_text=True)


def test_the_finance_to_do_counts_changes_to_confirm(app, client, login_as):
    make_payee(make_organisation(), confirmed=False)
    make_payee(make_organisation(), confirmed=False)
    login_as(make_finance())
    html = client.get("/").get_data(as_text=True)
    assert "待确认的收款账户变更" in html
    panel = hooks.WORKBENCH_PANELS["payee_changes"]
    with app.test_request_context():
        built = panel.build(make_finance())
    assert built["count"] == 2 and len(built["changes"]) == 2
    assert panel.build(make_organizer()) is None


def test_the_demo_has_payees_agreements_and_a_change_waiting(demo):
    accounts = db.session.scalars(select(PayeeAccount)).all()
    assert any(a.via_host_unit and a.status == PayeeStatus.CONFIRMED for a in accounts)
    assert any(a.status == PayeeStatus.PENDING for a in accounts)
    states = set(db.session.scalars(select(Agreement.status)))
    assert {AgreementStatus.SIGNED, AgreementStatus.SCAN_UPLOADED} <= states
    signed = db.session.scalars(select(Agreement).where(
        Agreement.status == AgreementStatus.SIGNED)).all()
    assert all(a.pdf and a.pdf_sha256 for a in signed)
