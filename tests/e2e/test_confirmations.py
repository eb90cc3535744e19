"""Every irreversible action asks first, on a phone (390 px): a person who cancels changes
nothing, one who confirms makes the change. The question is the one the workflow table gives
the move (core/workflow.py `Transition.confirm`), or the page's own for a deletion."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from marketplace.applications.models import Application, ApplicationStatus
from marketplace.core.timeutil import utcnow
from marketplace.core.workflow import transition
from marketplace.extensions import db
from marketplace.review import decisions
from marketplace.review import publicity as review_publicity
from marketplace.review.models import (
    AssignmentStatus,
    Objection,
    ObjectionStatus,
    ReviewAssignment,
    ReviewStatus,
)
from marketplace.rounds.models import (
    Challenge,
    ChallengeInvitation,
    InvitationAnswer,
    Pool,
    PoolKind,
    Round,
    RoundStatus,
)
from tests.factories import (
    make_application,
    make_assignment,
    make_challenge,
    make_organisation,
    make_organizer,
    make_pool,
    make_review_round,
    make_reviewer,
    make_round,
    make_user,
)


class Dialogs:
    """Answers every confirm() the page opens — cancel or OK — and keeps the questions."""

    def __init__(self, page):
        self.page, self.answer, self.asked = page, "cancel", []
        page.on("dialog", self._on_dialog)

    def _on_dialog(self, dialog):
        self.asked.append(dialog.message)
        dialog.accept() if self.answer == "ok" else dialog.dismiss()

    def cancel(self, button, question) -> None:
        """Click and cancel: the question was asked and the page did not go anywhere."""
        self.answer, url, asked = "cancel", self.page.url, len(self.asked)
        button.click()
        self.page.wait_for_timeout(300)  # a submission that slipped through would be on its way
        assert self.asked[asked:] == [str(question)], self.asked[asked:]
        assert self.page.url == url

    def confirm(self, button, question) -> None:
        self.answer, asked = "ok", len(self.asked)
        with self.page.expect_navigation():
            button.click()
        assert self.asked[asked:] == [str(question)], self.asked[asked:]


def _question(*move) -> str:
    return str(transition(*move).confirm)


def _fresh(e2e_db, model, id_):
    e2e_db.fresh()
    return db.session.get(model, id_)


def test_a_group_cancels_and_confirms_submitting_and_withdrawing(live_server, e2e_db,
                                                                 phone_page, login,
                                                                 screenshot):
    page, dialogs = phone_page, Dialogs(phone_page)
    member = make_user(name="海韵 张队长")
    organisation = make_organisation(member, name="普陀区海韵志愿服务队", region="普陀区")
    round_ = make_round(title="2026年志愿服务集市创投项目")
    first = make_application(round_, organisation, status=ApplicationStatus.DRAFT)
    second = make_application(round_, organisation, status=ApplicationStatus.DRAFT)
    login(page, member)
    main = page.locator("main")

    # 提交申报 on the application's page.
    page.goto(f"{live_server.url}/applications/{first.id}")
    submit = main.get_by_role("button", name="提交申报")
    dialogs.cancel(submit, _question("application", "draft", "submitted"))
    assert _fresh(e2e_db, Application, first.id).status == ApplicationStatus.DRAFT
    dialogs.confirm(submit, _question("application", "draft", "submitted"))
    assert _fresh(e2e_db, Application, first.id).status == ApplicationStatus.SUBMITTED

    # 撤回 it.
    withdraw = main.get_by_role("button", name="撤回")
    dialogs.cancel(withdraw, _question("application", "submitted", "withdrawn"))
    assert _fresh(e2e_db, Application, first.id).status == ApplicationStatus.SUBMITTED
    screenshot(page, "confirm-withdraw-phone")
    dialogs.confirm(withdraw, _question("application", "submitted", "withdrawn"))
    assert _fresh(e2e_db, Application, first.id).status == ApplicationStatus.WITHDRAWN

    # 提交申报 from the form, beside 保存草稿 (which asks nothing).
    page.goto(f"{live_server.url}/applications/{second.id}/edit")
    submit = main.get_by_role("button", name="提交申报")
    dialogs.cancel(submit, _question("application", "draft", "submitted"))
    assert _fresh(e2e_db, Application, second.id).status == ApplicationStatus.DRAFT
    asked = len(dialogs.asked)
    with page.expect_navigation():
        main.get_by_role("button", name="保存草稿").click()
    assert len(dialogs.asked) == asked  # saving a draft is not irreversible
    dialogs.confirm(main.get_by_role("button", name="提交申报"),
                    _question("application", "draft", "submitted"))
    assert _fresh(e2e_db, Application, second.id).status == ApplicationStatus.SUBMITTED


def test_a_group_cancels_and_confirms_declining_an_invitation(live_server, e2e_db,
                                                               phone_page, login):
    page, dialogs = phone_page, Dialogs(phone_page)
    member = make_user()
    organisation = make_organisation(member, region="嵊泗县")
    organizer = make_organizer()
    challenge = make_challenge(make_round(), title="海岛老人关爱")
    invitation = ChallengeInvitation(challenge=challenge, organisation=organisation,
                                     invited_by_id=organizer.id)
    db.session.add(invitation)
    db.session.commit()
    login(page, member)
    page.goto(f"{live_server.url}/rounds/invitations/{invitation.id}")
    page.get_by_label("婉拒的理由").fill("本季度人手不足。")
    decline = page.locator("main").get_by_role("button", name="婉拒")
    dialogs.cancel(decline, _question("challenge_invitation", "pending", "declined"))
    assert _fresh(e2e_db, ChallengeInvitation, invitation.id).status == InvitationAnswer.PENDING
    dialogs.confirm(decline, _question("challenge_invitation", "pending", "declined"))
    assert _fresh(e2e_db, ChallengeInvitation, invitation.id).status == InvitationAnswer.DECLINED


def test_an_organizer_cancels_and_confirms_deletions_publishing_and_starting_review(
        live_server, e2e_db, phone_page, login, screenshot):
    page, dialogs = phone_page, Dialogs(phone_page)
    organizer = make_organizer()
    now = utcnow().replace(microsecond=0)
    draft = make_round(status=RoundStatus.DRAFT, title="2027年志愿服务集市创投项目",
                       review_ends_at=now + timedelta(days=45),
                       delivery_ends_at=now + timedelta(days=300), categories=["关爱帮扶"],
                       tranche_template=[{"label": "立项拨付", "percent": 100,
                                          "gate": "on_award"}])
    spare = make_pool(draft, kind=PoolKind.TARGETED, name="海岛定向扶持资金池")
    challenge = make_challenge(draft, title="斑马线守护", published_at=None)
    login(page, organizer)
    main = page.locator("main")

    # 删除 a pool (on a phone its buttons sit under the pool's name).
    page.goto(f"{live_server.url}/rounds/{draft.id}")
    question = f"确定删除资金池“{spare.name}”吗？删除后不能恢复。"
    delete = main.locator("[data-testid=pools] tr", has_text=spare.name) \
        .get_by_role("button", name="删除")
    dialogs.cancel(delete, question)
    assert _fresh(e2e_db, Pool, spare.id) is not None
    dialogs.confirm(delete, question)
    assert _fresh(e2e_db, Pool, spare.id) is None

    # 删除 a challenge.
    page.goto(f"{live_server.url}/rounds/challenges/{challenge.id}")
    question = (f"确定删除命题“{challenge.title}”吗？未答复的派单邀请和它专用的资金池会一并删除，"
                "不能恢复。")
    delete = main.get_by_role("button", name="删除")
    dialogs.cancel(delete, question)
    assert _fresh(e2e_db, Challenge, challenge.id) is not None
    dialogs.confirm(delete, question)
    assert _fresh(e2e_db, Challenge, challenge.id) is None

    # 发布 the round.
    page.goto(f"{live_server.url}/rounds/{draft.id}")
    publish = main.get_by_role("button", name="发布", exact=True)
    dialogs.cancel(publish, _question("round", "draft", "open"))
    assert _fresh(e2e_db, Round, draft.id).status == RoundStatus.DRAFT
    dialogs.confirm(publish, _question("round", "draft", "open"))
    assert _fresh(e2e_db, Round, draft.id).status == RoundStatus.OPEN

    # 截止申报 the round whose deadline is still ahead, then 开始评审 at once.
    closed = make_round(title="2026年志愿服务集市创投项目", opens_at=now - timedelta(days=20),
                        deadline_at=now + timedelta(days=3))
    make_application(closed, status=ApplicationStatus.SUBMITTED)
    page.goto(f"{live_server.url}/review/rounds/{closed.id}")
    close = main.get_by_role("button", name="截止申报")
    question = ("现在截止申报？截止后申报组织不能再提交或修改申报书"
                "（如需重新开放，可以延长截止时间）。")
    dialogs.cancel(close, question)
    assert _fresh(e2e_db, Round, closed.id).deadline_at > now
    dialogs.confirm(close, question)
    main.get_by_text("已截止申报，现在可以开始评审。").wait_for()
    assert _fresh(e2e_db, Round, closed.id).deadline_at <= utcnow()
    screenshot(page, "close-intake-phone")
    page.wait_for_timeout(1100)  # the deadline second itself still counts as before it
    start = main.get_by_role("button", name="开始评审")
    dialogs.cancel(start, _question("round", "open", "reviewing"))
    assert _fresh(e2e_db, Round, closed.id).status == RoundStatus.OPEN
    screenshot(page, "confirm-start-review-phone")
    dialogs.confirm(start, _question("round", "open", "reviewing"))
    assert _fresh(e2e_db, Round, closed.id).status == RoundStatus.REVIEWING


def test_a_reviewer_cancels_and_confirms_submitting_a_score_and_recusing(
        live_server, e2e_db, phone_page, login):
    page, dialogs = phone_page, Dialogs(phone_page)
    round_ = make_review_round()
    scored, declined = make_application(round_), make_application(round_)
    reviewer = make_reviewer()
    assignment = make_assignment(scored, reviewer)
    other = make_assignment(declined, reviewer)
    login(page, reviewer)
    main = page.locator("main")

    page.goto(f"{live_server.url}/review/applications/{scored.id}")
    inputs = main.locator("[data-testid=score-form] input[type=number]")
    for i, value in enumerate([18, 16, 22, 18, 12]):
        inputs.nth(i).fill(str(value))
    main.locator("#overall_comment").fill("需求真实，计划可行。")
    submit = main.get_by_role("button", name="提交评分")
    dialogs.cancel(submit, _question("review", "draft", "submitted"))
    e2e_db.fresh()
    assert db.session.get(ReviewAssignment, assignment.id).review is None
    dialogs.confirm(submit, _question("review", "draft", "submitted"))
    e2e_db.fresh()
    assert db.session.get(ReviewAssignment, assignment.id).review.status == \
        ReviewStatus.SUBMITTED

    page.goto(f"{live_server.url}/review/applications/{declined.id}")
    main.get_by_text("需要回避？").click()
    main.locator("#note").fill("本人是该组织的顾问。")
    recuse = main.get_by_role("button", name="申请回避")
    dialogs.cancel(recuse, _question("review_assignment", "active", "recused"))
    assert _fresh(e2e_db, ReviewAssignment, other.id).status == AssignmentStatus.ACTIVE
    dialogs.confirm(recuse, _question("review_assignment", "active", "recused"))
    assert _fresh(e2e_db, ReviewAssignment, other.id).status == AssignmentStatus.RECUSED


def test_an_organizer_cancels_and_confirms_publishing_the_notice_and_upholding_an_objection(
        live_server, e2e_db, phone_page, login, screenshot):
    page, dialogs = phone_page, Dialogs(phone_page)
    organizer = make_organizer()
    round_ = make_review_round(title="2026年志愿服务集市创投项目（春季批次）")
    application = make_application(round_, requested="30000")
    decisions.approve_application(organizer, application, Decimal("30000"))
    db.session.commit()
    login(page, organizer)
    main = page.locator("main")

    # 发布公示: names and amounts go public.
    page.goto(f"{live_server.url}/review/rounds/{round_.id}")
    publish = main.get_by_role("button", name="发布公示")
    dialogs.cancel(publish, _question("round", "reviewing", "publicity"))
    assert _fresh(e2e_db, Round, round_.id).status == RoundStatus.REVIEWING
    dialogs.confirm(publish, _question("round", "reviewing", "publicity"))
    assert _fresh(e2e_db, Round, round_.id).status == RoundStatus.PUBLICITY

    # 公示结束，确认立项 asks too (here only cancelled: the period has not ended).
    page.goto(f"{live_server.url}/review/rounds/{round_.id}")
    dialogs.cancel(main.get_by_role("button", name="公示结束，确认立项"),
                   _question("round", "publicity", "delivery"))
    assert _fresh(e2e_db, Round, round_.id).status == RoundStatus.PUBLICITY

    # An objection upheld withdraws the award; 异议不成立 is final too.
    objection = review_publicity.file_objection(
        db.session.get(Round, round_.id), review_publicity.ObjectionData(
            application.id, "热心市民", "13800001111", "该项目与去年资助的项目内容重复，请核实。"))
    db.session.commit()
    page.goto(f"{live_server.url}/review/rounds/{round_.id}/objections")
    card = main.locator("[data-testid=objection]")
    card.locator("select[name=outcome]").select_option("uphold")
    card.locator("textarea[name=reply]").fill("经核实，内容重复，异议成立。")
    answer = card.get_by_role("button", name="提交答复")
    dialogs.cancel(answer, _question("objection", "open", "upheld"))
    assert _fresh(e2e_db, Objection, objection.id).status == ObjectionStatus.OPEN
    card.locator("select[name=outcome]").select_option("dismiss")
    dialogs.cancel(answer, _question("objection", "open", "dismissed"))
    card.locator("select[name=outcome]").select_option("uphold")
    screenshot(page, "confirm-objection-phone")
    dialogs.confirm(answer, _question("objection", "open", "upheld"))
    assert _fresh(e2e_db, Objection, objection.id).status == ObjectionStatus.UPHELD
    assert _fresh(e2e_db, Application, application.id).status == ApplicationStatus.REJECTED
