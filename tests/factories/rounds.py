"""Rounds, pools and challenges with sensible defaults: an open round accepting applications
now, a general pool, a challenge with its own pool."""
from __future__ import annotations

import itertools
from datetime import timedelta

from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.rounds.models import Challenge, Pool, PoolKind, Round, RoundStatus

__all__ = ["make_challenge", "make_pool", "make_round"]

_seq = itertools.count(1)


def make_round(*, status=RoundStatus.OPEN, commit: bool = True, general_pool: bool = True,
               **overrides) -> Round:
    """An open round (opened a day ago, deadline in ten days) with a general pool."""
    n = next(_seq)
    now = utcnow().replace(microsecond=0)
    fields = dict(year=2026, title=f"测试创投集市{n}", status=status,
                  total_budget_fen=100_000_000, opens_at=now - timedelta(days=1),
                  deadline_at=now + timedelta(days=10), max_amount_per_project_fen=5_000_000,
                  max_applications_per_org=2, budget_rules={"personnel": 30},
                  published_at=now - timedelta(days=1))
    fields.update(overrides)
    round_ = Round(**fields)
    db.session.add(round_)
    if general_pool:
        round_.pools.append(Pool(name="综合资金池", kind=PoolKind.GENERAL,
                                 amount_fen=50_000_000))
    db.session.flush()
    if commit:
        db.session.commit()
    return round_


def make_pool(round_: Round, *, kind=PoolKind.TARGETED, commit: bool = True,
              **overrides) -> Pool:
    fields = dict(name=f"资金池{next(_seq)}", kind=kind, amount_fen=10_000_000,
                  regions=["岱山县", "嵊泗县"] if kind == PoolKind.TARGETED else [])
    fields.update(overrides)
    pool = Pool(round=round_, **fields)
    db.session.add(pool)
    db.session.flush()
    if commit:
        db.session.commit()
    return pool


def make_challenge(round_: Round, *, pool: Pool | None = None, commit: bool = True,
                   **overrides) -> Challenge:
    """A published challenge with its own challenge pool unless one is given."""
    n = next(_seq)
    if pool is None:
        pool = make_pool(round_, kind=PoolKind.CHALLENGE, name=f"命题资金池{n}",
                         amount_fen=6_000_000, commit=False)
    fields = dict(title=f"测试命题{n}", background="背景", expected_outcomes="预期成效",
                  indicators="指标", cap_per_team_fen=3_000_000, slots=2,
                  published_at=utcnow())
    fields.update(overrides)
    challenge = Challenge(round=round_, pool=pool, **fields)
    db.session.add(challenge)
    db.session.flush()
    if commit:
        db.session.commit()
    return challenge
