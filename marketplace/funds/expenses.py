"""Expenses (资金使用) against an award's budget lines, and the small thread in which the
organizer asks about a line and the group explains.

An expense is recorded against one line of the baseline (funds/budgets.py) with its date,
amount, payee, description, invoice number and invoice scan (checked by content like the
applications' attachments, stored outside static/ under a random name). It is never edited:
the group voids a mistake, the organizer rejects (不予认可) what does not count, each with a
reason. The recorded ones are the accepted expenses.

Per line: budget, spent, difference; a line more than the round's percentage over its budget
is flagged (SpendingRules.overspend_percent, default 10%). An invoice number used on two
projects is flagged to the organizer and finance (`duplicate_invoices`).
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased, joinedload

from marketplace.accounts.models import Role, User, UserRole
from marketplace.applications.attachments import (
    ATTACHMENT_KINDS,
    checked_scan,
)
from marketplace.applications.models import Application
from marketplace.audit.services import record
from marketplace.core.files import remove_on_rollback, upload_folder
from marketplace.core.money import MAX_AMOUNT, from_fen, to_fen
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import to_local, utcnow
from marketplace.core.urls import mail_link
from marketplace.extensions import db
from marketplace.funds import budgets
from marketplace.funds import spending_policy as policy
from marketplace.funds.budgets import Baseline, Line
from marketplace.funds.models import Award, AwardStatus
from marketplace.funds.services import lock_for_money
from marketplace.funds.spending_models import (
    Expense,
    ExpenseStatus,
    Explanation,
    ExplanationKind,
    SpendingRules,
    Variation,
    VariationStatus,
)
from marketplace.funds.spending_rules import rules_for
from marketplace.funds.spending_workflow import EXPENSE, mail_group
from marketplace.notify.services import queue_mail
from marketplace.organisations.models import Membership

PAYEE_LENGTH = Expense.payee.property.columns[0].type.length
DESCRIPTION_LENGTH = Expense.description.property.columns[0].type.length
INVOICE_LENGTH = Expense.invoice_number.property.columns[0].type.length
MAX_TEXT = 2000  # a reason, a question or an answer


# --- reading ---------------------------------------------------------------------------------

_FULL_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def invoice_key(number: str) -> str:
    """The invoice number as compared between projects: without spaces, dashes, dots or
    slashes, full-width characters made plain, upper case ("0441 2345-678" = "04412345678")."""
    plain = (number or "").translate(_FULL_WIDTH)
    return re.sub(r"[\s\-_./\\]", "", plain).upper()[:INVOICE_LENGTH]


def spent_by_line(award_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """Accepted (recorded) expenses in fen by (award id, line key), in one statement."""
    ids = list(award_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Expense.award_id, Expense.line_key, func.sum(Expense.amount_fen))
        .where(Expense.award_id.in_(ids), Expense.status == ExpenseStatus.RECORDED)
        .group_by(Expense.award_id, Expense.line_key))
    return {(award_id, key): int(total) for award_id, key, total in rows}


def accepted_total_fen(award_id: int) -> int:
    """The award's accepted expenses: every recorded one (not voided, not rejected)."""
    return sum(spent_by_line([award_id]).values())


def accepted_total(award_id: int) -> Decimal:
    return from_fen(accepted_total_fen(award_id))


def is_over_budget(budget_fen: int, spent_fen: int, percent: int) -> bool:
    """More than `percent` over the budget (a line with no budget: anything spent)."""
    return spent_fen * 100 > budget_fen * (100 + percent)


def threads(award_ids: Iterable[int]) -> dict[tuple[int, int], list[Explanation]]:
    """The question-and-answer threads by (award id, line key), oldest message first."""
    ids = list(award_ids)
    result: dict[tuple[int, int], list[Explanation]] = {}
    if not ids:
        return result
    for message in db.session.scalars(
            select(Explanation).where(Explanation.award_id.in_(ids))
            .order_by(Explanation.id)):
        result.setdefault((message.award_id, message.line_key), []).append(message)
    return result


@dataclass(frozen=True)
class LineFigure:
    """One budget line's budget, spent and difference, flagged when over the round's
    percentage; with its explanation thread."""

    line: Line
    spent_fen: int
    flagged: bool
    thread: list[Explanation] = field(default_factory=list)

    @property
    def budget(self) -> Decimal:
        return self.line.amount

    @property
    def spent(self) -> Decimal:
        return from_fen(self.spent_fen)

    @property
    def difference(self) -> Decimal:
        """Budget − spent: what is left, negative when over."""
        return from_fen(self.line.amount_fen - self.spent_fen)

    @property
    def over_percent(self) -> Decimal | None:
        """How far over the budget, in percent with one decimal; None when not over."""
        if self.spent_fen <= self.line.amount_fen:
            return None
        if not self.line.amount_fen:
            return None
        return (Decimal(self.spent_fen - self.line.amount_fen) * 100
                / self.line.amount_fen).quantize(Decimal("0.1"))

    @property
    def awaiting_answer(self) -> bool:
        return bool(self.thread) and self.thread[-1].kind == ExplanationKind.QUESTION


def line_figures(base: Baseline, award_id: int, rules: SpendingRules,
                 spent: dict[tuple[int, int], int] | None = None,
                 talk: dict[tuple[int, int], list[Explanation]] | None = None
                 ) -> list[LineFigure]:
    """The baseline's lines with their spending (pass `spent` and `talk` from
    `spent_by_line` and `threads` to reuse them for many awards)."""
    spent = spent_by_line([award_id]) if spent is None else spent
    talk = threads([award_id]) if talk is None else talk
    return [LineFigure(line=line, spent_fen=spent.get((award_id, line.key), 0),
                       flagged=is_over_budget(line.amount_fen,
                                              spent.get((award_id, line.key), 0),
                                              rules.overspend_percent),
                       thread=talk.get((award_id, line.key), []))
            for line in base.lines]


def expenses_of(award_id: int) -> list[Expense]:
    """The award's expenses, newest first."""
    return list(db.session.scalars(select(Expense).where(Expense.award_id == award_id)
                                   .order_by(Expense.spent_on.desc(), Expense.id.desc())))


@dataclass(frozen=True)
class OtherUse:
    """The same invoice number on another project."""

    award_id: int
    application_id: int
    title: str


def duplicate_invoices_by_award(award_ids: Iterable[int]
                                ) -> dict[int, dict[int, list[OtherUse]]]:
    """Recorded expenses of these awards whose invoice number (normalised) is on a recorded
    expense of another project: {award id: {expense id: the other projects}}, in one
    statement."""
    ids = list(award_ids)
    if not ids:
        return {}
    other = aliased(Expense)
    rows = db.session.execute(
        select(Expense.award_id, Expense.id, other.award_id, Award.application_id,
               Application.title)
        .join(other, and_(other.invoice_key == Expense.invoice_key,
                          other.award_id != Expense.award_id,
                          other.status == ExpenseStatus.RECORDED))
        .join(Award, Award.id == other.award_id)
        .join(Application, Application.id == Award.application_id)
        .where(Expense.award_id.in_(ids), Expense.status == ExpenseStatus.RECORDED,
               Expense.invoice_key != "")
        .order_by(Expense.id, other.award_id)
        .distinct())
    result: dict[int, dict[int, list[OtherUse]]] = {}
    for award_id, expense_id, other_award_id, application_id, title in rows:
        uses = result.setdefault(award_id, {}).setdefault(expense_id, [])
        if all(u.award_id != other_award_id for u in uses):
            uses.append(OtherUse(other_award_id, application_id, title))
    return result


def duplicate_invoices(award_ids: Iterable[int]) -> dict[int, list[OtherUse]]:
    """The same, by expense id only."""
    return {expense_id: uses for by_expense in duplicate_invoices_by_award(award_ids).values()
            for expense_id, uses in by_expense.items()}


# --- recording -------------------------------------------------------------------------------

@dataclass
class ExpenseData:
    line_key: int | None
    spent_on: date | None
    amount: Decimal | None
    payee: str
    description: str
    invoice_number: str
    form_token: str = ""


def upload_dir() -> str:
    return upload_folder("funds")


def scan_path(expense: Expense) -> str:
    return os.path.join(upload_dir(), expense.scan_stored)


def _checked_scan(filename: str, data: bytes) -> tuple[str, str]:
    return checked_scan(filename, data, _l("请上传发票扫描件。"))


def _text(value: str, limit: int, field_name: str, missing) -> str:
    text = " ".join((value or "").split())
    if not text and missing is not None:
        raise NotAllowed(missing, field=field_name)
    if len(text) > limit:
        raise NotAllowed(_l("不能超过 %(n)d 个字。", n=limit), field=field_name)
    return text


def _same(expense: Expense, data: ExpenseData) -> bool:
    return (expense.line_key == data.line_key and expense.spent_on == data.spent_on
            and data.amount is not None and expense.amount_fen == to_fen(data.amount)
            and expense.invoice_key == invoice_key(data.invoice_number))


def record_expense(actor, award: Award, data: ExpenseData, filename: str,
                   scan: bytes) -> Expense:
    """Record one expense with its invoice scan. The form's token makes a repeated submit
    (double click, retry) record it once and show the same result; the same token with other
    figures is refused."""
    lock_for_money(award.round_id, award.pool_id, award_id=award.id)
    db.session.refresh(award)
    require(policy.can_record_expense(actor, award))
    token = (data.form_token or "")[:64] or None
    if token:
        earlier = db.session.scalar(select(Expense).where(Expense.award_id == award.id,
                                                          Expense.form_token == token))
        if earlier is not None:
            if _same(earlier, data):
                return earlier
            raise NotAllowed(_l("这张表单已经提交过，内容却不同；请刷新页面后重新填写。"))

    base = budgets.baseline(award)
    line = base.line(data.line_key) if data.line_key is not None else None
    if line is None:
        raise NotAllowed(_l("请选择预算项目。"), field="line_key")
    if data.spent_on is None:
        raise NotAllowed(_l("请填写支出日期。"), field="spent_on")
    if data.spent_on > to_local(utcnow()).date():
        raise NotAllowed(_l("支出日期不能晚于今天。"), field="spent_on")
    if data.amount is None or data.amount <= 0:
        raise NotAllowed(_l("请填写大于零的支出金额。"), field="amount")
    if data.amount > MAX_AMOUNT:
        raise NotAllowed(_l("金额过大。"), field="amount")
    payee = _text(data.payee, PAYEE_LENGTH, "payee", _l("请填写收款方。"))
    description = _text(data.description, DESCRIPTION_LENGTH, "description", None)
    number = _text(data.invoice_number, INVOICE_LENGTH, "invoice_number",
                   _l("请填写发票号码。"))
    key = invoice_key(number)
    if not key:
        raise NotAllowed(_l("请填写发票号码。"), field="invoice_number")
    name, kind = _checked_scan(filename, scan)

    stored_name = secrets.token_hex(16)
    expense = Expense(award_id=award.id, line_key=line.key, spent_on=data.spent_on,
                      amount_fen=to_fen(data.amount), payee=payee, description=description,
                      invoice_number=number, invoice_key=key, scan_name=name,
                      scan_stored=stored_name, scan_type=ATTACHMENT_KINDS[kind][1],
                      scan_size=len(scan), scan_sha256=hashlib.sha256(scan).hexdigest(),
                      status=ExpenseStatus.RECORDED, form_token=token,
                      recorded_by_id=getattr(actor, "id", None))
    path = os.path.join(upload_dir(), stored_name)
    with open(path, "xb") as out:
        # Registered before writing: a request that does not commit removes the file again.
        remove_on_rollback(path)
        out.write(scan)
    db.session.add(expense)
    db.session.flush()
    record("expense.record", expense, actor=actor,
           after={"award_id": award.id, "line": line.item, "line_key": line.key,
                  "spent_on": data.spent_on, "amount": from_fen(expense.amount_fen),
                  "payee": payee, "invoice_number": number, "scan": name,
                  "sha256": expense.scan_sha256})
    return expense


def _reason(reason: str) -> str:
    return _text(reason, MAX_TEXT, "reason", _l("请填写理由。"))


def void_expense(actor, expense: Expense, reason: str) -> Expense:
    """The group withdraws a mistaken expense (it no longer counts); record it again if
    needed."""
    award = expense.award
    lock_for_money(award.round_id, award.pool_id, award_id=award.id)
    db.session.refresh(expense)
    text = _reason(reason)
    require(EXPENSE.may(actor, expense, ExpenseStatus.VOIDED))
    expense.status_reason = text
    EXPENSE.move(actor, expense, ExpenseStatus.VOIDED, audit={"reason": text})
    return expense


def reject_expense(actor, expense: Expense, reason: str) -> Expense:
    """The organizer does not accept an expense (不予认可): it no longer counts, and the group
    hears why."""
    award = expense.award
    lock_for_money(award.round_id, award.pool_id, award_id=award.id)
    db.session.refresh(expense)
    text = _reason(reason)
    require(EXPENSE.may(actor, expense, ExpenseStatus.REJECTED))
    expense.status_reason = text
    EXPENSE.move(actor, expense, ExpenseStatus.REJECTED, audit={"reason": text})
    return expense


# --- the explanation thread ------------------------------------------------------------------

def _line_of(award: Award, line_key: int | None) -> Line:
    line = budgets.baseline(award).line(line_key) if line_key is not None else None
    if line is None:
        raise NotAllowed(_l("请选择预算项目。"), field="line_key")
    return line


def organizers(outside: int) -> list[User]:
    """League staff to tell, leaving out members of the project's own organisation."""
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ORGANIZER, User.disabled_at.is_(None),
               ~select(Membership.id).where(Membership.user_id == User.id,
                                            Membership.organisation_id == outside).exists())
        .order_by(User.id)))


def ask_explanation(actor, award: Award, line_key: int | None, question: str) -> Explanation:
    """The organizer asks the group to explain a line (usually one flagged over budget); the
    group hears of it by mail and answers on the project's page."""
    require(policy.can_ask_explanation(actor, award))
    line = _line_of(award, line_key)
    body = _text_block(question, "question", _l("请写明需要说明的问题。"))
    message = Explanation(award_id=award.id, line_key=line.key, kind=ExplanationKind.QUESTION,
                          body=body, author_id=actor.id)
    db.session.add(message)
    db.session.flush()
    record("expense.question", award, actor=actor,
           after={"line": line.item, "line_key": line.key, "question": body})
    mail_group(award, "funds/expense_question", line=line, question=body)
    return message


def answer_explanation(actor, award: Award, line_key: int | None, answer: str) -> Explanation:
    """The group explains a line it was asked about; whoever asked hears of it by mail (the
    organizers, if the one who asked is no longer one)."""
    require(policy.can_answer_explanation(actor, award))
    line = _line_of(award, line_key)
    body = _text_block(answer, "answer", _l("请填写说明。"))
    thread = threads([award.id]).get((award.id, line.key), [])
    if not any(m.kind == ExplanationKind.QUESTION for m in thread):
        raise NotAllowed(_l("这个预算项目还没有需要说明的问题。"), field="answer")
    message = Explanation(award_id=award.id, line_key=line.key, kind=ExplanationKind.ANSWER,
                          body=body, author_id=actor.id)
    db.session.add(message)
    db.session.flush()
    record("expense.answer", award, actor=actor,
           after={"line": line.item, "line_key": line.key, "answer": body})
    staff = {u.id: u for u in organizers(award.application.organisation_id)}
    askers = [staff[m.author_id] for m in thread
              if m.kind == ExplanationKind.QUESTION and m.author_id in staff]
    link = mail_link("funds.expenses", app_id=award.application_id)
    for user in {u.id: u for u in (askers or staff.values())}.values():
        queue_mail(user.email, "funds/expense_answer", user.locale, user=user, award=award,
                   application=award.application, line=line, answer=body, link=link)
    return message


def _text_block(value: str, field_name: str, missing) -> str:
    text = (value or "").strip()
    if not text:
        raise NotAllowed(missing, field=field_name)
    if len(text) > MAX_TEXT:
        raise NotAllowed(_l("不能超过 %(n)d 个字。", n=MAX_TEXT), field=field_name)
    return text



# --- the round's overview (organizer and finance) ------------------------------------------

@dataclass(frozen=True)
class ProjectSpending:
    """One awarded project of a round: its baseline, spending and what needs attention."""

    award: Award
    base: Baseline
    lines: list[LineFigure]
    duplicates: dict[int, list[OtherUse]]
    variation_waiting: bool

    @property
    def application(self) -> Application:
        return self.award.application

    @property
    def spent_fen(self) -> int:
        return sum(f.spent_fen for f in self.lines)

    @property
    def spent(self) -> Decimal:
        return from_fen(self.spent_fen)

    @property
    def flagged_lines(self) -> int:
        return sum(1 for f in self.lines if f.flagged)

    @property
    def awaiting_answers(self) -> int:
        return sum(1 for f in self.lines if f.awaiting_answer)

    @property
    def needs_revision(self) -> bool:
        return budgets.needs_revision(self.award, self.base)


def round_spending(round_id: int) -> tuple[list[ProjectSpending], SpendingRules]:
    """Every awarded project of the round with its lines' figures and flags, in a fixed
    number of statements however many projects."""
    awards = list(db.session.scalars(
        select(Award).join(Application, Application.id == Award.application_id)
        .where(Award.round_id == round_id, Award.status == AwardStatus.AWARDED)
        .options(joinedload(Award.application).joinedload(Application.organisation))
        .order_by(Application.title, Award.id)))
    ids = [a.id for a in awards]
    rules = rules_for(round_id)
    bases = budgets.baselines(awards)
    spent, talk = spent_by_line(ids), threads(ids)
    duplicates = duplicate_invoices_by_award(ids)
    waiting = set(db.session.scalars(select(Variation.award_id).where(
        Variation.award_id.in_(ids), Variation.status == VariationStatus.REQUESTED))) \
        if ids else set()
    return [ProjectSpending(award=a, base=bases[a.id],
                            lines=line_figures(bases[a.id], a.id, rules, spent, talk),
                            duplicates=duplicates.get(a.id, {}),
                            variation_waiting=a.id in waiting)
            for a in awards], rules
