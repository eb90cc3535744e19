"""Demo rounds: this year's open round with pools and three challenges, and next year's draft.

Idempotent: rounds are found by (year, title), challenges by (round, title), pools by
(round, name); only missing rows are created, through the services (audit records, mail).
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.rounds import challenges, departments, invitations, pools, services
from marketplace.rounds.challenges import ChallengeData
from marketplace.rounds.models import (
    Challenge,
    ChallengeDraft,
    Department,
    DepartmentContact,
    Pool,
    PoolKind,
    Round,
    RoundStatus,
)
from marketplace.rounds.services import RoundData

ORDER = 10

ORGANIZER = "organizer@demo.example.org"

# title, cap per team, slots, eligible regions, background
CHALLENGES = [
    ("斑马线守护", "30000", 2, [],
     "学校和社区周边路口行人过街秩序亟待改善，招募志愿者开展文明交通劝导。"),
    ("海岛老人关爱", "25000", 2, ["岱山县", "嵊泗县"],
     "海岛留守老人多、服务资源少，需要常态化的探访、助餐和健康服务。"),
    ("垃圾分类宣讲", "35000", 1, [],
     "面向社区居民和中小学生开展垃圾分类宣讲与入户指导，提升分类准确率。"),
]
TARGETED_POOL = "海岛定向扶持资金池"
# 命题方: the partner department behind 斑马线守护, its contact, and its draft for next year.
DEPARTMENT = "市公安局交警支队"
DEPARTMENT_CONTACT = "department@demo.example.org"
DEPARTMENT_CHALLENGES = {"斑马线守护"}
DEPARTMENT_DRAFT = "文明交通场站"


def _department(staff, contact_email: str | None, users: dict) -> Department:
    department = db.session.scalar(select(Department).where(Department.name == DEPARTMENT))
    if department is None:
        department = departments.create_department(staff, DEPARTMENT)
    contact = users.get(contact_email) if contact_email else None
    if contact is not None and db.session.scalar(select(DepartmentContact.id).where(
            DepartmentContact.department_id == department.id,
            DepartmentContact.user_id == contact.id)) is None:
        departments.add_contact(staff, department, contact.email)
    return department


def _find_round(year: int, title: str) -> Round | None:
    return db.session.scalar(select(Round).where(Round.year == year, Round.title == title))


def seed(context: dict) -> dict:
    staff = context["users"][ORGANIZER]
    organisations = context["organisations"]
    now = utcnow().replace(second=0, microsecond=0)
    year = now.year
    created = 0
    department = _department(staff, DEPARTMENT_CONTACT, context["users"])

    title = f"{year}年志愿服务集市创投项目"
    round_ = _find_round(year, title)
    if round_ is None:
        round_ = services.create_round(staff, RoundData(
            year=year, title=title,
            introduction=("团市委面向全市志愿服务组织征集志愿服务项目，设**公开申报**和"
                          "**主办方命题**（揭榜）两种方式，并设海岛定向扶持资金池。\n\n"
                          "- 公开申报：围绕年度类别自主设计项目\n"
                          "- 主办方命题：认领命题，揭榜答题"),
            total_budget=Decimal("579000.00"), opens_at=now - timedelta(days=7),
            deadline_at=now + timedelta(days=30), review_ends_at=now + timedelta(days=45),
            publicity_days=7, delivery_ends_at=now + timedelta(days=300),
            max_amount_per_project=Decimal("50000.00"), max_applications_per_org=2,
            budget_rules={"personnel": 30, "publicity": 20}))
        created += 1
    made_pools = {p.name: p for p in round_.pools}
    if TARGETED_POOL not in made_pools and round_.status in (RoundStatus.DRAFT, RoundStatus.OPEN):
        made_pools[TARGETED_POOL] = pools.create_pool(
            staff, round_, TARGETED_POOL, PoolKind.TARGETED, Decimal("110000.00"),
            ["岱山县", "嵊泗县"])
    made_challenges = {c.title: c for c in round_.challenges}
    for c_title, cap, slots, regions, background in CHALLENGES:
        if c_title not in made_challenges and round_.status in (RoundStatus.DRAFT,
                                                                RoundStatus.OPEN):
            made_challenges[c_title] = challenges.create_challenge(staff, round_, ChallengeData(
                title=c_title, cap_per_team=Decimal(cap), slots=slots, background=background,
                expected_outcomes="形成可复制的志愿服务模式，服务对象满意度 90% 以上。",
                indicators="开展活动不少于 12 次；参与志愿者不少于 30 人次。",
                eligible_regions=regions,
                department_id=department.id if c_title in DEPARTMENT_CHALLENGES else None))
    general = db.session.scalar(select(Pool).where(Pool.round_id == round_.id,
                                                   Pool.kind == PoolKind.GENERAL))
    if general is None and round_.status in (RoundStatus.DRAFT, RoundStatus.OPEN):
        db.session.flush()
        free = round_.total_budget - sum((p.amount for p in round_.pools), Decimal("0.00"))
        general = pools.create_pool(staff, round_, "综合资金池", PoolKind.GENERAL, free)
    if round_.status == RoundStatus.DRAFT:
        services.publish_round(staff, round_, now=now)

    # 派单: invite the demo volunteer team to the zebra-crossing challenge.
    zebra = made_challenges.get("斑马线守护")
    team = organisations.get("普陀区海韵志愿服务队")
    if zebra is not None and team is not None and team.is_verified \
            and round_.accepts_applications_at(now):
        invitations.invite_organisations(staff, zebra, [team], "欢迎贵队揭榜，期待你们的方案。",
                                         now=now)

    draft_title = f"{year + 1}年志愿服务集市创投项目"
    draft = _find_round(year + 1, draft_title)
    if draft is None:
        draft = services.create_round(staff, RoundData(
            year=year + 1, title=draft_title, introduction="筹备中。",
            total_budget=Decimal("600000.00")))
        created += 1

    contact = context["users"].get(DEPARTMENT_CONTACT)
    if contact is not None and draft.status == RoundStatus.DRAFT and db.session.scalar(
            select(ChallengeDraft.id).where(ChallengeDraft.round_id == draft.id,
                                            ChallengeDraft.title == DEPARTMENT_DRAFT)) is None:
        departments.create_draft(contact, departments.DraftData(
            department_id=department.id, round_id=draft.id, title=DEPARTMENT_DRAFT,
            cap_per_team=Decimal("30000"), slots=2,
            background="公交场站、地铁站口等交通场站的文明乘车秩序需要志愿者常态化引导。",
            expected_outcomes="场站文明乘车秩序明显改善。",
            indicators="每周在岗服务不少于 2 次。"))

    db.session.flush()
    context["created"]["rounds"] = context["created"].get("rounds", 0) + created
    return {"rounds": {"open": round_, "draft": draft},
            "challenges": {c.title: c for c in db.session.scalars(
                select(Challenge).where(Challenge.round_id == round_.id))},
            "pools": {p.name: p for p in db.session.scalars(
                select(Pool).where(Pool.round_id == round_.id))}}
