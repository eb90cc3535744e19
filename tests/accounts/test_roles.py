"""One role vocabulary (accounts/roles.py): what each role means, that an admin may do
everything an organizer may, and that templates ask through the `roles` helper."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import render_template_string
from flask_login import AnonymousUserMixin, login_user

from marketplace.accounts import roles
from marketplace.accounts.models import Role
from marketplace.applications.models import ApplicationStatus
from marketplace.extensions import db
from tests.factories import (
    make_application,
    make_organisation,
    make_review_round,
    make_user,
)

ROOT = Path(__file__).resolve().parents[2]

PREDICATES = ("is_signed_in", "is_admin", "is_organizer", "is_reviewer", "is_finance",
              "is_staff", "belongs_to_an_organisation")
T, F = True, False
# Each kind of person's answers, in the order of PREDICATES.
VOCABULARY = {
    "nobody (None)":  (F, F, F, F, F, F, F),
    "anonymous":      (F, F, F, F, F, F, F),
    "signed in":      (T, F, F, F, F, F, F),
    "group member":   (T, F, F, F, F, F, T),
    "organizer":      (T, F, T, F, F, T, F),
    "admin":          (T, T, T, F, F, T, F),  # an admin may do everything an organizer may
    "reviewer":       (T, F, F, T, F, F, F),
    "finance":        (T, F, F, F, T, F, F),
}


def _person(kind: str):
    if kind == "nobody (None)":
        return None
    if kind == "anonymous":
        return AnonymousUserMixin()
    role = {"organizer": Role.ORGANIZER, "admin": Role.ADMIN, "reviewer": Role.REVIEWER,
            "finance": Role.FINANCE}.get(kind)
    user = make_user(roles=[role] if role else [])
    if kind == "group member":
        make_organisation(user)
    return user


@pytest.mark.parametrize("kind", list(VOCABULARY))
def test_each_role_means_one_thing_and_is_safe_for_anonymous_users(app, kind):
    person = _person(kind)
    answers = tuple(bool(getattr(roles, name)(person)) for name in PREDICATES)
    assert answers == VOCABULARY[kind]


def test_no_policy_defines_its_own_role_predicate():
    for policy in sorted((ROOT / "marketplace").glob("*/policy.py")):
        source = policy.read_text(encoding="utf-8")
        assert "has_role(" not in source, policy
        assert not re.search(r"^def is_(admin|organizer|reviewer|finance|staff)\b", source,
                             re.MULTILINE), policy


def test_no_template_or_view_tests_roles_itself():
    """Templates ask `roles.organizer`; views ask the policy. Nobody reads the Role enum."""
    sources = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "marketplace").glob("*/views.py")]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert "has_role(" not in text, path
        if path.suffix == ".html":
            assert "Role." not in text, path


# --- an admin may do everything an organizer may ------------------------------------------

def test_an_admin_opens_every_organizer_page(app, login_as):
    """The defect this vocabulary ends: an admin could publish a round, then got 404 on its
    review, its decisions and the history import."""
    round_ = make_review_round()
    application = make_application(round_)
    client = login_as(make_user(roles=[Role.ADMIN]))
    for url in ["/rounds/new", f"/applications/?round_id={round_.id}", "/review/rounds",
                f"/review/rounds/{round_.id}", f"/review/rounds/{round_.id}/ranking",
                f"/review/decisions/{application.id}", f"/review/rounds/{round_.id}/objections",
                "/history/import", "/admin/organisations"]:
        assert client.get(url).status_code == 200, url


def test_an_admin_decides_on_a_project(app, login_as):
    round_ = make_review_round()
    application = make_application(round_, requested="20000")
    client = login_as(make_user(roles=[Role.ADMIN]))
    client.post(f"/review/decisions/{application.id}",
                data={"action": "approve", "amount": "10000.00", "pool_id": round_.pools[0].id})
    db.session.expire_all()
    assert application.status == ApplicationStatus.APPROVED


def test_an_admin_does_not_decide_on_a_project_of_their_own_group(app, login_as):
    admin = make_user(roles=[Role.ADMIN])
    round_ = make_review_round()
    application = make_application(round_, make_organisation(members=[admin]))
    client = login_as(admin)
    url = f"/review/decisions/{application.id}"
    assert client.get(url).status_code == 404
    client.post(url, data={"action": "approve", "amount": "10000.00",
                           "pool_id": round_.pools[0].id})
    db.session.expire_all()
    assert application.status == ApplicationStatus.IN_REVIEW


# --- the template helper --------------------------------------------------------------------

def _render(app, user, source: str) -> str:
    with app.test_request_context("/"):
        if user is not None:
            login_user(user)
        return render_template_string(source)


ALL_ROLES = "{{ roles.admin }} {{ roles.organizer }} {{ roles.reviewer }} {{ roles.finance }} " \
            "{{ roles.member }}"


@pytest.mark.parametrize("kind, expected", [
    ("anonymous", "False False False False False"),
    ("admin", "True True False False False"),
    ("organizer", "False True False False False"),
    ("reviewer", "False False True False False"),
    ("finance", "False False False True False"),
    ("group member", "False False False False True"),
])
def test_templates_ask_roles_through_one_helper(app, kind, expected):
    user = None if kind == "anonymous" else _person(kind)
    assert _render(app, user, ALL_ROLES) == expected


def test_membership_is_looked_up_once_per_request(app, count_queries):
    user = _person("group member")
    with app.test_request_context("/"):
        login_user(user)
        with count_queries() as counter:
            for _ in range(3):  # three templates of one page: the layout, a partial, a macro
                assert render_template_string("{{ roles.member }}{{ roles.member }}") == \
                    "TrueTrue"
        assert counter.count == 1


def test_a_role_change_inside_a_request_is_seen(app):
    """The helper belongs to the user it describes: after a login in the same request the
    page speaks about the new user."""
    organizer = make_user(roles=[Role.ORGANIZER])
    with app.test_request_context("/"):
        assert render_template_string("{{ roles.organizer }}") == "False"
        login_user(organizer)
        assert render_template_string("{{ roles.organizer }}") == "True"

