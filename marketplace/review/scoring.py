"""Score arithmetic, apart from the database so it can be tested by hand-computed cases.

A review's total is the weighted score out of 100: Σ score / max_score × weight, the
weights of a rubric summing to 100. An application's score is, per round setting, the mean
of its totals, the trimmed mean (去掉一个最高分和一个最低分, when there are at least 5), or
the mean of its reviewers' z-scores (each reviewer's totals standardised by their own mean
and standard deviation, which corrects for severe and lenient reviewers).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

TWO = Decimal("0.01")
TRIM_FROM = 5  # trim only when at least this many totals


def q2(value: Decimal) -> Decimal:
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


def weighted_total(parts: Iterable[tuple[Decimal, int, int]]) -> Decimal:
    """parts: (score, max_score, weight) per criterion → total out of Σ weight (100)."""
    total = Decimal(0)
    for score, max_score, weight in parts:
        total += Decimal(score) / Decimal(max_score) * Decimal(weight)
    return q2(total)


def mean(totals: Sequence[Decimal]) -> Decimal | None:
    if not totals:
        return None
    return q2(sum((Decimal(t) for t in totals), Decimal(0)) / len(totals))


def trimmed_mean(totals: Sequence[Decimal]) -> Decimal | None:
    """Drop one highest and one lowest total when there are at least five."""
    values = sorted(Decimal(t) for t in totals)
    if len(values) >= TRIM_FROM:
        values = values[1:-1]
    return mean(values)


def spread(totals: Sequence[Decimal]) -> Decimal:
    return (max(totals) - min(totals)) if totals else Decimal(0)


def disagrees(totals: Sequence[Decimal], threshold_points: int | Decimal) -> bool:
    """The reviewers disagree when their totals spread by more than the round's threshold."""
    return len(totals) >= 2 and spread(totals) > Decimal(threshold_points)


def zscore_means(reviews: Iterable[tuple[int, int, Decimal]]) -> dict[int, Decimal]:
    """reviews: (reviewer_id, application_id, total). For each reviewer, z = (total − their
    mean) / their population standard deviation (0 when they gave one total or all equal);
    an application's score is the mean of its z-scores, rounded to 2 places at the end."""
    by_reviewer: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for reviewer_id, application_id, total in reviews:
        by_reviewer[reviewer_id].append((application_id, Decimal(total)))
    z_by_application: dict[int, list[Decimal]] = defaultdict(list)
    for items in by_reviewer.values():
        values = [t for _, t in items]
        mu = sum(values, Decimal(0)) / len(values)
        variance = sum(((v - mu) ** 2 for v in values), Decimal(0)) / len(values)
        sd = variance.sqrt() if variance > 0 else Decimal(0)
        for application_id, total in items:
            z_by_application[application_id].append((total - mu) / sd if sd else Decimal(0))
    return {a: q2(sum(zs, Decimal(0)) / len(zs)) for a, zs in z_by_application.items()}


def application_scores(method: str, reviews: Sequence[tuple[int, int, Decimal]]
                       ) -> dict[int, Decimal]:
    """Score per application id by the round's method ('mean', 'trimmed_mean', 'zscore')."""
    if method == "zscore":
        return zscore_means(reviews)
    totals: dict[int, list[Decimal]] = defaultdict(list)
    for _, application_id, total in reviews:
        totals[application_id].append(Decimal(total))
    aggregate = trimmed_mean if method == "trimmed_mean" else mean
    return {a: aggregate(ts) for a, ts in totals.items()}
