"""Automatic reviewer assignment, a pure function (no database) so it is easy to test.

Each application gets k reviewers; a reviewer never gets an application of an organisation
they declared a conflict with or belong to; loads stay balanced (the least-loaded eligible
reviewers are chosen, applications with the fewest eligible reviewers first); ties break by
id, so the same input always gives the same plan.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class AssignmentPlan:
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (application_id, reviewer_id)
    short: dict[int, int] = field(default_factory=dict)         # application_id -> missing


def plan_assignments(applications: Iterable[tuple[int, int]], reviewers: Iterable[int], k: int,
                     excluded: set[tuple[int, int]],
                     existing: dict[int, set[int]] | None = None,
                     loads: dict[int, int] | None = None,
                     barred: set[tuple[int, int]] = frozenset()) -> AssignmentPlan:
    """applications: (application_id, organisation_id); excluded: (reviewer_id,
    organisation_id) pairs (conflicts and memberships); existing: reviewers actively on an
    application; barred: (application_id, reviewer_id) never to be assigned again (recused,
    removed); loads: current active assignments per reviewer."""
    reviewer_ids = sorted(set(reviewers))
    existing = {a: set(rs) for a, rs in (existing or {}).items()}
    load = {r: (loads or {}).get(r, 0) for r in reviewer_ids}

    def eligible(app_id: int, org_id: int) -> list[int]:
        return [r for r in reviewer_ids
                if (r, org_id) not in excluded and (app_id, r) not in barred
                and r not in existing.get(app_id, set())]

    apps = sorted(set(applications), key=lambda a: (len(eligible(*a)), a[0]))
    plan = AssignmentPlan()
    for app_id, org_id in apps:
        have = len(existing.get(app_id, set()))
        need = max(k - have, 0)
        if need == 0:
            continue
        chosen = sorted(eligible(app_id, org_id), key=lambda r: (load[r], r))[:need]
        for r in chosen:
            plan.pairs.append((app_id, r))
            load[r] += 1
            existing.setdefault(app_id, set()).add(r)
        if len(chosen) < need:
            plan.short[app_id] = need - len(chosen)
    return plan
