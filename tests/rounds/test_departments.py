"""Partner departments (命题方): who may draft, see and publish; the department on the public
pages; the contact's page of bids and results; the pages refuse everyone else with 404."""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.accounts.roles import is_department_contact
from marketplace.applications.models import ApplicationStatus
from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.rounds import departments, policy
from marketplace.rounds.models import (
    Challenge,
    ChallengeDraft,
    ChallengeDraftStatus,
    Pool,
    RoundStatus,
)
from tests.factories import (
    make_application,
    make_challenge,
    make_organisation,
    make_round,
    make_user,
)
from tests.rounds.helpers import organizer

S = RoundStatus


def _department(name="市公安局交警支队", contact=None):
    staff = organizer()
    department = departments.create_department(staff, name)
    if contact is not None:
        departments.add_contact(staff, department, contact.email)
    db.session.commit()
    return department


def _draft(department, contact, round_, title="文明交通场站"):
    draft = departments.create_draft(contact, departments.DraftData(
        department_id=department.id, round_id=round_.id, title=title,
        cap_per_team=Decimal("30000"), slots=2, background="场站文明乘车引导"))
    db.session.commit()
    return draft


def _person(kind, contact, other_contact):
    return {"anonymous": AnonymousUserMixin(), "contact": contact, "other": other_contact,
            "organizer": make_user(roles=[Role.ORGANIZER]),
            "admin": make_user(roles=[Role.ADMIN]),
            "reviewer": make_user(roles=[Role.REVIEWER]), "member": make_user()}[kind]


@pytest.mark.parametrize("person,view,edit,publish,manage", [
    ("anonymous", False, False, False, False),
    ("member", False, False, False, False),
    ("reviewer", False, False, False, False),
    ("other", False, False, False, False),     # another department's contact
    ("contact", True, True, False, False),     # own draft: edit, never publish
    ("organizer", True, False, True, True),
    ("admin", True, False, True, True),
])
def test_department_policy_table(app, person, view, edit, publish, manage):
    contact, other_contact = make_user(), make_user()
    department = _department(contact=contact)
    _department("市城管局", contact=other_contact)
    draft = _draft(department, contact, make_round(status=S.OPEN))
    user = _person(person, contact, other_contact)
    assert bool(policy.can_view_draft(user, draft)) is view
    assert bool(policy.can_view_department(user, department)) is view
    assert bool(policy.can_edit_draft(user, draft)) is edit
    assert bool(policy.can_publish_draft(user, draft)) is publish
    assert bool(policy.can_manage_departments(user)) is manage
    assert bool(policy.can_draft_challenge(user, department, draft.round)) is (person == "contact")


def test_a_contact_holds_the_department_role(app):
    contact = make_user()
    assert not is_department_contact(contact)
    _department(contact=contact)
    assert is_department_contact(contact)
    assert not is_department_contact(AnonymousUserMixin())


@pytest.mark.parametrize("status,allowed", [
    (S.DRAFT, True), (S.OPEN, True), (S.REVIEWING, False), (S.CLOSED, False)])
def test_drafting_only_while_the_round_takes_challenges(app, status, allowed):
    contact = make_user()
    department = _department(contact=contact)
    assert bool(policy.can_draft_challenge(contact, department, make_round(status=status))) \
        is allowed


def test_a_contact_cannot_draft_for_another_department(app):
    contact = make_user()
    _department(contact=contact)
    other = _department("市城管局")
    with pytest.raises(NotAllowed):
        departments.create_draft(contact, departments.DraftData(
            department_id=other.id, round_id=make_round(status=S.OPEN).id, title="x",
            cap_per_team=Decimal("1000")))


def test_publishing_makes_a_challenge_naming_the_department(app):
    contact = make_user()
    department = _department(contact=contact)
    round_ = make_round(status=S.OPEN)
    draft = _draft(department, contact, round_)
    with pytest.raises(NotAllowed):
        departments.publish_draft(contact, draft)   # only organizers publish
    db.session.rollback()
    staff = organizer()
    challenge = departments.publish_draft(staff, draft)
    db.session.commit()
    assert challenge.department_id == department.id
    assert challenge.published_at is not None        # the round is open
    assert challenge.pool.amount == Decimal("60000.00")
    assert draft.status == ChallengeDraftStatus.PUBLISHED and draft.challenge_id == challenge.id
    assert not policy.can_edit_draft(contact, draft)
    with pytest.raises(NotAllowed):
        departments.publish_draft(staff, draft)
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"department.create", "department.add_contact", "challenge_draft.create",
            "challenge_draft.publish", "challenge.create"} <= actions
    # A challenge published from a draft is not deleted from under the department.
    assert departments.challenges.challenge_in_use(challenge) is not None


def test_contacts_are_added_by_the_email_of_an_existing_account(app):
    department = _department()
    staff = organizer()
    with pytest.raises(NotAllowed) as refused:
        departments.add_contact(staff, department, "nobody@example.org")
    assert refused.value.field == "email"
    person = make_user(email="he@example.org")
    departments.add_contact(staff, department, " HE@example.org ")
    db.session.commit()
    assert [c.user_id for c in department.contacts] == [person.id]
    with pytest.raises(NotAllowed):
        departments.add_contact(staff, department, "he@example.org")
    with pytest.raises(NotAllowed):
        departments.add_contact(make_user(), department, "he@example.org")


def test_the_public_pages_show_the_department(app, client):
    department = _department()
    round_ = make_round(status=S.OPEN)
    challenge = make_challenge(round_, department_id=department.id)
    page = client.get(f"/rounds/challenges/{challenge.id}").get_data(as_text=True)
    assert "市公安局交警支队" in page and 'data-testid="challenge-department"' in page
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "市公安局交警支队" in page


def test_pages_refuse_everyone_but_contacts_and_organizers(app, client, login_as):
    contact, other_contact = make_user(), make_user()
    department = _department(contact=contact)
    _department("市城管局", contact=other_contact)
    draft = _draft(department, contact, make_round(status=S.OPEN))
    pages = [f"/rounds/departments/{department.id}", f"/rounds/drafts/{draft.id}",
             f"/rounds/drafts/{draft.id}/edit"]
    for user in (other_contact, make_user(), make_user(roles=[Role.REVIEWER])):
        login_as(user)
        for url in pages + ["/rounds/departments"]:
            assert client.get(url).status_code == 404, url
        assert client.post(f"/rounds/drafts/{draft.id}/publish").status_code in (400, 404)
    login_as(contact)
    for url in pages:
        assert client.get(url).status_code == 200, url
    assert client.get("/rounds/departments").status_code == 404
    assert client.get("/rounds/departments/mine").status_code == 302
    assert client.get("/rounds/drafts/new").status_code == 200
    # The contact cannot publish (no organizer role): the draft stays a draft.
    client.post(f"/rounds/drafts/{draft.id}/publish")
    db.session.expire_all()
    assert db.session.get(ChallengeDraft, draft.id).status == ChallengeDraftStatus.DRAFT


def test_a_contact_drafts_and_an_organizer_publishes_through_the_pages(app, client, login_as):
    contact = make_user()
    department = _department(contact=contact)
    round_ = make_round(status=S.OPEN)
    login_as(contact)
    bad = client.post("/rounds/drafts/new", data={
        "department_id": str(department.id), "round_id": str(round_.id),
        "title": "文明交通场站", "cap_per_team": "", "slots": "2"})
    assert bad.status_code == 422
    assert "文明交通场站" in bad.get_data(as_text=True)  # what was typed stays
    response = client.post("/rounds/drafts/new", data={
        "department_id": str(department.id), "round_id": str(round_.id),
        "title": "文明交通场站", "cap_per_team": "30,000", "slots": "2"})
    assert response.status_code == 302
    draft = db.session.scalar(select(ChallengeDraft))
    assert draft.title == "文明交通场站" and draft.cap_per_team == Decimal("30000.00")
    pools_before = db.session.scalar(select(func.count(Pool.id)))
    login_as(organizer())
    page = client.get(f"/rounds/drafts/{draft.id}").get_data(as_text=True)
    assert "data-confirm" in page
    response = client.post(f"/rounds/drafts/{draft.id}/publish")
    assert response.status_code == 302
    challenge = db.session.scalar(select(Challenge).where(Challenge.title == "文明交通场站"))
    assert challenge.department_id == department.id
    assert db.session.scalar(select(func.count(Pool.id))) == pools_before + 1


def test_the_department_page_counts_bids_and_shows_awards_after_publicity(app, client,
                                                                          login_as):
    contact = make_user()
    department = _department(contact=contact)
    round_ = make_round(status=S.REVIEWING)
    challenge = make_challenge(round_, department_id=department.id)
    other = make_challenge(round_)
    make_application(round_, make_organisation(), challenge=challenge,
                     status=ApplicationStatus.IN_REVIEW)
    make_application(round_, make_organisation(), challenge=other,
                     status=ApplicationStatus.IN_REVIEW)
    results = departments.challenge_results([challenge])
    assert results[challenge.id].bids == 1
    assert results[challenge.id].awards is None      # before 公示 nothing is shown
    login_as(contact)
    page = client.get(f"/rounds/departments/{department.id}").get_data(as_text=True)
    assert challenge.title in page and other.title not in page


def test_the_department_page_asks_a_bounded_number_of_statements(app, client, login_as,
                                                                 count_queries):
    contact = make_user()
    department = _department(contact=contact)
    round_ = make_round(status=S.OPEN)
    login_as(contact)
    for _ in range(3):
        make_challenge(round_, department_id=department.id)
    client.get(f"/rounds/departments/{department.id}")
    with count_queries() as few:
        client.get(f"/rounds/departments/{department.id}")
    for _ in range(5):
        make_challenge(round_, department_id=department.id)
        _draft(department, contact, round_, title="草稿")
    with count_queries() as many:
        client.get(f"/rounds/departments/{department.id}")
    assert many.count <= few.count + 3
