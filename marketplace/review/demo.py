"""Demo: a second round of this year, already reviewed and in 公示 — blind review by the two
demo reviewers, three approvals within the general pool, one on the waiting list, and one
objection waiting for an answer.

Idempotent: the round is found by (year, title); when it exists nothing is added.
Applications are created directly as submitted (their deadline has passed), everything
after that goes through the review services (audit records, ledger entries, mail).
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.applications.models import Application, ApplicationStatus, BudgetLine
from marketplace.audit.services import record
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.review import services
from marketplace.review.models import AssignmentStatus, ReviewAssignment
from marketplace.rounds.models import BudgetCategory, Pool, PoolKind, Round, RoundStatus

ORDER = 30

ORGANIZER = "organizer@demo.example.org"
REVIEWERS = ["reviewer1@demo.example.org", "reviewer2@demo.example.org"]
HAIYUN, HONGFAN = "普陀区海韵志愿服务队", "定海区红帆青年志愿者协会"

# organisation, title, category, requested, decision ("approve" amount | "waitlist"),
# reviewer scores per criterion (reviewer1, reviewer2)
PROJECTS = [
    (HAIYUN, "渔港夜校：新渔民数字技能课堂", "为民服务", "48000.00", ("approve", "45000.00"),
     ([18, 17, 22, 18, 13], [17, 18, 21, 17, 12])),
    (HONGFAN, "定海老街文明劝导青年行动", "文明创建", "40000.00", ("approve", "40000.00"),
     ([17, 15, 21, 17, 12], [18, 16, 22, 18, 13])),
    (HAIYUN, "海岛护学：放学路上安全守护", "关爱帮扶", "30000.00", ("approve", "28000.00"),
     ([16, 14, 20, 16, 11], [15, 15, 19, 16, 11])),
    (HONGFAN, "红帆助残：周末陪伴计划", "关爱帮扶", "35000.00", ("waitlist", None),
     ([14, 12, 18, 15, 10], [13, 13, 17, 14, 10])),
]


def _title(year: int) -> str:
    return f"{year}年志愿服务集市创投项目（春季批次）"


def seed(context: dict) -> dict:
    users, organisations = context["users"], context["organisations"]
    organizer = users.get(ORGANIZER)
    reviewers = [users.get(e) for e in REVIEWERS]
    if organizer is None or None in reviewers:
        return {}
    now = utcnow().replace(microsecond=0)
    year = now.year
    round_ = db.session.scalar(select(Round).where(Round.year == year,
                                                  Round.title == _title(year)))
    if round_ is not None:
        return {"publicity_round": round_}

    round_ = Round(year=year, title=_title(year), status=RoundStatus.OPEN,
                   introduction="<p>春季批次：聚焦渔港、老街和海岛学校的志愿服务项目。</p>",
                   total_budget_fen=26_000_000, opens_at=now - timedelta(days=40),
                   deadline_at=now - timedelta(days=10), publicity_days=7,
                   max_amount_per_project_fen=5_000_000, max_applications_per_org=2,
                   tranche_template=[
                       {"label": "立项拨付", "percent": 50, "gate": "on_award"},
                       {"label": "中期拨付", "percent": 30, "gate": "after_report"},
                       {"label": "结项拨付", "percent": 20, "gate": "after_acceptance"}],
                   created_by_id=organizer.id, published_at=now - timedelta(days=40))
    general = Pool(name="综合资金池", kind=PoolKind.GENERAL, amount_fen=20_000_000)
    round_.pools.append(general)
    round_.pools.append(Pool(name="海岛定向扶持资金池", kind=PoolKind.TARGETED,
                             amount_fen=6_000_000, regions=["岱山县", "嵊泗县"]))
    db.session.add(round_)
    db.session.flush()
    record("demo.create_round", round_, actor=None, after={"title": round_.title})

    made: list[tuple[Application, tuple, tuple]] = []
    for org_name, title, category, requested, decision, scores in PROJECTS:
        organisation = organisations.get(org_name)
        if organisation is None:
            continue
        fen = int(Decimal(requested) * 100)
        application = Application(
            round_id=round_.id, organisation_id=organisation.id, pool_id=general.id,
            status=ApplicationStatus.SUBMITTED, title=title, category=category,
            summary=f"{title}：组织青年志愿者常态化开展服务，每月不少于两次活动。",
            objectives="服务对象满意度 90% 以上；形成可复制的服务流程。",
            target_group="社区居民", beneficiaries=300, place=f"舟山市{organisation.region}",
            region=organisation.region, volunteers=30, requested_fen=fen,
            submitted_at=now - timedelta(days=12),
            snapshot={"organisation": {"name": organisation.name, "uscc": organisation.uscc,
                                       "region": organisation.region}},
            created_by_id=organisation.memberships[0].user_id)
        application.budget_lines.append(BudgetLine(
            position=0, item="活动物资与宣传", category=BudgetCategory.MATERIALS,
            quantity=Decimal("1"), unit_price_fen=fen, amount_fen=fen))
        db.session.add(application)
        made.append((application, decision, scores))
    db.session.flush()

    services.start_review(round_, organizer, now=now)
    settings = services.settings_for(round_)
    settings.reviewers_per_application = 2
    settings.blind = True
    for application, _, _ in made:
        for reviewer in reviewers:
            services._assign(round_.id, application.id, reviewer.id, organizer)
    rubric = services.round_rubric(round_)
    for application, _, per_reviewer in made:
        for reviewer, scores in zip(reviewers, per_reviewer, strict=True):
            assignment = db.session.scalar(select(ReviewAssignment).where(
                ReviewAssignment.application_id == application.id,
                ReviewAssignment.reviewer_id == reviewer.id,
                ReviewAssignment.status == AssignmentStatus.ACTIVE))
            data = [services.ScoreData(c.id, str(s), "") for c, s in
                    zip(rubric.criteria, scores, strict=True)]
            services.save_review(assignment, data, "方案清晰，预算合理，建议关注可持续性。",
                                 reviewer, submit=True)
    for application, (action, amount), _ in made:
        if action == "approve":
            services.approve_application(application, Decimal(amount), organizer,
                                         feedback="请按计划实施，注意活动安全。")
        else:
            services.waitlist_application(application, "评分靠后，列入候补。", organizer)
    services.publish_publicity(round_, organizer, starts_at=now - timedelta(days=1), now=now)
    approved = [a for a, (action, _), _ in made if action == "approve"]
    if approved:
        services.file_objection(round_, services.ObjectionData(
            application_id=approved[0].id, name="王先生", contact="13900001234",
            text="该项目的部分活动与去年已资助项目内容相近，请核实是否重复申报。"),
            ip="127.0.0.1", now=now)
    db.session.flush()
    context["created"]["publicity rounds"] = 1
    return {"publicity_round": round_}
