"""Demo: payee accounts and project agreements, in two steps of funds/demo.py.

- "payees" (after the revised budgets, before the payments' step, so the first tranches find
  their agreements signed and their payees set): every demo organisation's payee account,
  confirmed by finance — 普陀区海韵志愿服务队, a team without its own legal status, paid
  through its host unit 东港街道团工委; the delivery round's agreement text; the delivery
  round's agreements signed in the app, one through a stamped scan the organizer confirmed,
  one scan waiting for the organizer (银发渔嫂), and 海岛假日课堂 pending (its revised budget
  is still missing).
- "payee_changes" (after the payments): 红帆 changes its bank account, waiting for finance
  (so its payments hold from then on).

Idempotent: organisations with an account, awards with an agreement, and an organisation that
already has a second version are left as they are.
"""
from __future__ import annotations

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.funds import agreements, budgets, hooks, payees
from marketplace.funds.agreement_models import AgreementText
from marketplace.funds.models import Award, AwardStatus
from marketplace.organisations.models import MemberRole, Organisation
from marketplace.rounds.models import Round

ORGANIZER = "organizer@demo.example.org"
FINANCE = "finance@demo.example.org"
HOST_UNIT = ("普陀区东港街道团工委", "11330903MB1A00001E")  # a valid USCC
ACCOUNTS = {
    # organisation: (account name, bank and branch, number, via the host unit)
    "普陀区海韵志愿服务队": ("普陀区东港街道团工委", "中国农业银行舟山普陀东港支行",
                    "6228480398765432101", True),
    "定海区红帆青年志愿者协会": ("定海区红帆青年志愿者协会", "中国工商银行舟山定海支行",
                      "6222021207001234567", False),
    "岱山县蓝色港湾志愿服务中心": ("岱山县蓝色港湾志愿服务中心", "浙江岱山农村商业银行高亭支行",
                       "6230910299000012345", False),
    "嵊泗县枸杞岛青年志愿服务队": ("嵊泗县枸杞岛青年志愿服务队", "中国邮政储蓄银行嵊泗枸杞营业所",
                       "6217993300004567890", False),
}
CHANGED = ("定海区红帆青年志愿者协会", "中国建设银行舟山分行营业部", "6217001540009876543")
RULES_VERSION = "《舟山市志愿服务创投项目资金管理方案》（2026 年修订）"
DUTIES = ("每两个月提交一次项目进展报告（本期工作进展、下期工作计划），每周五前填报周报；"
          "接受中期评估和实地评估；如实登记资金使用并保存票据；项目结束后一个月内提交结项"
          "材料并接受验收。")
SCAN_SIGNED = "普陀—嵊泗“海上文明航班”志愿服务"   # signed through a scan, confirmed
SCAN_WAITING = "嵊泗列岛“银发渔嫂”健康守护"         # a scan waiting for the organizer
SCAN = (b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n"
        b"% demo stamped agreement scan\ntrailer<</Root 1 0 R>>\n%%EOF\n")
IP = "10.20.30.40"


def _count(context: dict, what: str, n: int = 1) -> None:
    created = context["created"]
    created[what] = created.get(what, 0) + n


def _organisations(names) -> dict[str, Organisation]:
    return {o.name: o for o in db.session.scalars(
        select(Organisation).where(Organisation.name.in_(list(names))))}


def _owner(organisation: Organisation):
    return next(m.user for m in sorted(organisation.memberships, key=lambda m: m.id)
                if m.role == MemberRole.OWNER)


def _accounts(context: dict, finance) -> None:
    for name, organisation in _organisations(ACCOUNTS).items():
        if payees.current_account(organisation.id) is not None:
            continue
        holder, bank, number, via = ACCOUNTS[name]
        account = payees.record_payee(_owner(organisation), organisation, payees.PayeeData(
            account_name=holder, bank=bank, account_number=number, via_host_unit=via,
            host_unit_name=HOST_UNIT[0] if via else "",
            host_unit_uscc=HOST_UNIT[1] if via else ""))
        payees.confirm_payee(finance, account)
        _count(context, "payee accounts")
    db.session.flush()


def _delivery_awards(context: dict) -> list[Award]:
    round_: Round | None = context.get("delivery_round")
    if round_ is None:
        return []
    return list(db.session.scalars(select(Award).where(
        Award.round_id == round_.id, Award.status == AwardStatus.AWARDED).order_by(Award.id)))


def seed_payees(context: dict) -> dict:
    organizer = context["users"].get(ORGANIZER)
    finance = context["users"].get(FINANCE)
    if organizer is None or finance is None:
        return {}
    _accounts(context, finance)
    awards = _delivery_awards(context)
    if not awards:
        return {}
    round_ = awards[0].round
    if db.session.get(AgreementText, round_.id) is None:
        agreements.update_text(organizer, round_, agreements.DEFAULT_TITLE,
                               agreements.DEFAULT_BODY, DUTIES, RULES_VERSION)
    for award in awards:
        if agreements.agreement_of(award) is not None or budgets.needs_revision(award):
            continue  # already there; or waiting for its revised budget (海岛假日课堂)
        organisation = award.application.organisation
        if payees.current_account(organisation.id) is None:
            continue
        owner = _owner(organisation)
        title = award.application.title
        if title in (SCAN_SIGNED, SCAN_WAITING):
            agreement = agreements.upload_scan(owner, award, "项目协议书（盖章）.pdf", SCAN)
            if title == SCAN_SIGNED:
                agreements.confirm_scan(organizer, agreement)
        else:
            digest = agreements.sha256(agreements.render(award))
            agreements.sign_agreement(owner, award, owner.name.split()[-1], digest, IP)
        _count(context, "agreements")
    db.session.flush()
    return {}


def seed_payee_changes(context: dict) -> dict:
    name, bank, number = CHANGED
    organisation = _organisations([name]).get(name)
    latest = payees.current_account(organisation.id) if organisation else None
    if latest is None or latest.version > 1:
        return {}
    payees.record_payee(_owner(organisation), organisation, payees.PayeeData(
        account_name=latest.account_name, bank=bank, account_number=number))
    _count(context, "payee changes waiting")
    db.session.flush()
    return {}


hooks.DEMO_STEPS["payees"] = (8, seed_payees)
hooks.DEMO_STEPS["payee_changes"] = (30, seed_payee_changes)
