"""What the audit log calls the actions, objects and fields of rounds, pools, challenges and 派单
(audit/labels.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.audit import labels
from marketplace.extensions import db
from marketplace.rounds.models import (
    Challenge,
    ChallengeDraft,
    ChallengeInvitation,
    Department,
    Pool,
    Round,
)


def _rounds(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(select(Round.id, Round.title).where(Round.id.in_(ids))).all())


def _pools(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(select(Pool.id, Pool.name).where(Pool.id.in_(ids))).all())


def _challenges(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(select(Challenge.id, Challenge.title)
                                   .where(Challenge.id.in_(ids))).all())


def _departments(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(select(Department.id, Department.name)
                                   .where(Department.id.in_(ids))).all())


def _challenge_drafts(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(select(ChallengeDraft.id, ChallengeDraft.title)
                                   .where(ChallengeDraft.id.in_(ids))).all())


def _challenge_invitations(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(
        select(ChallengeInvitation.id, Challenge.title)
        .join(Challenge, ChallengeInvitation.challenge_id == Challenge.id)
        .where(ChallengeInvitation.id.in_(ids))).all())


labels.actions({
    "round.create": _l("创建了年度项目"),
    "round.close_intake": _l("截止了申报"),
    "round.update": _l("修改了年度项目设置"),
    "round.publish": _l("发布了年度项目"),
    "round.extend_deadline": _l("延长了申报截止时间"),
    "round.update_publicity_details": _l("修改了公示信息"),
    "pool.create": _l("新建了资金池"),
    "pool.update": _l("修改了资金池"),
    "pool.delete": _l("删除了资金池"),
    "challenge.create": _l("发布了命题"),
    "challenge.update": _l("修改了命题"),
    "challenge.delete": _l("删除了命题"),
    "challenge.invite": _l("邀请组织揭榜"),
    "challenge_invitation.answer": _l("答复了揭榜邀请"),
    "matching_preference.set": _l("设置了对接偏好"),
    "department.create": _l("新建了命题部门"),
    "department.add_contact": _l("添加了部门联系人"),
    "department.remove_contact": _l("移除了部门联系人"),
    "challenge_draft.create": _l("起草了命题"),
    "challenge_draft.update": _l("修改了命题草稿"),
    "challenge_draft.publish": _l("发布了部门命题草稿"),
})
labels.object_kind("round", _l("年度项目"), names=_rounds)
labels.object_kind("pool", _l("资金池"), names=_pools)
labels.object_kind("challenge", _l("命题"), names=_challenges)
labels.object_kind("department", _l("命题部门"), names=_departments)
labels.object_kind("challenge_draft", _l("命题草稿"), names=_challenge_drafts)
labels.object_kind("challenge_invitation", _l("揭榜邀请"), names=_challenge_invitations)
labels.fields({
    "round_id": _l("年度项目"),
    "pool_id": _l("资金池"),
    "challenge_id": _l("命题"),
    "year": _l("年度"),
    "total_budget_fen": _l("总预算"),
    "amount_fen": _l("金额"),
    "kind": _l("类型"),
    "regions": _l("限定县区"),
    "deadline_at": _l("申报截止时间"),
    "opens_at": _l("开始申报时间"),
    "starts_at": _l("开始时间"),
    "ends_at": _l("结束时间"),
    "published_at": _l("发布时间"),
    "review_ends_at": _l("评审截止时间"),
    "delivery_ends_at": _l("执行截止时间"),
    "categories": _l("项目类别"),
    "themes": _l("主题"),
    "introduction": _l("简介"),
    "max_amount_per_project_fen": _l("单个项目资助上限"),
    "max_applications_per_org": _l("每个组织申报上限"),
    "publicity_days": _l("公示天数"),
    "document_number": _l("文号"),
    "supervision_phone": _l("监督电话"),
    "tranche_template": _l("分期拨付模板"),
    "budget_rules": _l("预算规则"),
    "cap_per_team_fen": _l("每队资助上限"),
    "slots": _l("名额"),
    "background": _l("背景"),
    "expected_outcomes": _l("预期成果"),
    "indicators": _l("绩效指标"),
    "eligible_regions": _l("限定县区"),
    "eligible_org_types": _l("限定组织类型"),
    "sources": _l("资金来源"),
    "department_id": _l("命题方"),
})
