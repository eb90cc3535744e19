"""Demo: three more rounds of this year, each at a later stage than the open one.

- 公示 (publicity): "春季批次", blind review by the two demo reviewers, three approvals within
  the general pool, one on the waiting list, and one objection waiting for an answer.
- 评审中 (reviewing): "“文明实践”专项创投", not blind; each reviewer has submitted some
  scores, saved one as a draft and not started others; reviewer2 recused from one proposal,
  and the two reviewers disagree on another, so the organizer sees progress and a partial
  ranking.
- 实施中 (delivery): "海岛志愿服务专项创投", reviewed, decided (targeted island pool,
  general pool and a challenge's bid; one rejection), 公示 with one objection answered, then
  finalised: awards 立项.

Idempotent: each round is found by (year, title); when it exists nothing is added to it.
Every round is made through the rounds and applications services with the clock set back
into its application period, and everything after that goes through the review services
(status moves, audit records, ledger entries, mail). Times the services check (deadline,
review deadline, 公示 period) are passed explicitly, in the past.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.applications import proposal
from marketplace.applications import services as applications
from marketplace.applications.models import Application
from marketplace.core.timeutil import local_to_utc, to_local, utcnow
from marketplace.extensions import db
from marketplace.organisations.models import MemberRole, Organisation
from marketplace.review import assigning, conflicts, decisions, publicity, reviewing, rules
from marketplace.review.models import (
    AssignmentStatus,
    OthersScores,
    ReviewAssignment,
    ScoringMethod,
)
from marketplace.review.policy import active_assignment
from marketplace.rounds import challenges as rounds_challenges
from marketplace.rounds import pools as rounds_pools
from marketplace.rounds import services as rounds
from marketplace.rounds.models import BudgetCategory as C
from marketplace.rounds.models import PoolKind, Round

ORDER = 30

ORGANIZER = "organizer@demo.example.org"
REVIEWERS = ["reviewer1@demo.example.org", "reviewer2@demo.example.org"]
HAIYUN, HONGFAN = "普陀区海韵志愿服务队", "定海区红帆青年志愿者协会"
LANGANG, GOUQI = "岱山县蓝色港湾志愿服务中心", "嵊泗县枸杞岛青年志愿服务队"
ISLANDS = ["岱山县", "嵊泗县"]


def _find_round(year: int, title: str) -> Round | None:
    return db.session.scalar(select(Round).where(Round.year == year, Round.title == title))


def _people(context: dict) -> tuple[User, list[User]] | None:
    users = context["users"]
    organizer = users.get(ORGANIZER)
    reviewers = [users.get(e) for e in REVIEWERS]
    if organizer is None or None in reviewers:
        return None
    return organizer, reviewers


def _day(days: int, hour: int) -> datetime:
    """A round's date as an organizer types it: `days` from today (Asia/Shanghai) at
    hour:00 local time, as naive UTC."""
    today = to_local(utcnow()).date() + timedelta(days=days)
    return local_to_utc(datetime(today.year, today.month, today.day, hour))


def _before(deadline: datetime, number: int) -> datetime:
    """When the number-th demo proposal was submitted: some days before the deadline, in
    office hours."""
    return deadline - timedelta(days=2 + number, hours=1 + number * 37 % 8,
                                minutes=number * 13)


def _count(context: dict, what: str, n: int) -> None:
    created = context["created"]
    created[what] = created.get(what, 0) + n


def seed(context: dict) -> dict:
    made = {}
    made.update(seed_publicity_round(context))
    made.update(seed_reviewing_round(context))
    # Made last: the newest live round is the one the dashboard's pipeline shows.
    made.update(seed_delivery_round(context))
    return made


# --- 公示: the spring batch ------------------------------------------------------------------

# organisation, title, category, requested, decision ("approve" amount | "waitlist"),
# reviewer scores per criterion (reviewer1, reviewer2); proposals made by _spring_project
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


def _spring_project(organisation: Organisation, title: str, category: str,
                    requested: str) -> Project:
    return Project(organisation.name, title, category,
                   summary=f"{title}：组织青年志愿者常态化开展服务，每月不少于两次活动。",
                   objectives="服务对象满意度 90% 以上；形成可复制的服务流程。",
                   target_group="社区居民", beneficiaries=300, volunteers=30,
                   place=f"舟山市{organisation.region}",
                   lines=[("活动物资与宣传", C.MATERIALS, "1", requested)])


def seed_publicity_round(context: dict) -> dict:
    context["created"].setdefault("publicity rounds", 0)
    people = _people(context)
    if people is None:
        return {}
    organizer, reviewers = people
    organisations = context["organisations"]
    now = utcnow().replace(microsecond=0)
    year = now.year
    round_ = _find_round(year, _title(year))
    if round_ is not None:
        return {"publicity_round": round_}

    deadline = now - timedelta(days=10)
    round_ = _make_round(
        organizer, year, _title(year), "<p>春季批次：聚焦渔港、老街和海岛学校的志愿服务项目。</p>",
        "260000.00", [("综合资金池", PoolKind.GENERAL, "200000.00", []),
                      ("海岛定向扶持资金池", PoolKind.TARGETED, "60000.00", ISLANDS)],
        opens_at=now - timedelta(days=40), deadline_at=deadline,
        review_ends_at=now - timedelta(days=3), delivery_ends_at=now + timedelta(days=200))

    made: list[tuple[Application, tuple, tuple]] = []
    for number, (org_name, title, category, requested, decision, scores) in enumerate(PROJECTS):
        organisation = organisations.get(org_name)
        if organisation is None:
            continue
        project = _spring_project(organisation, title, category, requested)
        application = _submit(project, organisation, round_, at=_before(deadline, number))
        if application is not None:
            made.append((application, decision, scores))
    db.session.flush()

    _review_settings(round_, organizer, blind=True)  # settings freeze when review starts
    assigning.start_review(organizer, round_, now=deadline + timedelta(days=1))
    for application, _, _ in made:
        for reviewer in reviewers:
            assigning._assign(organizer, round_.id, application.id, reviewer.id)
    for application, _, per_reviewer in made:
        for reviewer, scores in zip(reviewers, per_reviewer, strict=True):
            _score(application, reviewer, scores, "方案清晰，预算合理，建议关注可持续性。")
    for application, (action, amount), _ in made:
        if action == "approve":
            decisions.approve_application(organizer, application, Decimal(amount),
                                         feedback="请按计划实施，注意活动安全。")
        else:
            decisions.waitlist_application(organizer, application, "评分靠后，列入候补。")
    publicity.publish_publicity(organizer, round_, starts_at=now - timedelta(days=1), now=now)
    approved = [a for a, (action, _), _ in made if action == "approve"]
    if approved:
        publicity.file_objection(round_, publicity.ObjectionData(
            application_id=approved[0].id, name="王先生", contact="13900001234",
            text="该项目的部分活动与去年已资助项目内容相近，请核实是否重复申报。"),
            ip="127.0.0.1", now=now)
    db.session.flush()
    _count(context, "publicity rounds", 1)
    return {"publicity_round": round_}


# --- shared by the reviewing and delivery rounds ---------------------------------------------

@dataclass
class Project:
    """One demo proposal: who applies, what for, and its budget lines
    (item, category, quantity, unit price); requested = the lines' total."""

    organisation: str
    title: str
    category: str
    summary: str
    objectives: str
    target_group: str
    beneficiaries: int
    volunteers: int
    place: str
    lines: list[tuple[str, C, str, str]]
    challenge: str | None = None  # a bid on this challenge of the round (揭榜)


TEAMS = {
    HAIYUN: [("张海", "项目负责人", "13800000001"), ("李帆", "活动组织", "13800000002"),
             ("王蓓", "财务与宣传", "13800000003")],
    HONGFAN: [("刘洋", "项目负责人", "13800000011"), ("陈静", "志愿者管理", "13800000012"),
              ("孙悦", "财务", "13800000013")],
    LANGANG: [("林晓东", "项目负责人", "13800000021"), ("郑雯", "活动组织", "13800000022"),
              ("何军", "安全与后勤", "13800000023")],
    GOUQI: [("吴海燕", "项目负责人", "13800000031"), ("徐磊", "志愿者培训", "13800000032"),
            ("邵琳", "财务与宣传", "13800000033")],
}


def _owner(organisation: Organisation) -> User | None:
    return next((m.user for m in organisation.memberships if m.role == MemberRole.OWNER), None)


def _make_round(organizer: User, year: int, title: str, introduction: str,
                total_budget: str, pools: list[tuple[str, PoolKind, str, list[str]]],
                opens_at: datetime, deadline_at: datetime, review_ends_at: datetime,
                delivery_ends_at: datetime, categories: list[str] | None = None,
                challenges: list[rounds_challenges.ChallengeData] = ()) -> Round:
    """Created and published through the rounds services, published the day before it opened."""
    data = rounds.RoundData(
        year=year, title=title, introduction=introduction, total_budget=Decimal(total_budget),
        opens_at=opens_at, deadline_at=deadline_at, review_ends_at=review_ends_at,
        publicity_days=7, delivery_ends_at=delivery_ends_at,
        max_amount_per_project=Decimal("50000.00"), max_applications_per_org=2)
    if categories:
        data.categories = categories
    round_ = rounds.create_round(organizer, data)
    db.session.flush()
    for name, kind, amount, regions in pools:
        rounds_pools.create_pool(organizer, round_, name, kind, Decimal(amount), regions)
    for challenge in challenges:
        rounds_challenges.create_challenge(organizer, round_, challenge)
    db.session.flush()
    rounds.publish_round(organizer, round_, now=opens_at - timedelta(days=1))
    return round_


def _submit(project: Project, organisation: Organisation, round_: Round,
            at: datetime) -> Application | None:
    """The organisation's owner fills in and submits the proposal at `at` (before the
    deadline), through the applications services: snapshot, audit records and mail."""
    owner = _owner(organisation)
    if owner is None or not organisation.is_verified:
        return None
    # From about a month after the deadline to shortly before the round's delivery ends.
    start = (at + timedelta(days=40)).date()
    end = (round_.delivery_ends_at - timedelta(days=15)).date()
    data = proposal.ApplicationData(
        title=project.title, category=project.category, summary=project.summary,
        objectives=project.objectives, target_group=project.target_group,
        beneficiaries=project.beneficiaries, place=project.place,
        region=organisation.region, volunteers=project.volunteers,
        start_date=start, end_date=end,
        budget_lines=[proposal.BudgetLineData(item=i, category=c, quantity=Decimal(q),
                                                  unit_price=Decimal(p))
                      for i, c, q, p in project.lines],
        plan_rows=[
            proposal.PlanRowData("第1个月", "招募并培训志愿者，完成服务点位对接",
                                     f"志愿者 {project.volunteers} 人完成培训"),
            proposal.PlanRowData("实施期间", "按计划常态化开展服务，每月不少于两次",
                                     "活动记录、照片与服务台账"),
            proposal.PlanRowData("最后1个月", "回访服务对象，总结评估",
                                     "满意度调查与项目总结报告")],
        team_members=[proposal.TeamMemberData(*m) for m in TEAMS.get(
            organisation.name, [(owner.name.split()[-1], "项目负责人", "13800000000")])])
    challenge = next((c for c in round_.challenges if c.title == project.challenge), None)
    if project.challenge and challenge is None:
        return None
    application = applications.start_application(owner, organisation, round_, challenge,
                                                 now=at)
    applications.save_draft(owner, application, data, now=at)
    applications.submit_application(owner, application, now=at)
    return application


def _score(application: Application, reviewer: User, scores: list[int | None],
           comment: str, submit: bool = True) -> None:
    """The reviewer fills in the score form: submitted, or saved as a draft (None: blank)."""
    assignment = db.session.scalar(select(ReviewAssignment).where(
        ReviewAssignment.application_id == application.id,
        ReviewAssignment.reviewer_id == reviewer.id,
        ReviewAssignment.status == AssignmentStatus.ACTIVE))
    if assignment is None:
        return
    rubric = rules.stored_rubric_for(application)
    data = [reviewing.ScoreData(c.id, None if s is None else str(s), "")
            for c, s in zip(rubric.criteria, scores, strict=True)]
    # Demo reviews of past rounds were written before their review deadline.
    ends = application.round.review_ends_at
    when = min(utcnow(), ends - timedelta(hours=1)) if ends else None
    reviewing.save_review(reviewer, assignment, data, comment, submit=submit, now=when)


def _review_settings(round_: Round, organizer: User, blind: bool) -> None:
    rules.update_settings(organizer, round_, rules.SettingsData(
        reviewers_per_application=2, blind=blind, others_scores=OthersScores.AFTER_OWN,
        scoring_method=ScoringMethod.MEAN, disagreement_points=20))


# --- 评审中: the “文明实践” special round ------------------------------------------------------

def _reviewing_title(year: int) -> str:
    return f"{year}年“文明实践”专项创投"


# A reviewer's work on one proposal: ("submit", scores, comment) | ("draft", scores, comment)
# | ("recuse", note) | None (assigned, not started). Scores per criterion: 公益性 /20,
# 创新性 /20, 可行性 /25, 社会效益 /20, 可持续与可推广性 /15.
REVIEWING = [
    (Project(HAIYUN, "沈家门渔港“文明餐桌”劝导行动", "文明创建",
             "在沈家门渔港夜排档和渔港食堂设文明餐桌示范点，青年志愿者开展光盘行动劝导、"
             "公筷公勺宣传和“文明餐桌”月度评选。",
             "覆盖示范点 20 个，开展劝导活动 48 场；示范点餐桌浪费明显减少，商户参与率 80% 以上。",
             "渔港餐饮商户和就餐游客", 5000, 35, "普陀区沈家门街道渔港路沿线",
             [("宣传海报与文明桌牌", C.PUBLICITY, "300", "6"),
              ("劝导员误餐补贴", C.PERSONNEL, "120", "30"),
              ("志愿者马甲与袖标", C.MATERIALS, "35", "80"),
              ("“文明餐桌”评选奖品", C.MATERIALS, "20", "400"),
              ("示范点布置", C.VENUE, "4", "1500")]),
     ("submit", [17, 15, 21, 17, 12], "劝导点位选得准，商户动员有基础；评选奖品可压缩。"),
     ("submit", [16, 16, 20, 16, 12], "与渔港商户合作的方式有新意，建议补充成效的统计方法。")),
    (Project(HAIYUN, "渔嫂宣讲团：新时代文明实践进渔村", "理论宣讲",
             "培训 12 名渔嫂宣讲员，用渔区方言和身边故事，把文明新风、移风易俗送进渔村祠堂、"
             "码头和渔船。",
             "培养宣讲员 12 名，进村宣讲 32 场，录制方言短视频 4 期，覆盖渔民群众 3000 人次。",
             "渔村群众和渔民家庭", 3000, 20, "普陀区虾峙镇、桃花镇各渔村",
             [("宣讲员培训", C.PERSONNEL, "2", "3000"),
              ("宣讲道具与资料", C.MATERIALS, "1", "5600"),
              ("渔村巡回交通", C.TRANSPORT, "16", "450"),
              ("方言短视频制作", C.PUBLICITY, "4", "1200")]),
     ("submit", [18, 17, 22, 18, 13], "渔嫂讲身边事，接地气，可推广到其他渔区。"),
     None),
    (Project(HONGFAN, "定海古城“礼让斑马线”青年文明岗", "文明创建",
             "在定海古城 6 个学校和社区路口设青年文明岗，早晚高峰开展文明交通劝导，"
             "配合交警开展“礼让斑马线”主题宣传。",
             "设岗 6 处，累计上岗 1200 人次；路口行人闯红灯、车辆不礼让现象明显减少。",
             "中小学生、家长和过往行人", 8000, 50, "定海区昌国街道、环南街道主要路口",
             [("反光背心与信号旗", C.MATERIALS, "50", "60"),
              ("文明岗标识与雨具", C.MATERIALS, "1", "4200"),
              ("志愿者保险", C.OTHER, "50", "30"),
              ("上岗误餐补贴", C.PERSONNEL, "100", "30"),
              ("宣传展板", C.PUBLICITY, "8", "200")]),
     ("submit", [13, 10, 15, 12, 9], "与往年交通劝导项目相似度较高，创新不足，成效指标偏空。"),
     ("submit", [18, 16, 22, 17, 13], "点位覆盖学校周边，与交警合作紧密，组织保障扎实。")),
    (Project(HONGFAN, "社区新时代文明实践站“周末志愿服务超市”", "为民服务",
             "依托社区新时代文明实践站，每周六开设志愿服务超市：理发、家电维修、法律咨询等"
             "服务按需点单，居民参与志愿服务可积分兑换。",
             "开市 40 次，提供服务 2000 人次，注册积分居民 300 户。",
             "社区居民，特别是老年人和困难家庭", 2000, 60, "定海区城东街道文明实践站",
             [("服务工具与耗材", C.MATERIALS, "1", "12000"),
              ("场地布置与水电", C.VENUE, "24", "300"),
              ("积分兑换礼品", C.MATERIALS, "1", "6000"),
              ("宣传物料", C.PUBLICITY, "1", "2400")]),
     ("draft", [16, 14, None, None, None], "社区基础较好，待核实场地费用。"),
     None),
    (Project(LANGANG, "岱山“海上流动文明实践课堂”", "理论宣讲",
             "租用渔政码头交通船，把文明实践课堂开到衢山、秀山等悬水小岛，"
             "每月一期，讲政策、讲安全、讲文明。",
             "开课 10 期，覆盖 8 个悬水小岛，听课群众 1500 人次。",
             "悬水小岛的渔民和留守老人", 1500, 25, "岱山县衢山镇、秀山乡等小岛",
             [("交通船租用", C.TRANSPORT, "10", "1800"),
              ("课堂教材", C.MATERIALS, "300", "15"),
              ("讲师劳务", C.PERSONNEL, "20", "300")]),
     None,
     ("draft", [16, 17, 20, None, None], "")),
    (Project(GOUQI, "枸杞岛民宿文明旅游引导志愿服务", "文明创建",
             "旅游旺季在枸杞岛码头和民宿集中区设文明旅游引导点，志愿者开展垃圾不落地、"
             "礼让渔民作业等引导，并为民宿主培训文明接待。",
             "设引导点 4 个，服务游客 20000 人次，培训民宿主 60 户。",
             "上岛游客和民宿经营户", 20000, 40, "嵊泗县枸杞乡码头及民宿集中区",
             [("多语种引导牌", C.PUBLICITY, "20", "350"),
              ("志愿者服装", C.MATERIALS, "40", "120"),
              ("民宿主培训", C.PERSONNEL, "3", "1500"),
              ("渡轮往返", C.TRANSPORT, "30", "66")]),
     None,
     ("recuse", "本人曾为该服务队的民宿主培训授课，申请回避。")),
]


def seed_reviewing_round(context: dict) -> dict:
    context["created"].setdefault("reviewing rounds", 0)
    people = _people(context)
    if people is None:
        return {}
    organizer, reviewers = people
    year = utcnow().year
    title = _reviewing_title(year)
    round_ = _find_round(year, title)
    if round_ is not None:
        return {"reviewing_round": round_}

    deadline = _day(-6, 17)
    round_ = _make_round(
        organizer, year, title,
        "<p>围绕新时代文明实践中心（所、站）建设，支持文明创建、理论宣讲和为民服务类"
        "志愿服务项目。</p>",
        "100000.00", [("综合资金池", PoolKind.GENERAL, "100000.00", [])],
        opens_at=_day(-50, 9), deadline_at=deadline,
        review_ends_at=_day(14, 17), delivery_ends_at=_day(240, 17),
        categories=["文明创建", "理论宣讲", "为民服务", "关爱帮扶"])
    organisations = context["organisations"]
    made = []
    for number, (project, *work) in enumerate(REVIEWING):
        organisation = organisations.get(project.organisation)
        if organisation is None:
            continue
        application = _submit(project, organisation, round_, at=_before(deadline, number))
        if application is not None:
            made.append((application, work))
    db.session.flush()

    _review_settings(round_, organizer, blind=False)
    assigning.start_review(organizer, round_, now=_day(-5, 9))
    assigning.auto_assign(organizer, round_)
    for application, work in made:
        for reviewer, item in zip(reviewers, work, strict=True):
            if item is None:
                continue
            if item[0] == "recuse":
                conflicts.recuse(reviewer, active_assignment(reviewer, application), item[1])
            else:
                _score(application, reviewer, item[1], item[2], submit=item[0] == "submit")
    db.session.flush()
    _count(context, "reviewing rounds", 1)
    return {"reviewing_round": round_}


# --- 实施中: the island special round, finalised ---------------------------------------------

def _delivery_title(year: int) -> str:
    return f"{year}年海岛志愿服务专项创投"


TARGETED, GENERAL = "海岛定向扶持资金池", "综合资金池"
FIRST_AID = "渔村应急救护普及"

# project, scores (reviewer1, reviewer2), decision: ("approve", amount, pool name; None: the
# application's own pool) | ("reject", feedback)
DELIVERY = [
    (Project(LANGANG, "岱山渔村留守老人“暖心食堂”助餐服务", "关爱帮扶",
             "在高亭镇两个渔村设助餐点，志愿者为 80 位留守老人每周送餐三次，"
             "同时开展健康测量和陪伴聊天。",
             "服务老人 80 位，送餐 9000 人次，老人满意度 95% 以上。",
             "渔村 70 岁以上留守老人", 80, 45, "岱山县高亭镇渔村助餐点",
             [("餐具与保温箱", C.MATERIALS, "30", "150"),
              ("食材补贴", C.MATERIALS, "1", "18000"),
              ("送餐交通补贴", C.TRANSPORT, "40", "50"),
              ("宣传物料", C.PUBLICITY, "1", "1500")]),
     ([18, 15, 22, 18, 13], [17, 16, 21, 18, 12]), ("approve", "25000.00", TARGETED)),
    (Project(LANGANG, "衢山岛海岸线净滩守护行动", "生态环保",
             "每月组织一次衢山岛海岸线净滩，建立“海滩认领”机制，"
             "把海漂垃圾分类数据报给海洋部门。",
             "净滩 12 次，清理海岸线 20 公里，认领海滩 6 段。",
             "海岛居民和青少年志愿者", 3000, 80, "岱山县衢山岛沿岸",
             [("净滩工具", C.MATERIALS, "80", "45"),
              ("渡轮往返", C.TRANSPORT, "12", "600"),
              ("志愿者保险", C.OTHER, "80", "30"),
              ("垃圾清运", C.OTHER, "6", "1000"),
              ("宣传物料", C.PUBLICITY, "1", "2800")]),
     ([16, 16, 21, 17, 12], [17, 15, 20, 16, 12]), ("approve", "22000.00", TARGETED)),
    (Project(GOUQI, "枸杞岛渔家孩子“海岛假日课堂”", "关爱帮扶",
             "寒暑假招募大学生志愿者上岛，为渔家孩子开设作业辅导、海洋科普和艺术课堂。",
             "开课 40 天，服务渔家孩子 60 名，家长满意度 90% 以上。",
             "枸杞乡渔家中小学生", 60, 24, "嵊泗县枸杞乡文化礼堂",
             [("教材与文具", C.MATERIALS, "60", "120"),
              ("大学生志愿者交通", C.TRANSPORT, "24", "400"),
              ("课堂场地", C.VENUE, "20", "300"),
              ("安全保险", C.OTHER, "60", "30")]),
     ([18, 17, 23, 18, 13], [18, 16, 22, 17, 13]), ("approve", "24000.00", TARGETED)),
    (Project(GOUQI, "嵊泗列岛“银发渔嫂”健康守护", "为民服务",
             "联合乡镇卫生院，组织医护志愿者每月巡回上岛，为老年渔嫂建立健康档案，"
             "开展慢病随访和用药指导。",
             "建立健康档案 300 份，巡回义诊 30 次。",
             "嵊泗列岛 60 岁以上老年妇女", 300, 30, "嵊泗县各乡镇卫生院及渔村",
             [("健康监测设备", C.MATERIALS, "10", "1800"),
              ("医护志愿者交通", C.TRANSPORT, "30", "400"),
              ("宣传物料", C.PUBLICITY, "1", "2000")]),
     ([17, 16, 21, 17, 12], [16, 16, 22, 17, 12]), ("approve", "32000.00", TARGETED)),
    (Project(HAIYUN, "普陀—嵊泗“海上文明航班”志愿服务", "文明创建",
             "在沈家门至嵊泗的客运航班上开展文明乘船引导和海岛旅游咨询，"
             "节假日高峰每天上船服务。",
             "服务航班 120 班次，服务旅客 30000 人次。",
             "往返海岛的旅客", 30000, 40, "普陀区沈家门半升洞码头至嵊泗航线",
             [("船上宣传物料", C.PUBLICITY, "1", "6000"),
              ("志愿者往返船票", C.TRANSPORT, "120", "90"),
              ("志愿者服装", C.MATERIALS, "40", "120"),
              ("志愿者保险", C.OTHER, "120", "10")]),
     ([16, 15, 20, 16, 11], [15, 16, 20, 15, 11]), ("approve", "22000.00", GENERAL)),
    (Project(HONGFAN, "金塘岛青少年海洋科普营", "生态环保",
             "暑期在金塘岛举办三期青少年海洋科普营，参观海洋牧场，开展海洋知识竞赛。",
             "举办科普营 3 期，参加青少年 150 人。",
             "定海区中小学生", 150, 20, "定海区金塘镇",
             [("科普营物资", C.MATERIALS, "150", "80"),
              ("营地场地", C.VENUE, "3", "3000"),
              ("往返交通", C.TRANSPORT, "6", "1500"),
              ("讲师劳务", C.PERSONNEL, "6", "800")]),
     ([12, 10, 15, 12, 9], [11, 11, 14, 12, 8]),
     ("reject", "项目不在海岛定向扶持范围内，且与往年已资助的科普活动内容相近，"
                "建议调整后参加下一批次。")),
    (Project(HONGFAN, "“救在身边”渔村应急救护志愿培训", "为民服务",
             "揭榜“渔村应急救护普及”命题：红十字会认证的志愿者讲师进渔村、上渔船，"
             "培训心肺复苏、溺水急救和 AED 使用。",
             "开展培训 30 场，培训渔民和渔嫂 600 人，取得救护员证 120 人。",
             "渔民、渔嫂和渔村志愿者", 600, 30, "定海区、岱山县、嵊泗县各渔村",
             [("急救训练模型与耗材", C.MATERIALS, "1", "9000"),
              ("讲师劳务", C.PERSONNEL, "30", "250"),
              ("渔村往返交通", C.TRANSPORT, "30", "250"),
              ("救护员证考核", C.OTHER, "120", "45")], challenge=FIRST_AID),
     ([18, 16, 22, 18, 13], [17, 17, 22, 17, 13]), ("approve", "29000.00", None)),
]


def seed_delivery_round(context: dict) -> dict:
    context["created"].setdefault("delivery rounds", 0)
    people = _people(context)
    if people is None:
        return {}
    organizer, reviewers = people
    year = utcnow().year
    title = _delivery_title(year)
    round_ = _find_round(year, title)
    if round_ is not None:
        return {"delivery_round": round_}

    deadline = _day(-60, 17)
    round_ = _make_round(
        organizer, year, title,
        "<p>面向岱山、嵊泗两个海岛县，设海岛定向扶持资金池，支持关爱帮扶、生态环保和"
        "为民服务类项目；其他县区的组织可申报综合资金池的海岛服务项目。</p>",
        "180000.00", [(TARGETED, PoolKind.TARGETED, "110000.00", ISLANDS),
                      (GENERAL, PoolKind.GENERAL, "40000.00", [])],
        opens_at=_day(-120, 9), deadline_at=deadline,
        review_ends_at=_day(-45, 17), delivery_ends_at=_day(220, 17),
        challenges=[rounds_challenges.ChallengeData(
            title=FIRST_AID, cap_per_team=Decimal("30000.00"), slots=1,
            background="海岛渔村离医院远，溺水、外伤等意外发生时，身边人会不会救至关重要。",
            expected_outcomes="每个参与渔村至少有 5 名持证救护员。",
            indicators="培训不少于 20 场，取证不少于 100 人。")])
    pools = {p.name: p for p in round_.pools}
    organisations = context["organisations"]
    made = []
    for number, (project, scores, decision) in enumerate(DELIVERY):
        organisation = organisations.get(project.organisation)
        if organisation is None:
            continue
        application = _submit(project, organisation, round_, at=_before(deadline, number))
        if application is not None:
            made.append((application, scores, decision))
    db.session.flush()
    if not made:
        return {"delivery_round": round_}

    _review_settings(round_, organizer, blind=False)
    assigning.start_review(organizer, round_, now=_day(-59, 9))
    assigning.auto_assign(organizer, round_)
    for application, per_reviewer, decision in made:
        for reviewer, scores in zip(reviewers, per_reviewer, strict=True):
            comment = ("服务对象明确，海岛特色鲜明，预算基本合理。" if decision[0] == "approve"
                       else "与往年项目重复度较高，海岛特色不突出。")
            _score(application, reviewer, scores, comment)
    for application, _, decision in made:
        if decision[0] == "approve":
            decisions.approve_application(organizer, application, Decimal(decision[1]),
                                         pool=pools.get(decision[2]),
                                         feedback="请按申报计划实施，按期提交项目进展。")
        else:
            decisions.reject_application(organizer, application, decision[1])

    # 公示 ran for its 7 days a month ago; one objection came in and was answered.
    starts_at = _day(-40, 9)
    publicity.publish_publicity(organizer, round_, starts_at=starts_at, now=starts_at)
    listed = [a for a, _, d in made if d[0] == "approve"]
    if len(listed) > 1:
        objection = publicity.file_objection(round_, publicity.ObjectionData(
            application_id=listed[1].id, name="陈女士", contact="13900005678",
            text="衢山岛的净滩活动去年已有其他组织在做，请核实是否重复资助。"),
            ip="127.0.0.1", now=starts_at + timedelta(days=2, hours=5, minutes=23))
        decisions.dismiss_objection(
            organizer, objection, "经核实，去年的净滩活动在岱山本岛，本项目在衢山岛沿岸，"
                                  "服务区域不同，不属于重复资助，异议不成立。")
    publicity.finalise_round(organizer, round_, now=_day(-32, 10))
    db.session.flush()
    _count(context, "delivery rounds", 1)
    return {"delivery_round": round_}
