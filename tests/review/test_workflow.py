"""Bulk moves of review go through the lifecycle tables one object at a time: starting review
and finalising (立项) leave one audit entry per application and award they move."""
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.applications.models import ApplicationStatus
from marketplace.audit.models import AuditEntry
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.review import assigning, decisions
from marketplace.review import publicity as review_publicity
from tests.factories import (
    make_application,
    make_organisation,
    make_organizer,
    make_review_round,
    make_round,
)


def _entries(action: str) -> list[tuple]:
    return [(e.object_type, e.object_id, e.before, e.after, e.actor_id) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))]


def test_start_review_writes_one_audit_entry_per_application(app):
    organizer = make_organizer()
    now = utcnow()
    round_ = make_round(opens_at=now - timedelta(days=20), deadline_at=now - timedelta(days=1))
    submitted = [make_application(round_, status=ApplicationStatus.SUBMITTED) for _ in range(3)]
    make_application(round_, status=ApplicationStatus.RETURNED)  # not handed in again: stays
    make_application(round_)  # a draft: stays the group's
    assert assigning.start_review(organizer, round_, now=now) == 3
    db.session.commit()
    assert _entries("application.start_review") == [
        ("application", a.id, {"status": "submitted"}, {"status": "in_review"}, organizer.id)
        for a in submitted]
    assert _entries("round.start_review") == [
        ("round", round_.id, {"status": "open"}, {"status": "reviewing", "applications": 3},
         organizer.id)]


def test_finalise_writes_one_audit_entry_per_award_and_application(app):
    organizer = make_organizer()
    round_ = make_review_round(publicity_days=7)
    approved = [make_application(round_, requested="10000") for _ in range(2)]
    waiting = make_application(round_, requested="20000")
    awards = [decisions.approve_application(organizer, a, Decimal("10000")) for a in approved]
    decisions.waitlist_application(organizer, waiting, "候补第一")
    publicity = review_publicity.publish_publicity(organizer, round_)
    db.session.commit()
    after = publicity.ends_at + timedelta(minutes=1)
    assert review_publicity.finalise_round(organizer, round_, now=after) == 2
    db.session.commit()
    assert _entries("award.award") == [
        ("award", award.id, {"status": "approved"},
         {"status": "awarded", "awarded_at": after.isoformat()}, organizer.id)
        for award in awards]
    assert _entries("application.award") == [
        ("application", a.id, {"status": "approved"}, {"status": "awarded"}, organizer.id)
        for a in approved]
    # The waiting list closes with the 公示: one rejection each, marked as the round's doing.
    assert [entry for entry in _entries("application.reject") if entry[1] == waiting.id] == [
        ("application", waiting.id, {"status": "waitlisted"},
         {"status": "rejected", "round_finalised": True}, organizer.id)]
    assert [entry[1] for entry in _entries("round.finalise")] == [round_.id]


def test_finalising_closes_a_waitlisted_project_of_the_organizers_own_group(app):
    """The organizer may not decide on their own group's project one by one, but the end of
    the 公示 closes the waiting list as a whole (the approvals it lists are not theirs)."""
    organizer, colleague = make_organizer(), make_organizer()
    round_ = make_review_round(publicity_days=7)
    approved = make_application(round_, requested="10000")
    own = make_application(round_, make_organisation(owner=organizer), requested="10000")
    decisions.approve_application(colleague, approved, Decimal("10000"))
    decisions.waitlist_application(colleague, own, "候补")
    publicity = review_publicity.publish_publicity(organizer, round_)
    review_publicity.finalise_round(organizer, round_, now=publicity.ends_at + timedelta(minutes=1))
    db.session.commit()
    assert own.status == ApplicationStatus.REJECTED
    assert approved.status == ApplicationStatus.AWARDED
