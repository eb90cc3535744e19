"""Changes to an award's budget, each a new version (funds/budgets.py); nothing is edited in
place.

- The revised budget: where the award is below the request, the group submits lines that sum
  exactly to the award. It stands at once — it only fits the proposal to the decision — and
  becomes the baseline; the agreement and the first expense wait for it.
- A variation (预算调整 / 项目变更): new lines and/or a new end date, with a reason. Moving more
  than the round's threshold (SpendingRules.variation_percent of the award) between lines,
  or extending the end date, waits for the organizer's approval (VARIATION: requested →
  approved / rejected); a smaller change is approved by the rule at once, audited as such.

A line that has expenses cannot be dropped (its amount may go down, even below what was
spent: the line is then flagged). Totals stay equal to the award.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.audit.services import record
from marketplace.core.money import MAX_AMOUNT, format_yuan, from_fen, to_fen
from marketplace.core.policy import NotAllowed, require
from marketplace.core.timeutil import utcnow
from marketplace.core.urls import mail_link
from marketplace.extensions import db
from marketplace.funds import budgets, expenses
from marketplace.funds import spending_policy as policy
from marketplace.funds.budgets import Baseline, Line
from marketplace.funds.models import Award
from marketplace.funds.services import lock_for_money
from marketplace.funds.spending_models import (
    BudgetOrigin,
    BudgetVersion,
    BudgetVersionLine,
    Variation,
    VariationStatus,
)
from marketplace.funds.spending_rules import rules_for
from marketplace.funds.spending_workflow import VARIATION
from marketplace.notify.services import queue_mail
from marketplace.rounds.models import BudgetCategory

MAX_LINES = 100
ITEM_LENGTH = BudgetVersionLine.item.property.columns[0].type.length
NOTE_LENGTH = BudgetVersionLine.note.property.columns[0].type.length
MAX_REASON = 2000


@dataclass
class LineData:
    """A budget line as typed: `key` is the line it changes (None: a new line)."""

    key: int | None
    item: str
    category: BudgetCategory | None
    amount: Decimal | None
    note: str = ""


def _lock(award: Award) -> None:
    lock_for_money(award.round_id, award.pool_id, award_id=award.id)
    db.session.refresh(award)


def _keys_used(award: Award, base: Baseline) -> int:
    """The highest line key the award ever had: a new line never takes an old one's key."""
    stored = db.session.scalar(
        select(func.max(BudgetVersionLine.key)).join(BudgetVersion)
        .where(BudgetVersion.award_id == award.id)) or 0
    return max([stored, *(line.key for line in base.lines)])


def checked_lines(award: Award, base: Baseline, rows: list[LineData]) -> list[Line]:
    """The typed lines as a new version's lines, or a refusal naming the row: blank rows
    ignored; item, category and amount on each; a line with expenses kept; the total exactly
    the award."""
    rows = [r for r in rows if (r.item or "").strip() or r.amount is not None]
    if not rows:
        raise NotAllowed(_l("请至少填写一行预算。"), field="lines")
    if len(rows) > MAX_LINES:
        raise NotAllowed(_l("预算最多 %(n)d 行。", n=MAX_LINES), field="lines")
    next_key = _keys_used(award, base) + 1
    lines: list[Line] = []
    for number, row in enumerate(rows, start=1):
        item = " ".join((row.item or "").split())
        if not item:
            raise NotAllowed(_l("第 %(n)d 行：请填写预算项目。", n=number), field="lines")
        if len(item) > ITEM_LENGTH or len(row.note or "") > NOTE_LENGTH:
            raise NotAllowed(_l("第 %(n)d 行：文字过长。", n=number), field="lines")
        if row.category is None:
            raise NotAllowed(_l("第 %(n)d 行：请选择费用类别。", n=number), field="lines")
        if row.amount is None or row.amount < 0 or row.amount > MAX_AMOUNT:
            raise NotAllowed(_l("第 %(n)d 行：请填写金额。", n=number), field="lines")
        key = row.key
        if key is None or base.line(key) is None or any(x.key == key for x in lines):
            key, next_key = next_key, next_key + 1
        # A line's note (from the application) goes on with it unless another is typed.
        note = (row.note or "").strip() or (base.line(key).note if base.line(key) else "")
        lines.append(Line(key=key, item=item, category=row.category,
                          amount_fen=to_fen(row.amount), note=note))
    kept = {line.key for line in lines}
    spent = expenses.spent_by_line([award.id])
    for line in base.lines:
        if line.key not in kept and spent.get((award.id, line.key)):
            raise NotAllowed(_l("“%(item)s”已有支出，不能删除；可以调整它的金额。",
                                item=line.item), field="lines")
    total = sum(line.amount_fen for line in lines)
    if total != award.amount_fen:
        raise NotAllowed(_l("预算合计 %(total)s，应正好等于立项金额 %(award)s（相差 %(diff)s）。",
                            total=format_yuan(total), award=format_yuan(award.amount_fen),
                            diff=format_yuan(abs(total - award.amount_fen))), field="lines")
    return lines


def _add_version(actor, award: Award, origin: BudgetOrigin, lines: list[Line] | tuple,
                 end_date: date | None, variation: Variation | None = None) -> BudgetVersion:
    """Store a version; the application's budget is stored first as version 1 when the award
    has none yet, so the history is complete."""
    number = db.session.scalar(select(func.max(BudgetVersion.number))
                               .where(BudgetVersion.award_id == award.id)) or 0
    if number == 0:
        original = budgets.baseline(award) if origin != BudgetOrigin.ORIGINAL else None
        if original is not None and not original.stored:
            _add_version(actor, award, BudgetOrigin.ORIGINAL, original.lines,
                         original.end_date)
            number = 1
    version = BudgetVersion(
        award_id=award.id, number=number + 1, origin=origin, end_date=end_date,
        variation=variation, created_by_id=getattr(actor, "id", None),
        lines=[BudgetVersionLine(key=line.key, position=position, item=line.item,
                                 category=line.category, amount_fen=line.amount_fen,
                                 note=line.note)
               for position, line in enumerate(lines)])
    db.session.add(version)
    db.session.flush()
    return version


def _audit_lines(lines) -> list[dict]:
    return [{"key": line.key, "item": line.item, "category": line.category,
             "amount": from_fen(line.amount_fen)} for line in lines]


def submit_revised_budget(actor, award: Award, rows: list[LineData]) -> BudgetVersion:
    """The group fits its budget to an award below the request; it becomes the baseline."""
    _lock(award)
    require(policy.can_revise_budget(actor, award))
    base = budgets.baseline(award)
    lines = checked_lines(award, base, rows)
    version = _add_version(actor, award, BudgetOrigin.REVISED, lines, base.end_date)
    record("budget.revise", award, actor=actor,
           before={"version": base.number, "total": base.total},
           after={"version": version.number, "total": from_fen(version.total_fen),
                  "lines": _audit_lines(lines)})
    return version


def moved_fen(base: Baseline, lines: list[Line]) -> int:
    """Money moved between lines: what the lines that grew gained (with equal totals, what
    the others lost)."""
    before = {line.key: line.amount_fen for line in base.lines}
    return sum(max(line.amount_fen - before.get(line.key, 0), 0) for line in lines)


def request_variation(actor, award: Award, rows: list[LineData], end_date: date | None,
                      reason: str) -> Variation:
    """The group asks to change its budget lines and/or end date. Beyond the round's
    threshold, or extending the end date, it waits for the organizer (mailed); otherwise it
    stands at once."""
    _lock(award)
    require(policy.can_request_variation(actor, award))
    reason = (reason or "").strip()
    if not reason:
        raise NotAllowed(_l("请说明调整的理由。"), field="reason")
    if len(reason) > MAX_REASON:
        raise NotAllowed(_l("不能超过 %(n)d 个字。", n=MAX_REASON), field="reason")
    base = budgets.baseline(award)
    lines = checked_lines(award, base, rows)
    end_date = end_date or base.end_date
    start = award.application.start_date
    if end_date is not None and start is not None and end_date < start:
        raise NotAllowed(_l("结束日期不能早于项目开始日期 %(start)s。", start=start.isoformat()),
                         field="end_date")
    unchanged = [(x.key, x.item, x.category, x.amount_fen, x.note) for x in base.lines] == [
        (x.key, x.item, x.category, x.amount_fen, x.note) for x in lines]
    if unchanged and end_date == base.end_date:
        raise NotAllowed(_l("预算和结束日期都没有变化。"), field="lines")

    moved = moved_fen(base, lines)
    threshold = rules_for(award.round_id).variation_percent
    extends = end_date is not None and (base.end_date is None or end_date > base.end_date)
    needs_approval = moved * 100 > award.amount_fen * threshold or extends
    variation = Variation(award_id=award.id, status=VariationStatus.REQUESTED, reason=reason,
                          moved_fen=moved, end_date_before=base.end_date,
                          end_date_after=end_date, needs_approval=needs_approval,
                          requested_by_id=getattr(actor, "id", None), requested_at=utcnow())
    db.session.add(variation)
    db.session.flush()
    version = _add_version(actor, award, BudgetOrigin.VARIATION, lines, end_date, variation)
    record("variation.request", variation, actor=actor,
           after={"award_id": award.id, "version": version.number, "moved": from_fen(moved),
                  "end_date_before": base.end_date, "end_date_after": end_date,
                  "needs_approval": needs_approval, "reason": reason,
                  "lines": _audit_lines(lines)})
    if needs_approval:
        link = mail_link("funds.variation", app_id=award.application_id,
                                  variation_id=variation.id)
        for user in expenses.organizers(outside=award.application.organisation_id):
            queue_mail(user.email, "funds/variation_requested", user.locale, user=user,
                       award=award, application=award.application, variation=variation,
                       link=link)
    else:
        # Within the round's threshold the rule itself approves: there is nobody to ask, so
        # the organizer's policy on the move is not asked (check=False). Nobody decided it:
        # decided_by stays empty, and pages say why it stands.
        variation.decided_at = utcnow()
        VARIATION.move(actor, variation, VariationStatus.APPROVED, check=False,
                       audit={"automatic": True}, automatic=True)
    return variation


def decide_variation(actor, variation: Variation, approve: bool, note: str) -> Variation:
    """The organizer approves (its version becomes the baseline) or refuses (with a reason)
    a variation; the group hears of it by mail."""
    award = variation.award
    _lock(award)
    db.session.refresh(variation)
    target = VariationStatus.APPROVED if approve else VariationStatus.REJECTED
    require(VARIATION.may(actor, variation, target))
    note = (note or "").strip()
    if not approve and not note:
        raise NotAllowed(_l("请填写不批准的理由。"), field="note")
    if len(note) > MAX_REASON:
        raise NotAllowed(_l("不能超过 %(n)d 个字。", n=MAX_REASON), field="note")
    if approve:
        # Spending may have come to a line the variation drops since it was asked for.
        kept = {line.key for line in variation.version.lines}
        spent = expenses.spent_by_line([award.id])
        for line in budgets.baseline(award).lines:
            if line.key not in kept and spent.get((award.id, line.key)):
                raise NotAllowed(_l("“%(item)s”在申请后已有支出，这项调整不能再删除它；"
                                    "请不批准，并请项目组重新申请。", item=line.item))
    variation.decided_at = utcnow()
    variation.decided_by_id = getattr(actor, "id", None)
    variation.decision_note = note or None
    VARIATION.move(actor, variation, target, audit={"note": note})
    return variation
