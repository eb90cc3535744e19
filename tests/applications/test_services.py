"""Service rules for applications: drafts, submission refusals (one message per problem),
the deadline at the boundary second, money computed from lines, snapshot, return, withdraw."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.applications import attachments, proposal, services
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.applications.proposal import BudgetLineData
from marketplace.applications.services import SubmissionRefused
from marketplace.applications.workflow import APPLICATION
from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.notify.models import OutboxMessage
from marketplace.organisations.models import OrganisationStatus, OrganisationType
from marketplace.organisations.workflow import VERIFICATION
from marketplace.rounds.models import BudgetCategory, PoolKind
from tests.factories import (
    application_data,
    make_application,
    make_challenge,
    make_organisation,
    make_pool,
    make_round,
    make_user,
)

M, P, PER = BudgetCategory.MATERIALS, BudgetCategory.PUBLICITY, BudgetCategory.PERSONNEL


def start(member, organisation, round_, challenge=None, data=None, now=None):
    application = services.start_application(member, organisation, round_, challenge, now=now)
    services.save_draft(member, application, data or application_data(), now=now)
    db.session.commit()
    return application


def reasons(excinfo) -> str:
    return " | ".join(p.reason for p in excinfo.value.problems)


# ---------------------------------------------------------------- drafts and money


def test_line_amount_is_quantity_times_unit_price_rounded_half_up_to_the_fen():
    assert proposal.line_amount(Decimal("3"), Decimal("33.33")) == Decimal("99.99")
    assert proposal.line_amount(Decimal("0.5"), Decimal("0.01")) == Decimal("0.01")  # 0.005 up
    assert proposal.line_amount(Decimal("1.5"), Decimal("0.03")) == Decimal("0.05")  # 0.045 up


def test_requested_amount_is_the_sum_of_lines_computed_on_the_server(member, organisation,
                                                                       open_round):
    data = application_data(lines=[("物资", M, "3", "33.33"), ("海报", P, "1.5", "0.03"),
                                   ("场地", BudgetCategory.VENUE, "2", "100")])
    application = start(member, organisation, open_round, data=data)
    assert [line.amount for line in application.budget_lines] == [
        Decimal("99.99"), Decimal("0.05"), Decimal("200.00")]
    assert application.requested_fen == 30_004
    assert application.requested == Decimal("300.04")


def test_budget_summary_gives_total_and_category_shares():
    lines = [BudgetLineData("a", PER, Decimal("1"), Decimal("300")),
             BudgetLineData("b", M, Decimal("7"), Decimal("100"))]
    summary = proposal.budget_summary(lines)
    assert summary.total == Decimal("1000.00")
    assert summary.by_category[PER] == (Decimal("300.00"), Decimal("30.00"))
    assert summary.by_category[M] == (Decimal("700.00"), Decimal("70.00"))


def test_an_incomplete_draft_can_be_saved(member, organisation, open_round):
    application = start(member, organisation, open_round,
                        data=application_data(title="", summary="", lines=[]))
    assert application.status == ApplicationStatus.DRAFT
    assert application.requested_fen == 0


def test_saving_replaces_rows_rather_than_adding(member, organisation, open_round):
    application = start(member, organisation, open_round)
    services.save_draft(member, application, application_data(
        lines=[("只有一行", M, "1", "10")]))
    db.session.commit()
    assert len(application.budget_lines) == 1 and application.requested_fen == 1000


def test_a_category_outside_the_round_is_refused_on_save(member, organisation, open_round):
    application = start(member, organisation, open_round)
    with pytest.raises(NotAllowed) as refused:
        services.save_draft(member, application, application_data(category="不存在的类别"))
    assert refused.value.field == "category"


def test_a_non_member_cannot_save(organisation, open_round, member):
    application = start(member, organisation, open_round)
    with pytest.raises(NotAllowed):
        services.save_draft(make_user(), application, application_data())


def test_an_unverified_organisation_cannot_start(member, open_round):
    pending = make_organisation(member, status=OrganisationStatus.PENDING)
    with pytest.raises(NotAllowed, match="尚未通过认证"):
        services.start_application(member, pending, open_round)


# ---------------------------------------------------------------- submission


def test_submission_sets_status_pool_snapshot_and_audit(member, organisation, open_round):
    application = start(member, organisation, open_round)
    services.submit_application(member, application)
    db.session.commit()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.submitted_at is not None
    general = next(p for p in open_round.pools if p.kind == PoolKind.GENERAL)
    assert application.pool_id == general.id
    assert application.snapshot["organisation"]["name"] == "普陀区海韵志愿服务队"
    assert application.snapshot["proposal"]["requested"] == "2000.00"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "application.submit"))


def test_a_bid_takes_the_challenges_pool(member, organisation, open_round):
    challenge = make_challenge(open_round)
    application = start(member, organisation, open_round, challenge)
    services.submit_application(member, application)
    assert application.pool_id == challenge.pool_id


def test_snapshot_is_frozen_against_later_profile_edits(member, organisation, open_round):
    application = start(member, organisation, open_round)
    services.submit_application(member, application)
    db.session.commit()
    organisation.name = "改名后的组织"
    organisation.contact_phone = "13900000000"
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Application, application.id)
    assert stored.snapshot["organisation"]["name"] == "普陀区海韵志愿服务队"
    assert stored.snapshot["organisation"]["contact_phone"] == "13800138000"


def test_submission_at_the_deadline_second_is_accepted(member, organisation):
    deadline = utcnow().replace(microsecond=0) + timedelta(hours=1)
    round_ = make_round(deadline_at=deadline)
    application = start(member, organisation, round_)
    services.submit_application(member, application, now=deadline)
    assert application.status == ApplicationStatus.SUBMITTED


def test_submission_one_second_after_the_deadline_is_refused(member, organisation):
    deadline = utcnow().replace(microsecond=0) + timedelta(hours=1)
    round_ = make_round(deadline_at=deadline)
    application = start(member, organisation, round_)
    with pytest.raises(SubmissionRefused) as refused:
        services.submit_application(member, application, now=deadline + timedelta(seconds=1))
    assert "截止" in reasons(refused)
    assert application.status == ApplicationStatus.DRAFT


def test_submission_before_the_round_opens_is_refused(member, organisation):
    round_ = make_round()
    application = start(member, organisation, round_)
    with pytest.raises(SubmissionRefused, match="不接受申报"):
        services.submit_application(member, application, now=round_.opens_at - timedelta(seconds=1))


def test_submission_of_an_unverified_organisation_is_refused(member, organisation, open_round):
    application = start(member, organisation, open_round)
    VERIFICATION.move(member, organisation, OrganisationStatus.PENDING)  # its identity changed
    with pytest.raises(SubmissionRefused, match="尚未通过认证"):
        services.submit_application(member, application)


def test_more_than_max_applications_per_organisation_is_refused(member, organisation):
    round_ = make_round(max_applications_per_org=2)
    make_application(round_, organisation, status=ApplicationStatus.SUBMITTED)
    make_application(round_, organisation, status=ApplicationStatus.RETURNED)
    make_application(round_, organisation, status=ApplicationStatus.WITHDRAWN)  # not counted
    make_application(round_, organisation, status=ApplicationStatus.DRAFT)      # not counted
    application = start(member, organisation, round_)
    with pytest.raises(SubmissionRefused, match="最多提交 2 份"):
        services.submit_application(member, application)


def test_withdrawn_and_draft_applications_do_not_count_towards_the_maximum(member,
                                                                           organisation):
    round_ = make_round(max_applications_per_org=1)
    make_application(round_, organisation, status=ApplicationStatus.WITHDRAWN)
    make_application(round_, organisation, status=ApplicationStatus.DRAFT)
    application = start(member, organisation, round_)
    services.submit_application(member, application)
    assert application.status == ApplicationStatus.SUBMITTED


def test_requested_amount_over_the_round_maximum_is_refused(member, organisation):
    round_ = make_round(max_amount_per_project_fen=100_000, budget_rules={})  # 1,000 yuan
    application = start(member, organisation, round_, data=application_data(
        lines=[("物资", M, "1", "1000.01")]))
    with pytest.raises(SubmissionRefused, match="超过本轮单个项目上限"):
        services.submit_application(member, application)


def test_requested_amount_equal_to_the_round_maximum_is_accepted(member, organisation):
    round_ = make_round(max_amount_per_project_fen=100_000, budget_rules={})
    application = start(member, organisation, round_, data=application_data(
        lines=[("物资", M, "3", "333.33"), ("海报", P, "1", "0.01")]))
    services.submit_application(member, application)
    assert application.requested == Decimal("1000.00")


def test_requested_amount_over_the_challenge_cap_per_team_is_refused(member, organisation,
                                                                     open_round):
    challenge = make_challenge(open_round, cap_per_team_fen=150_000)
    application = start(member, organisation, open_round, challenge, data=application_data(
        lines=[("物资", M, "1", "1500.01")]))
    with pytest.raises(SubmissionRefused, match="超过本命题每队上限"):
        services.submit_application(member, application)


def test_a_budget_category_over_its_share_is_refused(member, organisation):
    round_ = make_round(budget_rules={"personnel": 30})
    application = start(member, organisation, round_, data=application_data(
        lines=[("劳务", PER, "1", "300.01"), ("物资", M, "1", "699.99")]))
    with pytest.raises(SubmissionRefused, match="人员费"):
        services.submit_application(member, application)


def test_a_budget_category_exactly_at_its_share_is_accepted(member, organisation):
    round_ = make_round(budget_rules={"personnel": 30})
    application = start(member, organisation, round_, data=application_data(
        lines=[("劳务", PER, "1", "300"), ("物资", M, "1", "700")]))
    services.submit_application(member, application)
    assert application.status == ApplicationStatus.SUBMITTED


def test_a_bid_excluded_by_the_challenges_region_rule_is_refused(member, organisation,
                                                                 open_round):
    challenge = make_challenge(open_round)
    application = start(member, organisation, open_round, challenge)
    challenge.eligible_regions = ["嵊泗县"]
    with pytest.raises(SubmissionRefused, match="嵊泗县"):
        services.submit_application(member, application)


def test_a_bid_excluded_by_the_challenges_type_rule_is_refused(member, organisation,
                                                               open_round):
    challenge = make_challenge(open_round)
    application = start(member, organisation, open_round, challenge)
    challenge.eligible_org_types = [OrganisationType.UNIVERSITY_TEAM.value]
    with pytest.raises(SubmissionRefused, match="高校团队"):
        services.submit_application(member, application)


def test_starting_a_bid_the_challenge_excludes_is_refused(member, organisation, open_round):
    challenge = make_challenge(open_round, eligible_regions=["岱山县"])
    with pytest.raises(NotAllowed, match="岱山县"):
        services.start_application(member, organisation, open_round, challenge)


def test_a_bid_on_a_targeted_pool_challenge_outside_its_regions_is_refused(member,
                                                                           organisation,
                                                                           open_round):
    pool = make_pool(open_round, kind=PoolKind.TARGETED, regions=["岱山县"])
    challenge = make_challenge(open_round, pool=pool)
    with pytest.raises(NotAllowed):
        services.start_application(member, organisation, open_round, challenge)


@pytest.mark.parametrize("field, value, message", [
    ("title", "", "项目名称"),
    ("category", "", "项目类别"),
    ("summary", "", "项目简介"),
    ("objectives", "", "项目目标"),
    ("region", "", "县区"),
    ("start_date", None, "开始日期"),
    ("end_date", None, "结束日期"),
])
def test_missing_required_fields_are_refused(member, organisation, open_round, field, value,
                                             message):
    application = start(member, organisation, open_round,
                        data=application_data(**{field: value}))
    with pytest.raises(SubmissionRefused) as refused:
        services.submit_application(member, application)
    assert message in reasons(refused)
    assert any(p.field == field for p in refused.value.problems)


def test_no_budget_line_is_refused(member, organisation, open_round):
    application = start(member, organisation, open_round, data=application_data(lines=[]))
    with pytest.raises(SubmissionRefused, match="至少填写一行预算明细"):
        services.submit_application(member, application)


def test_dates_out_of_order_are_refused(member, organisation, open_round):
    data = application_data()
    data.start_date, data.end_date = data.end_date, data.start_date
    application = start(member, organisation, open_round, data=data)
    with pytest.raises(SubmissionRefused, match="结束日期不能早于开始日期"):
        services.submit_application(member, application)


def test_every_problem_is_listed_at_once(member, organisation):
    round_ = make_round(max_amount_per_project_fen=100, budget_rules={"personnel": 10})
    application = start(member, organisation, round_, data=application_data(
        title="", summary="", lines=[("劳务", PER, "1", "500")]))
    VERIFICATION.move(member, organisation, OrganisationStatus.PENDING)
    with pytest.raises(SubmissionRefused) as refused:
        services.submit_application(member, application)
    text = reasons(refused)
    for expected in ("尚未通过认证", "项目名称", "项目简介", "单个项目上限", "人员费"):
        assert expected in text
    assert len(refused.value.problems) >= 5


def test_a_non_member_cannot_submit(member, organisation, open_round):
    application = start(member, organisation, open_round)
    with pytest.raises(NotAllowed):
        services.submit_application(make_user(), application)


# ---------------------------------------------------------------- after the deadline


def _past_deadline(application):
    return application.round.deadline_at + timedelta(seconds=1)


def test_nothing_can_be_edited_after_the_deadline(member, organisation, open_round):
    application = start(member, organisation, open_round)
    with pytest.raises(NotAllowed, match="截止"):
        services.save_draft(member, application, application_data(),
                            now=_past_deadline(application))


def test_nothing_can_be_uploaded_after_the_deadline(member, organisation, open_round):
    application = start(member, organisation, open_round)
    with pytest.raises(NotAllowed, match="截止"):
        attachments.add_attachment(member, application, "a.pdf", b"%PDF-1.4 x",
                                now=_past_deadline(application))


def test_withdrawal_after_the_deadline_is_refused(member, organisation, open_round):
    application = start(member, organisation, open_round)
    services.submit_application(member, application)
    with pytest.raises(NotAllowed, match="截止"):
        services.withdraw_application(member, application, now=_past_deadline(application))


# ---------------------------------------------------------------- return and withdraw


def test_organizer_returns_with_a_comment_and_the_group_submits_again(member, organisation,
                                                                      open_round, organizer):
    application = start(member, organisation, open_round)
    services.submit_application(member, application)
    services.return_application(organizer, application, "请补充活动计划")
    assert application.status == ApplicationStatus.RETURNED
    assert application.return_comment == "请补充活动计划"
    services.save_draft(member, application, application_data(title="修改后的项目"))
    services.submit_application(member, application)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.snapshot["proposal"]["title"] == "修改后的项目"


def test_return_needs_a_comment(member, organisation, open_round, organizer):
    application = start(member, organisation, open_round)
    services.submit_application(member, application)
    with pytest.raises(NotAllowed) as refused:
        services.return_application(organizer, application, "  ")
    assert refused.value.field == "comment"


def test_return_after_the_deadline_is_refused(member, organisation, open_round, organizer):
    application = start(member, organisation, open_round)
    services.submit_application(member, application)
    with pytest.raises(NotAllowed, match="截止"):
        services.return_application(organizer, application, "请修改",
                                    now=_past_deadline(application))


def test_members_cannot_return_and_organizers_cannot_withdraw(member, organisation,
                                                              open_round, organizer):
    application = start(member, organisation, open_round)
    services.submit_application(member, application)
    with pytest.raises(NotAllowed):
        services.return_application(member, application, "x")
    with pytest.raises(NotAllowed):
        services.withdraw_application(organizer, application)


def test_an_organizer_cannot_return_their_own_organisations_application(organisation,
                                                                        open_round, member):
    from marketplace.accounts.models import Role, UserRole

    application = start(member, organisation, open_round)
    services.submit_application(member, application)
    member.roles.append(UserRole(role=Role.ORGANIZER))
    with pytest.raises(NotAllowed, match="自己所在组织"):
        services.return_application(member, application, "请修改")


@pytest.mark.parametrize("status", ["draft", "submitted", "returned"])
def test_members_withdraw_before_the_deadline(member, organisation, open_round, status):
    application = make_application(open_round, organisation, status=ApplicationStatus(status))
    services.withdraw_application(member, application)
    assert application.status == ApplicationStatus.WITHDRAWN


def test_a_withdrawn_application_cannot_be_submitted(member, organisation, open_round):
    application = make_application(open_round, organisation, status=ApplicationStatus.WITHDRAWN)
    with pytest.raises(NotAllowed):
        services.submit_application(member, application)


def _entries(action: str) -> int:
    return len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all())


@pytest.mark.parametrize("action, status, template", [
    ("submit", ApplicationStatus.SUBMITTED, "applications/submitted"),
    ("withdraw", ApplicationStatus.WITHDRAWN, "applications/withdrawn"),
    ("return", ApplicationStatus.RETURNED, "applications/returned"),
])
def test_repeating_a_transition_changes_nothing_the_second_time(
        member, organisation, open_round, organizer, action, status, template):
    application = make_application(open_round, organisation, status=ApplicationStatus.SUBMITTED
                                   if action == "return" else ApplicationStatus.DRAFT)

    def once():
        if action == "return":
            services.return_application(organizer, application, "请补充预算说明")
        else:
            getattr(services, f"{action}_application")(member, application)
        db.session.commit()

    once()
    mails = db.session.scalar(select(func.count(OutboxMessage.id)))
    once()  # the double click: the same success, nothing more recorded or sent
    assert db.session.get(Application, application.id).status == status
    assert _entries(f"application.{action}") == 1
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == mails
    assert len(_mails(template)) == 1  # one member, one mail


def test_the_lifecycle_table_lists_the_next_actions(member, organisation, open_round,
                                                    organizer):
    application = make_application(open_round, organisation, status=ApplicationStatus.SUBMITTED)
    assert [t.action for t in APPLICATION.next_actions(member, application, now=utcnow())] == [
        "application.withdraw", "application.take_back"]
    # The organizer's: the return, and the move into review (made for the whole round by
    # start_review, so no page offers it one by one).
    assert [t.action for t in APPLICATION.next_actions(organizer, application, now=utcnow())
            ] == ["application.return", "application.start_review"]


def test_a_move_not_in_the_table_is_refused(member, organisation, open_round, organizer):
    application = make_application(open_round, organisation, status=ApplicationStatus.WITHDRAWN)
    with pytest.raises(NotAllowed):
        APPLICATION.move(member, application, ApplicationStatus.SUBMITTED)
    assert application.status == ApplicationStatus.WITHDRAWN


# ---------------------------------------------------------------- e-mails


def _mails(template):
    return db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == template)).all()


def test_submission_mails_every_member_in_their_language(organisation, open_round, member):
    english = make_user(locale="en")
    from marketplace.organisations.models import MemberRole, Membership

    organisation.memberships.append(Membership(user=english, role=MemberRole.MEMBER))
    db.session.commit()
    application = start(member, organisation, open_round)
    services.submit_application(member, application)
    db.session.commit()
    mails = {m.to_address: m for m in _mails("applications/submitted")}
    assert set(mails) == {member.email, english.email}
    assert "申报书已提交" in mails[member.email].subject
    assert "/applications/" in mails[member.email].body_text
    assert mails[english.email].locale == "en"


def test_return_mail_carries_the_comment(member, organisation, open_round, organizer):
    application = start(member, organisation, open_round)
    services.submit_application(member, application)
    services.return_application(organizer, application, "预算需要细化到每一次活动")
    db.session.commit()
    (mail,) = _mails("applications/returned")
    assert mail.to_address == member.email
    assert "预算需要细化到每一次活动" in mail.body_text


def test_withdrawal_is_mailed(member, organisation, open_round):
    application = start(member, organisation, open_round)
    services.withdraw_application(member, application)
    db.session.commit()
    assert [m.to_address for m in _mails("applications/withdrawn")] == [member.email]
