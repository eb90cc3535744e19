"""Rounds (创投集市): their settings, drafting, changes, the deadline's extension, publishing.

The round's sub-domains sit beside this module: pools (`pools.py`), challenges
(`challenges.py`), matching (`matching.py`) and 派单 (`invitations.py`). Each function checks
permission (rounds.policy) and timing, makes the change, writes an audit record and queues
its e-mails; it never commits — the caller does, once. Every change to a round's money takes
the round's row lock first (`lock_round`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.audit.models import AuditEntry
from marketplace.audit.services import record, snapshot
from marketplace.core.locks import lock_rows
from marketplace.core.money import format_yuan, to_fen
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import format_local, utcnow
from marketplace.extensions import db
from marketplace.notify.services import queue_mail
from marketplace.organisations.models import Organisation
from marketplace.rounds import contributions, policy
from marketplace.rounds.matching import members, public_link
from marketplace.rounds.models import (
    DEFAULT_CATEGORIES,
    BudgetCategory,
    MatchNotice,
    Pool,
    Round,
    RoundStatus,
    TrancheGate,
)
from marketplace.rounds.workflow import ROUND

ROUND_FIELDS = ["year", "title", "introduction", "status", "total_budget_fen", "opens_at",
                "deadline_at", "review_ends_at", "publicity_days", "delivery_ends_at",
                "categories", "themes", "max_amount_per_project_fen", "max_applications_per_org",
                "budget_rules", "tranche_template", "document_number", "supervision_phone"]
PUBLICITY_DETAIL_FIELDS = ["document_number", "supervision_phone"]
INTRODUCTION_LENGTH = 20000
THEME_LENGTH = 40  # application_theme.theme is String(40)


# What the String(n) columns hold; longer names are refused rather than failing in the
# database (PostgreSQL refuses them with an error, a 500 for the user).
TITLE_LENGTH = Round.title.property.columns[0].type.length
DOCUMENT_NUMBER_LENGTH = Round.document_number.property.columns[0].type.length
SUPERVISION_PHONE_LENGTH = Round.supervision_phone.property.columns[0].type.length


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


def clean_introduction(text: str | None) -> str:
    """The introduction is stored as the Markdown typed (line ends made uniform); it is
    rendered and sanitised when shown (core/markdown.py), so nothing typed can reach a page
    as markup of its own."""
    return (text or "").replace("\r\n", "\n").strip()


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
    themes: list[str] = field(default_factory=list)
    max_amount_per_project: Decimal | None = None
    max_applications_per_org: int | None = None
    budget_rules: dict[str, int] = field(default_factory=dict)
    tranche_template: list[dict] = field(default_factory=default_tranche_template)
    document_number: str = ""
    supervision_phone: str = ""


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
    if len(clean_introduction(data.introduction)) > INTRODUCTION_LENGTH:
        problems["introduction"] = str(_l("介绍不能超过 %(n)d 个字。", n=INTRODUCTION_LENGTH))
    problems.update(publicity_detail_problems(data.document_number, data.supervision_phone))
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
    themes = [t.strip() for t in data.themes or [] if t.strip()]
    if len(set(themes)) != len(themes):
        problems["themes"] = str(_l("主题不能重复。"))
    elif any(len(t) > THEME_LENGTH for t in themes):
        problems["themes"] = str(_l("每个主题不超过 %(n)d 个字。", n=THEME_LENGTH))
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


def publicity_detail_problems(document_number: str, supervision_phone: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    if len((document_number or "").strip()) > DOCUMENT_NUMBER_LENGTH:
        problems["document_number"] = str(_l("文号不能超过 %(n)d 个字。",
                                             n=DOCUMENT_NUMBER_LENGTH))
    phone = (supervision_phone or "").strip()
    if len(phone) > SUPERVISION_PHONE_LENGTH:
        problems["supervision_phone"] = str(_l("监督电话不能超过 %(n)d 个字。",
                                               n=SUPERVISION_PHONE_LENGTH))
    elif phone and not re.fullmatch(r"[0-9+()（）\- ]{5,}(转[0-9]+)?", phone):
        problems["supervision_phone"] = str(_l("请填写电话号码，如 0580-2022000。"))
    return problems


def _refuse_problems(problems: dict[str, str]) -> None:
    if problems:
        name, message = next(iter(problems.items()))
        raise NotAllowed(message, field=name)


def _apply_round_data(round_: Round, data: RoundData) -> None:
    round_.year = data.year
    round_.title = data.title.strip()
    round_.introduction = clean_introduction(data.introduction)
    round_.document_number = (data.document_number or "").strip()
    round_.supervision_phone = (data.supervision_phone or "").strip()
    round_.total_budget_fen = to_fen(data.total_budget)
    round_.opens_at = data.opens_at
    round_.deadline_at = data.deadline_at
    round_.review_ends_at = data.review_ends_at
    round_.publicity_days = data.publicity_days
    round_.delivery_ends_at = data.delivery_ends_at
    round_.categories = [c.strip() for c in data.categories if c.strip()]
    round_.themes = [t.strip() for t in data.themes or [] if t.strip()]
    round_.max_amount_per_project_fen = (None if data.max_amount_per_project is None
                                         else to_fen(data.max_amount_per_project))
    round_.max_applications_per_org = data.max_applications_per_org
    round_.budget_rules = dict(data.budget_rules)
    round_.tranche_template = [
        {"label": r["label"].strip(), "percent": r["percent"], "gate": r["gate"]}
        for r in data.tranche_template]


def create_round(actor, data: RoundData) -> Round:
    require(policy.can_manage_rounds(actor))
    _refuse_problems(round_data_problems(data))
    round_ = Round(status=RoundStatus.DRAFT, created_by_id=actor.id)
    _apply_round_data(round_, data)
    db.session.add(round_)
    record("round.create", round_, actor=actor, after=snapshot(round_, ROUND_FIELDS))
    return round_


def lock_round(round_id: int) -> Round:
    """Lock the round's row for this transaction and re-read it: every change to its money
    goes through here, one at a time. The same lock funds.services takes on the round first
    (`core.locks.lock_rows`), so the two never deadlock."""
    lock_rows(Round, [round_id])
    return db.session.execute(
        select(Round).where(Round.id == round_id)
        .execution_options(populate_existing=True)).scalar_one()


def pooled_fen(round_id: int, exclude_pool_id: int | None = None) -> int:
    stmt = select(func.coalesce(func.sum(Pool.amount_fen), 0)).where(Pool.round_id == round_id)
    if exclude_pool_id is not None:
        stmt = stmt.where(Pool.id != exclude_pool_id)
    return int(db.session.scalar(stmt))


def _same_minute(typed: datetime | None, stored: datetime | None) -> bool:
    """The form shows times to the minute: typed back unchanged, a stored time with seconds
    is still the same time."""
    return typed is not None and stored is not None \
        and typed == stored.replace(second=0, microsecond=0)


def update_round(actor, round_: Round, data: RoundData, now: datetime | None = None) -> Round:
    """Change a round's settings. A deadline that has passed in an open round stays where it
    is: moving it is extend_deadline's job (audited, with a reason, announced)."""
    now = now or utcnow()
    require(policy.can_edit_round(actor, round_))
    round_ = lock_round(round_.id)
    require(policy.can_edit_round(actor, round_))
    if _same_minute(data.deadline_at, round_.deadline_at):
        data = replace(data, deadline_at=round_.deadline_at)
    if (round_.status == RoundStatus.OPEN and round_.deadline_at is not None
            and round_.deadline_at < now and data.deadline_at != round_.deadline_at):
        raise NotAllowed(_l("申报截止时间已过，不能在这里修改；如需延长，"
                            "请使用“延长申报截止时间”。"), field="deadline_at")
    _refuse_problems(round_data_problems(data))
    pooled = pooled_fen(round_.id)
    if to_fen(data.total_budget) < pooled:
        raise NotAllowed(_l("资金池已分配 %(pooled)s，总预算不能低于这个数。",
                            pooled=format_yuan(pooled)), field="total_budget")
    before = snapshot(round_, ROUND_FIELDS)
    _apply_round_data(round_, data)
    record("round.update", round_, actor=actor, before=before,
           after=snapshot(round_, ROUND_FIELDS))
    return round_


def extend_deadline(actor, round_: Round, deadline_at: datetime | None, reason: str,
                    now: datetime | None = None) -> int:
    """延长申报截止时间: move the deadline of an open round later, passed or not, with a
    reason that is audited and mailed to the organisations still working on a proposal.
    Returns how many organisations were told."""
    now = now or utcnow()
    require(policy.can_extend_deadline(actor, round_))
    round_ = lock_round(round_.id)
    require(policy.can_extend_deadline(actor, round_))
    reason = (reason or "").strip()
    if deadline_at is None:
        raise NotAllowed(_l("请填写新的申报截止时间。"), field="deadline_at")
    repeated = _extended_to(round_, deadline_at)
    if repeated is not None:
        return repeated  # a double click: the first one extended it, recorded and mailed
    if deadline_at <= round_.deadline_at:
        raise NotAllowed(_l("新的截止时间应晚于原截止时间 %(deadline)s。",
                            deadline=_local(round_.deadline_at)), field="deadline_at")
    if deadline_at <= now:
        raise NotAllowed(_l("新的截止时间应晚于现在。"), field="deadline_at")
    if round_.review_ends_at is not None and deadline_at >= round_.review_ends_at:
        raise NotAllowed(_l("新的截止时间应早于评审结束时间 %(ends)s；请先修改评审结束时间。",
                            ends=_local(round_.review_ends_at)), field="deadline_at")
    if not reason:
        raise NotAllowed(_l("请填写延长的理由，申报组织会收到这条说明。"), field="reason")
    if len(reason) > 2000:
        raise NotAllowed(_l("延长的理由不超过 2000 个字。"), field="reason")
    before = round_.deadline_at
    round_.deadline_at = deadline_at
    told = notify_deadline_extended(round_, before, reason)
    record("round.extend_deadline", round_, actor=actor, before={"deadline_at": before},
           after={"deadline_at": deadline_at, "reason": reason, "organisations": told})
    return told


def close_intake(actor, round_: Round, now: datetime | None = None) -> datetime:
    """截止申报: the deadline becomes now, so review can start at once; audited with the
    deadline it replaces. Drafts stay drafts; nothing more can be submitted or changed."""
    now = (now or utcnow()).replace(microsecond=0)
    require(policy.can_close_intake(actor, round_, now))
    round_ = lock_round(round_.id)
    require(policy.can_close_intake(actor, round_, now))  # a double click closes once
    before = round_.deadline_at
    round_.deadline_at = now
    record("round.close_intake", round_, actor=actor, before={"deadline_at": before},
           after={"deadline_at": now})
    return now


def _extended_to(round_: Round, deadline_at: datetime) -> int | None:
    """When the round's last extension already moved it to `deadline_at`: how many
    organisations were told then. None otherwise."""
    if round_.deadline_at != deadline_at:
        return None
    last = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "round.extend_deadline",
                                 AuditEntry.object_type == Round.__tablename__,
                                 AuditEntry.object_id == round_.id)
        .order_by(AuditEntry.id.desc()).limit(1))
    if last is None or (last.after or {}).get("deadline_at") != deadline_at.isoformat():
        return None
    return int(last.after.get("organisations", 0))


def notify_deadline_extended(round_: Round, before: datetime, reason: str) -> int:
    told: dict[int, Organisation] = {}
    for find in contributions.deadline_audiences():
        told.update((o.id, o) for o in find(round_))
    link = public_link(url_for("rounds.detail", round_id=round_.id))
    for organisation in sorted(told.values(), key=lambda o: o.id):
        for user in members(organisation):
            queue_mail(user.email, "rounds/deadline_extended", user.locale, user=user, round=round_,
                       organisation=organisation, before=before, reason=reason, link=link)
    return len(told)


def _local(value: datetime) -> str:
    """A time in a message: Shanghai, labelled (core.timeutil.format_local)."""
    return format_local(value)


def round_phase(round_: Round, now: datetime) -> RoundStatus:
    """What the round is doing now, for display: an open round past its deadline reads as
    reviewing. The stored status only changes through service calls."""
    if (round_.status == RoundStatus.OPEN and round_.deadline_at is not None
            and now > round_.deadline_at):
        return RoundStatus.REVIEWING
    return round_.status


def publish_problems(round_: Round, now: datetime) -> list[str]:
    problems: list[str] = []
    if round_.total_budget_fen <= 0:
        problems.append(str(_l("请先填写总预算。")))
    for name, label in DATE_FIELDS:
        if getattr(round_, name) is None:
            problems.append(str(_l("请先填写%(label)s。", label=label)))
    problems.extend(date_order_problems({n: getattr(round_, n) for n, _ in DATE_FIELDS}).values())
    if round_.deadline_at is not None and round_.deadline_at <= now:
        problems.append(str(_l("申报截止时间已过，请先修改。")))
    if not round_.pools:
        problems.append(str(_l("请至少设置一个资金池。")))
    problem = tranche_problem(round_.tranche_template or [])
    if problem:
        problems.append(problem)
    if not round_.categories:
        problems.append(str(_l("请至少填写一个项目类别。")))
    return problems


def publish_round(actor, round_: Round, now: datetime | None = None) -> int:
    """draft → open. E-mails the matching verified organisations once; returns how many."""
    now = now or utcnow()
    require(policy.can_publish(actor, round_))
    round_ = lock_round(round_.id)
    require(policy.can_publish(actor, round_))
    problems = publish_problems(round_, now)
    if problems:
        listed = str(_l("；")).join(problems)
        raise NotAllowed(_l("还不能发布：%(problems)s", problems=listed))
    round_.published_at = now
    for challenge in round_.challenges:
        challenge.published_at = challenge.published_at or now
    ROUND.move(actor, round_, RoundStatus.OPEN, audit={"published_at": now})
    # The move's mail hook told the matching groups (notify_round_published); a draft round
    # has told nobody before, so every group noticed for it was told now.
    return len(set(db.session.scalars(select(MatchNotice.organisation_id).where(
        MatchNotice.round_id == round_.id))))


def update_publicity_details(actor, round_: Round, document_number: str,
                             supervision_phone: str) -> Round:
    """The 公示's document number (文号) and supervision phone (监督电话), which are often known
    only when the 公示 is near: they may change until the round is finalised, after its other
    settings froze."""
    require(policy.can_edit_publicity_details(actor, round_))
    round_ = lock_round(round_.id)
    require(policy.can_edit_publicity_details(actor, round_))
    _refuse_problems(publicity_detail_problems(document_number, supervision_phone))
    before = snapshot(round_, PUBLICITY_DETAIL_FIELDS)
    round_.document_number = (document_number or "").strip()
    round_.supervision_phone = (supervision_phone or "").strip()
    after = snapshot(round_, PUBLICITY_DETAIL_FIELDS)
    if after != before:
        record("round.update_publicity_details", round_, actor=actor, before=before,
               after=after)
    return round_


def open_rounds(now: datetime) -> list[Round]:
    """Rounds taking applications now (published, before the deadline)."""
    return list(db.session.scalars(
        select(Round).where(Round.status == RoundStatus.OPEN, Round.deadline_at >= now)
        .order_by(Round.deadline_at, Round.id)))


