"""Who may do what with a round: one table, one row per (person, round state)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.accounts.models import Role
from marketplace.core.timeutil import utcnow
from marketplace.rounds import policy
from marketplace.rounds.models import RoundStatus
from marketplace.rounds.services import open_rounds
from tests.factories import make_challenge, make_organisation, make_round, make_user

S = RoundStatus


def _person(kind: str):
    if kind == "anonymous":
        from flask_login import AnonymousUserMixin

        return AnonymousUserMixin()
    roles = {"organizer": [Role.ORGANIZER], "admin": [Role.ADMIN], "reviewer": [Role.REVIEWER],
             "finance": [Role.FINANCE], "member": []}[kind]
    return make_user(roles=roles)


@pytest.mark.parametrize("person,status,view,edit,publish", [
    ("anonymous", S.DRAFT, False, False, False),
    ("anonymous", S.OPEN, True, False, False),
    ("member", S.DRAFT, False, False, False),
    ("member", S.OPEN, True, False, False),
    ("reviewer", S.DRAFT, False, False, False),
    ("finance", S.CLOSED, True, False, False),
    ("organizer", S.DRAFT, True, True, True),
    ("organizer", S.OPEN, True, True, False),
    ("organizer", S.REVIEWING, True, False, False),
    ("organizer", S.CLOSED, True, False, False),
    ("admin", S.DRAFT, True, True, True),
])
def test_round_policy_table(app, person, status, view, edit, publish):
    user = _person(person)
    round_ = make_round(status=status)
    assert bool(policy.can_view_round(user, round_)) is view
    assert bool(policy.can_edit_round(user, round_)) is edit
    assert bool(policy.can_publish(user, round_)) is publish


@pytest.mark.parametrize("person,accepting,allowed", [
    ("organizer", True, True),
    ("organizer", False, False),
    ("member", True, False),
])
def test_invite_policy_table(app, person, accepting, allowed):
    now = utcnow()
    round_ = make_round(deadline_at=now + timedelta(days=1 if accepting else -1))
    challenge = make_challenge(round_)
    assert bool(policy.can_invite(_person(person), challenge, now)) is allowed


def test_drafts_are_not_in_public_lists(app):
    make_round(status=S.DRAFT)
    shown = make_round(status=S.OPEN)
    assert [r.id for r in open_rounds(utcnow())] == [shown.id]


def test_matching_round_by_category_or_none_set(app):
    from marketplace.rounds.models import MatchingPreference

    round_ = make_round(categories=["文明创建", "生态环保"])
    assert policy.matches_round(None, round_)
    assert policy.matches_round(MatchingPreference(categories=[], regions=[]), round_)
    assert policy.matches_round(MatchingPreference(categories=["生态环保"], regions=[]), round_)
    assert not policy.matches_round(MatchingPreference(categories=["理论宣讲"], regions=[]),
                                    round_)


def test_a_targeted_challenge_pool_excludes_other_regions(app):
    from marketplace.rounds.models import PoolKind
    from tests.factories import make_pool

    round_ = make_round()
    challenge = make_challenge(round_, pool=make_pool(round_, kind=PoolKind.TARGETED,
                                                      regions=["嵊泗县"]))
    assert not policy.challenge_admits(challenge, make_organisation(region="定海区"))
    assert policy.challenge_admits(challenge, make_organisation(region="嵊泗县"))
