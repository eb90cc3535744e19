"""Where a round's review stands, for the manage-round page (issue 11, point 10): the stages
in order with the current one, the moves of the round's lifecycle table this user may make
now (core.workflow `next_actions`: only the current stage's, never a later one's), and the
next step in words ("下一步：…") worked out from what the page has already loaded.

Pure apart from `ROUND.next_actions` (policy functions that ask no database): the view
passes the applications, assignments and counts it shows anyway."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from marketplace.applications.models import Application, ApplicationStatus
from marketplace.core.timeutil import format_local
from marketplace.core.workflow import Transition
from marketplace.review.models import AssignmentStatus, ReviewAssignment, ReviewStatus
from marketplace.rounds.models import Round, RoundStatus
from marketplace.rounds.workflow import ROUND

R = RoundStatus

# The stages a round's review walks through, in order (draft and closed stand outside).
STAGES = (R.OPEN, R.REVIEWING, R.PUBLICITY, R.DELIVERY)


@dataclass
class Stage:
    current: RoundStatus
    steps: list[tuple[RoundStatus, str]]  # (stage, "done" | "current" | "todo")
    actions: list[Transition] = field(default_factory=list)
    next_step: str = ""


def review_progress(applications: list[Application],
                    by_application: dict[int, list[ReviewAssignment]]) -> dict[str, int]:
    """Counts the reviewing stage's next step needs: projects in review without an expert,
    reviews assigned but not yet submitted, projects not yet decided."""
    in_review = [a for a in applications if a.status == ApplicationStatus.IN_REVIEW]
    unassigned = missing = 0
    for application in in_review:
        active = [a for a in by_application.get(application.id, [])
                  if a.status == AssignmentStatus.ACTIVE]
        if not active:
            unassigned += 1
        missing += sum(1 for a in active
                       if a.review is None or a.review.status != ReviewStatus.SUBMITTED)
    return {"unassigned": unassigned, "missing": missing, "undecided": len(in_review)}


def _next_step(round_: Round, progress: dict[str, int], open_objections: int,
               publicity_ends: datetime | None, now: datetime) -> str:
    status = round_.status
    if status == R.DRAFT:
        return str(_l("下一步：在年度项目页完善设置并发布征集。"))
    if status == R.OPEN:
        if round_.deadline_at is None or now <= round_.deadline_at:
            return str(_l("下一步：申报截止（%(at)s）后开始评审，已提交的申报书随之进入评审；"
                          "申报已齐时也可以点击“截止申报”立即截止。",
                          at=format_local(round_.deadline_at)))
        return str(_l("下一步：申报已截止，点击“开始评审”，已提交的申报书进入评审。"))
    if status == R.REVIEWING:
        if progress["unassigned"]:
            return ngettext("下一步：为 %(num)d 个项目分配评审专家（可自动分配）。",
                            "下一步：为 %(num)d 个项目分配评审专家（可自动分配）。",
                            progress["unassigned"])
        if progress["missing"]:
            return ngettext("下一步：等待专家提交评分，还缺 %(num)d 份。",
                            "下一步：等待专家提交评分，还缺 %(num)d 份。", progress["missing"])
        if progress["undecided"]:
            return ngettext("下一步：在评审汇总表中对 %(num)d 个项目作出立项决定。",
                            "下一步：在评审汇总表中对 %(num)d 个项目作出立项决定。",
                            progress["undecided"])
        return str(_l("下一步：全部项目已作出决定，可以发布公示；发布后决定不能再更改。"))
    if status == R.PUBLICITY:
        if open_objections:
            return ngettext("下一步：答复 %(num)d 条异议，公示期满后确认立项。",
                            "下一步：答复 %(num)d 条异议，公示期满后确认立项。",
                            open_objections)
        return str(_l("下一步：公示期满（%(at)s）后确认立项，并通知各申报团队。",
                      at=format_local(publicity_ends)))
    if status == R.DELIVERY:
        return str(_l("评审与立项已完成，项目进入实施阶段。"))
    return ""


def round_stage(user, round_: Round, *, progress: dict[str, int], open_objections: int = 0,
                publicity_ends: datetime | None = None, now: datetime) -> Stage:
    current = round_.status
    position = STAGES.index(current) if current in STAGES else -1
    steps = [(s, "current" if i == position else "done" if i < position else "todo")
             for i, s in enumerate(STAGES)]
    # The table's moves out of the current stage that this user may make and that the
    # review pages perform (publishing a draft is the round page's).
    actions = [t for t in ROUND.next_actions(user, round_)
               if t.endpoint and t.endpoint.startswith("review.")]
    return Stage(current=current, steps=steps, actions=actions,
                 next_step=_next_step(round_, progress, open_objections, publicity_ends, now))
