"""Demo applications in the open round (from the rounds seeder): a draft, submitted ones (open
call and a bid on a challenge), one returned for changes and one withdrawn, each with budget
lines, an activity plan and a team. Idempotent: found by (round, organisation, title);
made through the services, so they carry audit records, snapshots and queued mail."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from marketplace.applications import services
from marketplace.applications.models import Application
from marketplace.applications.proposal import (
    ApplicationData,
    BudgetLineData,
    PlanRowData,
    TeamMemberData,
)
from marketplace.extensions import db
from marketplace.rounds.models import BudgetCategory as C

ORDER = 20

MEMBER, MEMBER2 = "member@demo.example.org", "member2@demo.example.org"
ORGANIZER = "organizer@demo.example.org"
HAIYUN, HONGFAN = "普陀区海韵志愿服务队", "定海区红帆青年志愿者协会"

# owner, organisation, challenge title (None: open call), target state, title, category,
# region, budget lines (item, category, quantity, unit price)
DEMO = [
    (MEMBER, HAIYUN, None, "draft", "渔港社区“银龄课堂”", "关爱帮扶", "普陀区",
     [("课堂教材印刷", C.MATERIALS, "200", "12.50"), ("讲师交通补贴", C.TRANSPORT, "20", "40"),
      ("宣传折页", C.PUBLICITY, "500", "0.80")]),
    (MEMBER, HAIYUN, "斑马线守护", "submitted", "沈家门学校路口文明劝导", "文明创建", "普陀区",
     [("反光背心与小红旗", C.MATERIALS, "60", "45"), ("志愿者保险", C.OTHER, "60", "25"),
      ("劝导员误餐补贴", C.PERSONNEL, "60", "30"), ("宣传展板", C.PUBLICITY, "6", "180")]),
    (MEMBER2, HONGFAN, None, "submitted", "定海古城红色故事青年宣讲团", "理论宣讲", "定海区",
     [("宣讲道具与资料", C.MATERIALS, "1", "6800"), ("场地租用", C.VENUE, "8", "500"),
      ("宣讲员劳务", C.PERSONNEL, "40", "150"), ("短视频制作", C.PUBLICITY, "4", "900")]),
    (MEMBER2, HONGFAN, None, "returned", "海岸线净滩行动", "生态环保", "定海区",
     [("垃圾钳与收纳袋", C.MATERIALS, "100", "35"), ("往返大巴", C.TRANSPORT, "6", "900"),
      ("活动宣传", C.PUBLICITY, "1", "1200")]),
    (MEMBER2, HONGFAN, None, "withdrawn", "社区助餐点志愿服务", "为民服务", "定海区",
     [("餐具与保温箱", C.MATERIALS, "20", "150")]),
]


def _data(title, category, region, lines) -> ApplicationData:
    year = date.today().year
    return ApplicationData(
        title=title, category=category, region=region,
        summary=f"{title}：组织青年志愿者开展常态化服务，每月不少于两次活动。",
        objectives="服务对象满意度 90% 以上；形成可复制的服务流程和志愿者手册。",
        target_group="社区居民", beneficiaries=300, place=f"舟山市{region}", volunteers=30,
        start_date=date(year, 4, 1), end_date=date(year, 12, 31),
        budget_lines=[BudgetLineData(item=i, category=c, quantity=Decimal(q),
                                     unit_price=Decimal(p)) for i, c, q, p in lines],
        plan_rows=[PlanRowData("4月", "招募并培训志愿者", "志愿者 30 人完成培训"),
                   PlanRowData("5月—11月", "每月开展两次服务活动", "活动记录与照片"),
                   PlanRowData("12月", "总结评估", "项目总结报告")],
        team_members=[TeamMemberData("张海", "项目负责人", "13800000001"),
                      TeamMemberData("李帆", "活动组织", "13800000002"),
                      TeamMemberData("王蓓", "财务与宣传", "13800000003")])


def seed(context: dict) -> dict:
    round_ = (context.get("rounds") or {}).get("open")
    users, organisations = context["users"], context["organisations"]
    if round_ is None or not services.policy.before_deadline(round_):
        return {}
    challenges = context.get("challenges") or {}
    organizer = users[ORGANIZER]
    made: dict[str, Application] = {}
    created = 0
    for owner, org_name, challenge_title, state, title, category, region, lines in DEMO:
        organisation = organisations.get(org_name)
        challenge = challenges.get(challenge_title) if challenge_title else None
        if organisation is None or not organisation.is_verified \
                or (challenge_title and challenge is None):
            continue
        application = db.session.scalar(select(Application).where(
            Application.round_id == round_.id, Application.organisation_id == organisation.id,
            Application.title == title))
        if application is None:
            member = users[owner]
            application = services.start_application(member, organisation, round_, challenge)
            services.save_draft(member, application, _data(title, category, region, lines))
            if state in ("submitted", "returned"):
                services.submit_application(member, application)
            if state == "returned":
                services.return_application(
                    organizer, application,
                    "请把“往返大巴”拆分到每次活动，并补充净滩点位的安全预案。")
            if state == "withdrawn":
                services.withdraw_application(member, application)
            created += 1
        made[title] = application
    db.session.flush()
    context["created"]["applications"] = context["created"].get("applications", 0) + created
    return {"applications": made}
