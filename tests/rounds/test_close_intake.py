"""截止申报 (issue 11, point 4): the organizer closes the call now instead of editing the
deadline and waiting; 开始评审 says plainly what is missing before that."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.applications import policy as application_policy
from marketplace.applications.models import ApplicationStatus
from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.review import assigning
from marketplace.rounds import services
from marketplace.rounds.models import RoundStatus
from tests.factories import make_application, make_round, make_user
from tests.rounds.helpers import organizer


def test_closing_intake_makes_the_deadline_now_and_is_audited(app):
    staff = organizer()
    round_ = make_round()
    planned = round_.deadline_at
    now = utcnow().replace(microsecond=0)
    closed_at = services.close_intake(staff, round_, now=now)
    db.session.commit()
    assert closed_at == now and round_.deadline_at == now
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "round.close_intake")).one()
    assert entry.actor_id == staff.id and entry.object_id == round_.id
    assert entry.before["deadline_at"].startswith(planned.isoformat()[:16])


def test_after_closing_review_starts_at_once_and_nothing_more_is_submitted(app):
    staff = organizer()
    round_ = make_round()
    submitted = make_application(round_, status=ApplicationStatus.SUBMITTED)
    draft = make_application(round_)
    with pytest.raises(NotAllowed, match="截止申报"):
        assigning.start_review(staff, round_)
    db.session.rollback()
    services.close_intake(staff, round_)
    db.session.commit()
    later = utcnow() + timedelta(seconds=1)
    assert not application_policy.before_deadline(round_, later)
    assert not application_policy.can_edit(draft.organisation.memberships[0].user, draft, later)
    assert assigning.start_review(staff, round_, now=utcnow() + timedelta(seconds=1)) == 1
    db.session.commit()
    assert round_.status == RoundStatus.REVIEWING
    assert submitted.status == ApplicationStatus.IN_REVIEW


def test_the_start_refusal_names_the_deadline_in_beijing_time(app):
    round_ = make_round()
    with pytest.raises(NotAllowed) as refusal:
        assigning.start_review(organizer(), round_)
    assert "北京时间" in str(refusal.value.reason) and "UTC" not in str(refusal.value.reason)


def test_a_closed_call_cannot_be_closed_again_and_only_staff_close(app):
    round_ = make_round()
    with pytest.raises(NotAllowed):
        services.close_intake(make_user(), round_)
    with pytest.raises(NotAllowed):
        services.close_intake(make_user(roles=[Role.REVIEWER]), round_)
    services.close_intake(organizer(), round_)
    db.session.commit()
    with pytest.raises(NotAllowed, match="已于"):
        services.close_intake(organizer(), round_)
    draft_round = make_round(status=RoundStatus.DRAFT)
    with pytest.raises(NotAllowed, match="征集中"):
        services.close_intake(organizer(), draft_round)


def test_the_manage_page_offers_close_intake_only_while_the_call_runs(app, login_as):
    round_ = make_round()
    client = login_as(organizer())
    page = client.get(f"/review/rounds/{round_.id}").get_data(as_text=True)
    assert 'data-testid="close-intake"' in page and "data-confirm=" in page
    response = client.post(f"/review/rounds/{round_.id}/close-intake", follow_redirects=True)
    assert "已截止申报" in response.get_data(as_text=True)
    db.session.refresh(round_)
    assert round_.deadline_at <= utcnow()
    page = client.get(f"/review/rounds/{round_.id}").get_data(as_text=True)
    assert 'data-testid="close-intake"' not in page


def test_a_group_member_cannot_close_intake(app, login_as):
    round_ = make_round()
    deadline = round_.deadline_at
    client = login_as(make_user())
    assert client.post(f"/review/rounds/{round_.id}/close-intake").status_code == 404
    db.session.refresh(round_)
    assert round_.deadline_at == deadline
