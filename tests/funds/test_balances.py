"""Balances are sums of ledger entries, every kind at once, in one grouped query:
committed = COMMIT − DECOMMIT, paid = PAYMENT − RETURN; remainders follow from them."""
from decimal import Decimal

from marketplace.extensions import db
from marketplace.funds.balances import Balance, balance, balances, round_summary
from marketplace.funds.models import Award, AwardStatus, LedgerEntry, LedgerKind, Tranche
from marketplace.rounds.models import Pool, Round
from tests.factories import make_application, make_pool, make_review_round

C, D, REL, PAY, RET = (LedgerKind.COMMIT, LedgerKind.DECOMMIT, LedgerKind.RELEASE,
                       LedgerKind.PAYMENT, LedgerKind.RETURN)


def _award(round_, pool, amount_fen):
    application = make_application(round_)
    award = Award(application_id=application.id, round_id=round_.id, pool_id=pool.id,
                  amount_fen=amount_fen, status=AwardStatus.AWARDED,
                  tranches=[Tranche(index=1, label="一", percent=60,
                                    amount_fen=amount_fen * 6 // 10),
                            Tranche(index=2, label="二", percent=40,
                                    amount_fen=amount_fen - amount_fen * 6 // 10)])
    db.session.add(award)
    db.session.flush()
    return award


def _entries(*rows):
    for award, kind, fen, tranche in rows:
        db.session.add(LedgerEntry(round_id=award.round_id, pool_id=award.pool_id,
                                   award_id=award.id, kind=kind, amount_fen=fen,
                                   tranche_id=tranche.id if tranche else None))
    db.session.commit()


def _ledger():
    """A round with a pool of ¥100,000 and a pool of ¥50,000; two awards in the first:
    A ¥30,000 (released ¥18,000, paid ¥18,000, ¥2,000 of it returned) and B ¥20,000 (later
    cut by ¥5,000, released ¥9,000, paid ¥4,000); nothing in the second pool."""
    round_ = make_review_round(total_budget_fen=20_000_000)
    first = round_.pools[0]
    first.amount_fen = 10_000_000
    second = make_pool(round_, amount_fen=5_000_000)
    a, b = _award(round_, first, 3_000_000), _award(round_, first, 2_000_000)
    _entries((a, C, 3_000_000, None), (a, REL, 1_800_000, a.tranches[0]),
             (a, PAY, 1_000_000, a.tranches[0]), (a, PAY, 800_000, a.tranches[0]),
             (a, RET, 200_000, a.tranches[0]),
             (b, C, 2_000_000, None), (b, D, 500_000, None), (b, REL, 900_000, b.tranches[0]),
             (b, PAY, 400_000, b.tranches[0]))
    return round_, first, second, a, b


def test_an_award_balance_sums_every_kind_of_entry(app):
    _, _, _, a, b = _ledger()
    assert balance(Award, a.id) == Balance(
        amount=Decimal("30000.00"), committed=Decimal("30000.00"),
        released=Decimal("18000.00"), paid=Decimal("16000.00"), returned=Decimal("2000.00"))
    cut = balance(Award, b.id)
    assert (cut.committed, cut.released, cut.paid, cut.returned) == (
        Decimal("15000.00"), Decimal("9000.00"), Decimal("4000.00"), Decimal("0.00"))
    assert (cut.remaining, cut.unreleased, cut.unpaid) == (
        Decimal("5000.00"), Decimal("6000.00"), Decimal("5000.00"))


def test_pool_balances_of_a_round_come_in_one_query_with_empty_pools_at_zero(
        app, count_queries):
    round_, first, second, _, _ = _ledger()
    round_id = round_.id  # loaded before counting
    with count_queries() as counter:
        pools = balances(Pool, round_id=round_id)
    assert counter.count == 1
    assert set(pools) == {first.id, second.id}
    assert (pools[first.id].committed, pools[first.id].released, pools[first.id].paid) == (
        Decimal("45000.00"), Decimal("27000.00"), Decimal("20000.00"))
    assert pools[first.id].remaining == Decimal("55000.00")
    assert pools[second.id] == Balance(amount=Decimal("50000.00"))
    summary = round_summary(round_, pools)
    assert (summary.pooled, summary.committed, summary.remaining, summary.unpooled) == (
        Decimal("150000.00"), Decimal("45000.00"), Decimal("105000.00"), Decimal("50000.00"))


def test_a_round_balance_is_against_its_budget(app):
    round_, *_ = _ledger()
    whole = balance(Round, round_.id)
    assert (whole.amount, whole.committed, whole.remaining) == (
        Decimal("200000.00"), Decimal("45000.00"), Decimal("155000.00"))


def test_tranche_balances_count_their_own_releases_and_payments(app):
    _, _, _, a, b = _ledger()
    tranches = balances(Tranche, award_id=[a.id, b.id])
    assert len(tranches) == 4
    paid_first = tranches[a.tranches[0].id]
    assert (paid_first.amount, paid_first.released, paid_first.paid, paid_first.unpaid) == (
        Decimal("18000.00"), Decimal("18000.00"), Decimal("16000.00"), Decimal("2000.00"))
    assert tranches[a.tranches[1].id] == Balance(amount=Decimal("12000.00"))


def test_filters_take_a_value_or_a_list(app):
    _, _, _, a, b = _ledger()
    assert set(balances(Award, id=[a.id, b.id])) == {a.id, b.id}
    assert set(balances(Award, id=a.id)) == {a.id}


def test_an_object_that_does_not_exist_has_a_zero_balance(app):
    assert balance(Pool, 2_000_000_000) == Balance()
