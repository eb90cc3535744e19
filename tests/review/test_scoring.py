"""Score aggregation, hand-computed."""
from decimal import Decimal as D

from marketplace.review.scoring import (
    application_scores,
    disagrees,
    mean,
    trimmed_mean,
    weighted_total,
    zscore_means,
)

DEFAULT = [(20, 20), (20, 20), (25, 25), (20, 20), (15, 15)]  # (max, weight)


def test_weighted_total_is_out_of_100():
    scores = [18, 15, 20, 16, 12]
    parts = [(D(s), m, w) for s, (m, w) in zip(scores, DEFAULT, strict=True)]
    assert weighted_total(parts) == D("81.00")
    # A criterion scored out of 10 with weight 25: 7/10 × 25 = 17.5
    assert weighted_total([(D(7), 10, 25), (D(10), 10, 75)]) == D("92.50")


def test_mean_of_totals():
    assert mean([D(80), D(90), D(85)]) == D("85.00")
    assert mean([D(80), D(81)]) == D("80.50")
    assert mean([]) is None


def test_trimmed_mean_drops_highest_and_lowest_from_five_reviews():
    assert trimmed_mean([D(60), D(70), D(80), D(90), D(100)]) == D("80.00")
    assert trimmed_mean([D(100), D(60), D(70), D(80), D(90), D(95)]) == D("83.75")


def test_trimmed_mean_keeps_all_with_fewer_than_five_reviews():
    assert trimmed_mean([D(60), D(70), D(80), D(100)]) == D("77.50")


def test_zscore_corrects_for_severe_and_lenient_reviewers():
    # Reviewer 1 (severe): A 80, B 60 → mean 70, sd 10 → zA 1, zB −1.
    # Reviewer 2 (lenient): A 95, B 85, C 90 → mean 90, sd √(50/3) = 4.0825
    #   → zA 1.2247, zB −1.2247, zC 0.
    reviews = [(1, 101, D(80)), (1, 102, D(60)), (2, 101, D(95)), (2, 102, D(85)),
               (2, 103, D(90))]
    assert zscore_means(reviews) == {101: D("1.11"), 102: D("-1.11"), 103: D("0.00")}
    assert application_scores("zscore", reviews)[101] == D("1.11")


def test_zscore_is_zero_for_a_reviewer_with_one_review_or_equal_totals():
    assert zscore_means([(1, 5, D(70))]) == {5: D("0.00")}
    assert zscore_means([(1, 5, D(70)), (1, 6, D(70))]) == {5: D("0.00"), 6: D("0.00")}


def test_application_scores_by_method():
    reviews = [(r, 7, D(t)) for r, t in enumerate([60, 70, 80, 90, 100])]
    assert application_scores("mean", reviews) == {7: D("80.00")}
    reviews.append((9, 7, D(100)))
    assert application_scores("mean", reviews) == {7: D("83.33")}
    assert application_scores("trimmed_mean", reviews) == {7: D("85.00")}


def test_disagreement_is_flagged_beyond_the_threshold():
    assert disagrees([D(70), D("90.01")], 20)
    assert not disagrees([D(70), D(90)], 20)
    assert not disagrees([D(70)], 0)
