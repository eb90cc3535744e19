"""Concurrent requests, with real threads: the round's limit of applications per
organisation holds when members submit at once (a row lock on the organisation); a double
click starts one draft, submits, withdraws or returns once, saves one set of rows (a row
lock on the application on PostgreSQL; SQLite's write lock)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.applications import attachments, services
from marketplace.applications.models import (
    Application,
    ApplicationStatus,
    Attachment,
    BudgetLine,
)
from marketplace.audit.models import AuditEntry
from marketplace.extensions import db
from marketplace.notify.models import OutboxMessage
from tests.concurrency import race
from tests.factories import application_data, make_application, make_round

N = 4
FORM = {"title": "海岛老人陪伴计划", "category": "关爱帮扶", "region": "普陀区",
        "budget-0-item": "慰问品", "budget-0-category": "materials",
        "budget-0-quantity": "3", "budget-0-unit_price": "33.33", "action": "save"}


def _client(app, user_or_token):
    """A signed-in client of its own, as each browser tab would be."""
    client = app.test_client()
    token = getattr(user_or_token, "session_token", user_or_token)
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return client


def test_parallel_submissions_never_exceed_the_limit_per_organisation(app, member,
                                                                     organisation):
    round_ = make_round(max_applications_per_org=1)
    ids = [make_application(round_, organisation).id for _ in range(N)]
    member_id = member.id
    db.session.remove()

    def submit(i: int, start) -> None:
        application = db.session.get(Application, ids[i])
        user = db.session.get(User, member_id)
        _ = application.round, application.organisation.memberships
        start()
        services.submit_application(user, application)

    results = race(app, N, submit)

    assert results == ["ok"] + ["refused"] * (N - 1), results
    submitted = db.session.scalar(select(func.count(Application.id)).where(
        Application.status == ApplicationStatus.SUBMITTED))
    assert submitted == 1


# ---------------------------------------------------------------- double clicks


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _audits(action: str) -> int:
    return _count(AuditEntry, AuditEntry.action == action)


def test_two_identical_first_saves_make_one_draft(app, member, organisation):
    """A double click on 保存草稿 in the new-application form: both requests carry the form's
    token; the second opens the draft the first made."""
    round_ = make_round()
    url = f"/applications/new?round_id={round_.id}"
    page = _client(app, member).get(url).get_data(as_text=True)
    token = page.split('name="start_token" type="hidden" value="')[1].split('"')[0]
    data = {**FORM, "start_token": token}
    token_of = member.session_token
    db.session.remove()

    def first_save(i: int, start) -> None:
        client = _client(app, token_of)
        start()
        response = client.post(url, data=data)
        assert response.status_code == 302, response.status_code

    results = race(app, N, first_save)

    assert results == ["ok"] * N, results
    assert _count(Application) == 1
    assert _audits("application.create") == 1
    application = db.session.scalar(select(Application))
    assert [line.item for line in application.budget_lines] == ["慰问品"]


@pytest.mark.parametrize("action", ["submit", "withdraw", "return"])
def test_a_double_clicked_transition_records_and_mails_once(app, member, organisation,
                                                            organizer, action):
    round_ = make_round()
    status = ApplicationStatus.DRAFT if action == "submit" else ApplicationStatus.SUBMITTED
    application_id = make_application(round_, organisation, status=status).id
    actor_id = (organizer if action == "return" else member).id
    mails = _count(OutboxMessage)  # the factory's submission mailed too, as in life
    db.session.remove()

    def click(i: int, start) -> None:
        application = db.session.get(Application, application_id)
        actor = db.session.get(User, actor_id)
        _ = (application.round, application.organisation.memberships, application.budget_lines,
             application.plan_rows, application.team_members, application.attachments,
             application.challenge, actor.roles)
        start()
        if action == "return":
            services.return_application(actor, application, "请补充预算说明")
        else:
            getattr(services, f"{action}_application")(actor, application)

    results = race(app, N, click)

    assert results == ["ok"] * N, results
    assert _audits(f"application.{action}") == 1
    assert _count(OutboxMessage) == mails + 1  # one member, one mail


def test_two_saves_at_once_leave_one_set_of_rows(app, member, organisation):
    round_ = make_round()
    application_id = make_application(round_, organisation).id
    member_id = member.id
    db.session.remove()

    def save(i: int, start) -> None:
        application = db.session.get(Application, application_id)
        user = db.session.get(User, member_id)
        _ = (application.round, application.organisation.memberships,
             application.budget_lines, application.plan_rows, application.team_members)
        start()
        services.save_draft(user, application, application_data())

    results = race(app, N, save)

    assert results == ["ok"] * N, results
    assert _count(BudgetLine) == len(application_data().budget_lines)


def test_a_double_clicked_attachment_delete_deletes_once(app, member, organisation):
    round_ = make_round()
    application = make_application(round_, organisation)
    attachment_id = attachments.add_attachment(member, application, "a.pdf", b"%PDF-1.4\n").id
    db.session.commit()
    member_id = member.id
    db.session.remove()

    def delete(i: int, start) -> None:
        attachment = db.session.get(Attachment, attachment_id)
        user = db.session.get(User, member_id)
        _ = attachment.application.round, attachment.application.organisation.memberships
        start()
        attachments.delete_attachment(user, attachment)

    results = race(app, N, delete)

    assert results == ["ok"] * N, results
    assert _count(Attachment) == 0
    assert _audits("application.detach") == 1


def test_an_attachment_cannot_slip_in_while_the_application_is_submitted(app, member,
                                                                        organisation):
    round_ = make_round()
    application_id = make_application(round_, organisation).id
    member_id = member.id
    db.session.remove()

    def attempt(i: int, start) -> None:
        application = db.session.get(Application, application_id)
        user = db.session.get(User, member_id)
        _ = (application.round, application.organisation.memberships, application.budget_lines,
             application.plan_rows, application.team_members, application.attachments,
             application.challenge)
        start()
        if i == 0:
            services.submit_application(user, application)
        else:
            attachments.add_attachment(user, application, "late.pdf", b"%PDF-1.4\n")

    race(app, 2, attempt)

    application = db.session.get(Application, application_id)
    assert application.status == ApplicationStatus.SUBMITTED
    # Attached before the submission (then in its snapshot) or refused after it.
    names = [a["name"] for a in application.snapshot["proposal"]["attachments"]]
    assert [a.original_name for a in application.attachments] == names
