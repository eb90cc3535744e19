"""What the audit log calls the actions, objects and fields of review, decisions, 公示 and
objections (audit/labels.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.applications.models import Application
from marketplace.audit import labels
from marketplace.extensions import db
from marketplace.review.models import Objection, Review, ReviewAssignment


def _by_application(model) -> labels.Names:
    """A review, an assignment or an objection is named by its application."""
    def names(ids: set[int]) -> dict[int, str]:
        return dict(db.session.execute(
            select(model.id, Application.title)
            .join(Application, model.application_id == Application.id)
            .where(model.id.in_(ids))).all())
    return names


labels.actions({
    "review.settings": _l("修改了评审设置"),
    "review.rubric": _l("修改了评分细则"),
    "review.set_deadline": _l("设置了评审截止时间"),
    "review.assign": _l("分配了评审专家"),
    "review.auto_assign": _l("自动分配了评审专家"),
    "review.unassign": _l("取消了评审分配"),
    "review.recuse": _l("回避了评审"),
    "review.conflict_declare": _l("申报了回避关系"),
    "review.conflict_withdraw": _l("撤回了回避声明"),
    "review.save_draft": _l("保存了评分草稿"),
    "review.submit": _l("提交了评分"),
    "review.reopen": _l("退回评分重新修改"),
    "round.start_review": _l("开始了评审"),
    "round.publish_publicity": _l("发布了立项公示"),
    "round.finalise": _l("确认了立项"),
    "application.start_review": _l("将申报书送入评审"),
    "application.approve": _l("批准了立项"),
    "application.reject": _l("决定不予立项"),
    "application.waitlist": _l("将申报书列为候补"),
    "application.withdraw_approval": _l("撤回了立项决定"),
    "application.award": _l("正式立项"),
    "award.award": _l("立项生效"),
    "publicity.list": _l("将项目列入公示"),
    "objection.file": _l("提出了异议"),
    "objection.uphold": _l("认定异议成立"),
    "objection.dismiss": _l("认定异议不成立"),
    # Being written by the decisions work (issue 11, point 5); declared ahead.
    "decision.change": _l("改变了立项决定"),
    "decision.withdraw": _l("撤回了立项决定"),
})
labels.object_kind("review", _l("专家评分"), names=_by_application(Review))
labels.object_kind("review_assignment", _l("评审分配"), names=_by_application(ReviewAssignment))
labels.object_kind("objection", _l("异议"), names=_by_application(Objection))
labels.fields({
    "reply": _l("答复"),
    "blind": _l("匿名评审"),
    "scoring_method": _l("计分方法"),
    "reviewers_per_application": _l("每份申报书的评审专家数"),
    "disagreement_points": _l("分歧提示分差"),
    "others_scores": _l("其他专家评分可见"),
    "applications": _l("申报书数"),
    "awarded": _l("立项数"),
    "made": _l("分配数"),
    "left_to_others": _l("留给他人的"),
    "short": _l("分配不足"),
})
labels.fields({"total": _l("总分")}, object_type="review")
