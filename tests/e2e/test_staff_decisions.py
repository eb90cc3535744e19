"""Browser walk at 390 px (issue 11, points 5 and 10): the manage-round page shows the
stage, the next step and only this stage's buttons; the organizer changes an approval's
amount, then withdraws the decision (confirming), before the 公示."""
from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import expect

from marketplace.applications.models import Application, ApplicationStatus
from marketplace.extensions import db
from marketplace.funds.models import Award, AwardStatus
from marketplace.review import decisions
from tests.factories import (
    make_application,
    make_organizer,
    make_review_round,
    make_reviewer,
    make_submitted_review,
)


def test_stage_and_changing_a_decision_on_a_phone(live_server, e2e_db, phone_page, login,
                                                  screenshot):
    organizer = make_organizer(name="团市委 王老师")
    round_ = make_review_round(title="2026年“文明实践”专项创投")
    application = make_application(round_, title="渔港文明餐桌", requested="20000")
    make_submitted_review(application, make_reviewer(name="李教授"), [17, 15, 21, 17, 12])
    decisions.approve_application(organizer, application, Decimal("20000"))
    db.session.commit()
    page = phone_page
    login(page, organizer)

    # --- the stage ----------------------------------------------------------------------------
    page.goto(f"{live_server.url}/review/rounds/{round_.id}")
    stage = page.get_by_test_id("round-stage")
    expect(stage.locator("[aria-current=step]")).to_contain_text("评审中")
    expect(page.get_by_test_id("next-step")).to_contain_text("可以发布公示")
    actions = page.get_by_test_id("stage-actions")
    expect(actions.get_by_role("button", name="发布公示")).to_be_visible()
    expect(actions.get_by_role("button", name="开始评审")).to_have_count(0)
    expect(actions.get_by_role("button", name="公示结束，确认立项")).to_have_count(0)
    screenshot(page, "staff-manage-round-390")

    # --- change the amount ----------------------------------------------------------------------
    page.goto(f"{live_server.url}/review/decisions/{application.id}")
    form = page.get_by_test_id("change-decision-form")
    form.get_by_label("新的决定").select_option("approve")
    form.get_by_label("拟资助金额（元）").fill("16000")
    form.get_by_label("更改理由").fill("预算中的奖品开支偏高，核减 4,000 元。")
    screenshot(page, "staff-change-decision-390")
    form.get_by_role("button", name="更改决定").click()
    expect(page.get_by_text("决定已更改。")).to_be_visible()
    expect(page.get_by_test_id("decision-current")).to_contain_text("¥16,000.00")

    # --- withdraw it: the question first, cancelled once ------------------------------------
    withdraw = page.get_by_test_id("withdraw-decision-form")
    withdraw.get_by_label("撤回理由").fill("评分有误，重新评审。")
    page.once("dialog", lambda dialog: dialog.dismiss())
    withdraw.get_by_role("button", name="撤回决定").click()
    expect(page.get_by_test_id("withdraw-decision-form")).to_be_visible()  # nothing sent
    page.once("dialog", lambda dialog: dialog.accept())
    withdraw.get_by_role("button", name="撤回决定").click()
    expect(page.get_by_text("决定已撤回，项目回到评审中。")).to_be_visible()
    expect(page.get_by_test_id("decision-form")).to_be_visible()
    screenshot(page, "staff-decision-withdrawn-390")

    db.session.expire_all()
    assert db.session.get(Application, application.id).status == ApplicationStatus.IN_REVIEW
    award = db.session.query(Award).filter_by(application_id=application.id).one()
    assert award.status == AwardStatus.WITHDRAWN and award.amount_fen == 1_600_000
