"""Challenges (主办方命题): themes posted by the organizer, with a per-team cap, a number of
slots and eligibility rules, each funded from a pool (its own, or one of the round's)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, func, select

from marketplace.audit.services import record, snapshot
from marketplace.core.money import format_yuan, to_fen
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.organisations.models import OrganisationType
from marketplace.rounds import contributions, policy
from marketplace.rounds.matching import check_regions, notify_challenge_published
from marketplace.rounds.models import (
    Challenge,
    ChallengeInvitation,
    Department,
    InvitationAnswer,
    MatchNotice,
    Pool,
    PoolKind,
    Round,
    RoundStatus,
)
from marketplace.rounds.pools import create_pool, deleted_meanwhile, pool_in_use, remove_pool
from marketplace.rounds.services import lock_round

CHALLENGE_FIELDS = ["title", "background", "expected_outcomes", "indicators",
                    "cap_per_team_fen", "slots", "pool_id", "eligible_regions",
                    "eligible_org_types", "department_id"]
# What the String(n) column holds: a longer title is refused, not a database error.
CHALLENGE_TITLE_LENGTH = Challenge.title.property.columns[0].type.length


@dataclass
class ChallengeData:
    title: str
    cap_per_team: Decimal
    slots: int = 1
    background: str = ""
    expected_outcomes: str = ""
    indicators: str = ""
    pool_id: int | None = None         # an existing pool of the round; None: a new pool
    pool_amount: Decimal | None = None  # for a new pool; default cap × slots
    eligible_regions: list[str] = field(default_factory=list)
    eligible_org_types: list[str] = field(default_factory=list)
    department_id: int | None = None   # 命题方


def _check_challenge(round_: Round, data: ChallengeData) -> None:
    if not (data.title or "").strip():
        raise NotAllowed(_l("请填写命题名称。"), field="title")
    if len(data.title.strip()) > CHALLENGE_TITLE_LENGTH:
        raise NotAllowed(_l("命题名称不能超过 %(n)d 个字。", n=CHALLENGE_TITLE_LENGTH),
                         field="title")
    if data.cap_per_team is None or data.cap_per_team <= 0:
        raise NotAllowed(_l("每队资助上限应大于 0。"), field="cap_per_team")
    if (round_.max_amount_per_project_fen is not None
            and to_fen(data.cap_per_team) > round_.max_amount_per_project_fen):
        raise NotAllowed(_l("每队资助上限不能超过单个项目资助上限 %(max)s。",
                            max=format_yuan(round_.max_amount_per_project_fen)),
                         field="cap_per_team")
    if not data.slots or data.slots < 1:
        raise NotAllowed(_l("揭榜队伍数至少为 1。"), field="slots")
    known = {t.value for t in OrganisationType}
    if any(t not in known for t in data.eligible_org_types):
        raise NotAllowed(_l("未知的组织类型。"), field="eligible_org_types")
    if data.pool_id is not None:
        pool = db.session.get(Pool, data.pool_id)
        if pool is None or pool.round_id != round_.id:
            raise NotAllowed(_l("请选择本创投集市的资金池。"), field="pool_id")
    if data.department_id is not None and db.session.get(Department, data.department_id) is None:
        raise NotAllowed(_l("请选择命题方。"), field="department_id")


def _apply_challenge_data(challenge: Challenge, data: ChallengeData) -> None:
    challenge.title = data.title.strip()
    challenge.background = data.background or ""
    challenge.expected_outcomes = data.expected_outcomes or ""
    challenge.indicators = data.indicators or ""
    challenge.cap_per_team_fen = to_fen(data.cap_per_team)
    challenge.slots = data.slots
    challenge.department_id = data.department_id
    challenge.eligible_regions = check_regions(list(data.eligible_regions),
                                                "eligible_regions")
    challenge.eligible_org_types = [t.value for t in OrganisationType
                                    if t.value in data.eligible_org_types]


def create_challenge(actor, round_: Round, data: ChallengeData,
                     now: datetime | None = None) -> Challenge:
    """A challenge with its pool (an existing one, or a new one of cap × slots). Added to an
    open round, it is published at once and the matching organisations are e-mailed."""
    now = now or utcnow()
    require(policy.can_edit_round(actor, round_))
    round_ = lock_round(round_.id)
    _check_challenge(round_, data)
    if data.pool_id is not None:
        pool = db.session.get(Pool, data.pool_id)
    else:
        amount = data.pool_amount
        if amount is None:
            amount = data.cap_per_team * data.slots
        pool = create_pool(actor, round_, str(_l("命题：%(title)s",
                                                 title=data.title.strip()))[:120],
                           PoolKind.CHALLENGE, amount, amount_field="pool_amount")
    challenge = Challenge(round=round_, pool=pool)
    db.session.add(challenge)
    _apply_challenge_data(challenge, data)
    if round_.status == RoundStatus.OPEN:
        challenge.published_at = now
    record("challenge.create", challenge, actor=actor,
           after=snapshot(challenge, CHALLENGE_FIELDS))
    if challenge.published_at is not None:
        notify_challenge_published(challenge)
    return challenge


def update_challenge(actor, challenge: Challenge, data: ChallengeData) -> Challenge:
    require(policy.can_edit_round(actor, challenge.round))
    round_ = lock_round(challenge.round_id)
    _check_challenge(round_, data)
    before = snapshot(challenge, CHALLENGE_FIELDS)
    _apply_challenge_data(challenge, data)
    if data.pool_id is not None:
        challenge.pool_id = data.pool_id
    record("challenge.update", challenge, actor=actor, before=before,
           after=snapshot(challenge, CHALLENGE_FIELDS))
    return challenge


def challenge_deletable(user, challenge: Challenge) -> bool:
    """Whether the challenge page shows 删除: the round still takes changes and nothing
    depends on the challenge (delete_challenge asks both again)."""
    return bool(policy.can_delete_from_round(user, challenge.round)) and \
        challenge_in_use(challenge) is None


def challenge_in_use(challenge: Challenge) -> str | None:
    """Why the challenge cannot be deleted, or None. Bids and answered invitations are
    another party's work; a draft round has neither."""
    return contributions.in_use("challenge", challenge)


@contributions.in_use_check("challenge", order=20)
def _answered_invitations(challenge: Challenge):
    n = db.session.scalar(select(func.count(ChallengeInvitation.id)).where(
        ChallengeInvitation.challenge_id == challenge.id,
        ChallengeInvitation.status != InvitationAnswer.PENDING))
    return ngettext("已有 %(n)d 个组织答复了派单邀请，不能删除这个命题。",
                    "已有 %(n)d 个组织答复了派单邀请，不能删除这个命题。", n, n=n) if n else None


def delete_challenge(actor, challenge: Challenge) -> None:
    """A challenge made by mistake goes with its unanswered invitations, and with its own
    challenge pool when nothing else uses that pool."""
    require(policy.can_manage_rounds(actor))
    round_ = lock_round(challenge.round_id)
    if deleted_meanwhile(Challenge, challenge):
        return  # a double click: the first one deleted it
    require(policy.can_delete_from_round(actor, round_))
    reason = challenge_in_use(challenge)
    if reason:
        raise NotAllowed(reason)
    pool = challenge.pool
    invited = list(db.session.scalars(
        select(ChallengeInvitation.organisation_id)
        .where(ChallengeInvitation.challenge_id == challenge.id)
        .order_by(ChallengeInvitation.organisation_id)))
    record("challenge.delete", challenge, actor=actor,
           before={"round_id": challenge.round_id, "published_at": challenge.published_at,
                   "invited_organisation_ids": invited,
                   **snapshot(challenge, CHALLENGE_FIELDS)})
    db.session.execute(delete(ChallengeInvitation)
                       .where(ChallengeInvitation.challenge_id == challenge.id))
    db.session.execute(delete(MatchNotice).where(MatchNotice.challenge_id == challenge.id))
    db.session.delete(challenge)
    db.session.flush()
    db.session.expire(round_, ["challenges"])
    if pool is not None and pool.kind == PoolKind.CHALLENGE and pool_in_use(pool) is None:
        remove_pool(actor, pool)
