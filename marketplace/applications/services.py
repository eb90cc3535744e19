"""Application changes: start, save a draft, submit, return, withdraw, attachments.

Each function checks permission (applications.policy) and timing (server time against the
round's deadline), changes the rows, writes the audit record and queues its e-mails; the
caller commits once. Money is Decimal here and integer fen in the database; a line's amount
is quantity × unit price rounded half-up to the fen, the requested amount is their sum —
both computed here, never taken from the client.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import contains_eager, selectinload

from marketplace.applications import policy
from marketplace.applications.models import (
    Application,
    ApplicationStatus,
    Attachment,
    BudgetLine,
    PlanRow,
    TeamMember,
)
from marketplace.applications.workflow import APPLICATION
from marketplace.audit.services import record
from marketplace.core.files import remove_after_commit, remove_on_rollback
from marketplace.core.locks import lock_rows
from marketplace.core.money import FEN, MAX_AMOUNT, format_yuan, from_fen, to_fen
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import to_local, utcnow
from marketplace.extensions import db
from marketplace.organisations.models import Membership, Organisation
from marketplace.rounds import contributions
from marketplace.rounds.models import (
    BudgetCategory,
    Challenge,
    Pool,
    PoolKind,
    Round,
    RoundStatus,
)
from marketplace.rounds.policy import challenge_admits

# --------------------------------------------------------------------------- data


@dataclass
class BudgetLineData:
    item: str
    category: BudgetCategory
    quantity: Decimal
    unit_price: Decimal
    note: str = ""


@dataclass
class PlanRowData:
    period: str
    activity: str
    expected_output: str = ""


@dataclass
class TeamMemberData:
    name: str
    role: str = ""
    phone: str = ""


@dataclass
class ApplicationData:
    title: str = ""
    category: str = ""
    summary: str = ""
    objectives: str = ""
    target_group: str = ""
    beneficiaries: int | None = None
    place: str = ""
    region: str = ""
    start_date: date | None = None
    end_date: date | None = None
    volunteers: int | None = None
    budget_lines: list[BudgetLineData] = field(default_factory=list)
    plan_rows: list[PlanRowData] = field(default_factory=list)
    team_members: list[TeamMemberData] = field(default_factory=list)


PROPOSAL_FIELDS = ["title", "category", "summary", "objectives", "target_group",
                   "beneficiaries", "place", "region", "start_date", "end_date", "volunteers"]

# Rows a proposal may have. Far more than a real proposal needs; without a cap one member
# could store thousands of rows and make every page that shows the proposal time out.
MAX_BUDGET_LINES = 100
MAX_PLAN_ROWS = 100
MAX_TEAM_MEMBERS = 50
# Long texts are stored in Text columns, which hold anything: capped all the same.
MAX_LONG_TEXT = 5000
MAX_ROW_TEXT = 2000
# Counts and amounts must fit the integer columns; these are far above any real project.
MAX_HEADCOUNT = 10_000_000
MAX_QUANTITY = Decimal("9999999999.99")      # BudgetLine.quantity is Numeric(12, 2)


def column_length(attribute) -> int:
    """The n of a String(n) column: what the database can hold."""
    return attribute.property.columns[0].type.length


# (field, label, limit) of the typed texts, checked before anything is stored.
PROPOSAL_TEXTS = [
    ("title", _l("项目名称"), column_length(Application.title)),
    ("summary", _l("项目简介"), MAX_LONG_TEXT),
    ("objectives", _l("项目目标"), MAX_LONG_TEXT),
    ("target_group", _l("服务对象"), column_length(Application.target_group)),
    ("place", _l("实施地点"), column_length(Application.place)),
]
BUDGET_LINE_TEXTS = [("item", _l("预算项目"), column_length(BudgetLine.item)),
                     ("note", _l("备注"), column_length(BudgetLine.note))]
PLAN_ROW_TEXTS = [("period", _l("时间或时段"), column_length(PlanRow.period)),
                  ("activity", _l("活动内容"), MAX_ROW_TEXT),
                  ("expected_output", _l("预期成果"), MAX_ROW_TEXT)]
TEAM_MEMBER_TEXTS = [("name", _l("姓名"), column_length(TeamMember.name)),
                     ("role", _l("分工"), column_length(TeamMember.role)),
                     ("phone", _l("电话"), column_length(TeamMember.phone))]
# (ApplicationData field, cap, label of the table, its texts)
ROW_TABLES = [
    ("budget_lines", MAX_BUDGET_LINES, _l("预算明细"), BUDGET_LINE_TEXTS),
    ("plan_rows", MAX_PLAN_ROWS, _l("活动计划"), PLAN_ROW_TEXTS),
    ("team_members", MAX_TEAM_MEMBERS, _l("项目团队"), TEAM_MEMBER_TEXTS),
]

# --------------------------------------------------------------------------- money


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """quantity × unit price, rounded half-up to the fen."""
    return from_fen(to_fen(Decimal(quantity) * Decimal(unit_price)))


@dataclass
class BudgetSummary:
    total: Decimal
    # category -> (amount, share of the total in percent, 2 decimals)
    by_category: dict[BudgetCategory, tuple[Decimal, Decimal]]


def budget_summary(lines) -> BudgetSummary:
    """Total and per-category amounts and shares of BudgetLine rows (or BudgetLineData)."""
    amounts: dict[BudgetCategory, Decimal] = {}
    for line in lines:
        amount = line.amount if isinstance(line, BudgetLine) else line_amount(
            line.quantity, line.unit_price)
        amounts[line.category] = amounts.get(line.category, Decimal("0.00")) + amount
    total = sum(amounts.values(), Decimal("0.00"))
    shares = {
        c: (a, (a * 100 / total).quantize(FEN) if total else Decimal("0.00"))
        for c, a in amounts.items()
    }
    return BudgetSummary(total=total, by_category=shares)


# --------------------------------------------------------------------------- start & edit


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
    record("application.create", application, actor=actor,
           after={"round_id": round_.id, "organisation_id": organisation.id,
                  "challenge_id": challenge.id if challenge else None})
    return application


def _clean(text: str | None) -> str:
    return (text or "").strip()


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
    if _clean(data.region) and _clean(data.region) not in current_app.config["REGIONS"]:
        raise NotAllowed(_l("请从列表中选择实施县区。"), field="region")
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
        setattr(application, name, _clean(value) if isinstance(value, str) else value)
    application.budget_lines = [
        BudgetLine(position=i, item=_clean(line.item), category=line.category,
                   quantity=line.quantity, unit_price_fen=to_fen(line.unit_price),
                   amount_fen=to_fen(line_amount(line.quantity, line.unit_price)),
                   note=_clean(line.note))
        for i, line in enumerate(data.budget_lines)]
    application.plan_rows = [
        PlanRow(position=i, period=_clean(row.period), activity=_clean(row.activity),
                expected_output=_clean(row.expected_output))
        for i, row in enumerate(data.plan_rows)]
    application.team_members = [
        TeamMember(position=i, name=_clean(m.name), role=_clean(m.role), phone=_clean(m.phone))
        for i, m in enumerate(data.team_members)]
    application.requested_fen = sum(line.amount_fen for line in application.budget_lines)
    db.session.flush()
    record("application.save", application, actor=actor,
           after={"title": application.title, "requested_fen": application.requested_fen,
                  "budget_lines": len(application.budget_lines)})
    return application


def refuse_unstorable(data: ApplicationData) -> None:
    """Refuse, next to its field, what the database cannot hold or what would make the
    proposal too big to show: too many rows, too long a text, too large a count."""
    for name, label, limit in PROPOSAL_TEXTS:
        if len(_clean(getattr(data, name))) > limit:
            raise NotAllowed(_l("%(label)s不能超过 %(n)d 个字。", label=label, n=limit),
                             field=name)
    for name in ("beneficiaries", "volunteers"):
        value = getattr(data, name)
        if value is not None and not 0 <= value <= MAX_HEADCOUNT:
            raise NotAllowed(_l("人数应在 0 到 %(n)d 之间。", n=MAX_HEADCOUNT), field=name)
    for name, cap, table, texts in ROW_TABLES:
        rows = getattr(data, name)
        if len(rows) > cap:
            raise NotAllowed(_l("%(table)s最多 %(n)d 行，现在有 %(count)d 行。",
                                table=table, n=cap, count=len(rows)), field=name)
        for number, row in enumerate(rows, start=1):
            for text_name, label, limit in texts:
                if len(_clean(getattr(row, text_name))) > limit:
                    raise NotAllowed(
                        _l("%(table)s第 %(row)d 行：%(label)s不能超过 %(n)d 个字。",
                           table=table, row=number, label=label, n=limit), field=name)


# --------------------------------------------------------------------------- submission


class SubmissionRefused(NotAllowed):
    """Submission refused; `problems` holds one refusal per problem, all of them."""

    def __init__(self, problems: list[NotAllowed]):
        super().__init__("；".join(p.reason for p in problems))
        self.problems = problems


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

    # Required fields.
    if not _clean(application.title):
        refuse(_l("请填写项目名称。"), "title")
    if not application.category:
        refuse(_l("请选择项目类别。"), "category")
    elif application.category not in (round_.categories or []):
        refuse(_l("请从本轮的项目类别中选择。"), "category")
    if not _clean(application.summary):
        refuse(_l("请填写项目简介。"), "summary")
    if not _clean(application.objectives):
        refuse(_l("请填写项目目标。"), "objectives")
    if not application.region:
        refuse(_l("请选择项目实施的县区。"), "region")
    if application.start_date is None or application.end_date is None:
        refuse(_l("请填写项目的开始和结束日期。"), "start_date")
    elif application.end_date < application.start_date:
        refuse(_l("结束日期不能早于开始日期。"), "end_date")
    # Saved before the caps existed, a proposal may hold more rows than a table may have.
    for name, cap, table, _texts in ROW_TABLES:
        count = len(getattr(application, name))
        if count > cap:
            refuse(_l("%(table)s最多 %(n)d 行，现在有 %(count)d 行。",
                      table=table, n=cap, count=count), name)
    lines = application.budget_lines
    if not lines:
        refuse(_l("请至少填写一行预算明细。"), "budget_lines")
    elif any(not line.item for line in lines):
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
    return to_local(value).strftime("%Y-%m-%d %H:%M")


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
            "attachments": [{"id": a.id, "name": a.original_name, "size": a.size,
                             "sha256": a.sha256} for a in application.attachments],
        },
    }


def _plain(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def pool_for(application: Application) -> Pool | None:
    """A bid takes its challenge's pool; the open call the round's general pool."""
    if application.challenge is not None:
        return application.challenge.pool
    return next((p for p in application.round.pools if p.kind == PoolKind.GENERAL), None)


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
    pool = pool_for(application)
    application.pool_id = pool.id if pool else None
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
    comment = _clean(comment)
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


def withdraw_application(actor, application: Application,
                         now: datetime | None = None) -> Application:
    """Withdrawing again (double click, retry) finds it withdrawn and changes nothing."""
    lock_application(application)
    if application.status == ApplicationStatus.WITHDRAWN and policy.is_member(actor,
                                                                               application):
        return application
    APPLICATION.move(actor, application, ApplicationStatus.WITHDRAWN, now=now)
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


@contributions.in_use_check("pool", order=20)
def _applications_in_pool(pool: Pool):
    n = db.session.scalar(select(func.count(Application.id)).where(Application.pool_id == pool.id))
    return _l("有 %(n)d 份申报书归入这个资金池，不能删除。", n=n) if n else None


@contributions.in_use_check("challenge", order=10)
def _bids_on_challenge(challenge: Challenge):
    n = db.session.scalar(select(func.count(Application.id))
                          .where(Application.challenge_id == challenge.id))
    return _l("已有 %(n)d 份揭榜申报，不能删除这个命题。", n=n) if n else None


def needing_action(user, now: datetime | None = None, limit: int = 10) -> list[Application]:
    """The user's organisations' applications waiting for them: drafts and returned ones whose
    round still takes changes, soonest deadline first (the home page's "我的申报")."""
    if not (user and user.is_authenticated):
        return []
    now = now or utcnow()
    stmt = (policy.visible_applications(user)
            .join(Round, Round.id == Application.round_id)
            .where(Application.organisation_id.in_(
                       select(Membership.organisation_id).where(Membership.user_id == user.id)),
                   Application.status.in_(policy.EDITABLE),
                   Round.status == RoundStatus.OPEN, Round.deadline_at >= now)
            .options(contains_eager(Application.round), selectinload(Application.organisation))
            .order_by(Round.deadline_at, Application.id).limit(limit))
    return list(db.session.scalars(stmt))


# --------------------------------------------------------------------------- attachments

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# kind -> (accepted name endings, content type sent back)
ATTACHMENT_KINDS = {
    "pdf": ((".pdf",), "application/pdf"),
    "jpg": ((".jpg", ".jpeg"), "image/jpeg"),
    "png": ((".png",), "image/png"),
    "docx": ((".docx",),
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ((".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def sniff_kind(data: bytes) -> str | None:
    """The file's real type from its content (magic bytes), whatever its name says."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
    return None


def clean_filename(name: str) -> str:
    """The name as the user sent it, without directories or control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if ord(c) >= 32 and c != "\x7f").strip()
    return name[:255] or "file"


def upload_dir() -> str:
    path = os.path.join(current_app.config["UPLOAD_FOLDER"], "applications")
    os.makedirs(path, exist_ok=True)
    return path


def attachment_path(attachment: Attachment) -> str:
    return os.path.join(upload_dir(), attachment.stored_name)


def add_attachment(actor, application: Application, filename: str, data: bytes,
                   now: datetime | None = None) -> Attachment:
    """Check the file (size, type by content, matching name) and store it under a random name
    outside static/. Under the application's lock: not after a submission that ran at the
    same time."""
    lock_application(application)
    require(policy.can_edit(actor, application, now))
    name = clean_filename(filename)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise NotAllowed(_l("文件“%(name)s”超过 10 MB，请压缩后再上传。", name=name),
                         field="file")
    if not data:
        raise NotAllowed(_l("请选择要上传的文件。"), field="file")
    kind = sniff_kind(data)
    endings = ATTACHMENT_KINDS[kind][0] if kind else ()
    if kind is None or not name.lower().endswith(endings):
        raise NotAllowed(_l("文件“%(name)s”的内容与类型不符，或不是允许的类型"
                            "（PDF、JPG、PNG、DOCX、XLSX）。", name=name), field="file")
    stored_name = secrets.token_hex(16)
    attachment = Attachment(application=application, original_name=name,
                            stored_name=stored_name, content_type=ATTACHMENT_KINDS[kind][1],
                            size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                            uploaded_by_id=actor.id)
    path = os.path.join(upload_dir(), stored_name)
    with open(path, "xb") as out:
        # Registered before writing: a failed write or a request that does not commit
        # removes the file again, so no file is left without its row.
        remove_on_rollback(path)
        out.write(data)
    db.session.add(attachment)
    record("application.attach", application, actor=actor,
           after={"attachment": name, "size": len(data), "sha256": attachment.sha256})
    return attachment


def delete_attachment(actor, attachment: Attachment, now: datetime | None = None) -> str:
    """Remove the row; its file goes once the deletion is committed (kept on a rollback).
    Returns the file's path. Deleting it again (double click) finds it gone and changes
    nothing."""
    application = lock_application(attachment.application)
    require(policy.can_edit(actor, application, now))
    path = attachment_path(attachment)
    if db.session.scalar(select(Attachment.id).where(Attachment.id == attachment.id)) is None:
        db.session.expunge(attachment)
        return path
    record("application.detach", application, actor=actor,
           before={"attachment": attachment.original_name, "sha256": attachment.sha256})
    db.session.delete(attachment)
    remove_after_commit(path)
    return path


# --------------------------------------------------------------------------- organizer list


@dataclass
class ListFilters:
    status: str = ""
    category: str = ""
    region: str = ""
    challenge_id: int | None = None
    pool_id: int | None = None
    first_time: bool = False
    q: str = ""
    sort: str = "submitted"   # submitted | -submitted | amount | -amount | title | -title


SORTS = {
    "submitted": Application.submitted_at, "amount": Application.requested_fen,
    "title": Application.title,
}


def earlier_awardees(round_: Round):
    """USCCs with an application awarded (立项) in an earlier round, as a subquery. An
    organisation is known by its USCC, as in the round statistics, so "first-time" means the
    same in both places (an application is awarded exactly when its award is)."""
    earlier = select(Round.id).where(
        (Round.year < round_.year) | and_(Round.year == round_.year, Round.id < round_.id))
    return (select(Organisation.uscc)
            .join(Application, Application.organisation_id == Organisation.id)
            .where(Application.status == ApplicationStatus.AWARDED,
                   Application.round_id.in_(earlier)))


def round_applications(user, round_: Round, filters: ListFilters):
    """The organizer's list: the round's applications submitted at least once (never
    drafts, not even the organizer's own group's), filtered and sorted."""
    stmt = (policy.visible_applications(user)
            .join(Organisation, Organisation.id == Application.organisation_id)
            .where(Application.round_id == round_.id, policy.was_submitted_clause()))
    if filters.status in {s.value for s in ApplicationStatus}:
        stmt = stmt.where(Application.status == ApplicationStatus(filters.status))
    if filters.category:
        stmt = stmt.where(Application.category == filters.category)
    if filters.region:
        stmt = stmt.where(Application.region == filters.region)
    if filters.challenge_id == 0:
        stmt = stmt.where(Application.challenge_id.is_(None))
    elif filters.challenge_id:
        stmt = stmt.where(Application.challenge_id == filters.challenge_id)
    if filters.pool_id:
        stmt = stmt.where(Application.pool_id == filters.pool_id)
    if filters.first_time:
        stmt = stmt.where(Organisation.uscc.not_in(earlier_awardees(round_)))
    q = _clean(filters.q)
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(Application.title.ilike(like) | Organisation.name.ilike(like))
    key = filters.sort.lstrip("-")
    column = SORTS.get(key, Application.submitted_at)
    order = column.desc() if filters.sort.startswith("-") else column.asc()
    return stmt.order_by(order, Application.id)


def status_counts(user, round_: Round) -> dict[ApplicationStatus, int]:
    """The organizer's counts: how many of the round's submitted applications are in each
    status (one GROUP BY), in lifecycle order; statuses without any are left out. Drafts
    belong to their groups and are not counted."""
    stmt = (policy.visible_applications(user)
            .where(Application.round_id == round_.id, policy.was_submitted_clause())
            .with_only_columns(Application.status, func.count())
            .group_by(Application.status))
    counts = dict(db.session.execute(stmt).all())
    return {s: counts[s] for s in ApplicationStatus if counts.get(s)}


def first_time_ids(round_: Round, organisation_ids) -> set[int]:
    """Which of these organisations have never been funded in an earlier round (by USCC)."""
    ids = set(organisation_ids)
    if not ids:
        return set()
    usccs = dict(db.session.execute(
        select(Organisation.id, Organisation.uscc).where(Organisation.id.in_(ids))).all())
    funded = set(db.session.scalars(earlier_awardees(round_).where(
        Organisation.uscc.in_(set(usccs.values())))))
    return {org_id for org_id, uscc in usccs.items() if uscc not in funded}

