"""Funding sources (资金来源): who money comes from, a pool named after a source or split into
slices by source, which source each ledger entry carries (one source per project: the first
slice with room; the award's later entries follow its commit), and money by source for the
money view and statistics."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEntry
from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.funds import hooks, services, sources
from marketplace.funds.models import LedgerEntry, LedgerKind
from marketplace.funds.spending_models import FundingSourceKind, PoolSource
from marketplace.review import decisions
from marketplace.rounds import pools as rounds_pools
from marketplace.rounds.models import BudgetCategory, RoundStatus
from tests.factories import (
    make_application,
    make_awarded,
    make_organizer,
    make_review_round,
    make_round,
    make_source,
    make_user,
    member_of,
    pay,
)

K = FundingSourceKind
S = sources.SliceData


def _slices(*pieces) -> list[sources.SliceData]:
    return [S(source.id, None if amount is None else Decimal(amount))
            for source, amount in pieces]


def _set(pool, *pieces):
    sources.set_pool_sources(make_organizer(), pool, _slices(*pieces))
    db.session.commit()


def _entry_sources(award) -> dict[LedgerKind, set]:
    found: dict[LedgerKind, set] = {}
    for kind, source_id in db.session.execute(select(LedgerEntry.kind, LedgerEntry.source_id)
                                              .where(LedgerEntry.award_id == award.id)):
        found.setdefault(kind, set()).add(source_id)
    return found


def _one(amount: str) -> list[tuple]:
    """A budget of one line."""
    return [("物资", BudgetCategory.MATERIALS, "1", amount)]


def _pool(round_, amount_fen=10_000_000):
    pool = round_.pools[0]
    pool.amount_fen = amount_fen
    db.session.commit()
    return pool


# --- the sources -----------------------------------------------------------------------------

def test_a_department_enterprise_or_foundation_needs_its_name(app):
    organizer = make_organizer()
    for kind in (K.DEPARTMENT, K.ENTERPRISE, K.FOUNDATION):
        with pytest.raises(NotAllowed) as refusal:
            sources.create_source(organizer, sources.SourceData(kind, "  "))
        assert refusal.value.field == "name"
    foundation = sources.create_source(organizer,
                                       sources.SourceData(K.FOUNDATION, "海岛公益基金会"))
    assert foundation.display_name == "基金会：海岛公益基金会" and foundation.kind.social


def test_the_league_s_fund_and_the_civilisation_office_are_known_by_their_kind(app):
    league = make_source(K.LEAGUE, "随便写的名字")
    assert (league.name, league.display_name, league.kind.social) == ("", "团市委专项", False)
    with pytest.raises(NotAllowed):
        make_source(K.LEAGUE)  # there is one already


def test_a_source_is_added_once_and_corrected_audited(app):
    organizer = make_organizer()
    firm = make_source(K.ENTERPRISE, "舟山海洋渔业集团")
    with pytest.raises(NotAllowed):
        make_source(K.ENTERPRISE, " 舟山海洋渔业集团 ")
    sources.update_source(organizer, firm,
                          sources.SourceData(K.ENTERPRISE, "舟山海洋渔业集团有限公司"))
    db.session.commit()
    assert [a for (a,) in db.session.execute(select(AuditEntry.action).where(
        AuditEntry.object_type == "funding_source").order_by(AuditEntry.id))] == [
        "funding_source.create", "funding_source.update"]


def test_only_organizers_manage_sources(app):
    for user in (make_user(), make_user(roles=[Role.FINANCE]), make_user(roles=[Role.REVIEWER])):
        with pytest.raises(NotAllowed):
            sources.create_source(user, sources.SourceData(K.LEAGUE))


# --- a pool's slices ---------------------------------------------------------------------------

def test_a_pool_named_after_one_source_commits_from_it(app):
    round_ = make_review_round()
    league = make_source(K.LEAGUE)
    _set(_pool(round_), (league, None))
    award = make_awarded(round_)
    assert _entry_sources(award) == {LedgerKind.COMMIT: {league.id}}


def test_a_pool_without_a_source_commits_unattributed(app):
    award = make_awarded()
    assert _entry_sources(award) == {LedgerKind.COMMIT: {None}}


def test_an_award_s_later_entries_carry_the_source_of_its_commit(app):
    round_ = make_review_round()
    league, firm = make_source(K.LEAGUE), make_source(K.ENTERPRISE, "某企业")
    pool = _pool(round_)
    _set(pool, (league, "50000.00"), (firm, None))
    award = decisions.approve_application(  # approved, not yet 立项: it may be withdrawn
        make_organizer(), make_application(round_, requested="3000.00"), Decimal("3000.00"))
    pay(award, "1000.00")
    # The slices change afterwards: the award's money stays with the source it came from.
    _set(pool, (firm, "60000.00"), (league, None))
    pay(award, "500.00")
    services.decommit_award(make_organizer(), award, "撤销")
    db.session.commit()
    assert _entry_sources(award) == {kind: {league.id} for kind in (
        LedgerKind.COMMIT, LedgerKind.RELEASE, LedgerKind.PAYMENT, LedgerKind.DECOMMIT)}


def test_a_project_is_funded_by_the_first_slice_that_holds_it_whole(app):
    round_ = make_review_round()
    league, firm = make_source(K.LEAGUE), make_source(K.ENTERPRISE, "某企业")
    _set(_pool(round_, 1_000_000), (league, "5000.00"), (firm, None))  # ¥10,000: 5,000 + 5,000
    first = make_awarded(round_, lines=_one("4000.00"))
    second = make_awarded(round_, lines=_one("3000.00"))  # the league has ¥1,000 left
    third = make_awarded(round_, lines=_one("1000.00"))
    assert [_entry_sources(a)[LedgerKind.COMMIT] for a in (first, second, third)] == [
        {league.id}, {firm.id}, {league.id}]


def test_a_project_no_single_slice_holds_is_refused_naming_what_each_has_left(app):
    round_ = make_review_round()
    league, firm = make_source(K.LEAGUE), make_source(K.ENTERPRISE, "某企业")
    _set(_pool(round_, 1_000_000), (league, "5000.00"), (firm, None))
    application = make_application(round_, requested="6000.00")
    with pytest.raises(NotAllowed) as refusal:
        decisions.approve_application(make_organizer(), application, Decimal("6000.00"))
    assert "¥5,000.00" in refusal.value.reason and "一个来源" in refusal.value.reason
    db.session.rollback()
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0


@pytest.mark.parametrize(("pieces", "message"), [
    ([("league", "40000.00"), ("firm", "50000.00")], "应等于资金池金额"),  # ¥90,000 of ¥100,000
    ([("league", None), ("firm", None)], "只能有一行留空"),
    ([("league", "40000.00"), ("league", None)], "只能出现一次"),
    ([("league", "120000.00"), ("firm", None)], "应等于资金池金额"),
    ([("league", "0"), ("firm", None)], "必须大于零"),
])
def test_slices_sum_to_the_pool(app, pieces, message):
    round_ = make_review_round()
    named = {"league": make_source(K.LEAGUE), "firm": make_source(K.ENTERPRISE, "某企业")}
    pool = _pool(round_)
    with pytest.raises(NotAllowed) as refusal:
        sources.set_pool_sources(make_organizer(), pool,
                                 _slices(*((named[n], a) for n, a in pieces)))
    assert message in refusal.value.reason and refusal.value.field == "slices"


def test_a_slice_never_falls_below_what_its_source_committed(app):
    round_ = make_review_round()
    league, firm = make_source(K.LEAGUE), make_source(K.ENTERPRISE, "某企业")
    pool = _pool(round_)
    _set(pool, (league, "50000.00"), (firm, None))
    make_awarded(round_)  # ¥3,000 from the league's slice
    with pytest.raises(NotAllowed) as refusal:
        sources.set_pool_sources(make_organizer(), pool,
                                 _slices((league, "2999.99"), (firm, None)))
    assert "¥3,000.00" in refusal.value.reason
    with pytest.raises(NotAllowed):
        sources.set_pool_sources(make_organizer(), pool, _slices((firm, None)))
    sources.set_pool_sources(make_organizer(), pool, _slices((league, "3000.00"), (firm, None)))


def test_setting_a_pool_s_sources_is_audited_and_replaces_the_slices(app):
    round_ = make_review_round()
    league, firm = make_source(K.LEAGUE), make_source(K.ENTERPRISE, "某企业")
    pool = _pool(round_)
    _set(pool, (league, None))
    _set(pool, (firm, "30000.00"), (league, None))
    assert [(s.source_id, s.amount, s.rest) for s in sources.pool_slices([pool])[pool.id]] == [
        (firm.id, Decimal("30000.00"), False), (league.id, Decimal("70000.00"), True)]
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "pool.sources")
                                 .order_by(AuditEntry.id)).all()
    assert [e.after["sources"] for e in entries][-1] == [
        {"source_id": firm.id, "amount": "30000.00"}, {"source_id": league.id, "amount": None}]


def test_a_pool_s_amount_keeps_its_slices_whole(app):
    organizer = make_organizer()
    round_ = make_round(status=RoundStatus.DRAFT)
    league, firm = make_source(K.LEAGUE), make_source(K.ENTERPRISE, "某企业")
    pool = round_.pools[0]  # ¥500,000
    _set(pool, (firm, "100000.00"), (league, None))
    with pytest.raises(NotAllowed) as refusal:
        rounds_pools.update_pool(organizer, pool, pool.name, Decimal("99999.00"))
    assert refusal.value.field == "amount"
    rounds_pools.update_pool(organizer, pool, pool.name, Decimal("300000.00"))
    db.session.commit()
    assert sources.pool_slices([pool])[pool.id][1].amount == Decimal("200000.00")
    _set(pool, (firm, "100000.00"), (league, "200000.00"))  # no rest: the amount is fixed
    with pytest.raises(NotAllowed):
        rounds_pools.update_pool(organizer, pool, pool.name, Decimal("350000.00"))


def test_deleting_a_pool_takes_its_slices_with_it(app):
    organizer = make_organizer()
    round_ = make_round(status=RoundStatus.DRAFT)
    pool = round_.pools[0]
    _set(pool, (make_source(K.LEAGUE), None))
    rounds_pools.delete_pool(organizer, pool)
    db.session.commit()
    assert db.session.scalar(select(func.count(PoolSource.id))) == 0


# --- money by source -------------------------------------------------------------------------

def test_money_by_source_for_the_money_view(app):
    round_ = make_review_round()  # one general pool, ¥100,000 here
    league, firm = make_source(K.LEAGUE), make_source(K.FOUNDATION, "海岛公益基金会")
    _set(_pool(round_), (firm, "20000.00"), (league, None))
    big = make_awarded(round_, lines=_one("25000.00"))  # the league's
    small = make_awarded(round_, lines=_one("5000.00"))  # the foundation's
    pay(big, "10000.00")
    pay(small, "5000.00")
    rows = {r["source"]: r for r in hooks.SOURCE_FIGURES["sources"](round_.id)}
    assert set(rows) == {"团市委专项", "基金会：海岛公益基金会"}
    league_row, firm_row = rows["团市委专项"], rows["基金会：海岛公益基金会"]
    assert (league_row["budget"], league_row["committed"], league_row["released"],
            league_row["paid"], league_row["remaining"]) == (
        Decimal("80000.00"), Decimal("25000.00"), Decimal("10000.00"), Decimal("10000.00"),
        Decimal("55000.00"))
    assert firm_row["social"] and firm_row["paid"] == Decimal("5000.00")
    assert hooks.POOL_SOURCE_NAMES["sources"](round_.id) == {
        round_.pools[0].id: "基金会：海岛公益基金会 ¥20,000.00 + 团市委专项 ¥80,000.00"}


def test_pools_and_entries_without_a_source_are_shown_as_unspecified(app):
    round_ = make_review_round()
    make_awarded(round_)
    [row] = sources.figures_by_source(round_.id)
    assert (row["source"], row["source_id"], row["committed"]) == (
        "未指定来源", None, Decimal("3000.00"))
    assert sources.pool_source_names(round_.id) == {round_.pools[0].id: ""}


def test_the_round_statistics_show_awarded_money_by_source(app, client):
    round_ = make_review_round()
    firm = make_source(K.ENTERPRISE, "某企业")
    league = make_source(K.LEAGUE)
    _set(_pool(round_), (firm, "4000.00"), (league, None))
    make_awarded(round_, lines=_one("3000.00"))  # the firm's
    make_awarded(round_, lines=_one("3000.00"))  # the league's: the firm has ¥1,000 left
    make_awarded(round_, lines=_one("500.00"))   # the firm's again
    make_awarded(round_, lines=_one("700.00"))   # the league's: ¥500 left in the firm's
    stats = client.get(f"/api/v1/rounds/{round_.id}/stats").get_json()
    assert stats["by_source"] == [
        {"source": "团市委专项", "kind": "league", "social": False, "projects": 2,
         "amount": "3700.00"},
        {"source": "企业：某企业", "kind": "enterprise", "social": True, "projects": 2,
         "amount": "3500.00"}]


def test_figures_by_source_run_a_fixed_number_of_statements(app, count_queries):
    round_ = make_review_round()
    league = make_source(K.LEAGUE)
    _set(_pool(round_), (league, None))
    make_awarded(round_)
    round_id = round_.id
    db.session.expire_all()
    with count_queries() as one:
        sources.figures_by_source(round_id)
    for _ in range(3):
        member_of(make_awarded(round_))
    db.session.expire_all()
    with count_queries() as four:
        sources.figures_by_source(round_id)
    assert four.count == one.count <= 4
