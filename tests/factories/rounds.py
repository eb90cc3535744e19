"""Rounds, pools and challenges with sensible defaults: an open round accepting applications
now, a general pool, a challenge with its own pool."""
from __future__ import annotations

import itertools
from collections import deque
from datetime import timedelta

from marketplace.core.timeutil import utcnow
from marketplace.core.workflow import Workflow
from marketplace.extensions import db
from marketplace.rounds.models import Challenge, Pool, PoolKind, Round, RoundStatus
from marketplace.rounds.workflow import ROUND

__all__ = ["make_challenge", "make_pool", "make_round", "shortest_path"]

_seq = itertools.count(1)


def shortest_path(workflow: Workflow, start, target) -> list:
    """The states after `start` on the shortest way through `workflow`'s table to `target`."""
    came_from = {start: None}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        if state == target:
            path = []
            while came_from[state] is not None:
                path.append(state)
                state = came_from[state]
            return path[::-1]
        for move in workflow.leaving(state):
            if move.target not in came_from:
                came_from[move.target] = state
                queue.append(move.target)
    raise ValueError(f"{workflow.name}: no way from {start.value} to {target.value}")


def make_round(*, status=RoundStatus.OPEN, commit: bool = True, general_pool: bool = True,
               staff=None, **overrides) -> Round:
    """An open round (opened a day ago, deadline in ten days) with a general pool.

    Another `status` is reached along the round's lifecycle table from a draft (closed:
    imported history, which starts closed), each step an audited move made by `staff`, with
    its mails (publishing tells the matching groups that exist by then). Not asked of today's
    policy: a fixture replays the past; the table still refuses a stage no round reaches."""
    n = next(_seq)
    now = utcnow().replace(microsecond=0)
    start = RoundStatus.CLOSED if status == RoundStatus.CLOSED else RoundStatus.DRAFT
    fields = dict(year=2026, title=f"测试创投集市{n}", status=start,
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
    for step in shortest_path(ROUND, start, status):
        ROUND.move(staff, round_, step, check=False)
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
