"""Spending factories: an awarded project (立项) with the budget a test asks for, an expense
with a scan, funding sources."""
from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from marketplace.applications.models import ApplicationStatus
from marketplace.applications.workflow import APPLICATION
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.funds import budgets, expenses, sources, variations
from marketplace.funds import services as funds_services
from marketplace.funds.models import AwardStatus, LedgerKind
from marketplace.funds.spending_models import FundingSourceKind
from marketplace.funds.workflow import AWARD
from marketplace.review import decisions
from marketplace.rounds.models import BudgetCategory
from tests.factories.applications import application_data, make_application
from tests.factories.review import make_organizer, make_review_round

__all__ = ["PDF", "PNG", "lines_of", "make_awarded", "make_expense", "make_source",
           "make_variation", "member_of", "pay"]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
# (item, category, quantity, unit price): ¥1,500 + ¥500 + ¥1,000 = ¥3,000
LINES = [("活动物资", BudgetCategory.MATERIALS, "10", "150.00"),
         ("宣传海报", BudgetCategory.PUBLICITY, "2", "250.00"),
         ("交通补贴", BudgetCategory.TRANSPORT, "4", "250.00")]
_seq = itertools.count(1)


def make_awarded(round_=None, organisation=None, *, lines=LINES, amount: str | None = None,
                 pool=None, organizer=None, title: str | None = None, commit: bool = True):
    """An awarded project: approved through review's decision (the award and its COMMIT
    entry), then 立项 along the award's and the application's tables (a fixture replaying a
    finished 公示). `amount` below the budget's total leaves the budget to be revised."""
    round_ = round_ or make_review_round()
    organizer = organizer or make_organizer()
    application = make_application(round_, organisation, data=application_data(
        lines, title=title or f"支出测试项目{next(_seq)}"), status=ApplicationStatus.IN_REVIEW,
        pool=pool, commit=False)
    award = decisions.approve_application(
        organizer, application, Decimal(amount) if amount else application.requested,
        pool=pool)
    award.awarded_at = utcnow()
    AWARD.move(organizer, award, AwardStatus.AWARDED, check=False)
    APPLICATION.move(organizer, application, ApplicationStatus.AWARDED, check=False)
    db.session.flush()
    if commit:
        db.session.commit()
    return award


def member_of(award):
    """The owner of the project's organisation."""
    return award.application.organisation.memberships[0].user


def make_expense(award, *, line_key: int = 1, amount: str = "100.00", invoice: str | None = None,
                 spent_on: date | None = None, actor=None, payee: str = "舟山文具店",
                 description: str = "活动用品", filename: str = "发票.pdf",
                 commit: bool = True):
    expense = expenses.record_expense(
        actor or member_of(award), award, expenses.ExpenseData(
            line_key=line_key, spent_on=spent_on or date(2026, 1, 5), amount=Decimal(amount),
            payee=payee, description=description,
            invoice_number=invoice or f"0441{next(_seq):08d}"), filename, PDF)
    if commit:
        db.session.commit()
    return expense


def make_source(kind: FundingSourceKind = FundingSourceKind.LEAGUE, name: str = "",
                actor=None, commit: bool = True):
    source = sources.create_source(actor or make_organizer(), sources.SourceData(kind, name))
    if commit:
        db.session.commit()
    return source


def pay(award, amount: str, *, commit: bool = True) -> None:
    """Money released and paid to the group: a RELEASE and a PAYMENT entry on the award's
    first tranche (what the payments side writes; here only the ledger is needed)."""
    fen = int(Decimal(amount) * 100)
    tranche_id = award.tranches[0].id if award.tranches else None
    for kind in (LedgerKind.RELEASE, LedgerKind.PAYMENT):
        funds_services.add_entry(kind, round_id=award.round_id, pool_id=award.pool_id,
                                 award_id=award.id, amount_fen=fen, tranche_id=tranche_id)
    if commit:
        db.session.commit()


def lines_of(award, **amounts: str) -> list[variations.LineData]:
    """The baseline's lines as typed into a budget form, with some amounts changed
    (`lines_of(award, k1="1200.00", k3="800.00")`, by line key)."""
    return [variations.LineData(key=line.key, item=line.item, category=line.category,
                                amount=Decimal(amounts.get(f"k{line.key}", str(line.amount))))
            for line in budgets.baseline(award).lines]


def make_variation(award, *, end_date=None, reason: str = "活动调整", commit: bool = True,
                   **amounts: str):
    """A variation the group asks for, moving money as `amounts` say (see `lines_of`)."""
    variation = variations.request_variation(member_of(award), award, lines_of(award, **amounts),
                                             end_date, reason)
    if commit:
        db.session.commit()
    return variation
