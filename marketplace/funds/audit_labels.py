"""What the audit log calls the actions, objects and fields of awards, the ledger and spending
(audit/labels.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.applications.models import Application
from marketplace.audit import labels
from marketplace.extensions import db
from marketplace.funds.agreement_models import Agreement, SigningMethod
from marketplace.funds.models import Award, Tranche
from marketplace.funds.payee_models import PayeeAccount
from marketplace.funds.payment_models import MoneyReturn, Payment, ReturnRequest
from marketplace.funds.spending_models import Expense, FundingSource, Variation
from marketplace.organisations.models import Organisation


def _awards(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(
        select(Award.id, Application.title).join(Application, Award.application_id ==
                                                 Application.id)
        .where(Award.id.in_(ids))).all())


def _by_award(model) -> labels.Names:
    """An expense or a variation is named by its project."""
    def names(ids: set[int]) -> dict[int, str]:
        return dict(db.session.execute(
            select(model.id, Application.title)
            .join(Award, model.award_id == Award.id)
            .join(Application, Award.application_id == Application.id)
            .where(model.id.in_(ids))).all())
    return names


def _sources(ids: set[int]) -> dict[int, str]:
    return {s.id: s.display_name for s in db.session.scalars(
        select(FundingSource).where(FundingSource.id.in_(ids)))}


labels.actions({
    "award.commit": _l("承诺了立项资金"),
    "award.decommit": _l("撤销了立项资金承诺"),
    "award.close_spending": _l("结算了项目经费"),
    "budget.revise": _l("修订了项目预算"),
    "expense.record": _l("登记了支出"),
    "expense.question": _l("对支出提出了疑问"),
    "expense.answer": _l("答复了支出疑问"),
    "expense.reject": _l("不认可支出"),
    "expense.void": _l("作废了支出"),
    "expense.export": _l("导出了支出明细"),
    "variation.request": _l("申请了项目变更"),
    "variation.approve": _l("批准了项目变更"),
    "variation.reject": _l("驳回了项目变更"),
    "funding_source.create": _l("新建了资金来源"),
    "funding_source.update": _l("修改了资金来源"),
    "pool.sources": _l("设置了资金池的资金来源"),
    "return_request.create": _l("要求退回资金"),
    "spending_rules.update": _l("修改了经费使用规则"),
    # Being written by the payee/agreement and payments work (issue 12); declared ahead.
    "payee.change": _l("修改了收款信息"),
    "agreement.sign": _l("确认了项目协议书"),
    "tranche.release": _l("批准下达了一期资金"),
    "payment.record": _l("登记了付款"),
    "return.record": _l("登记了退款"),
})
labels.object_kind("award", _l("立项项目"), names=_awards)
labels.object_kind("expense", _l("支出"), names=_by_award(Expense))
labels.object_kind("variation", _l("项目变更"), names=_by_award(Variation))
labels.object_kind("funding_source", _l("资金来源"), names=_sources)
labels.fields({
    "award_id": _l("立项项目"),
    "line": _l("预算科目"),
    "line_key": _l("预算行"),
    "lines": _l("预算明细"),
    "question": _l("疑问"),
    "answer": _l("答复"),
    "invoice_number": _l("发票号"),
    "payee": _l("收款方"),
    "scan": _l("凭证文件"),
    "sha256": _l("文件校验值"),
    "spent_on": _l("支出日期"),
    "awarded_at": _l("立项时间"),
    "automatic": _l("自动批准"),
    "needs_approval": _l("需要审批"),
    "end_date_before": _l("原结束日期"),
    "end_date_after": _l("新结束日期"),
})

# Amounts in yuan as recorded (a Decimal's text), on the objects whose entries carry money.
for _kind in ("award", "expense", "variation", "application", "return_request"):
    labels.fields({"amount": labels.Field(_l("金额"), labels.money),
                   "total": labels.Field(_l("合计"), labels.money),
                   "moved": labels.Field(_l("调整金额"), labels.money)}, object_type=_kind)


# --- payments, payees and agreements (issue 12) ------------------------------------------------

def _tranches(ids: set[int]) -> dict[int, str]:
    rows = db.session.execute(
        select(Tranche.id, Tranche.index, Application.title)
        .join(Award, Tranche.award_id == Award.id)
        .join(Application, Award.application_id == Application.id)
        .where(Tranche.id.in_(ids))).all()
    return {id_: str(_l("%(title)s · 第 %(n)d 期", title=title, n=index))
            for id_, index, title in rows}


def _payee_accounts(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(
        select(PayeeAccount.id, Organisation.name)
        .join(Organisation, PayeeAccount.organisation_id == Organisation.id)
        .where(PayeeAccount.id.in_(ids))).all())


labels.actions({
    "agreement.upload_scan": _l("上传了盖章的项目协议书"),
    "agreement.confirm_scan": _l("确认了盖章的项目协议书"),
    "agreement.reject_scan": _l("退回了盖章的项目协议书"),
    "agreement_text.update": _l("修改了项目协议书文本"),
    "award.change": _l("更改了立项金额或资金池"),
    "award.recommit": _l("重新承诺了立项资金"),
    "award.cut": _l("核减了资助"),
    "export.payments": _l("导出了资金拨付明细"),
    "export.bank_batch": _l("导出了批量代发文件"),
    "export.statement": _l("导出了项目资金对账单"),
    "payee.confirm": _l("确认了收款账户"),
    "payee.reject": _l("退回了收款账户变更"),
    "payee.supersede": _l("以新的变更取代了收款账户变更"),
    "return.request": _l("要求退回资金"),
    "return.settle": _l("收齐了退回资金"),
    "tranche.releasable": _l("确认一期资金可以下达"),
    "tranche.request_release": _l("申请下达一期资金"),
    "tranche.paid": _l("付清了一期资金"),
    "tranche.cancel": _l("取消了一期资金"),
})
labels.object_kind("agreement", _l("项目协议书"), names=_by_award(Agreement))
labels.object_kind("payment", _l("拨付"), names=_by_award(Payment))
labels.object_kind("return_request", _l("退回要求"), names=_by_award(ReturnRequest))
labels.object_kind("money_return", _l("退回款"), names=_by_award(MoneyReturn))
labels.object_kind("tranche", _l("分期"), names=_tranches)
labels.object_kind("payee_account", _l("收款账户"), names=_payee_accounts)
labels.fields({
    "ip": _l("IP 地址"),
    "method": labels.Field(_l("签署方式"), labels.enum_labels(SigningMethod)),
    "scan_sha256": _l("扫描件校验值"),
    "signed_at": labels.Field(_l("签署时间"), labels.local_time),
    "signer_name": _l("签署人"),
    "size": _l("文件大小（字节）"),
    "cancelled_tranches": _l("取消的分期"),
    "committed": labels.Field(_l("已承诺"), labels.money),
    "freed": labels.Field(_l("释放回资金池"), labels.money),
    "paid": labels.Field(_l("已拨付"), labels.money),
    "released": labels.Field(_l("已下达"), labels.money),
    "award_released": labels.Field(_l("项目已下达合计"), labels.money),
    "tranche_paid": labels.Field(_l("本期已拨付"), labels.money),
    "return_request_id": _l("退回要求"),
    "account_name": _l("户名"),
    "account_number": _l("账号"),
    "bank": _l("开户行"),
    "host_unit": _l("依托单位"),
    "host_unit_uscc": _l("依托单位统一社会信用代码"),
    "paid_on": _l("拨付日期"),
    "tranche": _l("分期"),
    "voucher_number": _l("凭证号"),
    "body": _l("协议文本"),
    "duties": _l("项目责任"),
    "rules_version": _l("管理办法版本"),
    "requested_by": _l("申请人"),
})
for _kind in ("payment", "money_return", "tranche"):
    labels.fields({"amount": labels.Field(_l("金额"), labels.money)}, object_type=_kind)
