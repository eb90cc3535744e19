"""Random sequences of commits, releases, payments, returns and de-commits (cuts) keep every
money invariant after each step — checked against a model kept beside the ledger, and by
`funds.invariants` (what `flask funds check` runs). The run must actually have moved money:
each kind of action succeeded at least once. And the tranche plan sums to the award, to the
fen, for any template and amount."""
from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from marketplace.core.policy import NotAllowed
from marketplace.extensions import db
from marketplace.funds import hooks, services, tranches
from marketplace.funds.balances import balance
from marketplace.funds.invariants import violations
from marketplace.funds.models import Award, TrancheState
from marketplace.rounds.models import Pool
from tests.factories import (
    hook,
    make_awarded,
    make_finance,
    make_organizer,
    make_review_round,
    payee_registered,
)

GATES = st.sampled_from(["on_award", "after_report", "after_acceptance"])


@st.composite
def templates(draw):
    """A round's tranche template as rounds.services accepts it: whole percents from 1 to
    100 that sum to 100 (cut points between 0 and 100), each with a gate."""
    cuts = sorted(draw(st.lists(st.integers(1, 99), unique=True, max_size=5)))
    bounds = [0, *cuts, 100]
    return [{"label": f"第{i}期", "percent": high - low, "gate": draw(GATES)}
            for i, (low, high) in enumerate(zip(bounds, bounds[1:], strict=False), start=1)]


@given(template=templates(), amount_fen=st.integers(1, 99_999_999_999))
@settings(max_examples=300, deadline=None)
def test_the_tranche_plan_sums_to_the_award_to_the_fen(template, amount_fen):
    planned = services.plan_tranches(template, amount_fen)
    assert sum(t.amount_fen for t in planned) == amount_fen
    assert all(t.amount_fen >= 0 for t in planned)
    assert [t.percent for t in planned] == [t["percent"] for t in template]
    for tranche in planned[:-1]:  # each but the last: its percent, rounded down to the fen
        assert tranche.amount_fen == amount_fen * tranche.percent // 100


DONE: Counter = Counter()


class Money(RuleBasedStateMachine):
    """One round, its general pool; awards made on the way. `paid`, `released`, `returned`
    are the model's own sums of what the services accepted."""

    @initialize()
    def start(self):
        self.round = make_review_round()
        self.organizer, self.finance = make_organizer(), make_finance()
        self.awards: list[int] = []
        self.model: dict[int, dict[str, Decimal]] = {}
        self.keys = 0
        # Every run starts from one project with its first tranche released and half paid,
        # so returns and cuts have money to act on from the first step.
        self.commit(3000)
        self.release(0, 0)
        self.pay(0, 50)

    def _award(self, n: int) -> Award | None:
        if not self.awards:
            return None
        return db.session.get(Award, self.awards[n % len(self.awards)])

    def _try(self, kind: str, change) -> bool:
        try:
            change()
        except NotAllowed:
            db.session.rollback()
            return False
        db.session.commit()
        DONE[kind] += 1
        return True

    @precondition(lambda self: len(self.awards) < 4)
    @rule(amount=st.integers(100, 3000))
    def commit(self, amount):
        award = make_awarded(self.round, organizer=self.organizer, amount=f"{amount}.00")
        self.awards.append(award.id)
        self.model[award.id] = {"committed": Decimal(amount), "released": Decimal(0),
                                "paid": Decimal(0), "returned": Decimal(0)}
        DONE["commit"] += 1

    @rule(n=st.integers(0, 50), t=st.integers(0, 2))
    def release(self, n, t):
        award = self._award(n)
        if award is None:
            return
        tranche = award.tranches[t % len(award.tranches)]
        if self._try("request", lambda: tranches.request_release(self.organizer, tranche)):
            pass
        amount = tranche.amount
        if self._try("release", lambda: tranches.approve_release(self.finance, tranche)):
            self.model[award.id]["released"] += amount

    def _released(self) -> list:
        return [t for award_id in self.awards for t in db.session.get(Award, award_id).tranches
                if t.state == TrancheState.RELEASED]

    @rule(n=st.integers(0, 50), share=st.integers(1, 120))
    def pay(self, n, share):
        """Pay part (or too much) of a released tranche."""
        released = self._released()
        if not released:
            return
        tranche = released[n % len(released)]
        award = tranche.award
        amount = (tranche.amount * share / 100).quantize(Decimal("0.01"))
        self.keys += 1
        key = f"s{self.round.id}-{self.keys}"
        data = tranches.PaymentData(amount, date(2026, 1, 5), f"记-{self.keys}",
                                    idempotency_key=key)
        if amount > 0 and self._try("payment", lambda: tranches.record_payment(
                self.finance, tranche, data, "v.pdf", b"%PDF-1.4 v")):
            self.model[award.id]["paid"] += amount

    @rule(n=st.integers(0, 50), share=st.integers(1, 120))
    def give_back(self, n, share):
        """Pay back part (or too much) of what an award holds."""
        holding = [a for a in self.awards
                   if self.model[a]["paid"] > self.model[a]["returned"]]
        if not holding:
            return
        award = db.session.get(Award, holding[n % len(holding)])
        held = self.model[award.id]["paid"] - self.model[award.id]["returned"]
        amount = (held * share / 100).quantize(Decimal("0.01"))
        self.keys += 1
        data = tranches.ReturnData(amount, date(2026, 1, 6), "结余退回", None,
                                   f"r{self.round.id}-{self.keys}")
        if amount > 0 and self._try("return", lambda: tranches.record_return(
                self.finance, award, data)):
            self.model[award.id]["returned"] += amount

    @precondition(lambda self: len(self.awards) >= 2)
    @rule(n=st.integers(0, 50))
    def cut(self, n):
        award = self._award(n)
        if award is None:
            return
        m = self.model[award.id]
        freed = m["committed"] - (m["released"] - m["returned"])
        if self._try("cut", lambda: tranches.cut_award(self.organizer, award, "核减")):
            m["committed"] -= freed

    @invariant()
    def ledger_matches_the_model_and_every_invariant_holds(self):
        if not hasattr(self, "round"):
            return
        for award_id, m in self.model.items():
            b = balance(Award, award_id)
            assert (b.committed, b.released, b.paid, b.returned) == (
                m["committed"], m["released"], m["paid"] - m["returned"], m["returned"])
            # What went out and stayed out never passes what remains committed.
            assert b.released - b.returned <= b.committed <= b.amount
            assert 0 <= b.paid <= b.released
        pool = self.round.pools[0]
        assert 0 <= balance(Pool, pool.id).committed <= pool.amount
        for award_id in self.awards:
            award = db.session.get(Award, award_id)
            for tranche in award.tranches:
                if tranche.state == TrancheState.PAID:
                    assert tranches.tranche_paid_fen(tranche.id) > 0
        assert violations() == []


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_random_money_sequences_keep_every_invariant(app):
    DONE.clear()
    with payee_registered(), hook(hooks.GATE_CHECKS, "after_report", lambda a: None), \
            hook(hooks.GATE_CHECKS, "after_acceptance", lambda a: None):
        run_state_machine_as_test(Money, settings=settings(
            max_examples=10, stateful_step_count=25, deadline=None,
            suppress_health_check=list(HealthCheck)))
    # Money actually moved: every kind of action succeeded somewhere in the run.
    for kind in ("commit", "request", "release", "payment", "return", "cut"):
        assert DONE[kind] > 0, (kind, DONE)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["funds", "check"])
    assert result.exit_code == 0, result.output
