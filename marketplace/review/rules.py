"""The round's review rules: its settings (reviewers per project, blind review, others' scores,
scoring method) and its rubric (a challenge may have its own). Until review starts, or they
are first saved, pages show the defaults without storing them; they freeze once review
starts."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.applications.models import Application
from marketplace.audit.services import record
from marketplace.core.policy import NotAllowed, require
from marketplace.extensions import db
from marketplace.funds import services as funds
from marketplace.review import policy
from marketplace.review.models import (
    DEFAULT_CRITERIA,
    Criterion,
    OthersScores,
    Review,
    RoundReviewSettings,
    Rubric,
    ScoringMethod,
)
from marketplace.rounds import contributions
from marketplace.rounds.models import Round, RoundStatus


def _default_settings(round_: Round) -> RoundReviewSettings:
    return RoundReviewSettings(round_id=round_.id, reviewers_per_application=3, blind=False,
                               others_scores=OthersScores.AFTER_OWN,
                               scoring_method=ScoringMethod.MEAN, disagreement_points=20)


def settings_for(round_: Round) -> RoundReviewSettings:
    """The round's review settings: its row, or until there is one (review starts, or the
    settings are first saved) the defaults, not stored — pages only read them."""
    return db.session.get(RoundReviewSettings, round_.id) or _default_settings(round_)


def stored_settings(round_: Round) -> RoundReviewSettings:
    """The round's settings row, made with the defaults if there is none yet (for changes)."""
    settings = db.session.get(RoundReviewSettings, round_.id)
    if settings is None:
        settings = _default_settings(round_)
        db.session.add(settings)
        db.session.flush()
    return settings


@dataclass
class SettingsData:
    reviewers_per_application: int
    blind: bool
    others_scores: OthersScores
    scoring_method: ScoringMethod
    disagreement_points: int


def settings_frozen(round_: Round) -> bool:
    """Review settings hold from the start of review on: switching blind mode, the number of
    reviewers or the scoring method mid-review would change what reviewers saw or how the
    scores already given count."""
    settings = db.session.get(RoundReviewSettings, round_.id)
    return round_.status not in (RoundStatus.DRAFT, RoundStatus.OPEN) or bool(
        settings is not None and settings.review_started_at is not None)


def update_settings(actor: User, round_: Round, data: SettingsData) -> RoundReviewSettings:
    require(policy.can_manage_review(actor, round_))
    if not 1 <= data.reviewers_per_application <= 15:
        raise NotAllowed(_l("每个项目的评审专家人数应在 1 到 15 之间。"),
                         field="reviewers_per_application")
    if not 0 <= data.disagreement_points <= 100:
        raise NotAllowed(_l("分歧阈值应在 0 到 100 分之间。"), field="disagreement_points")
    # Under the round lock, so a change cannot slip in while the review is being started.
    funds.lock_in_order(round_.id)
    db.session.refresh(round_)
    if settings_frozen(round_):
        raise NotAllowed(_l("评审已经开始，评审设置（匿名评审、每个项目的专家人数、计分方法等）"
                            "不能再修改。"))
    settings = stored_settings(round_)
    before = {f: getattr(settings, f) for f in vars(data)}
    for name, value in vars(data).items():
        setattr(settings, name, value)
    record("review.settings", object_type="round", object_id=round_.id, actor=actor,
           before=before, after=vars(data))
    return settings


def _stored_round_rubric(round_: Round) -> Rubric | None:
    return db.session.scalar(select(Rubric).where(Rubric.round_id == round_.id,
                                                  Rubric.challenge_id.is_(None)))


def _default_rubric(round_: Round) -> Rubric:
    rubric = Rubric(round_id=round_.id, name="评分细则")
    for position, (name, weight, max_score, guidance) in enumerate(DEFAULT_CRITERIA):
        rubric.criteria.append(Criterion(position=position, name=name, weight=weight,
                                         max_score=max_score, guidance=guidance))
    return rubric


def round_rubric(round_: Round) -> Rubric:
    """The round's rubric: its row, or until there is one (review starts, or the rubric is
    first saved) the default criteria, not stored — pages only read them."""
    return _stored_round_rubric(round_) or _default_rubric(round_)


def stored_round_rubric(round_: Round) -> Rubric:
    """The round's rubric row, made with the default criteria if there is none yet (for
    changes, and for reviews, which keep the rubric they were scored by)."""
    rubric = _stored_round_rubric(round_)
    if rubric is None:
        rubric = _default_rubric(round_)
        db.session.add(rubric)
        db.session.flush()
    return rubric


def challenge_rubric(challenge) -> Rubric | None:
    return db.session.scalar(select(Rubric).where(Rubric.challenge_id == challenge.id))


@contributions.in_use_check("challenge", order=30)
def _challenge_has_a_rubric(challenge) -> str | None:
    """A challenge with its own rubric is not deleted (rounds asks before deleting one)."""
    return _l("这个命题有自己的评审细则，不能删除。") if challenge_rubric(challenge) else None


def _challenge_rubric_of(application: Application) -> Rubric | None:
    if not application.challenge_id:
        return None
    return db.session.scalar(select(Rubric).where(
        Rubric.challenge_id == application.challenge_id))


def rubric_for(application: Application) -> Rubric:
    """A bid is scored by its challenge's own rubric when it has one, else by the round's
    (see round_rubric: the defaults, not stored, until there is a row)."""
    return _challenge_rubric_of(application) or round_rubric(application.round)


def stored_rubric_for(application: Application) -> Rubric:
    """rubric_for, stored: what a review is saved against."""
    return _challenge_rubric_of(application) or stored_round_rubric(application.round)


@dataclass
class CriterionData:
    name: str
    weight: int
    max_score: int
    guidance: str = ""


def save_rubric(actor: User, round_: Round, criteria: list[CriterionData],
                challenge=None) -> Rubric:
    """Replace the criteria of the round's rubric (or a challenge's own rubric). Weights must
    sum to 100; not once a review has been saved against it."""
    require(policy.can_manage_review(actor, round_))
    criteria = [c for c in criteria if c.name.strip()]
    if not criteria:
        raise NotAllowed(_l("评分细则至少要有一项。"), field="criteria")
    if sum(c.weight for c in criteria) != 100:
        raise NotAllowed(_l("各项权重之和应为 100，现在是 %(n)d。",
                            n=sum(c.weight for c in criteria)), field="criteria")
    if any(c.max_score <= 0 or c.weight < 0 for c in criteria):
        raise NotAllowed(_l("满分必须大于零，权重不能为负。"), field="criteria")
    if challenge is not None:
        rubric = challenge_rubric(challenge)
        if rubric is None:
            rubric = Rubric(round_id=round_.id, challenge_id=challenge.id,
                            name=f"{challenge.title} 评分细则")
            db.session.add(rubric)
    else:
        rubric = stored_round_rubric(round_)
    if rubric.id and db.session.scalar(select(func.count(Review.id)).where(
            Review.rubric_id == rubric.id)):
        raise NotAllowed(_l("已有专家按这套细则评分，不能再修改。"), field="criteria")
    before = [(c.name, c.weight, c.max_score) for c in rubric.criteria]
    rubric.criteria.clear()
    db.session.flush()
    for position, c in enumerate(criteria):
        rubric.criteria.append(Criterion(position=position, name=c.name.strip()[:60],
                                         weight=c.weight, max_score=c.max_score,
                                         guidance=c.guidance.strip()))
    db.session.flush()
    record("review.rubric", rubric, actor=actor, before={"criteria": before},
           after={"criteria": [(c.name, c.weight, c.max_score) for c in criteria]})
    return rubric
