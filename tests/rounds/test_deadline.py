"""延长申报截止时间: moving the deadline of an open round later is its own audited action with
a reason, mailed to the groups still working on a proposal; the ordinary edit leaves a
deadline that has passed alone (a future one it may still move)."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.applications import policy as application_policy
from marketplace.applications.models import ApplicationStatus as S
from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.core.timeutil import to_local, utcnow
from marketplace.extensions import db
from marketplace.notify.models import OutboxMessage
from marketplace.rounds import policy, services
from marketplace.rounds.models import Round, RoundStatus
from tests.factories import make_application, make_organisation, make_round, make_user
from tests.rounds.helpers import organizer, round_data
from tests.rounds.test_views import _round_form


def _closed_round(**overrides) -> Round:
    """Open, its deadline passed an hour ago, review ending in two weeks."""
    now = utcnow().replace(microsecond=0)
    fields = dict(opens_at=now - timedelta(days=20), deadline_at=now - timedelta(hours=1),
                  review_ends_at=now + timedelta(days=14))
    fields.update(overrides)
    return make_round(**fields)


def _mails() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "rounds/deadline_extended").order_by(OutboxMessage.id)))


def _local(value) -> str:
    return to_local(value).strftime("%Y-%m-%dT%H:%M")


# --- the service ------------------------------------------------------------------------------

def test_extending_a_passed_deadline_reopens_the_call_audits_and_tells_unfinished_groups(app):
    round_ = _closed_round()
    people = {name: make_user(name=name) for name in ("草稿", "退回", "已提交", "已撤回")}
    orgs = {name: make_organisation(user) for name, user in people.items()}
    draft = make_application(round_, orgs["草稿"])
    make_application(round_, orgs["草稿"])  # two drafts, one mail
    make_application(round_, orgs["退回"], status=S.RETURNED)
    make_application(round_, orgs["已提交"], status=S.SUBMITTED)
    make_application(round_, orgs["已撤回"], status=S.WITHDRAWN)
    assert not application_policy.can_edit(people["草稿"], draft)
    before = round_.deadline_at
    new = utcnow().replace(microsecond=0) + timedelta(days=3)

    told = services.extend_deadline(organizer(), round_, new, "台风停课，延长三天。")
    db.session.commit()

    assert told == 2
    assert db.session.get(Round, round_.id).deadline_at == new
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "round.extend_deadline"))
    assert entry.before == {"deadline_at": before.isoformat()}
    assert entry.after == {"deadline_at": new.isoformat(), "reason": "台风停课，延长三天。",
                           "organisations": 2}
    mails = _mails()
    assert sorted(m.to_address for m in mails) == sorted(
        people[n].email for n in ("草稿", "退回"))
    assert "台风停课，延长三天。" in mails[0].body_text and round_.title in mails[0].subject
    assert application_policy.can_edit(people["草稿"], draft)


@pytest.mark.parametrize("change, field", [
    (dict(reason="  "), "reason"),
    (dict(deadline_at=None), "deadline_at"),
    (dict(deadline_at="earlier"), "deadline_at"),   # not later than the current deadline
    (dict(deadline_at="past"), "deadline_at"),      # later, but still passed
    (dict(deadline_at="review"), "deadline_at"),    # not before the end of review
])
def test_an_extension_needs_a_reason_and_a_new_deadline_between_now_and_review(app, change,
                                                                              field):
    round_ = _closed_round(deadline_at=utcnow().replace(microsecond=0) - timedelta(days=2))
    args = {"deadline_at": utcnow() + timedelta(days=1), "reason": "延长"}
    args.update(change)
    args["deadline_at"] = {
        "earlier": round_.deadline_at - timedelta(hours=1),
        "past": round_.deadline_at + timedelta(days=1),
        "review": round_.review_ends_at,
    }.get(args["deadline_at"], args["deadline_at"])
    before = round_.deadline_at
    with pytest.raises(NotAllowed) as refusal:
        services.extend_deadline(organizer(), round_, args["deadline_at"], args["reason"])
    assert refusal.value.field == field
    db.session.rollback()
    assert db.session.get(Round, round_.id).deadline_at == before
    assert not _mails()


@pytest.mark.parametrize("who, status, allowed", [
    ("organizer", RoundStatus.OPEN, True),
    ("admin", RoundStatus.OPEN, True),
    ("member", RoundStatus.OPEN, False),
    ("organizer", RoundStatus.DRAFT, False),
    ("organizer", RoundStatus.REVIEWING, False),
    ("organizer", RoundStatus.CLOSED, False),
])
def test_only_staff_extend_and_only_an_open_round(app, who, status, allowed):
    user = make_user(roles={"organizer": [Role.ORGANIZER], "admin": [Role.ADMIN]}.get(who, []))
    decision = policy.can_extend_deadline(user, _closed_round(status=status))
    assert bool(decision) is allowed
    assert allowed or decision.reason


def test_the_ordinary_edit_refuses_to_move_a_deadline_that_has_passed(app):
    staff = organizer()
    passed = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=5)
    round_ = _closed_round(deadline_at=passed)
    with pytest.raises(NotAllowed, match="延长申报截止时间") as refusal:
        services.update_round(staff, round_, round_data(
            opens_at=round_.opens_at, deadline_at=passed + timedelta(days=2)))
    assert refusal.value.field == "deadline_at"
    db.session.rollback()
    assert db.session.get(Round, round_.id).deadline_at == passed


def test_the_ordinary_edit_may_still_move_a_future_deadline(app):
    staff = organizer()
    round_ = make_round()
    later = round_.deadline_at + timedelta(days=2)
    services.update_round(staff, round_, round_data(opens_at=round_.opens_at, deadline_at=later))
    db.session.commit()
    assert db.session.get(Round, round_.id).deadline_at == later


def test_editing_other_settings_after_the_deadline_keeps_it_to_the_second(app):
    """The form shows the deadline to the minute; typed back unchanged it is no move."""
    staff = organizer()
    round_ = _closed_round()
    round_.deadline_at = round_.deadline_at.replace(second=59)
    db.session.commit()
    shown = round_.deadline_at.replace(second=0)
    data = replace(round_data(opens_at=round_.opens_at, deadline_at=shown,
                              review_ends_at=round_.review_ends_at), title="改过的标题")
    services.update_round(staff, round_, data)
    db.session.commit()
    stored = db.session.get(Round, round_.id)
    assert stored.title == "改过的标题" and stored.deadline_at.second == 59


# --- the pages --------------------------------------------------------------------------------

def test_organizer_extends_the_deadline_from_the_round_page(app, login_as):
    round_ = _closed_round()
    member = make_user()
    make_application(round_, make_organisation(member))
    client = login_as(organizer())
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert f'href="/rounds/{round_.id}/extend-deadline"' in page
    new = utcnow() + timedelta(days=3)
    response = client.post(f"/rounds/{round_.id}/extend-deadline",
                           data={"deadline_at": _local(new), "reason": "台风停课"})
    assert response.status_code == 302
    assert "已通知 1 个组织" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _local(db.session.get(Round, round_.id).deadline_at) == _local(new)
    assert [m.to_address for m in _mails()] == [member.email]


def test_an_extension_refused_shows_the_reason_next_to_the_field_and_keeps_typing(app,
                                                                                 login_as):
    round_ = _closed_round()
    client = login_as(organizer())
    html = client.post(f"/rounds/{round_.id}/extend-deadline", data={
        "deadline_at": _local(round_.review_ends_at + timedelta(days=1)),
        "reason": "留着的理由"}).get_data(as_text=True)
    assert "新的截止时间应早于评审结束时间" in html and "留着的理由" in html


def test_the_extension_page_is_404_for_others_and_for_rounds_in_review(app, login_as):
    round_ = _closed_round()
    reviewing = _closed_round(status=RoundStatus.REVIEWING)
    user = make_user()
    assert login_as(user).get(f"/rounds/{round_.id}/extend-deadline").status_code == 404
    assert login_as(user).post(f"/rounds/{round_.id}/extend-deadline",
                               data={"reason": "x"}).status_code == 404
    client = login_as(organizer())
    assert client.get(f"/rounds/{reviewing.id}/extend-deadline").status_code == 404


def test_the_edit_form_shows_the_refusal_next_to_the_deadline(app, login_as):
    staff = organizer()
    round_ = _closed_round()
    client = login_as(staff)
    response = client.post(f"/rounds/{round_.id}/edit", data=_round_form(
        title="留着的标题", total_budget="1000000", opens_at=_local(round_.opens_at),
        deadline_at=_local(round_.deadline_at + timedelta(days=2)),
        review_ends_at=_local(round_.review_ends_at)))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    deadline = html.split('id="deadline_at"')[1].split("</div>")[0]
    assert "如需延长，请使用“延长申报截止时间”" in deadline
    assert 'value="留着的标题"' in html


def test_the_extension_mail_speaks_the_members_language(app):
    round_ = _closed_round()
    english = make_user(locale="en")
    make_application(round_, make_organisation(english), status=S.RETURNED)
    services.extend_deadline(organizer(), round_, utcnow() + timedelta(days=2), "Typhoon")
    db.session.commit()
    [mail] = _mails()
    assert mail.subject.startswith("Application deadline extended")
    assert "Typhoon" in mail.body_text and "Beijing time" in mail.body_text
