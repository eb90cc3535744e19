"""Service rules for rounds, pools, challenges, publishing, matching and 派单."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.funds.balances import balances, round_summary
from marketplace.funds.models import LedgerEntry, LedgerKind
from marketplace.notify.models import OutboxMessage
from marketplace.organisations.models import OrganisationStatus, OrganisationType
from marketplace.rounds import challenges, invitations, matching, pools, services
from marketplace.rounds.challenges import ChallengeData
from marketplace.rounds.models import (
    ChallengeInvitation,
    InvitationAnswer,
    MatchNotice,
    Pool,
    PoolKind,
    Round,
    RoundStatus,
)
from tests.factories import make_challenge, make_organisation, make_pool, make_round, make_user
from tests.rounds.helpers import organizer, round_data


def _mails(template: str | None = None) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if template:
        stmt = stmt.where(OutboxMessage.template == template)
    return list(db.session.scalars(stmt))


def _draft(actor, **overrides) -> Round:
    round_ = services.create_round(actor, round_data(**overrides))
    db.session.commit()
    return round_


# --- round settings -----------------------------------------------------------------------

def test_create_round_stores_a_draft_with_fen_and_an_audit_record(app):
    staff = organizer()
    round_ = _draft(staff)
    assert round_.status == RoundStatus.DRAFT
    assert round_.total_budget_fen == 57_900_000
    assert round_.max_amount_per_project_fen == 5_000_000
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.object_type == "round")) == "round.create"


def test_introduction_is_stored_as_typed_markdown(app):
    text = "## 申报须知\r\n\r\n- **公开申报**\r\n- 主办方命题  "
    round_ = _draft(organizer(), introduction=text)
    assert round_.introduction == "## 申报须知\n\n- **公开申报**\n- 主办方命题"


def test_introduction_renders_markdown_and_never_markup_typed_into_it(app):
    from marketplace.core.markdown import render_markdown

    html = str(render_markdown(
        '## 标题\n\n**一** *二*\n\n- 列表\n\n[好链接](https://example.org) '
        '[坏](javascript:alert(1))\n\n<p onclick="x()">好<script>alert(1)</script></p>'
        '<img src=x>'))
    assert "<h2>标题</h2>" in html and "<strong>一</strong>" in html and "<li>列表</li>" in html
    assert 'href="https://example.org"' in html
    # Typed tags show as text: "&lt;script&gt;", never a tag.
    assert "<script" not in html and "<img" not in html and "<p onclick" not in html
    assert 'href="javascript' not in html


def test_default_categories_and_tranche_template_are_50_30_20(app):
    round_ = _draft(organizer())
    assert round_.categories[0] == "文明创建" and "生态环保" in round_.categories
    assert [(t["percent"], t["gate"]) for t in round_.tranche_template] == [
        (50, "on_award"), (30, "after_report"), (20, "after_acceptance")]


@pytest.mark.parametrize("field,overrides", [
    ("deadline_at", {"deadline_at": utcnow() - timedelta(days=2)}),
    ("review_ends_at", {"review_ends_at": utcnow() + timedelta(days=1)}),
    ("delivery_ends_at", {"delivery_ends_at": utcnow() + timedelta(days=40)}),
])
def test_round_dates_must_be_in_order(app, field, overrides):
    problems = services.round_data_problems(round_data(**overrides))
    assert field in problems
    with pytest.raises(NotAllowed) as refusal:
        services.create_round(organizer(), round_data(**overrides))
    assert refusal.value.field == field


def test_dates_may_be_left_empty_in_a_draft(app):
    round_ = _draft(organizer(), opens_at=None, review_ends_at=None, delivery_ends_at=None)
    assert round_.opens_at is None


@pytest.mark.parametrize("rows,ok", [
    ([{"label": "一次", "percent": 100, "gate": "on_award"}], True),
    ([{"label": "a", "percent": 50, "gate": "on_award"},
      {"label": "b", "percent": 49, "gate": "after_acceptance"}], False),
    ([{"label": "a", "percent": 60, "gate": "on_award"},
      {"label": "b", "percent": 50, "gate": "after_acceptance"}], False),
    ([], False),
    ([{"label": "a", "percent": 100, "gate": "whenever"}], False),
])
def test_tranche_percents_must_sum_to_100(app, rows, ok):
    problems = services.round_data_problems(round_data(tranche_template=rows))
    assert ("tranches" not in problems) is ok


def test_budget_rule_shares_are_1_to_100_percent(app):
    assert "budget_rules" in services.round_data_problems(
        round_data(budget_rules={"personnel": 130}))
    assert "budget_rules" not in services.round_data_problems(
        round_data(budget_rules={"personnel": 30, "publicity": 10}))


def test_non_organizer_cannot_create_a_round(app):
    with pytest.raises(NotAllowed):
        services.create_round(make_user(), round_data())


# --- pools --------------------------------------------------------------------------------

def test_pools_may_sum_exactly_to_the_budget(app):
    staff = organizer()
    round_ = _draft(staff, total_budget=Decimal("1000.00"))
    pools.create_pool(staff, round_, "综合", PoolKind.GENERAL, Decimal("600.00"))
    pools.create_pool(staff, round_, "定向", PoolKind.TARGETED, Decimal("400.00"),
                         ["岱山县", "嵊泗县"])
    db.session.commit()
    assert round_summary(round_).pooled == Decimal("1000.00")


def test_pools_over_the_budget_by_one_fen_are_refused(app):
    staff = organizer()
    round_ = _draft(staff, total_budget=Decimal("1000.00"))
    pools.create_pool(staff, round_, "综合", PoolKind.GENERAL, Decimal("600.00"))
    with pytest.raises(NotAllowed) as refusal:
        pools.create_pool(staff, round_, "定向", PoolKind.TARGETED, Decimal("400.01"),
                             ["岱山县"])
    assert refusal.value.field == "amount"
    assert "¥400.00" in refusal.value.reason  # says how much is still free


def test_raising_a_pool_amount_past_the_budget_is_refused(app):
    staff = organizer()
    round_ = _draft(staff, total_budget=Decimal("1000.00"))
    general = pools.create_pool(staff, round_, "综合", PoolKind.GENERAL, Decimal("600.00"))
    pools.create_pool(staff, round_, "定向", PoolKind.TARGETED, Decimal("300.00"), ["岱山县"])
    pools.update_pool(staff, general, "综合", Decimal("700.00"))  # exactly the budget
    with pytest.raises(NotAllowed):
        pools.update_pool(staff, general, "综合", Decimal("700.01"))


def test_lowering_the_budget_below_the_pools_is_refused(app):
    staff = organizer()
    round_ = _draft(staff, total_budget=Decimal("1000.00"))
    pools.create_pool(staff, round_, "综合", PoolKind.GENERAL, Decimal("800.00"))
    db.session.commit()
    services.update_round(staff, round_, round_data(total_budget=Decimal("800.00")))
    with pytest.raises(NotAllowed) as refusal:
        services.update_round(staff, round_, round_data(total_budget=Decimal("799.99")))
    assert refusal.value.field == "total_budget"


def test_a_pool_cannot_go_below_its_committed_money(app):
    staff = organizer()
    round_ = make_round(status=RoundStatus.OPEN)
    pool = round_.pools[0]
    db.session.add(LedgerEntry(round_id=round_.id, pool_id=pool.id, kind=LedgerKind.COMMIT,
                               amount_fen=300_000))
    db.session.commit()
    with pytest.raises(NotAllowed) as refusal:
        pools.update_pool(staff, pool, pool.name, Decimal("2999.99"))
    assert "¥3,000.00" in refusal.value.reason
    pools.update_pool(staff, pool, pool.name, Decimal("3000.00"))


def test_a_round_has_only_one_general_pool(app):
    staff = organizer()
    round_ = make_round(status=RoundStatus.DRAFT)
    with pytest.raises(NotAllowed) as refusal:
        pools.create_pool(staff, round_, "第二综合", PoolKind.GENERAL, Decimal("1.00"))
    assert refusal.value.field == "kind"


def test_a_targeted_pool_needs_known_regions(app):
    staff = organizer()
    round_ = make_round(status=RoundStatus.DRAFT)
    with pytest.raises(NotAllowed) as refusal:
        pools.create_pool(staff, round_, "定向", PoolKind.TARGETED, Decimal("1.00"), [])
    assert refusal.value.field == "regions"
    with pytest.raises(NotAllowed):
        pools.create_pool(staff, round_, "定向", PoolKind.TARGETED, Decimal("1.00"), ["火星"])


def test_pools_of_a_closed_round_cannot_change(app):
    round_ = make_round(status=RoundStatus.REVIEWING)
    with pytest.raises(NotAllowed):
        pools.update_pool(organizer(), round_.pools[0], "综合", Decimal("1.00"))


# --- balances -----------------------------------------------------------------------------

def test_pool_balances_are_commits_minus_decommits_in_one_query(app, count_queries):
    round_ = make_round()
    general = round_.pools[0]
    targeted = make_pool(round_, amount_fen=11_000_000)
    empty = make_pool(round_, kind=PoolKind.CHALLENGE, amount_fen=100)
    for pool, kind, fen in [(general, LedgerKind.COMMIT, 500_000),
                            (general, LedgerKind.COMMIT, 250_000),
                            (general, LedgerKind.DECOMMIT, 100_000),
                            (general, LedgerKind.RELEASE, 999_999),  # not a commitment
                            (targeted, LedgerKind.COMMIT, 1_000_000)]:
        db.session.add(LedgerEntry(round_id=round_.id, pool_id=pool.id, kind=kind,
                                   amount_fen=fen))
    db.session.commit()
    round_id = round_.id
    with count_queries() as counter:
        pool_balances = balances(Pool, round_id=round_id)
    assert counter.count == 1
    assert pool_balances[general.id].committed == Decimal("6500.00")
    assert pool_balances[general.id].remaining == Decimal("493500.00")
    assert pool_balances[targeted.id].committed == Decimal("10000.00")
    assert pool_balances[empty.id].committed == Decimal("0.00")
    summary = round_summary(round_, pool_balances)
    assert summary.pooled == Decimal("610001.00")
    assert summary.committed == Decimal("16500.00")
    assert summary.remaining == summary.pooled - summary.committed


# --- challenges ---------------------------------------------------------------------------

def test_a_challenge_gets_its_own_pool_of_cap_times_slots(app):
    staff = organizer()
    round_ = make_round(status=RoundStatus.DRAFT)
    challenge = challenges.create_challenge(staff, round_, ChallengeData(
        title="斑马线守护", cap_per_team=Decimal("30000.00"), slots=2))
    db.session.commit()
    assert challenge.pool.kind == PoolKind.CHALLENGE
    assert challenge.pool.amount == Decimal("60000.00")
    assert challenge.published_at is None  # a draft round's challenge waits for publishing


def test_a_challenge_pool_must_fit_the_budget_too(app):
    staff = organizer()
    round_ = make_round(status=RoundStatus.DRAFT, total_budget_fen=60_000_000)  # 100000 free
    with pytest.raises(NotAllowed) as refusal:
        challenges.create_challenge(staff, round_, ChallengeData(
            title="大命题", cap_per_team=Decimal("50000.00"), slots=3))
    assert refusal.value.field == "pool_amount"


def test_challenge_cap_may_not_exceed_the_round_maximum_per_project(app):
    round_ = make_round(status=RoundStatus.DRAFT)  # 50000 per project
    with pytest.raises(NotAllowed) as refusal:
        challenges.create_challenge(organizer(), round_, ChallengeData(
            title="命题", cap_per_team=Decimal("50000.01"), slots=1, pool_id=round_.pools[0].id))
    assert refusal.value.field == "cap_per_team"


def test_names_longer_than_their_columns_are_refused_next_to_the_field(app):
    staff = organizer()
    with pytest.raises(NotAllowed) as refusal:
        services.create_round(staff, round_data(title="长" * 10_000))
    assert refusal.value.field == "title" and "200" in refusal.value.reason
    db.session.rollback()
    round_ = make_round(status=RoundStatus.DRAFT)
    with pytest.raises(NotAllowed) as refusal:
        pools.create_pool(staff, round_, "池" * 121, PoolKind.TARGETED, Decimal("1.00"),
                             ["岱山县"])
    assert refusal.value.field == "name" and "120" in refusal.value.reason
    db.session.rollback()
    with pytest.raises(NotAllowed) as refusal:
        challenges.create_challenge(staff, round_, ChallengeData(
            title="题" * 201, cap_per_team=Decimal("100.00"), pool_id=round_.pools[0].id))
    assert refusal.value.field == "title" and "200" in refusal.value.reason


# --- publishing ---------------------------------------------------------------------------

def test_publishing_opens_the_round_and_audits(app):
    staff = organizer()
    round_ = _draft(staff)
    pools.create_pool(staff, round_, "综合", PoolKind.GENERAL, Decimal("469000.00"))
    services.publish_round(staff, round_)
    db.session.commit()
    assert round_.status == RoundStatus.OPEN and round_.published_at is not None
    assert "round.publish" in db.session.scalars(select(AuditEntry.action)).all()


@pytest.mark.parametrize("overrides,pool,expected", [
    ({"total_budget": Decimal("0.00")}, False, "总预算"),
    ({"deadline_at": None}, True, "申报截止时间"),
    ({"review_ends_at": None}, True, "评审结束时间"),
    ({}, False, "资金池"),
])
def test_publishing_needs_budget_dates_and_a_pool(app, overrides, pool, expected):
    staff = organizer()
    round_ = _draft(staff, **overrides)
    if pool:
        pools.create_pool(staff, round_, "综合", PoolKind.GENERAL, Decimal("1.00"))
    with pytest.raises(NotAllowed) as refusal:
        services.publish_round(staff, round_)
    assert expected in refusal.value.reason
    db.session.rollback()
    assert db.session.get(Round, round_.id).status == RoundStatus.DRAFT


def test_publishing_needs_a_tranche_template_summing_to_100(app):
    round_ = make_round(status=RoundStatus.DRAFT,
                        review_ends_at=utcnow() + timedelta(days=20),
                        delivery_ends_at=utcnow() + timedelta(days=200),
                        tranche_template=[{"label": "a", "percent": 90, "gate": "on_award"}])
    with pytest.raises(NotAllowed) as refusal:
        services.publish_round(organizer(), round_)
    assert "100%" in refusal.value.reason


def test_an_open_round_cannot_be_published_again(app):
    with pytest.raises(NotAllowed):
        services.publish_round(organizer(), make_round(status=RoundStatus.OPEN))


def test_round_phase_reads_reviewing_after_the_deadline(app):
    round_ = make_round(status=RoundStatus.OPEN)
    assert services.round_phase(round_, round_.deadline_at) == RoundStatus.OPEN
    assert services.round_phase(round_, round_.deadline_at + timedelta(seconds=1)) \
        == RoundStatus.REVIEWING
    assert round_.status == RoundStatus.OPEN  # display only
    assert round_.accepts_applications_at(round_.deadline_at)
    assert not round_.accepts_applications_at(round_.deadline_at + timedelta(seconds=1))


# --- matching -----------------------------------------------------------------------------

def _publishable(staff) -> Round:
    round_ = _draft(staff, categories=["文明创建", "生态环保"])
    pools.create_pool(staff, round_, "综合", PoolKind.GENERAL, Decimal("100000.00"))
    return round_


def test_publishing_mails_matching_verified_organisations_once(app):
    staff = organizer()
    member = make_user()
    keen = make_organisation(members=[member])                          # no preferences
    picky = make_organisation()
    matching.set_matching_preference(picky.memberships[0].user, picky, ["关爱帮扶"], [])
    likes = make_organisation()
    matching.set_matching_preference(likes.memberships[0].user, likes, ["生态环保"], [])
    make_organisation(status=OrganisationStatus.PENDING)                  # not verified
    round_ = _publishable(staff)
    assert services.publish_round(staff, round_) == 2
    db.session.commit()
    mails = _mails("rounds/round_published")
    to = sorted(m.to_address for m in mails)
    assert to == sorted([keen.memberships[0].user.email, member.email,
                         likes.memberships[0].user.email])
    link = matching.apply_url(round_.id)  # absolute outside a request
    assert link.startswith("https://volunteer.example.org/")
    assert all(link in m.body_text for m in mails)
    assert not any("orghttp" in m.body_text for m in mails)  # one absolute link, not two
    # asking again (a retry, a second publish path) mails nobody twice
    assert matching.notify_round_published(round_) == 0
    assert len(_mails("rounds/round_published")) == 3
    assert db.session.scalar(select(func.count(MatchNotice.id))) == 2


def test_round_mail_lists_the_challenges_an_organisation_may_bid_on(app):
    staff = organizer()
    island = make_organisation(region="嵊泗县")
    town = make_organisation(region="定海区")
    round_ = _publishable(staff)
    challenge = challenges.create_challenge(staff, round_, ChallengeData(
        title="海岛老人关爱", cap_per_team=Decimal("20000.00"), slots=1,
        eligible_regions=["岱山县", "嵊泗县"]))
    services.publish_round(staff, round_)
    db.session.commit()
    link = matching.apply_url(round_.id, challenge.id)
    by_to = {m.to_address: m.body_text for m in _mails("rounds/round_published")}
    assert "海岛老人关爱" in by_to[island.memberships[0].user.email]
    assert link in by_to[island.memberships[0].user.email]
    assert "海岛老人关爱" not in by_to[town.memberships[0].user.email]


def test_a_challenge_added_to_an_open_round_is_published_and_mailed_once(app):
    staff = organizer()
    round_ = make_round(status=RoundStatus.OPEN)
    org = make_organisation(region="岱山县")
    matching.set_matching_preference(org.memberships[0].user, org, [], ["岱山县"])
    elsewhere = make_organisation(region="定海区")
    matching.set_matching_preference(elsewhere.memberships[0].user, elsewhere, [], ["定海区"])
    challenge = challenges.create_challenge(staff, round_, ChallengeData(
        title="垃圾分类宣讲", cap_per_team=Decimal("10000.00"), slots=2,
        eligible_regions=["岱山县", "定海区"]))
    db.session.commit()
    assert challenge.published_at is not None
    mails = _mails("rounds/challenge_published")
    assert sorted(m.to_address for m in mails) == sorted(
        [org.memberships[0].user.email, elsewhere.memberships[0].user.email])
    assert f"challenge_id={challenge.id}" in mails[0].body_text or \
        f"/rounds/challenges/{challenge.id}" in mails[0].body_text
    assert matching.notify_challenge_published(challenge) == 0


def test_challenge_matching_follows_region_preferences(app):
    staff = organizer()
    round_ = make_round(status=RoundStatus.OPEN)
    org = make_organisation(region="岱山县")
    matching.set_matching_preference(org.memberships[0].user, org, [], ["嵊泗县"])
    challenges.create_challenge(staff, round_, ChallengeData(
        title="只在定海", cap_per_team=Decimal("10000.00"), slots=1,
        eligible_regions=["岱山县", "定海区"]))
    assert _mails("rounds/challenge_published") == []  # eligible, but not where it wants to work


def test_preferences_are_set_by_the_owner_only(app):
    member = make_user()
    org = make_organisation(members=[member])
    with pytest.raises(NotAllowed):
        matching.set_matching_preference(member, org, ["文明创建"], [])
    with pytest.raises(NotAllowed) as refusal:
        matching.set_matching_preference(org.memberships[0].user, org, ["不存在的类别"], [])
    assert refusal.value.field == "categories"


# --- 派单 -----------------------------------------------------------------------------------

def test_invitations_are_mailed_once_per_organisation(app):
    staff = organizer()
    challenge = make_challenge(make_round())
    org = make_organisation()
    invitations.invite_organisations(staff, challenge, [org], "欢迎揭榜")
    invitations.invite_organisations(staff, challenge, [org])  # again: nothing new
    db.session.commit()
    assert db.session.scalar(select(func.count(ChallengeInvitation.id))) == 1
    mails = _mails("rounds/challenge_invitation")
    assert len(mails) == 1 and "欢迎揭榜" in mails[0].body_text
    assert "https://volunteer.example.org/rounds/invitations/" in mails[0].body_text


def test_only_eligible_verified_organisations_can_be_invited(app):
    staff = organizer()
    challenge = make_challenge(make_round(), eligible_regions=["嵊泗县"])
    with pytest.raises(NotAllowed) as refusal:
        invitations.invite_organisations(staff, challenge, [make_organisation(region="定海区")])
    assert "嵊泗县" in refusal.value.reason
    with pytest.raises(NotAllowed):
        invitations.invite_organisations(staff, challenge, [make_organisation(
            region="嵊泗县", status=OrganisationStatus.PENDING)])


def test_staff_cannot_invite_their_own_organisation(app):
    staff = organizer()
    challenge = make_challenge(make_round())
    own = make_organisation(staff)
    with pytest.raises(NotAllowed, match="自己所在的组织") as refusal:
        invitations.invite_organisations(staff, challenge, [make_organisation(), own])
    assert refusal.value.field == "organisations"
    db.session.rollback()
    assert db.session.scalar(select(func.count(ChallengeInvitation.id))) == 0
    assert not _mails("rounds/challenge_invitation")


def test_declining_an_invitation_requires_a_reason(app):
    challenge = make_challenge(make_round())
    member = make_user()
    org = make_organisation(members=[member])
    [invitation] = invitations.invite_organisations(organizer(), challenge, [org])
    with pytest.raises(NotAllowed) as refusal:
        invitations.answer_invitation(member, invitation, bid=False, reason="  ")
    assert refusal.value.field == "reason"
    invitations.answer_invitation(member, invitation, bid=False, reason="人手不足")
    assert invitation.status == InvitationAnswer.DECLINED
    assert invitation.decline_reason == "人手不足"
    with pytest.raises(NotAllowed):  # answered once
        invitations.answer_invitation(member, invitation, bid=True)


def test_bidding_on_an_invitation_records_the_answer(app):
    challenge = make_challenge(make_round())
    org = make_organisation()
    owner = org.memberships[0].user
    [invitation] = invitations.invite_organisations(organizer(), challenge, [org])
    invitations.answer_invitation(owner, invitation, bid=True)
    assert invitation.status == InvitationAnswer.BID and invitation.answered_by_id == owner.id


def test_the_inviting_organizer_is_mailed_the_answer_with_the_reason_in_their_language(app):
    staff = organizer(locale="en")
    challenge = make_challenge(make_round(), title="海岛环保")
    org = make_organisation(name="海岛青年志愿服务队")
    [invitation] = invitations.invite_organisations(staff, challenge, [org])
    invitations.answer_invitation(org.memberships[0].user, invitation, bid=False,
                               reason="人手不足")
    db.session.commit()
    [mail] = _mails("rounds/challenge_invitation_answered")
    assert mail.to_address == staff.email and mail.locale == "en"
    assert "declined" in mail.subject and "海岛青年志愿服务队" in mail.subject
    assert "人手不足" in mail.body_text and "Reason" in mail.body_text
    assert f"https://volunteer.example.org/rounds/challenges/{challenge.id}" in mail.body_text


def test_without_a_recorded_inviter_the_round_creator_hears_the_bid(app):
    creator = organizer()
    challenge = make_challenge(make_round(created_by_id=creator.id))
    org = make_organisation()
    [invitation] = invitations.invite_organisations(organizer(), challenge, [org])
    invitation.invited_by_id = None
    invitations.answer_invitation(org.memberships[0].user, invitation, bid=True)
    [mail] = _mails("rounds/challenge_invitation_answered")
    assert mail.to_address == creator.email and org.name in mail.subject


def test_outsiders_and_late_answers_are_refused(app):
    round_ = make_round()
    challenge = make_challenge(round_)
    org = make_organisation()
    [invitation] = invitations.invite_organisations(organizer(), challenge, [org])
    with pytest.raises(NotAllowed):
        invitations.answer_invitation(make_user(), invitation, bid=True)
    with pytest.raises(NotAllowed):
        invitations.answer_invitation(org.memberships[0].user, invitation, bid=True,
                                   now=round_.deadline_at + timedelta(seconds=1))


def test_challenge_admits_checks_region_and_type_with_a_reason(app):
    challenge = make_challenge(make_round(), eligible_regions=["岱山县"],
                               eligible_org_types=["university_team"])
    from marketplace.rounds.policy import challenge_admits

    wrong_region = make_organisation(region="定海区", org_type=OrganisationType.UNIVERSITY_TEAM)
    wrong_type = make_organisation(region="岱山县", org_type=OrganisationType.SOCIAL_ORG)
    right = make_organisation(region="岱山县", org_type=OrganisationType.UNIVERSITY_TEAM)
    assert "岱山县" in challenge_admits(challenge, wrong_region).reason
    assert "高校团队" in challenge_admits(challenge, wrong_type).reason
    assert challenge_admits(challenge, right)
