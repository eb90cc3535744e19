"""Demo: the spending side of the money after 立项, in two steps of funds/demo.py.

- "spending_budgets" (before the payments' step, so its entries carry their sources and the
  agreements find the budgets they wait for): the funding sources (团市委专项, 文明办, a
  department, an enterprise, a foundation); every pool of this year's rounds names its
  source, the island pool of the delivery round split between the league's fund and a
  foundation; the revised budget of each delivery-round project awarded less than it asked
  for, except 枸杞岛“海岛假日课堂”, left waiting for it (its agreement cannot be signed yet).
- "spending" (after the payments): expenses with invoice scans on three projects — the beach
  clean-up's ferry line more than 10% over budget, with the organizer's question and the
  group's answer; one invoice number used on two projects; a variation waiting for the
  organizer (银发渔嫂: money moved between lines and the end date extended) and one that
  stood at once (海上文明航班, within the threshold).

Idempotent: sources are found by (kind, name); pools that name a source, budgets already
revised, projects with expenses or variations are left as they are.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.applications.models import Application
from marketplace.core.timeutil import to_local, utcnow
from marketplace.extensions import db
from marketplace.funds import budgets, expenses, hooks, sources, variations
from marketplace.funds.models import Award, AwardStatus, LedgerEntry, LedgerKind
from marketplace.funds.spending_models import (
    Expense,
    FundingSource,
    FundingSourceKind,
    PoolSource,
    Variation,
)
from marketplace.rounds.models import PoolKind, Round

K = FundingSourceKind
ORGANIZER = "organizer@demo.example.org"
SOURCES = {
    "league": (K.LEAGUE, ""),
    "civilisation": (K.CIVILISATION, ""),
    "health": (K.DEPARTMENT, "舟山市卫生健康委员会"),
    "fishery": (K.ENTERPRISE, "舟山海洋渔业集团有限公司"),
    "foundation": (K.FOUNDATION, "浙江海岛公益基金会"),
}
DELIVERY_TITLE = "海岛志愿服务专项创投"  # the end of review's delivery round title
ISLAND_POOL = "海岛定向扶持资金池"
# The island pool: the league's fund first (¥78,000), the foundation the rest (¥32,000).
ISLAND_LEAGUE = Decimal("78000.00")

# Delivery-round projects awarded below their request: (title, {item: revised amount}).
REVISED = [
    ("岱山渔村留守老人“暖心食堂”助餐服务", {"食材补贴": "17000.00"}),
    ("普陀—嵊泗“海上文明航班”志愿服务", {"船上宣传物料": "5200.00"}),
    ("“救在身边”渔村应急救护志愿培训", {"救护员证考核": "5000.00"}),
]
SHARED_INVOICE = "3309 2100 0088"  # on two projects: flagged to the organizer

# title -> [(line item, days ago, amount, payee, description, invoice number)]
EXPENSES = {
    "衢山岛海岸线净滩守护行动": [
        ("净滩工具", 28, "3520.00", "岱山县衢山五金店", "垃圾夹、手套、编织袋", "3309 2100 0011"),
        ("渡轮往返", 26, "4800.00", "岱山县衢山客运站", "第 1—6 次净滩渡轮票", "3309 2100 0012"),
        ("渡轮往返", 9, "3600.00", "岱山县衢山客运站", "第 7—10 次净滩渡轮票（台风改期加班船）",
         "3309 2100 0013"),
        ("志愿者保险", 27, "2400.00", "中国人寿舟山分公司", "80 名志愿者团体意外险",
         "3309 2100 0014"),
        ("宣传物料", 12, "1200.00", "岱山县彩虹广告", "“海滩认领”宣传展板", SHARED_INVOICE),
    ],
    "岱山渔村留守老人“暖心食堂”助餐服务": [
        ("餐具与保温箱", 25, "4380.00", "岱山县高亭百货", "保温送餐箱 30 套", "3309 2100 0021"),
        ("食材补贴", 15, "6000.00", "高亭镇农贸市场", "第一季度食材", "3309 2100 0022"),
    ],
    "嵊泗列岛“银发渔嫂”健康守护": [
        ("健康监测设备", 20, "16800.00", "嵊泗县医疗器械公司", "血压计、血糖仪 10 套",
         "3309 2200 0031"),
        ("宣传物料", 6, "900.00", "嵊泗县印务社", "健康手册印制", SHARED_INVOICE),
    ],
}
QUESTION = ("渡轮往返已超出预算约 17%，请说明原因，并说明后续几次净滩的交通安排。")
ANSWER = ("9 月台风改期，两次净滩只能坐加班船，票价比平时高；后续两次改为与岱山本岛志愿者"
          "拼船，交通费可以控制在剩余预算内。")
WAITING_VARIATION = ("嵊泗列岛“银发渔嫂”健康守护",
                     {"健康监测设备": "16800.00", "医护志愿者交通": "13200.00"}, 30,
                     "健康监测设备团购节省 1200 元；海岛航班加密后巡回次数增加，交通费不足，"
                     "并需延长一个月完成最后两次巡回义诊。")
SMALL_VARIATION = ("普陀—嵊泗“海上文明航班”志愿服务",
                   {"志愿者服装": "4300.00", "志愿者保险": "1700.00"}, 0,
                   "服装团购节省 500 元，用于增加节假日加班志愿者的保险。")
SCAN = (b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n"
        b"% demo invoice scan\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _count(context: dict, what: str, n: int) -> None:
    created = context["created"]
    created[what] = created.get(what, 0) + n


def _sources(context: dict, organizer) -> dict[str, FundingSource]:
    found = {}
    for key, (kind, name) in SOURCES.items():
        source = db.session.scalar(select(FundingSource).where(FundingSource.kind == kind,
                                                               FundingSource.name == name))
        if source is None:
            source = sources.create_source(organizer, sources.SourceData(kind, name))
            _count(context, "funding sources", 1)
        found[key] = source
    return found


def _name_pool_sources(organizer, named: dict[str, FundingSource]) -> None:
    """Every pool of this year's rounds names its source, if it does not yet."""
    rounds = db.session.scalars(select(Round).where(Round.year == utcnow().year,
                                                    Round.imported.is_(False))).all()
    for round_ in rounds:
        delivery = round_.title.endswith(DELIVERY_TITLE)
        for pool in round_.pools:
            if pool.source_slices:
                continue
            if delivery and pool.name == ISLAND_POOL:
                slices = [sources.SliceData(named["league"].id, ISLAND_LEAGUE),
                          sources.SliceData(named["foundation"].id, None)]
            elif pool.kind == PoolKind.CHALLENGE:
                key = "fishery" if delivery else "health"
                slices = [sources.SliceData(named[key].id, None)]
            elif pool.kind == PoolKind.GENERAL and (delivery or "文明" in round_.title):
                slices = [sources.SliceData(named["civilisation"].id, None)]
            else:
                slices = [sources.SliceData(named["league"].id, None)]
            sources.set_pool_sources(organizer, pool, slices)
    db.session.flush()
    _attribute_earlier_entries()


def _attribute_earlier_entries() -> None:
    """Review's demo decided before this step named the sources; in the story they were
    named when the pools were made. So the demo, rebuilding that past, gives the entries
    written without a source the one the rule would have given them then: commits in their
    order, then every other entry of an award its commit's. (Live code never edits an
    entry.)"""
    sliced = select(PoolSource.pool_id)
    commits = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.source_id.is_(None),
                                  LedgerEntry.kind == LedgerKind.COMMIT,
                                  LedgerEntry.imported.is_(False),
                                  LedgerEntry.pool_id.in_(sliced))
        .order_by(LedgerEntry.id)).all()
    for entry in commits:
        entry.source_id = sources.source_for_entry(LedgerKind.COMMIT, entry.pool_id, None,
                                                   entry.amount_fen)
        db.session.flush()
    others = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.source_id.is_(None),
                                  LedgerEntry.kind != LedgerKind.COMMIT,
                                  LedgerEntry.imported.is_(False),
                                  LedgerEntry.award_id.is_not(None),
                                  LedgerEntry.pool_id.in_(sliced))).all()
    for entry in others:
        entry.source_id = sources.award_source(entry.award_id)
    db.session.flush()


def _delivery_awards(context: dict) -> dict[str, Award]:
    round_ = context.get("delivery_round")
    if round_ is None:
        return {}
    return {a.application.title: a for a in db.session.scalars(
        select(Award).join(Application, Application.id == Award.application_id)
        .where(Award.round_id == round_.id, Award.status == AwardStatus.AWARDED))}


def _owner(award: Award):
    return award.application.organisation.memberships[0].user


def _rows(award: Award, amounts: dict[str, str]) -> list[variations.LineData]:
    return [variations.LineData(key=line.key, item=line.item, category=line.category,
                                amount=Decimal(amounts.get(line.item, str(line.amount))))
            for line in budgets.baseline(award).lines]


def seed_budgets(context: dict) -> dict:
    organizer = context["users"].get(ORGANIZER)
    if organizer is None:
        return {}
    named = _sources(context, organizer)
    _name_pool_sources(organizer, named)
    awards = _delivery_awards(context)
    for title, amounts in REVISED:
        award = awards.get(title)
        if award is not None and budgets.needs_revision(award):
            variations.submit_revised_budget(_owner(award), award, _rows(award, amounts))
            _count(context, "revised budgets", 1)
    db.session.flush()
    return {"funding_sources": named}


def _today() -> date:
    return to_local(utcnow()).date()


def _record_expenses(context: dict, award: Award, rows: list[tuple]) -> None:
    by_item = {line.item: line.key for line in budgets.baseline(award).lines}
    owner = _owner(award)
    for item, days_ago, amount, payee, description, invoice in rows:
        expenses.record_expense(owner, award, expenses.ExpenseData(
            line_key=by_item[item], spent_on=_today() - timedelta(days=days_ago),
            amount=Decimal(amount), payee=payee, description=description,
            invoice_number=invoice), f"发票{invoice[-4:]}.pdf", SCAN)
    _count(context, "expenses", len(rows))


def _vary(context: dict, award: Award, amounts: dict[str, str], days: int, reason: str):
    base = budgets.baseline(award)
    end = base.end_date + timedelta(days=days) if days and base.end_date else None
    variations.request_variation(_owner(award), award, _rows(award, amounts), end, reason)
    _count(context, "variations", 1)


def seed_spending(context: dict) -> dict:
    organizer = context["users"].get(ORGANIZER)
    awards = _delivery_awards(context)
    if organizer is None or not awards:
        return {}
    for title, rows in EXPENSES.items():
        award = awards.get(title)
        has_expenses = award is not None and db.session.scalar(
            select(Expense.id).where(Expense.award_id == award.id).limit(1))
        if award is None or has_expenses or budgets.needs_revision(award):
            continue
        _record_expenses(context, award, rows)
        if title == "衢山岛海岸线净滩守护行动":
            ferry = next(line.key for line in budgets.baseline(award).lines
                         if line.item == "渡轮往返")
            expenses.ask_explanation(organizer, award, ferry, QUESTION)
            expenses.answer_explanation(_owner(award), award, ferry, ANSWER)
    for title, amounts, days, reason in (WAITING_VARIATION, SMALL_VARIATION):
        award = awards.get(title)
        if award is None or budgets.needs_revision(award) or db.session.scalar(
                select(Variation.id).where(Variation.award_id == award.id).limit(1)):
            continue
        _vary(context, award, amounts, days, reason)
    db.session.flush()
    return {}


hooks.DEMO_STEPS["spending_budgets"] = (5, seed_budgets)
hooks.DEMO_STEPS["spending"] = (20, seed_spending)
