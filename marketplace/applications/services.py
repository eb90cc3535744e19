"""Application changes: start, save a draft, submit, return, withdraw; and what the rounds
domain asks of applications (rounds/contributions.py).

Each function checks permission (applications.policy) and timing (server time against the
round's deadline), changes the rows, writes the audit record and queues its e-mails; the
caller commits once. The proposal's data, limits and budget arithmetic are in proposal.py,
attachments in attachments.py, lists and counts in lists.py.
"""
from __future__ import annotations

import contextlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.applications import policy, routing
from marketplace.applications.models import (
    Application,
    ApplicationStatus,
    ApplicationTheme,
    BudgetLine,
    PlanRow,
    TeamMember,
)
from marketplace.applications.proposal import (
    MAX_QUANTITY,
    PROPOSAL_FIELDS,
    ROW_TABLES,
    ApplicationData,
    budget_summary,
    clean_text,
    line_amount,
    refuse_unstorable,
)
from marketplace.applications.workflow import APPLICATION
from marketplace.audit.services import record
from marketplace.core.locks import lock_rows
from marketplace.core.money import FEN, MAX_AMOUNT, format_yuan, from_fen, to_fen
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import format_local, utcnow
from marketplace.extensions import db
from marketplace.organisations.models import Membership, Organisation, OrganisationType
from marketplace.rounds import contributions
from marketplace.rounds.models import BudgetCategory, Challenge, Pool, Round
from marketplace.rounds.policy import challenge_admits

START_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_start_token() -> str:
    """A fresh token for one rendering of the new-application form."""
    return secrets.token_urlsafe(24)


def start_application(actor, organisation: Organisation, round_: Round,
                      challenge: Challenge | None = None,
                      now: datetime | None = None, *, token: str | None = None) -> Application:
    """A new draft for the open call, or a bid on `challenge`.

    With the `token` of the form it was typed into, starting is idempotent: a second request
    with the same token (a double click, a retry) gets the draft the first one made, whatever
    state that draft has reached since. Starts of one organisation run one at a time (its
    row lock), so the second request sees the first one's draft once it is committed.
    """
    require(policy.can_start(actor, organisation, round_, now))
    if challenge is not None:
        if challenge.round_id != round_.id or challenge.published_at is None:
            raise NotAllowed(_l("找不到该命题。"))
        require(challenge_admits(challenge, organisation))
    if token is not None:
        if not START_TOKEN.fullmatch(token):
            raise NotAllowed(_l("表单已失效，请刷新页面后重新填写。"))
        lock_organisation(organisation.id)
        started = db.session.scalar(select(Application).where(
            Application.organisation_id == organisation.id, Application.start_token == token))
        if started is not None:
            if started.round_id != round_.id or started.challenge_id != (
                    challenge.id if challenge else None):
                raise NotAllowed(_l("表单已失效，请刷新页面后重新填写。"))
            return started
    application = Application(round=round_, organisation=organisation, challenge=challenge,
                              status=ApplicationStatus.DRAFT, created_by_id=actor.id,
                              region=organisation.region, start_token=token)
    if round_.categories and len(round_.categories) == 1:
        application.category = round_.categories[0]
    db.session.add(application)
    routing.apply_routing(application)
    record("application.create", application, actor=actor,
           after={"round_id": round_.id, "organisation_id": organisation.id,
                  "challenge_id": challenge.id if challenge else None})
    return application


def theme_rows(round_: Round, themes: list[str]) -> list[str]:
    """The chosen themes, each once, in the round's order; a theme the round does not define
    is refused (themes are the round's, like its categories)."""
    chosen = [clean_text(t) for t in themes or [] if clean_text(t)]
    offered = round_.themes or []
    unknown = [t for t in chosen if t not in offered]
    if unknown:
        raise NotAllowed(_l("“%(theme)s”不是本轮的主题，请从本轮的主题中选择。",
                            theme=unknown[0]), field="themes")
    return [t for t in offered if t in chosen]


def _replace_themes(application: Application, themes: list[str]) -> None:
    """Keep the rows of the themes still chosen (their primary key is (application, theme):
    deleting and re-adding one in the same flush would collide)."""
    kept = {row.theme: row for row in application.theme_rows}
    rows = []
    for i, theme in enumerate(themes):
        row = kept.get(theme) or ApplicationTheme(theme=theme)
        row.position = i
        rows.append(row)
    application.theme_rows = rows


def save_draft(actor, application: Application, data: ApplicationData,
               now: datetime | None = None) -> Application:
    """Replace the proposal with `data`; incomplete is fine (submission checks completeness).

    Under the application's row lock, so two saves at once (a double click) replace the rows
    one after the other instead of both deleting the old rows and both adding new ones."""
    lock_application(application)
    require(policy.can_edit(actor, application, now))
    refuse_unstorable(data)
    if data.category and data.category not in (application.round.categories or []):
        raise NotAllowed(_l("请从本轮的项目类别中选择。"), field="category")
    if clean_text(data.region) and clean_text(data.region) not in current_app.config["REGIONS"]:
        raise NotAllowed(_l("请从列表中选择实施县区。"), field="region")
    themes = theme_rows(application.round, data.themes)
    for line in data.budget_lines:
        if line.quantity <= 0 or line.quantity != line.quantity.quantize(FEN) \
                or line.quantity > MAX_QUANTITY:
            raise NotAllowed(_l("数量须为大于 0 的数，最多两位小数。"), field="budget_lines")
        if line.unit_price < 0 or line.unit_price != line.unit_price.quantize(FEN):
            raise NotAllowed(_l("单价须为不小于 0 的金额，最多两位小数。"), field="budget_lines")
        if line.unit_price > MAX_AMOUNT \
                or line_amount(line.quantity, line.unit_price) > MAX_AMOUNT:
            raise NotAllowed(_l("每行预算的单价和金额都不能超过 %(limit)s。",
                                limit=format_yuan(MAX_AMOUNT)), field="budget_lines")
    if budget_summary(data.budget_lines).total > MAX_AMOUNT:
        raise NotAllowed(_l("预算合计不能超过 %(max)s。", max=format_yuan(MAX_AMOUNT)),
                         field="budget_lines")
    for name in PROPOSAL_FIELDS:
        value = getattr(data, name)
        setattr(application, name, clean_text(value) if isinstance(value, str) else value)
    application.budget_lines = [
        BudgetLine(position=i, item=clean_text(line.item), category=line.category,
                   quantity=line.quantity, unit_price_fen=to_fen(line.unit_price),
                   amount_fen=to_fen(line_amount(line.quantity, line.unit_price)),
                   note=clean_text(line.note))
        for i, line in enumerate(data.budget_lines)]
    application.plan_rows = [
        PlanRow(position=i, period=clean_text(row.period), activity=clean_text(row.activity),
                expected_output=clean_text(row.expected_output))
        for i, row in enumerate(data.plan_rows)]
    application.team_members = [
        TeamMember(position=i, name=clean_text(m.name), role=clean_text(m.role),
                   phone=clean_text(m.phone))
        for i, m in enumerate(data.team_members)]
    _replace_themes(application, themes)
    application.requested_fen = sum(line.amount_fen for line in application.budget_lines)
    # A pool made or a county verified since the last save may route it elsewhere.
    routing.apply_routing(application)
    db.session.flush()
    record("application.save", application, actor=actor,
           after={"title": application.title, "requested_fen": application.requested_fen,
                  "budget_lines": len(application.budget_lines),
                  "themes": list(application.themes), "pool_id": application.pool_id})
    return application


class SubmissionRefused(NotAllowed):
    """Submission refused; `problems` holds one refusal per problem, all of them."""

    def __init__(self, problems: list[NotAllowed]):
        super().__init__(str(_l("；")).join(str(p.reason) for p in problems))
        self.problems = problems


# What a submission needs filled in, and what it says while one is empty. The form marks these
# fields required (* and aria-required) and counts them for its completeness indicator; the
# check itself is submission_problems', so there is one list of rules.
REQUIRED_FIELDS: dict[str, object] = {
    "title": _l("请填写项目名称。"),
    "category": _l("请选择项目类别。"),
    "region": _l("请选择项目实施的县区。"),
    "summary": _l("请填写项目简介。"),
    "objectives": _l("请填写项目目标。"),
    "start_date": _l("请填写项目的开始日期。"),
    "end_date": _l("请填写项目的结束日期。"),
    "budget_lines": _l("请至少填写一行预算明细。"),
}


def is_empty(value) -> bool:
    return not clean_text(value) if isinstance(value, str) else not value and value != 0


@dataclass(frozen=True)
class Completeness:
    """How far a saved proposal is from submission, as submission_problems sees it."""

    filled: int                  # required fields filled in
    total: int                   # required fields
    problems: list[NotAllowed]   # everything that stops the submission now
    missing: frozenset[str]      # the fields (names) with a problem

    @property
    def percent(self) -> int:
        return self.filled * 100 // self.total if self.total else 100

    @property
    def ready(self) -> bool:
        return not self.problems


def completeness(application: Application, now: datetime | None = None) -> Completeness:
    problems = submission_problems(application, now)
    missing = frozenset(p.field for p in problems if p.field)
    filled = sum(1 for name in REQUIRED_FIELDS if name not in missing)
    return Completeness(filled, len(REQUIRED_FIELDS), problems, missing)


def _count_other_submissions(application: Application) -> int:
    return db.session.scalar(select(func.count(Application.id)).where(
        Application.round_id == application.round_id,
        Application.organisation_id == application.organisation_id,
        Application.id != application.id,
        Application.status.not_in([ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN]),
    )) or 0


def submission_problems(application: Application,
                        now: datetime | None = None) -> list[NotAllowed]:
    """Everything that stops this application from being submitted now, one message each."""
    now = now or utcnow()
    round_ = application.round
    organisation = application.organisation
    problems: list[NotAllowed] = []

    def refuse(reason, field_name=None):
        problems.append(NotAllowed(reason, field=field_name))

    if not organisation.is_verified:
        refuse(_l("组织“%(name)s”尚未通过认证，认证后才能提交申报。", name=organisation.name))
    if not round_.accepts_applications_at(now):
        if round_.deadline_at is not None and now > round_.deadline_at:
            refuse(_l("本轮申报已于 %(deadline)s 截止。", deadline=_local(round_.deadline_at)))
        else:
            refuse(_l("本轮创投集市当前不接受申报。"))
    limit = round_.max_applications_per_org
    if limit is not None and _count_other_submissions(application) >= limit:
        refuse(_l("每个组织在本轮最多提交 %(n)d 份申报，你的组织已达上限。", n=limit))

    # Required fields: each one empty is a problem of its own (the form marks them, and its
    # completeness indicator counts them from this list).
    for name, message in REQUIRED_FIELDS.items():
        if is_empty(getattr(application, name)):
            refuse(message, name)
    if application.category and application.category not in (round_.categories or []):
        refuse(_l("请从本轮的项目类别中选择。"), "category")
    if application.start_date is not None and application.end_date is not None \
            and application.end_date < application.start_date:
        refuse(_l("结束日期不能早于开始日期。"), "end_date")
    # Saved before the caps existed, a proposal may hold more rows than a table may have.
    for name, cap, table, _texts in ROW_TABLES:
        count = len(getattr(application, name))
        if count > cap:
            refuse(_l("%(table)s最多 %(n)d 行，现在有 %(count)d 行。",
                      table=table, n=cap, count=count), name)
    lines = application.budget_lines
    if lines and any(not line.item for line in lines):
        refuse(_l("每行预算明细都要填写项目名称。"), "budget_lines")

    # Money.
    summary = budget_summary(lines)
    requested = summary.total
    if lines and requested <= 0:
        refuse(_l("申请金额须大于 0。"), "budget_lines")
    if round_.max_amount_per_project_fen is not None \
            and requested > from_fen(round_.max_amount_per_project_fen):
        refuse(_l("申请金额 %(amount)s 超过本轮单个项目上限 %(limit)s。",
                  amount=format_yuan(requested), limit=format_yuan(round_.max_amount_per_project)),
               "budget_lines")
    challenge = application.challenge
    if challenge is not None:
        if requested > challenge.cap_per_team:
            refuse(_l("申请金额 %(amount)s 超过本命题每队上限 %(limit)s。",
                      amount=format_yuan(requested), limit=format_yuan(challenge.cap_per_team)),
                   "budget_lines")
        admits = challenge_admits(challenge, organisation)
        if not admits:
            refuse(admits.reason)
    for key, max_share in sorted((round_.budget_rules or {}).items()):
        try:
            category = BudgetCategory(key)
        except ValueError:
            continue
        amount, share = summary.by_category.get(category, (Decimal("0.00"), Decimal("0.00")))
        if requested > 0 and amount * 100 > requested * Decimal(max_share):
            refuse(_l("%(category)s占预算总额的 %(share)s%%，超过本轮上限 %(limit)s%%。",
                      category=category.label, share=share, limit=max_share), "budget_lines")
    return problems


def _local(value: datetime) -> str:
    """A time in a message: Shanghai, labelled (core.timeutil.format_local)."""
    return format_local(value)


def build_snapshot(application: Application) -> dict:
    """The organisation profile and the proposal as they are at submission."""
    org = application.organisation
    return {
        "organisation": {
            "id": org.id, "name": org.name, "uscc": org.uscc, "org_type": org.org_type.value,
            "region": org.region, "contact_name": org.contact_name,
            "contact_phone": org.contact_phone, "address": org.address,
        },
        "proposal": {
            **{name: _plain(getattr(application, name)) for name in PROPOSAL_FIELDS},
            "challenge_id": application.challenge_id,
            "requested": str(application.requested),
            "budget_lines": [
                {"item": line.item, "category": line.category.value,
                 "quantity": str(line.quantity), "unit_price": str(line.unit_price),
                 "amount": str(line.amount), "note": line.note}
                for line in application.budget_lines],
            "plan_rows": [{"period": r.period, "activity": r.activity,
                           "expected_output": r.expected_output}
                          for r in application.plan_rows],
            "team_members": [{"name": m.name, "role": m.role, "phone": m.phone}
                             for m in application.team_members],
            "themes": list(application.themes),
            "attachments": [{"id": a.id, "name": a.original_name, "size": a.size,
                             "sha256": a.sha256} for a in application.attachments],
        },
    }


def _plain(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def organisation_as_submitted(application: Application) -> dict:
    """What the organisation was at submission (the snapshot); its live profile before."""
    snap = (application.snapshot or {}).get("organisation")
    if snap:
        data = dict(snap)
        with contextlib.suppress(ValueError, KeyError):
            data["org_type_label"] = OrganisationType(snap["org_type"]).label
        return data
    org = application.organisation
    return {"name": org.name, "uscc": org.uscc, "org_type_label": org.org_type.label,
            "region": org.region, "contact_name": org.contact_name,
            "contact_phone": org.contact_phone, "address": org.address}


def lock_organisation(organisation_id: int) -> None:
    """Serialise submissions of one organisation, so two at once cannot both slip under the
    round's limit per organisation."""
    lock_rows(Organisation, [organisation_id])


def lock_application(application: Application) -> Application:
    """Lock the application's row for this transaction and read it again (status, rows), so
    two requests on one application (a double click, a retry) run one after the other and
    the second one sees what the first did."""
    db.session.flush()
    lock_rows(Application, [application.id])
    db.session.expire(application)
    return application


def submit_application(actor, application: Application,
                       now: datetime | None = None) -> Application:
    """Submit (or submit again after a return). Refused with every problem at once.

    A repeated submit (double click, retry) finds the application submitted and changes
    nothing: no second audit entry, no second mail."""
    now = now or utcnow()
    if not policy.is_member(actor, application):
        require(policy.can_submit(actor, application, now))  # strangers take no lock
    # The organisation first, then the application: the order every submission takes.
    lock_organisation(application.organisation_id)
    lock_application(application)
    if application.status == ApplicationStatus.SUBMITTED:
        return application
    require(policy.can_submit(actor, application, now))
    problems = submission_problems(application, now)
    if problems:
        raise SubmissionRefused(problems)
    routing.apply_routing(application)
    application.submitted_at = now
    application.snapshot = build_snapshot(application)
    APPLICATION.move(actor, application, ApplicationStatus.SUBMITTED, now=now,
                     audit={"requested_fen": application.requested_fen,
                            "pool_id": application.pool_id})
    return application


def return_application(actor, application: Application, comment: str,
                       now: datetime | None = None) -> Application:
    """The organizer sends a submitted application back for changes, with a comment.
    Returning it again (double click, retry) finds it returned and changes nothing."""
    comment = clean_text(comment)
    lock_application(application)
    if application.status == ApplicationStatus.RETURNED and policy.is_staff(actor) \
            and not policy.is_member(actor, application):
        return application
    require(policy.can_return(actor, application, now))
    if not comment:
        raise NotAllowed(_l("请填写退回意见，申报组织会收到这条说明。"), field="comment")
    application.return_comment = comment
    APPLICATION.move(actor, application, ApplicationStatus.RETURNED, now=now,
                     audit={"comment": comment})
    return application


def take_back_application(actor, application: Application,
                          now: datetime | None = None) -> Application:
    """The group takes its submitted application back to draft to change it, before the
    deadline; it takes part in review only if it is submitted again (checked again then, as
    any submission). Staff keep seeing it (policy.was_submitted: handed in once), as a
    draft. Its snapshot goes: the next submission freezes a new one. Taking it back again
    (double click, retry) finds it a draft and changes nothing."""
    lock_application(application)
    if application.status == ApplicationStatus.DRAFT and policy.is_member(actor, application):
        return application
    APPLICATION.move(actor, application, ApplicationStatus.DRAFT, now=now,
                     audit={"submitted_at": application.submitted_at})
    application.snapshot = None
    return application


def copy_application(actor, source: Application, round_: Round,
                     now: datetime | None = None, *, token: str | None = None) -> Application:
    """A new open-call draft of the same organisation in `round_` (open, before its deadline)
    with the proposal of `source`: its texts, dates, budget, plan and team. Not its
    attachments (files are checked per proposal), status, pool, challenge (a challenge
    belongs to its round) or anything decided about it. A category or county the round does
    not offer is left empty. Idempotent with the form's `token`, as start_application."""
    require(policy.can_copy(actor, source))
    organisation = source.organisation
    if token is not None and START_TOKEN.fullmatch(token):
        lock_organisation(organisation.id)
        started = db.session.scalar(select(Application).where(
            Application.organisation_id == organisation.id, Application.start_token == token))
        if started is not None:
            return started  # a double click: the first request made the copy
    application = start_application(actor, organisation, round_, None, now, token=token)
    for name in PROPOSAL_FIELDS:
        setattr(application, name, getattr(source, name))
    if application.category not in (round_.categories or []):
        application.category = round_.categories[0] if len(round_.categories or []) == 1 \
            else ""
    if application.region not in current_app.config["REGIONS"]:
        application.region = ""
    application.budget_lines = [
        BudgetLine(position=i, item=b.item, category=b.category, quantity=b.quantity,
                   unit_price_fen=b.unit_price_fen, amount_fen=b.amount_fen, note=b.note)
        for i, b in enumerate(source.budget_lines)]
    application.plan_rows = [
        PlanRow(position=i, period=r.period, activity=r.activity,
                expected_output=r.expected_output) for i, r in enumerate(source.plan_rows)]
    application.team_members = [
        TeamMember(position=i, name=m.name, role=m.role, phone=m.phone)
        for i, m in enumerate(source.team_members)]
    # The themes the new round also defines; the others are left off, like its category.
    _replace_themes(application, [t for t in (round_.themes or []) if t in source.themes])
    application.requested_fen = sum(b.amount_fen for b in application.budget_lines)
    db.session.flush()
    record("application.copy", application, actor=actor,
           after={"copied_from": source.id, "round_id": round_.id,
                  "requested_fen": application.requested_fen})
    return application


def withdraw_application(actor, application: Application,
                         now: datetime | None = None) -> Application:
    """Withdrawing again (double click, retry) finds it withdrawn and changes nothing."""
    lock_application(application)
    if application.status == ApplicationStatus.WITHDRAWN and policy.is_member(actor,
                                                                               application):
        return application
    APPLICATION.move(actor, application, ApplicationStatus.WITHDRAWN, now=now)
    return application


def move_to_pool(actor, application: Application, pool: Pool, reason: str,
                 now: datetime | None = None) -> Application:
    """The organizer moves an application to another pool of its round, with a reason
    (audited); refused when that pool does not admit it (routing.pool_admits, the rule the
    money side refuses an award with). Routing leaves it there from now on.

    Locks round → pools → application, the order decisions take, so a move and a decision on
    the same round run one after the other. Moving it again to where it already is (a double
    click) changes nothing."""
    require(policy.can_move_pool(actor, application))
    reason = clean_text(reason)
    if pool is None or pool.round_id != application.round_id:
        raise NotAllowed(_l("请选择本轮的资金池。"), field="pool_id")
    db.session.flush()
    lock_rows(Round, [application.round_id])
    lock_rows(Pool, [application.pool_id, pool.id])
    lock_rows(Application, [application.id])
    db.session.refresh(application)
    require(policy.can_move_pool(actor, application))
    if application.pool_id == pool.id and application.pool_reason == reason:
        return application
    if not reason:
        raise NotAllowed(_l("请填写调整资金池的理由。"), field="reason")
    if len(reason) > 2000:
        raise NotAllowed(_l("理由不超过 2000 个字。"), field="reason")
    admitted = routing.application_admitted(pool, application)
    if not admitted:
        raise NotAllowed(admitted.reason, field="pool_id")
    before = {"pool_id": application.pool_id}
    application.pool = pool
    application.pool_reason = reason
    record("application.move_pool", application, actor=actor, before=before,
           after={"pool_id": pool.id, "pool": pool.name, "reason": reason})
    return application


@contributions.deadline_audience
def groups_with_unfinished_proposals(round_: Round) -> list[Organisation]:
    """Organisations with a draft or a returned application in the round: an extended
    deadline is news for them."""
    unfinished = select(Application.organisation_id).where(
        Application.round_id == round_.id, Application.status.in_(policy.EDITABLE))
    return list(db.session.scalars(
        select(Organisation).where(Organisation.id.in_(unfinished))
        .options(selectinload(Organisation.memberships).selectinload(Membership.user))))


# Deleting a pool or a challenge (rounds) waits for the applications filed under it, bids.
contributions.in_use_while_referenced(
    "pool", Application.pool_id,
    lambda n: ngettext("有 %(n)d 份申报书归入这个资金池，不能删除。",
                       "有 %(n)d 份申报书归入这个资金池，不能删除。", n, n=n), order=20)
contributions.in_use_while_referenced(
    "challenge", Application.challenge_id,
    lambda n: _l("已有 %(n)d 份揭榜申报，不能删除这个命题。", n=n), order=10)




