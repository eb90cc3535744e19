"""Demo: three more rounds of this year, each at a later stage than the open one.

- 公示 (publicity): "春季批次", blind review by the two demo reviewers, three approvals within
  the general pool, one on the waiting list, and one objection waiting for an answer.
- 评审中 (reviewing): "“文明实践”专项创投", not blind; each reviewer has submitted some
  scores, saved one as a draft and not started others; reviewer2 recused from one proposal,
  and the two reviewers disagree on another, so the organizer sees progress and a partial
  ranking (the projects not fully reviewed listed apart); the best-reviewed project is
  approved and its decision changed (a lower amount, with the reason), before the 公示.
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

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.applications import proposal
from marketplace.applications import services as applications
from marketplace.applications.models import Application, ApplicationStatus
from marketplace.core.timeutil import local_to_utc, to_local, utcnow
from marketplace.extensions import db
from marketplace.organisations.models import MemberRole, Organisation
from marketplace.review import assigning, conflicts, decisions, publicity, reviewing, rules
from marketplace.review.demo_data import (
    DELIVERY,
    FIRST_AID,
    GENERAL,
    PROJECTS,
    REVIEWING,
    TARGETED,
    TEAMS,
    Project,
)
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
        organizer, year, _title(year), "春季批次：聚焦渔港、老街和海岛学校的志愿服务项目。",
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


def _owner(organisation: Organisation) -> User | None:
    return next((m.user for m in organisation.memberships if m.role == MemberRole.OWNER), None)


# 主题 of every demo round: a project about 文明 is 文明创建-related whatever its category
# (a 理论宣讲 project too), and 理论宣讲 projects carry 建党百年.
DEMO_THEMES = ("文明创建", "建党百年")


def demo_themes(project: Project, round_: Round) -> list[str]:
    themes = []
    if "文明" in project.title:
        themes.append("文明创建")
    if project.category == "理论宣讲":
        themes.append("建党百年")
    return [t for t in themes if t in (round_.themes or [])]


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
        max_amount_per_project=Decimal("50000.00"), max_applications_per_org=2,
        themes=list(DEMO_THEMES))
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
        title=project.title, category=project.category, themes=demo_themes(project, round_),
        summary=project.summary,
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
        "围绕新时代文明实践中心（所、站）建设，支持文明创建、理论宣讲和为民服务类"
        "志愿服务项目。",
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
    # One decision made and then changed before the 公示 (更改决定, audited with its reason):
    # the best-reviewed project approved in full, then cut back to what the panel advised.
    if made:
        first = made[0][0]
        decisions.approve_application(organizer, first, first.requested,
                                      feedback="请按计划实施，评选奖品从简。")
        decisions.change_decision(
            organizer, first, ApplicationStatus.APPROVED,
            "评审意见建议压缩评选奖品，核减 4,000 元。",
            amount=first.requested - Decimal("4000"), pool=first.pool)
    _count(context, "reviewing rounds", 1)
    return {"reviewing_round": round_}


# --- 实施中: the island special round, finalised ---------------------------------------------

def _delivery_title(year: int) -> str:
    return f"{year}年海岛志愿服务专项创投"


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
        "面向岱山、嵊泗两个海岛县，设海岛定向扶持资金池，支持关爱帮扶、生态环保和"
        "为民服务类项目；其他县区的组织可申报综合资金池的海岛服务项目。",
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
