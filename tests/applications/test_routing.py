"""Pools that route themselves (issue 11, point 1): an application goes to the most specific
pool it is eligible for — its challenge's, a targeted pool of its county, else the general
one — at start, save and submission; the organizer may move it with a reason, only to a pool
that admits it, and routing leaves it there."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.applications import routing, services
from marketplace.applications.models import ApplicationStatus
from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.rounds.models import PoolKind
from tests.factories import (
    application_data,
    make_application,
    make_challenge,
    make_organisation,
    make_pool,
    make_round,
    make_user,
)


@pytest.fixture
def island_group(app):
    owner = make_user(name="嵊泗队长")
    return make_organisation(owner, name="嵊泗县海岛志愿服务队", region="嵊泗县")


@pytest.fixture
def round_with_pools(app):
    round_ = make_round()
    make_pool(round_, kind=PoolKind.TARGETED, name="嵊泗县定向扶持资金池", regions=["嵊泗县"])
    return round_


def _general(round_):
    return next(p for p in round_.pools if p.kind == PoolKind.GENERAL)


def _targeted(round_):
    return next(p for p in round_.pools if p.kind == PoolKind.TARGETED)


def _owner(organisation):
    return organisation.memberships[0].user


def _submitted(organisation, round_, challenge=None):
    owner = _owner(organisation)
    application = services.start_application(owner, organisation, round_, challenge)
    services.save_draft(owner, application, application_data(region=organisation.region))
    services.submit_application(owner, application)
    db.session.commit()
    return application


def test_a_county_application_goes_to_its_targeted_pool(island_group, round_with_pools):
    application = _submitted(island_group, round_with_pools)
    assert application.pool_id == _targeted(round_with_pools).id


def test_an_application_from_elsewhere_goes_to_the_general_pool(round_with_pools):
    application = _submitted(make_organisation(region="定海区"), round_with_pools)
    assert application.pool_id == _general(round_with_pools).id


def test_a_bid_goes_to_its_challenges_pool_even_from_a_targeted_county(island_group,
                                                                       round_with_pools):
    challenge = make_challenge(round_with_pools)
    application = _submitted(island_group, round_with_pools, challenge)
    assert application.pool_id == challenge.pool_id


def test_the_pool_is_known_from_the_start_of_the_draft(island_group, round_with_pools):
    application = services.start_application(_owner(island_group), island_group,
                                             round_with_pools)
    db.session.flush()
    assert application.pool_id == _targeted(round_with_pools).id


def test_a_pool_made_after_the_draft_started_takes_it_at_the_next_save(island_group):
    round_ = make_round()
    owner = _owner(island_group)
    application = services.start_application(owner, island_group, round_)
    db.session.commit()
    assert application.pool_id == _general(round_).id
    targeted = make_pool(round_, kind=PoolKind.TARGETED, regions=["嵊泗县"])
    services.save_draft(owner, application, application_data(region="嵊泗县"))
    db.session.commit()
    assert application.pool_id == targeted.id


def test_the_county_is_the_one_staff_verified_not_the_one_last_typed(round_with_pools):
    organisation = make_organisation(region="定海区")
    organisation.region = "嵊泗县"  # typed, not verified yet: eligibility reads verified_region
    assert routing.route_pool(round_with_pools, organisation) == _general(round_with_pools)


def test_of_two_targeted_pools_of_the_county_the_first_made_is_chosen(island_group,
                                                                       round_with_pools):
    make_pool(round_with_pools, kind=PoolKind.TARGETED, regions=["嵊泗县", "岱山县"])
    assert routing.route_pool(round_with_pools, island_group) == _targeted(round_with_pools)


# --- the organizer moves it ---------------------------------------------------------------

@pytest.fixture
def organizer(app):
    from marketplace.accounts.models import Role
    return make_user(roles=[Role.ORGANIZER], name="团市委 王老师")


def test_the_organizer_moves_an_application_with_a_reason_audited(island_group,
                                                                   round_with_pools, organizer):
    application = _submitted(island_group, round_with_pools)
    general = _general(round_with_pools)
    services.move_to_pool(organizer, application, general, "定向资金池已用完，转入综合资金池。")
    db.session.commit()
    assert application.pool_id == general.id
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "application.move_pool"))
    assert entry.before == {"pool_id": _targeted(round_with_pools).id}
    assert entry.after["pool_id"] == general.id and "已用完" in entry.after["reason"]


def test_a_move_needs_a_reason(island_group, round_with_pools, organizer):
    application = _submitted(island_group, round_with_pools)
    with pytest.raises(NotAllowed, match="理由") as refused:
        services.move_to_pool(organizer, application, _general(round_with_pools), "  ")
    assert refused.value.field == "reason"


def test_a_move_to_a_pool_that_does_not_admit_the_application_is_refused(round_with_pools,
                                                                         organizer):
    application = _submitted(make_organisation(region="定海区"), round_with_pools)
    with pytest.raises(NotAllowed, match="定向扶持资金池") as refused:
        services.move_to_pool(organizer, application, _targeted(round_with_pools), "试试")
    assert refused.value.field == "pool_id"
    challenge_pool = make_challenge(round_with_pools).pool
    with pytest.raises(NotAllowed, match="只资助该命题的揭榜项目"):
        services.move_to_pool(organizer, application, challenge_pool, "试试")
    db.session.rollback()
    assert application.pool_id == _general(round_with_pools).id


def test_a_pool_of_another_round_is_refused(island_group, round_with_pools, organizer):
    application = _submitted(island_group, round_with_pools)
    with pytest.raises(NotAllowed, match="本轮"):
        services.move_to_pool(organizer, application, _general(make_round()), "换一轮")


def test_only_staff_outside_the_group_move_and_not_after_a_decision(island_group,
                                                                    round_with_pools):
    application = _submitted(island_group, round_with_pools)
    general = _general(round_with_pools)
    with pytest.raises(NotAllowed):
        services.move_to_pool(_owner(island_group), application, general, "自己挪")
    approved = make_application(round_with_pools, island_group, status=ApplicationStatus.APPROVED)
    from marketplace.accounts.models import Role
    with pytest.raises(NotAllowed, match="撤销决定"):
        services.move_to_pool(make_user(roles=[Role.ORGANIZER]), approved, general, "晚了")


def test_routing_leaves_a_moved_application_where_the_organizer_put_it(island_group,
                                                                      round_with_pools,
                                                                      organizer):
    application = _submitted(island_group, round_with_pools)
    general = _general(round_with_pools)
    services.move_to_pool(organizer, application, general, "按团市委安排")
    services.return_application(organizer, application, "请补充预算说明")
    db.session.commit()
    owner = _owner(island_group)
    services.save_draft(owner, application, application_data(region="嵊泗县"))
    services.submit_application(owner, application)
    db.session.commit()
    assert application.pool_id == general.id and application.pool_reason == "按团市委安排"


def test_the_money_side_refuses_with_the_same_rule(round_with_pools):
    """funds.check_pool_funds asks routing.pool_admits: what cannot be routed cannot be paid."""
    from marketplace.funds.services import check_pool_funds

    application = _submitted(make_organisation(region="定海区"), round_with_pools)
    with pytest.raises(NotAllowed, match="不在定向扶持资金池"):
        check_pool_funds(_targeted(round_with_pools), application)
