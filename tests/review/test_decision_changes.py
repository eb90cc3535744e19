"""更改决定 / 撤回决定 (issue 11, point 5): before the 公示 the organizer changes an approval's
amount or pool, or its outcome (approve ↔ waitlist ↔ reject), or withdraws it; the ledger
follows (DECOMMIT, COMMIT) within the pool's and the challenge's limits; every change is
audited before → after with its reason; after the 公示 is published it is refused."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.applications.models import ApplicationStatus
from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.funds.balances import balance
from marketplace.funds.models import Award, AwardStatus, LedgerEntry, LedgerKind
from marketplace.review import decisions, publicity
from marketplace.rounds.models import Pool, PoolKind, Round
from tests.factories import (
    make_application,
    make_challenge,
    make_organizer,
    make_pool,
    make_review_round,
)

S = ApplicationStatus


def _ledger(round_id):
    return [(e.kind, e.pool_id, e.amount_fen) for e in db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.round_id == round_id).order_by(LedgerEntry.id))]


def _entries(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


def _approved(amount="10000", requested="20000", round_=None):
    organizer = make_organizer()
    application = make_application(round_ or make_review_round(), requested=requested)
    award = decisions.approve_application(organizer, application, Decimal(amount))
    db.session.commit()
    return organizer, application, award


def test_changing_the_amount_decommits_and_commits_again(app):
    organizer, application, award = _approved("10000")
    pool = application.pool
    decisions.change_decision(organizer, application, S.APPROVED, "专家复核后调整预算",
                              amount=Decimal("12500.50"))
    db.session.commit()
    assert application.status == S.APPROVED
    assert award.status == AwardStatus.APPROVED and award.amount_fen == 1_250_050
    # The tranches follow the new amount (50 / 30 / 20 %, the last taking the remainder).
    assert [t.amount_fen for t in award.tranches] == [625_025, 375_015, 250_010]
    assert _ledger(application.round_id) == [
        (LedgerKind.COMMIT, pool.id, 1_000_000), (LedgerKind.DECOMMIT, pool.id, 1_000_000),
        (LedgerKind.COMMIT, pool.id, 1_250_050)]
    assert balance(Pool, pool.id).committed == Decimal("12500.50")
    assert balance(Pool, pool.id).remaining == Decimal("487499.50")  # 500,000 − 12,500.50
    [entry] = _entries("decision.change")
    assert (entry.object_type, entry.object_id) == ("application", application.id)
    assert entry.before["amount"] == "10000.00" and entry.after["amount"] == "12500.50"
    assert entry.after["reason"] == "专家复核后调整预算"


def test_moving_an_approval_to_another_pool_moves_its_money(app):
    round_ = make_review_round()
    other = make_pool(round_, kind=PoolKind.GENERAL, amount_fen=3_000_000, name="第二资金池")
    organizer, application, award = _approved("10000", round_=round_)
    general = application.pool
    decisions.change_decision(organizer, application, S.APPROVED, "改由第二资金池资助",
                              amount=Decimal("8000"), pool=other)
    db.session.commit()
    assert award.pool_id == other.id and award.amount_fen == 800_000
    assert application.pool_id == other.id
    assert balance(Pool, general.id).committed == 0
    assert balance(Pool, other.id).committed == Decimal("8000.00")
    assert balance(Pool, other.id).remaining == Decimal("22000.00")


def test_a_changed_amount_must_fit_the_pool_counting_what_it_gives_back(app):
    round_ = make_review_round()
    pool = round_.pools[0]
    pool.amount_fen = 3_000_000  # 30,000
    db.session.commit()
    organizer, application, award = _approved("10000", round_=round_)
    _approved("15000", round_=round_)
    # Free: 30,000 − 25,000 = 5,000, plus the 10,000 this award gives back = 15,000.
    decisions.change_decision(organizer, application, S.APPROVED, "上调", amount=Decimal("15000"))
    db.session.commit()
    with pytest.raises(NotAllowed, match="余额不足") as refused:
        decisions.change_decision(organizer, application, S.APPROVED, "再上调",
                                  amount=Decimal("15000.01"), pool=pool)
    assert refused.value.field == "amount"
    db.session.rollback()
    assert award.amount_fen == 1_500_000 and balance(Pool, pool.id).remaining == 0


def test_a_changed_amount_must_fit_the_challenge_cap(app):
    round_ = make_review_round()
    challenge = make_challenge(round_, slots=1, cap_per_team_fen=2_000_000)
    organizer = make_organizer()
    bid = make_application(round_, challenge=challenge, requested="30000")
    decisions.approve_application(organizer, bid, Decimal("20000"), pool=challenge.pool)
    db.session.commit()
    with pytest.raises(NotAllowed, match="资助上限"):
        decisions.change_decision(organizer, bid, S.APPROVED, "上调", amount=Decimal("20000.01"))
    db.session.rollback()
    # Lowering it keeps its slot (the only one): not refused as "名额已满".
    decisions.change_decision(organizer, bid, S.APPROVED, "下调", amount=Decimal("18000"))
    assert bid.status == S.APPROVED


def test_approval_changed_to_waitlist_returns_the_money_and_back_again(app):
    organizer, application, award = _approved("10000")
    pool = application.pool
    decisions.change_decision(organizer, application, S.WAITLISTED, "资金优先给评分更高的项目")
    db.session.commit()
    assert application.status == S.WAITLISTED and award.status == AwardStatus.WITHDRAWN
    assert balance(Pool, pool.id).committed == 0
    # Approved again: the application's one award comes back with a new COMMIT entry.
    again = decisions.change_decision(organizer, application, S.APPROVED, "复议后同意",
                                      amount=Decimal("9000"))
    db.session.commit()
    assert again.id == award.id and award.status == AwardStatus.APPROVED
    assert award.amount_fen == 900_000 and award.withdrawn_reason is None
    assert balance(Pool, pool.id).committed == Decimal("9000.00")
    assert [k for k, _, _ in _ledger(application.round_id)] == [
        LedgerKind.COMMIT, LedgerKind.DECOMMIT, LedgerKind.COMMIT]
    changes = _entries("decision.change")
    assert [(e.before["status"], e.after["status"]) for e in changes] == [
        ("approved", "waitlisted"), ("waitlisted", "approved")]
    assert changes[0].before["amount"] == "10000.00" and changes[0].after["amount"] is None


def test_reject_to_approve_and_approve_to_reject(app):
    organizer = make_organizer()
    application = make_application(requested="5000")
    decisions.reject_application(organizer, application, "服务对象不明确")
    db.session.commit()
    decisions.change_decision(organizer, application, S.APPROVED, "补充材料后符合条件",
                              amount=Decimal("5000"))
    assert application.status == S.APPROVED
    decisions.change_decision(organizer, application, S.REJECTED, "查实重复申报",
                              feedback="与往年项目重复")
    db.session.commit()
    assert application.status == S.REJECTED and application.feedback == "与往年项目重复"
    assert balance(Pool, application.pool_id).committed == 0


def test_withdrawing_a_decision_puts_the_project_back_in_review(app):
    organizer, application, award = _approved("10000")
    decisions.withdraw_decision(organizer, application, "评分有误，待重新评审")
    db.session.commit()
    assert application.status == S.IN_REVIEW and award.status == AwardStatus.WITHDRAWN
    assert balance(Pool, application.pool_id).committed == 0
    [entry] = _entries("decision.withdraw")
    assert entry.before == {"status": "approved", "amount": "10000.00",
                            "pool_id": application.pool_id}
    assert entry.after["status"] == "in_review" and entry.after["reason"] == "评分有误，待重新评审"
    # Undecided again: decided the ordinary way.
    decisions.approve_application(organizer, application, Decimal("7000"))
    db.session.commit()
    assert award.status == AwardStatus.APPROVED and award.amount_fen == 700_000


def test_a_change_needs_a_reason_and_a_real_change(app):
    organizer, application, _ = _approved("10000")
    with pytest.raises(NotAllowed, match="理由") as refused:
        decisions.change_decision(organizer, application, S.APPROVED, "  ",
                                  amount=Decimal("9000"))
    assert refused.value.field == "reason"
    with pytest.raises(NotAllowed, match="理由"):
        decisions.withdraw_decision(organizer, application, "")
    with pytest.raises(NotAllowed, match="没有变化"):
        decisions.change_decision(organizer, application, S.APPROVED, "同样",
                                  amount=Decimal("10000"))
    db.session.rollback()
    waiting = make_application(application.round, requested="1000")
    decisions.waitlist_application(organizer, waiting, "")
    with pytest.raises(NotAllowed, match="相同"):
        decisions.change_decision(organizer, waiting, S.WAITLISTED, "还是候补")


def test_a_decided_project_is_not_decided_again_without_a_reason(app):
    organizer = make_organizer()
    application = make_application(requested="5000")
    decisions.reject_application(organizer, application, "不符合条件")
    db.session.commit()
    with pytest.raises(NotAllowed, match="更改决定"):
        decisions.approve_application(organizer, application, Decimal("5000"))


def test_an_undecided_project_has_no_decision_to_change(app):
    organizer = make_organizer()
    application = make_application(requested="5000")
    with pytest.raises(NotAllowed, match="还没有作出决定"):
        decisions.withdraw_decision(organizer, application, "理由")


def test_change_and_withdrawal_are_refused_once_the_publicity_is_published(app):
    organizer, application, award = _approved("10000")
    publicity.publish_publicity(organizer, application.round)
    db.session.commit()
    for attempt in (lambda: decisions.change_decision(organizer, application, S.APPROVED,
                                                      "上调", amount=Decimal("12000")),
                    lambda: decisions.change_decision(organizer, application, S.WAITLISTED,
                                                      "改为候补"),
                    lambda: decisions.withdraw_decision(organizer, application, "撤回")):
        with pytest.raises(NotAllowed, match="公示已发布"):
            attempt()
        db.session.rollback()
    assert application.status == S.APPROVED and award.amount_fen == 1_000_000
    assert len(_ledger(application.round_id)) == 1
    assert _entries("decision.change") == [] and _entries("decision.withdraw") == []


def test_an_organizer_of_the_applying_group_may_not_change_its_decision(app):
    from tests.factories import make_organisation

    colleague = make_organizer()
    insider = make_organizer()
    round_ = make_review_round()
    application = make_application(round_, make_organisation(owner=insider), requested="5000")
    decisions.approve_application(colleague, application, Decimal("5000"))
    db.session.commit()
    with pytest.raises(NotAllowed, match="自己所在组织"):
        decisions.withdraw_decision(insider, application, "理由")


def test_ledger_matches_live_awards_after_changes(app):
    organizer = make_organizer()
    round_ = make_review_round()
    apps = [make_application(round_, requested="10000") for _ in range(3)]
    for a in apps:
        decisions.approve_application(organizer, a, Decimal("10000"))
    decisions.change_decision(organizer, apps[0], S.APPROVED, "下调", amount=Decimal("6000"))
    decisions.change_decision(organizer, apps[1], S.REJECTED, "撤销", feedback="不符合")
    decisions.withdraw_decision(organizer, apps[2], "重评")
    decisions.approve_application(organizer, apps[2], Decimal("2500.25"))
    db.session.commit()
    live = sum(a.amount_fen for a in db.session.scalars(
        select(Award).where(Award.status == AwardStatus.APPROVED)))
    assert live == 850_025
    assert balance(Pool, round_.pools[0].id).committed == Decimal("8500.25")
    assert balance(Round, round_.id).remaining == Decimal("991499.75")  # 1,000,000 − 8,500.25


# --- the decide page ------------------------------------------------------------------------

def test_decide_page_offers_change_and_withdrawal_until_the_publicity(app, login_as):
    organizer, application, award = _approved("10000")
    client = login_as(make_organizer())
    html = client.get(f"/review/decisions/{application.id}").get_data(as_text=True)
    assert 'data-testid="change-decision-form"' in html and "更改决定" in html
    assert 'data-testid="withdraw-decision-form"' in html and "撤回决定" in html
    assert 'data-testid="decision-form"' not in html
    # No outcome chosen at first: the organizer picks the new one.
    outcome = html.split('name="change-outcome"')[1].split("</select>")[0]
    assert '<option value="">' in outcome and "selected" not in outcome
    publicity.publish_publicity(organizer, application.round)
    db.session.commit()
    html = client.get(f"/review/decisions/{application.id}").get_data(as_text=True)
    assert "change-decision-form" not in html and "withdraw-decision-form" not in html
    assert 'data-testid="decision-locked"' in html


def test_change_form_refuses_without_reason_and_keeps_what_was_typed(app, login_as):
    _, application, award = _approved("10000")
    client = login_as(make_organizer())
    page = client.post(f"/review/decisions/{application.id}/change", data={
        "change-outcome": "approve", "change-amount": "9,000.50",
        "change-pool_id": str(application.pool_id), "change-reason": ""})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "请填写更改或撤回决定的理由" in html and 'value="9,000.50"' in html
    page = client.post(f"/review/decisions/{application.id}/change", data={
        "change-outcome": "", "change-reason": "理由"})
    assert page.status_code == 422 and "请选择新的决定" in page.get_data(as_text=True)
    db.session.expire_all()
    assert award.amount_fen == 1_000_000


def test_change_and_withdraw_through_the_page(app, login_as):
    _, application, award = _approved("10000")
    client = login_as(make_organizer())
    page = client.post(f"/review/decisions/{application.id}/change", data={
        "change-outcome": "approve", "change-amount": "8000",
        "change-pool_id": str(application.pool_id), "change-reason": "压减预算"})
    assert page.status_code == 302
    db.session.expire_all()
    assert award.amount_fen == 800_000
    page = client.post(f"/review/decisions/{application.id}/withdraw",
                       data={"withdraw-reason": "重新评审"})
    assert page.status_code == 302
    db.session.expire_all()
    assert application.status == S.IN_REVIEW and award.status == AwardStatus.WITHDRAWN
