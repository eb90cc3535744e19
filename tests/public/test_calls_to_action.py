"""Staff see no applicant calls to action that would end in a refusal, and the group pages
leave their navigation unless they also belong to a group (issue 11, point 8)."""
from __future__ import annotations

import pytest

from marketplace.accounts.models import Role
from tests.factories import make_challenge, make_organisation, make_round, make_user

CALLS = ('data-testid="apply-open-call"', 'data-testid="bid"', "登记我的志愿服务组织")
GROUP_NAV = ('href="/applications/mine"', 'href="/organisations/"')


def _pages(client, round_, challenge) -> str:
    return "".join(client.get(path).get_data(as_text=True) for path in (
        f"/rounds/{round_.id}", f"/rounds/challenges/{challenge.id}", "/"))


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.ADMIN, Role.REVIEWER, Role.FINANCE])
def test_staff_outside_any_group_see_no_applicant_calls_to_action(app, login_as, role):
    round_ = make_round()
    challenge = make_challenge(round_)
    html = _pages(login_as(make_user(roles=[role])), round_, challenge)
    for call in CALLS + GROUP_NAV:
        assert call not in html, call


def test_staff_who_belong_to_a_group_see_the_group_side(app, login_as):
    round_ = make_round()
    challenge = make_challenge(round_)
    organizer = make_user(roles=[Role.ORGANIZER])
    make_organisation(organizer)
    html = _pages(login_as(organizer), round_, challenge)
    for call in CALLS[:2] + GROUP_NAV:
        assert call in html, call


def test_a_person_without_a_group_is_invited_to_register_one(app, login_as):
    round_ = make_round()
    challenge = make_challenge(round_)
    html = _pages(login_as(make_user()), round_, challenge)
    for call in CALLS + GROUP_NAV:
        assert call in html, call


def test_visitors_see_the_calls_to_action(app, client):
    round_ = make_round()
    challenge = make_challenge(round_)
    html = _pages(client, round_, challenge)
    for call in CALLS[:2]:
        assert call in html, call
    for link in GROUP_NAV:
        assert link not in html
