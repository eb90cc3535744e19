"""A group takes a submitted application back to draft before the deadline (issue 11, point 14),
and starts a new application as a copy of an earlier one."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.applications import policy, services
from marketplace.applications.models import Application, ApplicationStatus, Attachment
from marketplace.applications.proposal import PlanRowData, TeamMemberData
from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.rounds.models import RoundStatus
from tests.factories import (
    application_data,
    make_application,
    make_challenge,
    make_organisation,
    make_round,
    make_user,
)


def _submitted(member, organisation, round_):
    application = services.start_application(member, organisation, round_)
    services.save_draft(member, application, application_data(region=organisation.region))
    services.submit_application(member, application)
    db.session.commit()
    return application


def test_a_group_takes_its_submitted_application_back_to_draft(member, organisation,
                                                              open_round):
    application = _submitted(member, organisation, open_round)
    services.take_back_application(member, application)
    db.session.commit()
    assert application.status == ApplicationStatus.DRAFT
    assert policy.can_edit(member, application)
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "application.take_back"))
    assert entry.before == {"status": "submitted"} and entry.after["status"] == "draft"


def test_taking_back_after_the_deadline_is_refused(member, organisation, open_round):
    application = _submitted(member, organisation, open_round)
    with pytest.raises(NotAllowed, match="截止"):
        services.take_back_application(member, application,
                                       now=open_round.deadline_at + timedelta(seconds=1))
    assert application.status == ApplicationStatus.SUBMITTED


def test_only_the_group_takes_back_and_only_a_submitted_application(member, organisation,
                                                                   open_round, organizer):
    application = _submitted(member, organisation, open_round)
    with pytest.raises(NotAllowed):
        services.take_back_application(organizer, application)
    services.return_application(organizer, application, "请补充")
    db.session.commit()
    with pytest.raises(NotAllowed):  # returned: already editable, nothing to take back
        services.take_back_application(member, application)


def test_a_taken_back_application_is_checked_again_on_resubmission(member, organisation,
                                                                  open_round):
    application = _submitted(member, organisation, open_round)
    services.take_back_application(member, application)
    services.save_draft(member, application, application_data(title="", region="普陀区"))
    db.session.commit()
    with pytest.raises(services.SubmissionRefused, match="项目名称"):
        services.submit_application(member, application)
    db.session.rollback()
    services.save_draft(member, application, application_data(region="普陀区"))
    services.submit_application(member, application)
    db.session.commit()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.snapshot["proposal"]["title"] == "海岛老人陪伴计划"


def test_staff_keep_seeing_a_taken_back_application_as_a_draft(member, organisation,
                                                               open_round, organizer):
    """was_submitted: handed in once is handed in — like a returned one, it stays in the
    organizer's sight (as 草稿) rather than vanishing from lists it was in."""
    application = _submitted(member, organisation, open_round)
    services.take_back_application(member, application)
    db.session.commit()
    assert policy.was_submitted(application)
    assert policy.can_view(organizer, application)
    visible = db.session.scalars(policy.visible_applications(organizer)).all()
    assert application in visible
    never_submitted = make_application(open_round, make_organisation())
    assert not policy.can_view(organizer, never_submitted)


# --- copying ------------------------------------------------------------------------------

def _earlier_application(organisation):
    old_round = make_round(title="2025 创投集市", year=2025, status=RoundStatus.DELIVERY)
    data = application_data(
        region=organisation.region,
        plan_rows=[PlanRowData("3月", "启动培训", "30 人参加")],
        team_members=[TeamMemberData("张三", "队长", "13800138000")])
    return make_application(old_round, organisation, status=ApplicationStatus.AWARDED,
                            data=data, attachments=1, category="关爱帮扶")


def test_a_copy_is_a_new_draft_with_the_proposal_budget_plan_and_team(member, organisation,
                                                                      open_round):
    source = _earlier_application(organisation)
    copy = services.copy_application(member, source, open_round)
    db.session.commit()
    assert copy.id != source.id and copy.round_id == open_round.id
    assert copy.status == ApplicationStatus.DRAFT and copy.submitted_at is None
    assert copy.title == source.title and copy.summary == source.summary
    assert [(b.item, b.quantity, b.unit_price_fen) for b in copy.budget_lines] == [
        (b.item, b.quantity, b.unit_price_fen) for b in source.budget_lines]
    assert copy.requested_fen == source.requested_fen
    assert [(r.period, r.activity) for r in copy.plan_rows] == [("3月", "启动培训")]
    assert [(m.name, m.phone) for m in copy.team_members] == [("张三", "13800138000")]
    assert db.session.scalar(select(func.count(Attachment.id)).where(
        Attachment.application_id == copy.id)) == 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "application.copy"))
    assert entry.object_id == copy.id and entry.after["copied_from"] == source.id


def test_a_copied_bid_becomes_an_open_call_draft_and_keeps_only_a_category_the_round_has(
        member, organisation, open_round):
    old_round = make_round(year=2025, categories=["旧类别"])
    bid = make_application(old_round, organisation, challenge=make_challenge(old_round),
                           status=ApplicationStatus.SUBMITTED, category="旧类别")
    copy = services.copy_application(member, bid, open_round)
    assert copy.challenge_id is None and copy.category == ""


def test_copying_needs_a_round_the_group_may_apply_to(member, organisation):
    source = _earlier_application(organisation)
    closed = make_round(deadline_at=utcnow() - timedelta(minutes=1))
    with pytest.raises(NotAllowed, match="申报期"):
        services.copy_application(member, source, closed)


def test_only_the_groups_members_copy_its_applications(member, organisation, open_round):
    source = _earlier_application(organisation)
    with pytest.raises(NotAllowed):
        services.copy_application(make_user(roles=[Role.ORGANIZER]), source, open_round)


def test_copying_twice_with_one_form_makes_one_copy(member, organisation, open_round):
    source = _earlier_application(organisation)
    token = services.new_start_token()
    first = services.copy_application(member, source, open_round, token=token)
    db.session.commit()
    again = services.copy_application(member, source, open_round, token=token)
    assert again.id == first.id
    assert db.session.scalar(select(func.count(Application.id)).where(
        Application.round_id == open_round.id)) == 1
