"""Browser walk: two reviewers score a proposal, a third declares a conflict, the organizer
approves within the pool, publishes 公示, a visitor objects, the organizer dismisses the
objection and, after the period, finalises."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.applications.models import ApplicationStatus
from marketplace.extensions import db
from marketplace.review import decisions
from marketplace.review import publicity as review_publicity
from marketplace.review.models import Publicity, PublicityListing
from marketplace.rounds.models import RoundStatus
from tests.factories import (
    make_application,
    make_assignment,
    make_organisation,
    make_organizer,
    make_review_round,
    make_reviewer,
)


def _person(browser, live_server, login, user):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, user)
    return page


def _score(page, values, comment):
    inputs = page.locator("[data-testid=score-form] input[type=number]")
    for i, value in enumerate(values):
        inputs.nth(i).fill(str(value))
    page.fill("#overall_comment", comment)
    page.get_by_role("button", name="提交评分").click()
    expect(page.get_by_text("评分已提交，谢谢！")).to_be_visible()


def test_review_decision_publicity_objection_and_finalisation(live_server, e2e_db, browser,
                                                              login, screenshot):
    organizer = make_organizer(name="团市委 王老师")
    r1, r2, r3 = (make_reviewer(name=n) for n in ("李教授", "陈老师", "周老师"))
    round_ = make_review_round(title="2026年志愿服务集市创投项目（春季批次）", publicity_days=7)
    round_.pools[0].amount_fen = 5_000_000  # 50,000 yuan
    db.session.commit()
    group = make_organisation(name="普陀区海韵志愿服务队", region="普陀区")
    application = make_application(round_, group, title="渔港夜校", requested="50000")
    other = make_application(round_, title="社区助餐", requested="30000")
    for reviewer in (r1, r2, r3):
        make_assignment(application, reviewer)
    make_assignment(other, r1)

    # --- two reviewers score -----------------------------------------------------------------
    page = _person(browser, live_server, login, r1)
    page.goto(live_server.url + "/review/")
    expect(page.get_by_text("已完成 0 / 2")).to_be_visible()
    page.get_by_text("渔港夜校").click()
    _score(page, [18, 16, 22, 18, 12], "需求真实，计划可行。")
    screenshot(page, "review-proposal-submitted")
    page.context.close()

    page = _person(browser, live_server, login, r2)
    page.goto(f"{live_server.url}/review/applications/{application.id}")
    _score(page, [17, 15, 21, 17, 12], "建议加强志愿者培训。")
    expect(page.get_by_text("专家 1")).to_be_visible()  # the other total, anonymously
    page.context.close()

    # --- the third declares a conflict --------------------------------------------------------
    page = _person(browser, live_server, login, r3)
    page.goto(f"{live_server.url}/review/applications/{application.id}")
    page.get_by_text("需要回避？").click()
    page.fill("#note", "本人是该服务队的顾问。")
    page.get_by_role("button", name="申请回避").click()
    expect(page.get_by_text("已申请回避")).to_be_visible()
    assert page.goto(f"{live_server.url}/review/applications/{application.id}").status == 404
    page.context.close()

    # --- the organizer approves within the pool and publishes 公示 --------------------------
    e2e_db.fresh()
    decisions.reject_application(organizer, db.session.get(type(other), other.id),
                                 "服务对象不够明确")
    db.session.commit()
    page = _person(browser, live_server, login, organizer)
    page.goto(f"{live_server.url}/review/rounds/{round_.id}")
    expect(page.get_by_text("已回避").first).to_be_visible()
    page.goto(f"{live_server.url}/review/rounds/{round_.id}/ranking")
    expect(page.locator("[data-testid=ranking]")).to_contain_text("渔港夜校")
    screenshot(page, "review-ranking")
    page.get_by_role("link", name="渔港夜校").click()
    page.fill("#amount", "50000.01")
    page.get_by_role("button", name="同意立项").click()
    expect(page.get_by_text("不能超过申请金额")).to_be_visible()
    page.fill("#amount", "48000")
    page.fill("#feedback", "请按计划实施，注意活动安全。")
    page.get_by_role("button", name="同意立项").click()
    expect(page.get_by_text("已拟立项：¥48,000.00。")).to_be_visible()
    page.goto(f"{live_server.url}/review/rounds/{round_.id}")
    page.get_by_role("button", name="发布公示").click()
    expect(page.get_by_text("公示已发布。")).to_be_visible()

    # --- a visitor objects -------------------------------------------------------------------
    visitor = browser.new_context(locale="zh-CN").new_page()
    visitor.goto(f"{live_server.url}/publicity/{round_.id}")
    expect(visitor.locator("[data-testid=publicity-list]")).to_contain_text("普陀区海韵志愿服务队")
    expect(visitor.locator("[data-testid=publicity-list]")).to_contain_text("¥48,000.00")
    visitor.fill("#name", "热心市民")
    visitor.fill("#contact", "13800001111")
    visitor.fill("#text", "该项目与去年资助的项目内容重复，请核实。")
    screenshot(visitor, "review-publicity-objection-form")
    visitor.get_by_role("button", name="提交异议").click()
    expect(visitor.get_by_text("受理编号")).to_be_visible()
    visitor.context.close()

    # --- the organizer dismisses it and, after the period, finalises ------------------------
    page.goto(f"{live_server.url}/review/rounds/{round_.id}/objections")
    page.select_option("select[name=outcome]", "dismiss")  # nothing is chosen at first
    page.fill("textarea[name=reply]", "经核实，两个项目服务对象和内容不同，异议不成立。")
    page.get_by_role("button", name="提交答复").click()
    expect(page.get_by_text("异议已答复。")).to_be_visible()
    e2e_db.fresh()
    publicity = db.session.scalar(select(Publicity).where(Publicity.round_id == round_.id))
    publicity.starts_at -= timedelta(days=8)  # the seven days have passed
    publicity.ends_at -= timedelta(days=8)
    for listing in db.session.scalars(select(PublicityListing).where(
            PublicityListing.publicity_id == publicity.id)):
        listing.listed_at -= timedelta(days=8)
        listing.objections_until -= timedelta(days=8)
    db.session.commit()
    page.goto(f"{live_server.url}/review/rounds/{round_.id}")
    page.get_by_role("button", name="公示结束，确认立项").click()
    expect(page.get_by_text("1 个项目正式立项")).to_be_visible()
    screenshot(page, "review-round-finalised")
    page.context.close()

    e2e_db.fresh()
    assert db.session.get(type(round_), round_.id).status == RoundStatus.DELIVERY
    funded = db.session.get(type(application), application.id)
    assert funded.status == ApplicationStatus.AWARDED
    assert review_publicity.approved_awards(funded.round)[0].amount == Decimal("48000.00")
