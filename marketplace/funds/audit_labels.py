"""What the audit log calls the actions, objects and fields of awards, the ledger and spending
(audit/labels.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.applications.models import Application
from marketplace.audit import labels
from marketplace.extensions import db
from marketplace.funds.models import Award
from marketplace.funds.spending_models import Expense, FundingSource, Variation


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
    "tranche.release": _l("申请拨付一期资金"),
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
