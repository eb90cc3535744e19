"""Round, pool and challenge changes, publishing, matching (一键式对接) and 派单.

Each function checks permission (rounds.policy) and timing, makes the change, writes an
audit record and queues its e-mails; it never commits — the caller does, once.
Money invariants (pools of a round sum to at most its budget) are checked under a row lock
on the round, so two concurrent requests cannot both squeeze a pool in.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

import nh3
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError

from marketplace.audit.models import AuditEntry
from marketplace.audit.services import record, snapshot
from marketplace.core.locks import lock_rows
from marketplace.core.money import format_yuan, to_fen
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import to_local, utcnow
from marketplace.core.urls import public_url
from marketplace.extensions import db
from marketplace.notify.services import queue_mail
from marketplace.organisations.models import (
    Membership,
    Organisation,
    OrganisationStatus,
    OrganisationType,
)
from marketplace.rounds import policy
from marketplace.rounds.models import (
    DEFAULT_CATEGORIES,
    BudgetCategory,
    Challenge,
    ChallengeInvitation,
    InvitationAnswer,
    MatchingPreference,
    MatchNotice,
    Pool,
    PoolKind,
    Round,
    RoundStatus,
    TrancheGate,
)
from marketplace.rounds.workflow import CHALLENGE_INVITATION, ROUND

INTRODUCTION_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h3", "h4"}
ROUND_FIELDS = ["year", "title", "introduction", "status", "total_budget_fen", "opens_at",
                "deadline_at", "review_ends_at", "publicity_days", "delivery_ends_at",
                "categories", "max_amount_per_project_fen", "max_applications_per_org",
                "budget_rules", "tranche_template"]
POOL_FIELDS = ["name", "kind", "amount_fen", "regions"]
CHALLENGE_FIELDS = ["title", "background", "expected_outcomes", "indicators",
                    "cap_per_team_fen", "slots", "pool_id", "eligible_regions",
                    "eligible_org_types"]


# What the String(n) columns hold; longer names are refused rather than failing in the
# database (PostgreSQL refuses them with an error, a 500 for the user).
TITLE_LENGTH = Round.title.property.columns[0].type.length
POOL_NAME_LENGTH = Pool.name.property.columns[0].type.length
CHALLENGE_TITLE_LENGTH = Challenge.title.property.columns[0].type.length


def default_tranche_template() -> list[dict]:
    return [
        {"label": "立项拨付", "percent": 50, "gate": TrancheGate.ON_AWARD.value},
        {"label": "中期报告通过后拨付", "percent": 30, "gate": TrancheGate.AFTER_REPORT.value},
        {"label": "验收合格后拨付", "percent": 20, "gate": TrancheGate.AFTER_ACCEPTANCE.value},
    ]


TRANCHE_GATE_LABELS = {
    TrancheGate.ON_AWARD: _l("立项后"),
    TrancheGate.AFTER_AGREEMENT: _l("项目协议签订后"),
    TrancheGate.AFTER_REPORT: _l("中期报告通过后"),
    TrancheGate.AFTER_MIDTERM: _l("中期评估合格后"),
    TrancheGate.AFTER_ACCEPTANCE: _l("验收合格后"),
}


def sanitise_introduction(html: str) -> str:
    """Limited rich text: paragraphs, emphasis, lists, links, small headings. Nothing else."""
    return nh3.clean(html or "", tags=INTRODUCTION_TAGS, attributes={"a": {"href"}},
                     url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow").strip()


# --- rounds -------------------------------------------------------------------------------

@dataclass
class RoundData:
    """A round's settings as typed by the organizer; datetimes already naive UTC."""

    year: int
    title: str
    introduction: str = ""
    total_budget: Decimal = Decimal("0.00")
    opens_at: datetime | None = None
    deadline_at: datetime | None = None
    review_ends_at: datetime | None = None
    publicity_days: int = 7
    delivery_ends_at: datetime | None = None
    categories: list[str] = field(default_factory=lambda: list(DEFAULT_CATEGORIES))
    max_amount_per_project: Decimal | None = None
    max_applications_per_org: int | None = None
    budget_rules: dict[str, int] = field(default_factory=dict)
    tranche_template: list[dict] = field(default_factory=default_tranche_template)


DATE_FIELDS = [
    ("opens_at", _l("申报开始时间")),
    ("deadline_at", _l("申报截止时间")),
    ("review_ends_at", _l("评审结束时间")),
    ("delivery_ends_at", _l("项目实施结束时间")),
]


def date_order_problems(values: dict[str, datetime | None]) -> dict[str, str]:
    """Each date that is set must come after the previous one that is set."""
    problems: dict[str, str] = {}
    previous: tuple[str, object, datetime] | None = None
    for name, label in DATE_FIELDS:
        value = values.get(name)
        if value is None:
            continue
        if previous is not None and value <= previous[2]:
            problems[name] = str(_l("%(this)s应晚于%(prev)s。", this=label, prev=previous[1]))
        previous = (name, label, value)
    return problems


def tranche_problem(rows: list[dict]) -> str | None:
    if not rows:
        return str(_l("请至少填写一期拨付。"))
    for row in rows:
        if not str(row.get("label", "")).strip():
            return str(_l("每一期拨付都需要名称。"))
        percent = row.get("percent")
        if not isinstance(percent, int) or not 1 <= percent <= 100:
            return str(_l("每一期的比例应为 1 到 100 之间的整数。"))
        if row.get("gate") not in {g.value for g in TrancheGate}:
            return str(_l("请选择每一期的拨付条件。"))
    total = sum(row["percent"] for row in rows)
    if total != 100:
        return str(_l("各期比例合计应为 100%%，现在是 %(total)d%%。", total=total))
    return None


def round_data_problems(data: RoundData) -> dict[str, str]:
    """Every problem with the typed settings, by form field (empty: all good)."""
    problems: dict[str, str] = {}
    if not (data.title or "").strip():
        problems["title"] = str(_l("请填写名称。"))
    elif len(data.title.strip()) > TITLE_LENGTH:
        problems["title"] = str(_l("名称不能超过 %(n)d 个字。", n=TITLE_LENGTH))
    if not 2000 <= (data.year or 0) <= 2100:
        problems["year"] = str(_l("请填写正确的年度。"))
    if data.total_budget is None or data.total_budget < 0:
        problems["total_budget"] = str(_l("总预算不能为负数。"))
    problems.update(date_order_problems({n: getattr(data, n) for n, _ in DATE_FIELDS}))
    if not 1 <= (data.publicity_days or 0) <= 60:
        problems["publicity_days"] = str(_l("公示天数应为 1 到 60 天。"))
    categories = [c.strip() for c in data.categories or [] if c.strip()]
    if not categories:
        problems["categories"] = str(_l("请至少填写一个项目类别。"))
    elif len(set(categories)) != len(categories):
        problems["categories"] = str(_l("项目类别不能重复。"))
    elif any(len(c) > 40 for c in categories):
        problems["categories"] = str(_l("每个项目类别不超过 40 个字。"))
    if data.max_amount_per_project is not None:
        if data.max_amount_per_project <= 0:
            problems["max_amount_per_project"] = str(_l("单个项目资助上限应大于 0。"))
        elif data.total_budget is not None and data.max_amount_per_project > data.total_budget:
            problems["max_amount_per_project"] = str(_l("单个项目资助上限不能超过总预算。"))
    if data.max_applications_per_org is not None and data.max_applications_per_org < 1:
        problems["max_applications_per_org"] = str(_l("每个组织的申报数量上限至少为 1。"))
    known = {c.value for c in BudgetCategory}
    for key, share in (data.budget_rules or {}).items():
        if key not in known or not isinstance(share, int) or not 1 <= share <= 100:
            problems["budget_rules"] = str(_l("费用类别的占比上限应为 1 到 100 之间的整数。"))
    problem = tranche_problem(data.tranche_template)
    if problem:
        problems["tranches"] = problem
    return problems


def _refuse_problems(problems: dict[str, str]) -> None:
    if problems:
        name, message = next(iter(problems.items()))
        raise NotAllowed(message, field=name)


def _apply_round_data(round: Round, data: RoundData) -> None:
    round.year = data.year
    round.title = data.title.strip()
    round.introduction = sanitise_introduction(data.introduction)
    round.total_budget_fen = to_fen(data.total_budget)
    round.opens_at = data.opens_at
    round.deadline_at = data.deadline_at
    round.review_ends_at = data.review_ends_at
    round.publicity_days = data.publicity_days
    round.delivery_ends_at = data.delivery_ends_at
    round.categories = [c.strip() for c in data.categories if c.strip()]
    round.max_amount_per_project_fen = (None if data.max_amount_per_project is None
                                        else to_fen(data.max_amount_per_project))
    round.max_applications_per_org = data.max_applications_per_org
    round.budget_rules = dict(data.budget_rules)
    round.tranche_template = [
        {"label": r["label"].strip(), "percent": r["percent"], "gate": r["gate"]}
        for r in data.tranche_template]


def create_round(actor, data: RoundData) -> Round:
    require(policy.can_manage_rounds(actor))
    _refuse_problems(round_data_problems(data))
    round = Round(status=RoundStatus.DRAFT, created_by_id=actor.id)
    _apply_round_data(round, data)
    db.session.add(round)
    record("round.create", round, actor=actor, after=snapshot(round, ROUND_FIELDS))
    return round


def lock_round(round_id: int) -> Round:
    """Lock the round's row for this transaction and re-read it: every change to its money
    goes through here, one at a time. The same lock funds.services takes on the round first
    (`core.locks.lock_rows`), so the two never deadlock."""
    lock_rows(Round, [round_id])
    return db.session.execute(
        select(Round).where(Round.id == round_id)
        .execution_options(populate_existing=True)).scalar_one()


def _pooled_fen(round_id: int, exclude_pool_id: int | None = None) -> int:
    stmt = select(func.coalesce(func.sum(Pool.amount_fen), 0)).where(Pool.round_id == round_id)
    if exclude_pool_id is not None:
        stmt = stmt.where(Pool.id != exclude_pool_id)
    return int(db.session.scalar(stmt))


def _same_minute(typed: datetime | None, stored: datetime | None) -> bool:
    """The form shows times to the minute: typed back unchanged, a stored time with seconds
    is still the same time."""
    return typed is not None and stored is not None \
        and typed == stored.replace(second=0, microsecond=0)


def update_round(actor, round: Round, data: RoundData, now: datetime | None = None) -> Round:
    """Change a round's settings. A deadline that has passed in an open round stays where it
    is: moving it is extend_deadline's job (audited, with a reason, announced)."""
    now = now or utcnow()
    require(policy.can_edit_round(actor, round))
    round = lock_round(round.id)
    require(policy.can_edit_round(actor, round))
    if _same_minute(data.deadline_at, round.deadline_at):
        data = replace(data, deadline_at=round.deadline_at)
    if (round.status == RoundStatus.OPEN and round.deadline_at is not None
            and round.deadline_at < now and data.deadline_at != round.deadline_at):
        raise NotAllowed(_l("申报截止时间已过，不能在这里修改；如需延长，"
                            "请使用“延长申报截止时间”。"), field="deadline_at")
    _refuse_problems(round_data_problems(data))
    pooled = _pooled_fen(round.id)
    if to_fen(data.total_budget) < pooled:
        raise NotAllowed(_l("资金池已分配 %(pooled)s，总预算不能低于这个数。",
                            pooled=format_yuan(pooled)), field="total_budget")
    before = snapshot(round, ROUND_FIELDS)
    _apply_round_data(round, data)
    record("round.update", round, actor=actor, before=before,
           after=snapshot(round, ROUND_FIELDS))
    return round


# Who hears that a round's deadline was extended: functions round -> organisations,
# registered by the domain that knows (applications: groups with drafts or returned
# applications). Rounds sit below applications and ask through this list.
DEADLINE_AUDIENCES: list[Callable[[Round], Iterable[Organisation]]] = []


def deadline_audience(find: Callable[[Round], Iterable[Organisation]]):
    """Decorator: register a function naming organisations to tell about an extension."""
    DEADLINE_AUDIENCES.append(find)
    return find


def extend_deadline(actor, round: Round, deadline_at: datetime | None, reason: str,
                    now: datetime | None = None) -> int:
    """延长申报截止时间: move the deadline of an open round later, passed or not, with a
    reason that is audited and mailed to the organisations still working on a proposal.
    Returns how many organisations were told."""
    now = now or utcnow()
    require(policy.can_extend_deadline(actor, round))
    round = lock_round(round.id)
    require(policy.can_extend_deadline(actor, round))
    reason = (reason or "").strip()
    if deadline_at is None:
        raise NotAllowed(_l("请填写新的申报截止时间。"), field="deadline_at")
    repeated = _extended_to(round, deadline_at)
    if repeated is not None:
        return repeated  # a double click: the first one extended it, recorded and mailed
    if deadline_at <= round.deadline_at:
        raise NotAllowed(_l("新的截止时间应晚于原截止时间 %(deadline)s。",
                            deadline=_local(round.deadline_at)), field="deadline_at")
    if deadline_at <= now:
        raise NotAllowed(_l("新的截止时间应晚于现在。"), field="deadline_at")
    if round.review_ends_at is not None and deadline_at >= round.review_ends_at:
        raise NotAllowed(_l("新的截止时间应早于评审结束时间 %(ends)s；请先修改评审结束时间。",
                            ends=_local(round.review_ends_at)), field="deadline_at")
    if not reason:
        raise NotAllowed(_l("请填写延长的理由，申报组织会收到这条说明。"), field="reason")
    if len(reason) > 2000:
        raise NotAllowed(_l("延长的理由不超过 2000 个字。"), field="reason")
    before = round.deadline_at
    round.deadline_at = deadline_at
    told = notify_deadline_extended(round, before, reason)
    record("round.extend_deadline", round, actor=actor, before={"deadline_at": before},
           after={"deadline_at": deadline_at, "reason": reason, "organisations": told})
    return told


def _extended_to(round: Round, deadline_at: datetime) -> int | None:
    """When the round's last extension already moved it to `deadline_at`: how many
    organisations were told then. None otherwise."""
    if round.deadline_at != deadline_at:
        return None
    last = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "round.extend_deadline",
                                 AuditEntry.object_type == Round.__tablename__,
                                 AuditEntry.object_id == round.id)
        .order_by(AuditEntry.id.desc()).limit(1))
    if last is None or (last.after or {}).get("deadline_at") != deadline_at.isoformat():
        return None
    return int(last.after.get("organisations", 0))


def notify_deadline_extended(round: Round, before: datetime, reason: str) -> int:
    told: dict[int, Organisation] = {}
    for find in DEADLINE_AUDIENCES:
        told.update((o.id, o) for o in find(round))
    link = _public(url_for("rounds.detail", round_id=round.id))
    for organisation in sorted(told.values(), key=lambda o: o.id):
        for user in _members(organisation):
            queue_mail(user.email, "deadline_extended", user.locale, user=user, round=round,
                       organisation=organisation, before=before, reason=reason, link=link)
    return len(told)


def _local(value: datetime) -> str:
    return to_local(value).strftime("%Y-%m-%d %H:%M")


def round_phase(round: Round, now: datetime) -> RoundStatus:
    """What the round is doing now, for display: an open round past its deadline reads as
    reviewing. The stored status only changes through service calls."""
    if (round.status == RoundStatus.OPEN and round.deadline_at is not None
            and now > round.deadline_at):
        return RoundStatus.REVIEWING
    return round.status


def publish_problems(round: Round, now: datetime) -> list[str]:
    problems: list[str] = []
    if round.total_budget_fen <= 0:
        problems.append(str(_l("请先填写总预算。")))
    for name, label in DATE_FIELDS:
        if getattr(round, name) is None:
            problems.append(str(_l("请先填写%(label)s。", label=label)))
    problems.extend(date_order_problems({n: getattr(round, n) for n, _ in DATE_FIELDS}).values())
    if round.deadline_at is not None and round.deadline_at <= now:
        problems.append(str(_l("申报截止时间已过，请先修改。")))
    if not round.pools:
        problems.append(str(_l("请至少设置一个资金池。")))
    problem = tranche_problem(round.tranche_template or [])
    if problem:
        problems.append(problem)
    if not round.categories:
        problems.append(str(_l("请至少填写一个项目类别。")))
    return problems


def publish_round(actor, round: Round, now: datetime | None = None) -> int:
    """draft → open. E-mails the matching verified organisations once; returns how many."""
    now = now or utcnow()
    require(policy.can_publish(actor, round))
    round = lock_round(round.id)
    require(policy.can_publish(actor, round))
    problems = publish_problems(round, now)
    if problems:
        raise NotAllowed(_l("还不能发布：%(problems)s", problems="；".join(problems)))
    round.published_at = now
    for challenge in round.challenges:
        challenge.published_at = challenge.published_at or now
    ROUND.move(actor, round, RoundStatus.OPEN, audit={"published_at": now})
    # The move's mail hook told the matching groups (notify_round_published); a draft round
    # has told nobody before, so every group noticed for it was told now.
    return len(set(db.session.scalars(select(MatchNotice.organisation_id).where(
        MatchNotice.round_id == round.id))))


# --- pools --------------------------------------------------------------------------------

def _check_regions(regions: list[str], field_name: str) -> list[str]:
    allowed = current_app.config["REGIONS"]
    unknown = [r for r in regions if r not in allowed]
    if unknown:
        raise NotAllowed(_l("未知的县区：%(regions)s", regions="、".join(unknown)),
                         field=field_name)
    return [r for r in allowed if r in regions]  # canonical order, no duplicates


def _refuse_over_budget(round: Round, other_pools_fen: int, amount_fen: int,
                        field_name: str) -> None:
    if other_pools_fen + amount_fen > round.total_budget_fen:
        free = max(round.total_budget_fen - other_pools_fen, 0)
        raise NotAllowed(_l("资金池合计不能超过总预算 %(budget)s；目前还可分配 %(free)s。",
                            budget=format_yuan(round.total_budget_fen),
                            free=format_yuan(free)), field=field_name)


def _pool_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise NotAllowed(_l("请填写资金池名称。"), field="name")
    if len(name) > POOL_NAME_LENGTH:
        raise NotAllowed(_l("资金池名称不能超过 %(n)d 个字。", n=POOL_NAME_LENGTH), field="name")
    return name


def create_pool(actor, round: Round, name: str, kind: PoolKind, amount: Decimal,
                regions: list[str] = (), *, amount_field: str = "amount") -> Pool:
    require(policy.can_edit_round(actor, round))
    round = lock_round(round.id)
    name = _pool_name(name)
    if amount is None or amount < 0:
        raise NotAllowed(_l("金额不能为负数。"), field=amount_field)
    regions = _check_regions(list(regions or []), "regions")
    if kind == PoolKind.TARGETED and not regions:
        raise NotAllowed(_l("定向扶持资金池需要选择至少一个县区。"), field="regions")
    if kind != PoolKind.TARGETED:
        regions = []
    if kind == PoolKind.GENERAL and any(p.kind == PoolKind.GENERAL for p in round.pools):
        raise NotAllowed(_l("每个创投集市只有一个综合资金池。"), field="kind")
    amount_fen = to_fen(amount)
    _refuse_over_budget(round, _pooled_fen(round.id), amount_fen, amount_field)
    pool = Pool(round=round, name=name, kind=kind, amount_fen=amount_fen, regions=regions)
    db.session.add(pool)
    record("pool.create", pool, actor=actor, after=snapshot(pool, POOL_FIELDS))
    return pool


def update_pool(actor, pool: Pool, name: str, amount: Decimal,
                regions: list[str] = ()) -> Pool:
    from marketplace.funds.balances import balance

    require(policy.can_edit_round(actor, pool.round))
    round = lock_round(pool.round_id)
    name = _pool_name(name)
    if amount is None or amount < 0:
        raise NotAllowed(_l("金额不能为负数。"), field="amount")
    regions = _check_regions(list(regions or []), "regions")
    if pool.kind == PoolKind.TARGETED and not regions:
        raise NotAllowed(_l("定向扶持资金池需要选择至少一个县区。"), field="regions")
    amount_fen = to_fen(amount)
    _refuse_over_budget(round, _pooled_fen(round.id, exclude_pool_id=pool.id), amount_fen,
                        "amount")
    committed = balance(Pool, pool.id).committed
    if amount < committed:
        raise NotAllowed(_l("该资金池已承诺 %(committed)s，金额不能低于这个数。",
                            committed=format_yuan(committed)), field="amount")
    before = snapshot(pool, POOL_FIELDS)
    pool.name = name
    pool.amount_fen = amount_fen
    pool.regions = regions if pool.kind == PoolKind.TARGETED else []
    record("pool.update", pool, actor=actor, before=before, after=snapshot(pool, POOL_FIELDS))
    return pool


# --- challenges ---------------------------------------------------------------------------

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


def _check_challenge(round: Round, data: ChallengeData) -> None:
    if not (data.title or "").strip():
        raise NotAllowed(_l("请填写命题名称。"), field="title")
    if len(data.title.strip()) > CHALLENGE_TITLE_LENGTH:
        raise NotAllowed(_l("命题名称不能超过 %(n)d 个字。", n=CHALLENGE_TITLE_LENGTH),
                         field="title")
    if data.cap_per_team is None or data.cap_per_team <= 0:
        raise NotAllowed(_l("每队资助上限应大于 0。"), field="cap_per_team")
    if (round.max_amount_per_project_fen is not None
            and to_fen(data.cap_per_team) > round.max_amount_per_project_fen):
        raise NotAllowed(_l("每队资助上限不能超过单个项目资助上限 %(max)s。",
                            max=format_yuan(round.max_amount_per_project_fen)),
                         field="cap_per_team")
    if not data.slots or data.slots < 1:
        raise NotAllowed(_l("揭榜队伍数至少为 1。"), field="slots")
    known = {t.value for t in OrganisationType}
    if any(t not in known for t in data.eligible_org_types):
        raise NotAllowed(_l("未知的组织类型。"), field="eligible_org_types")
    if data.pool_id is not None:
        pool = db.session.get(Pool, data.pool_id)
        if pool is None or pool.round_id != round.id:
            raise NotAllowed(_l("请选择本创投集市的资金池。"), field="pool_id")


def _apply_challenge_data(challenge: Challenge, data: ChallengeData) -> None:
    challenge.title = data.title.strip()
    challenge.background = data.background or ""
    challenge.expected_outcomes = data.expected_outcomes or ""
    challenge.indicators = data.indicators or ""
    challenge.cap_per_team_fen = to_fen(data.cap_per_team)
    challenge.slots = data.slots
    challenge.eligible_regions = _check_regions(list(data.eligible_regions),
                                                "eligible_regions")
    challenge.eligible_org_types = [t.value for t in OrganisationType
                                    if t.value in data.eligible_org_types]


def create_challenge(actor, round: Round, data: ChallengeData,
                     now: datetime | None = None) -> Challenge:
    """A challenge with its pool (an existing one, or a new one of cap × slots). Added to an
    open round, it is published at once and the matching organisations are e-mailed."""
    now = now or utcnow()
    require(policy.can_edit_round(actor, round))
    round = lock_round(round.id)
    _check_challenge(round, data)
    if data.pool_id is not None:
        pool = db.session.get(Pool, data.pool_id)
    else:
        amount = data.pool_amount
        if amount is None:
            amount = data.cap_per_team * data.slots
        pool = create_pool(actor, round, str(_l("命题：%(title)s",
                                                title=data.title.strip()))[:120],
                           PoolKind.CHALLENGE, amount, amount_field="pool_amount")
    challenge = Challenge(round=round, pool=pool)
    db.session.add(challenge)
    _apply_challenge_data(challenge, data)
    if round.status == RoundStatus.OPEN:
        challenge.published_at = now
    record("challenge.create", challenge, actor=actor,
           after=snapshot(challenge, CHALLENGE_FIELDS))
    if challenge.published_at is not None:
        notify_challenge_published(challenge)
    return challenge


def update_challenge(actor, challenge: Challenge, data: ChallengeData) -> Challenge:
    require(policy.can_edit_round(actor, challenge.round))
    round = lock_round(challenge.round_id)
    _check_challenge(round, data)
    before = snapshot(challenge, CHALLENGE_FIELDS)
    _apply_challenge_data(challenge, data)
    if data.pool_id is not None:
        challenge.pool_id = data.pool_id
    record("challenge.update", challenge, actor=actor, before=before,
           after=snapshot(challenge, CHALLENGE_FIELDS))
    return challenge


# --- matching (一键式对接) -------------------------------------------------------------------

def apply_url(round_id: int, challenge_id: int | None = None) -> str:
    """The path that opens a new application (or bid) already tied to the round/challenge."""
    args = {"round_id": round_id}
    if challenge_id is not None:
        args["challenge_id"] = challenge_id
    try:
        return url_for("applications.new", **args)
    except BuildError:  # the applications pages are built by another capability
        if challenge_id is not None:
            return url_for("rounds.challenge", challenge_id=challenge_id)
        return url_for("rounds.detail", round_id=round_id)


def _public(url: str) -> str:
    """Absolute link for an e-mail. Outside a request url_for already answers absolute URLs
    (SERVER_NAME), inside one a path: public_url only prefixes paths."""
    return url if url.startswith(("http://", "https://")) else public_url(url)


def _candidates() -> list[tuple[Organisation, MatchingPreference | None]]:
    """Verified organisations with their preferences and members, in three queries."""
    stmt = (select(Organisation, MatchingPreference)
            .outerjoin(MatchingPreference,
                       MatchingPreference.organisation_id == Organisation.id)
            .where(Organisation.status == OrganisationStatus.VERIFIED)
            .options(selectinload(Organisation.memberships).selectinload(Membership.user))
            .order_by(Organisation.id))
    return [(org, pref) for org, pref in db.session.execute(stmt)]


def _already_notified(round_id: int) -> set[tuple[int, str]]:
    rows = db.session.execute(select(MatchNotice.organisation_id, MatchNotice.subject)
                              .where(MatchNotice.round_id == round_id))
    return {(org_id, subject) for org_id, subject in rows}


def _members(organisation: Organisation):
    return [m.user for m in organisation.memberships if m.user.is_active]


def notify_round_published(round: Round) -> int:
    """One mail per matching organisation (to each member): the open call and the
    challenges it may bid on. Stored in MatchNotice, so nobody hears about it twice."""
    done = _already_notified(round.id)
    notified = 0
    for organisation, preference in _candidates():
        round_new = (policy.matches_round(preference, round)
                     and (organisation.id, f"round:{round.id}") not in done)
        challenges = [c for c in round.challenges
                      if c.published_at is not None
                      and (organisation.id, f"challenge:{c.id}") not in done
                      and policy.matches_challenge(preference, c, organisation)]
        if not round_new and not challenges:
            continue
        if round_new:
            db.session.add(MatchNotice(organisation_id=organisation.id, round_id=round.id,
                                       subject=f"round:{round.id}"))
        for challenge in challenges:
            db.session.add(MatchNotice(organisation_id=organisation.id, round_id=round.id,
                                       challenge_id=challenge.id,
                                       subject=f"challenge:{challenge.id}"))
        links = [(c, _public(apply_url(round.id, c.id))) for c in challenges]
        for user in _members(organisation):
            queue_mail(user.email, "round_published", user.locale, user=user, round=round,
                       organisation=organisation,
                       apply_link=_public(apply_url(round.id)) if round_new else None,
                       challenges=links,
                       round_link=_public(url_for("rounds.detail", round_id=round.id)))
        notified += 1
    return notified


def notify_challenge_published(challenge: Challenge) -> int:
    round = challenge.round
    done = _already_notified(round.id)
    subject = f"challenge:{challenge.id}"
    notified = 0
    for organisation, preference in _candidates():
        if (organisation.id, subject) in done:
            continue
        if not policy.matches_challenge(preference, challenge, organisation):
            continue
        db.session.add(MatchNotice(organisation_id=organisation.id, round_id=round.id,
                                   challenge_id=challenge.id, subject=subject))
        link = _public(apply_url(round.id, challenge.id))
        for user in _members(organisation):
            queue_mail(user.email, "challenge_published", user.locale, user=user,
                       round=round, challenge=challenge, organisation=organisation,
                       link=link)
        notified += 1
    return notified


def preference_for(organisation: Organisation) -> MatchingPreference | None:
    return db.session.scalar(select(MatchingPreference).where(
        MatchingPreference.organisation_id == organisation.id))


def known_categories() -> list[str]:
    """Categories one may prefer: the defaults and those of every published round."""
    seen = list(DEFAULT_CATEGORIES)
    for categories in db.session.scalars(select(Round.categories).where(
            Round.status != RoundStatus.DRAFT)):
        seen.extend(c for c in categories or [] if c not in seen)
    return seen


def set_matching_preference(actor, organisation: Organisation, categories: list[str],
                            regions: list[str]) -> MatchingPreference:
    require(policy.can_set_preferences(actor, organisation))
    known = known_categories()
    unknown = [c for c in categories if c not in known]
    if unknown:
        raise NotAllowed(_l("未知的项目类别：%(c)s", c="、".join(unknown)), field="categories")
    regions = _check_regions(list(regions), "regions")
    preference = preference_for(organisation)
    before = None
    if preference is None:
        preference = MatchingPreference(organisation_id=organisation.id)
        db.session.add(preference)
    else:
        before = {"categories": preference.categories, "regions": preference.regions}
    preference.categories = [c for c in known if c in categories]
    preference.regions = regions
    preference.updated_by_id = actor.id
    record("matching_preference.set", preference, actor=actor, before=before,
           after={"organisation_id": organisation.id, "categories": preference.categories,
                  "regions": preference.regions})
    return preference


# --- 派单 -----------------------------------------------------------------------------------

def invite_organisations(actor, challenge: Challenge, organisations: list[Organisation],
                         message: str = "", now: datetime | None = None
                         ) -> list[ChallengeInvitation]:
    """Invite named verified organisations to bid; one invitation per organisation (asking
    again changes nothing and sends nothing)."""
    now = now or utcnow()
    require(policy.can_invite(actor, challenge, now))
    if not organisations:
        raise NotAllowed(_l("请选择要邀请的组织。"), field="organisations")
    # One at a time per round, so a double click finds the first click's invitations.
    lock_round(challenge.round_id)
    for organisation in organisations:
        own = policy.can_invite_organisation(actor, organisation)
        if not own:
            raise NotAllowed(own.reason, field="organisations")
        if not organisation.is_verified:
            raise NotAllowed(_l("%(name)s 尚未通过认证，不能邀请。", name=organisation.name),
                             field="organisations")
        admits = policy.challenge_admits(challenge, organisation)
        if not admits:
            raise NotAllowed(f"{organisation.name}：{admits.reason}", field="organisations")
    existing = set(db.session.scalars(select(ChallengeInvitation.organisation_id).where(
        ChallengeInvitation.challenge_id == challenge.id)))
    made = []
    for organisation in organisations:
        if organisation.id in existing:
            continue
        invitation = ChallengeInvitation(challenge=challenge, organisation=organisation,
                                         message=(message or "").strip(),
                                         invited_by_id=actor.id)
        db.session.add(invitation)
        record("challenge.invite", invitation, actor=actor,
               after={"challenge_id": challenge.id, "organisation_id": organisation.id})
        link = _public(url_for("rounds.invitation", invitation_id=invitation.id))
        for user in _members(organisation):
            queue_mail(user.email, "challenge_invitation", user.locale, user=user,
                       challenge=challenge, round=challenge.round, organisation=organisation,
                       message=invitation.message, link=link)
        made.append(invitation)
    return made


def answer_invitation(actor, invitation: ChallengeInvitation, bid: bool, reason: str = "",
                      now: datetime | None = None) -> ChallengeInvitation:
    """揭榜 (bid) or decline with a reason; the organizer sees the answer on the challenge.
    Giving the same answer again (double click, retry) changes nothing."""
    now = now or utcnow()
    invitation = _lock_invitation(invitation)
    answer = InvitationAnswer.BID if bid else InvitationAnswer.DECLINED
    if invitation.status == answer and policy.membership_of(actor, invitation.organisation):
        return invitation
    require(policy.can_answer_invitation(actor, invitation, now))
    reason = (reason or "").strip()
    if not bid and not reason:
        raise NotAllowed(_l("请填写婉拒的理由。"), field="reason")
    invitation.decline_reason = None if bid else reason
    invitation.answered_at = now
    invitation.answered_by_id = actor.id
    CHALLENGE_INVITATION.move(actor, invitation, answer, now=now,
                              audit={"reason": invitation.decline_reason})
    return invitation


def _lock_invitation(invitation: ChallengeInvitation) -> ChallengeInvitation:
    """Lock the invitation's row and read it again, so two answers at once run one after the
    other."""
    lock_rows(ChallengeInvitation, [invitation.id])
    return db.session.execute(
        select(ChallengeInvitation).where(ChallengeInvitation.id == invitation.id)
        .execution_options(populate_existing=True)).scalar_one()


# --- deleting mistakes ----------------------------------------------------------------------

def pool_in_use(pool: Pool) -> str | None:
    """Why the pool cannot be deleted (what depends on it), or None when nothing does."""
    from marketplace.applications.models import Application
    from marketplace.funds.models import Award, LedgerEntry

    db.session.flush()

    def count(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model)
                                 .where(model.pool_id == pool.id))

    if n := count(Challenge):
        return _l("有 %(n)d 个命题使用这个资金池，不能删除。", n=n)
    if n := count(Application):
        return _l("有 %(n)d 份申报书归入这个资金池，不能删除。", n=n)
    if n := count(LedgerEntry):
        return _l("资金台账中有 %(n)d 条记录涉及这个资金池，不能删除。", n=n)
    if n := count(Award):
        return _l("有 %(n)d 项资助决定来自这个资金池，不能删除。", n=n)
    return None


def _delete_pool(actor, pool: Pool) -> None:
    record("pool.delete", pool, actor=actor,
           before={"round_id": pool.round_id, **snapshot(pool, POOL_FIELDS)})
    db.session.delete(pool)
    db.session.flush()
    db.session.expire(pool.round, ["pools"])


def _deleted_meanwhile(model, obj) -> bool:
    """Gone once the round's lock is ours: another request deleted it first."""
    if db.session.scalar(select(model.id).where(model.id == obj.id)) is not None:
        return False
    db.session.expunge(obj)
    return True


def delete_pool(actor, pool: Pool) -> None:
    """A pool made by mistake goes, as long as no challenge, application, ledger entry or
    award refers to it."""
    require(policy.can_manage_rounds(actor))
    lock_round(pool.round_id)
    if _deleted_meanwhile(Pool, pool):
        return  # a double click: the first one deleted it
    reason = pool_in_use(pool)
    if reason:
        raise NotAllowed(reason)
    _delete_pool(actor, pool)


def challenge_in_use(challenge: Challenge) -> str | None:
    """Why the challenge cannot be deleted, or None. Bids and answered invitations are
    another party's work; a draft round has neither."""
    from marketplace.applications.models import Application
    from marketplace.review.models import Rubric

    n = db.session.scalar(select(func.count(Application.id))
                          .where(Application.challenge_id == challenge.id))
    if n:
        return _l("已有 %(n)d 份揭榜申报，不能删除这个命题。", n=n)
    n = db.session.scalar(select(func.count(ChallengeInvitation.id)).where(
        ChallengeInvitation.challenge_id == challenge.id,
        ChallengeInvitation.status != InvitationAnswer.PENDING))
    if n:
        return _l("已有 %(n)d 个组织答复了派单邀请，不能删除这个命题。", n=n)
    n = db.session.scalar(select(func.count(Rubric.id)).where(
        Rubric.challenge_id == challenge.id))
    if n:
        return _l("这个命题有自己的评审细则，不能删除。")
    return None


def delete_challenge(actor, challenge: Challenge) -> None:
    """A challenge made by mistake goes with its unanswered invitations, and with its own
    challenge pool when nothing else uses that pool."""
    require(policy.can_manage_rounds(actor))
    round = lock_round(challenge.round_id)
    if _deleted_meanwhile(Challenge, challenge):
        return  # a double click: the first one deleted it
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
    db.session.expire(round, ["challenges"])
    if pool is not None and pool.kind == PoolKind.CHALLENGE and pool_in_use(pool) is None:
        _delete_pool(actor, pool)


# --- queries ------------------------------------------------------------------------------

def open_rounds(now: datetime) -> list[Round]:
    """Rounds taking applications now (published, before the deadline)."""
    return list(db.session.scalars(
        select(Round).where(Round.status == RoundStatus.OPEN, Round.deadline_at >= now)
        .order_by(Round.deadline_at, Round.id)))


def pending_invitations(user) -> list[ChallengeInvitation]:
    """Unanswered 派单 invitations for the user's organisations, in open rounds."""
    if not (user and user.is_authenticated):
        return []
    now = utcnow()
    stmt = (select(ChallengeInvitation)
            .join(Membership, Membership.organisation_id == ChallengeInvitation.organisation_id)
            .join(Challenge, Challenge.id == ChallengeInvitation.challenge_id)
            .join(Round, Round.id == Challenge.round_id)
            .where(Membership.user_id == user.id,
                   ChallengeInvitation.status == InvitationAnswer.PENDING,
                   Round.status == RoundStatus.OPEN, Round.deadline_at >= now)
            .options(selectinload(ChallengeInvitation.challenge).selectinload(Challenge.round),
                     selectinload(ChallengeInvitation.organisation))
            .order_by(ChallengeInvitation.created_at))
    return list(db.session.scalars(stmt))

