"""Browser walk at phone width: a partner department's contact drafts a challenge for the
open round; the city organizer publishes it; the public challenge page names the department."""
from __future__ import annotations

from playwright.sync_api import expect

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.rounds import departments
from marketplace.rounds.models import RoundStatus
from tests.factories import make_round, make_user


def test_department_drafts_and_organizer_publishes(live_server, e2e_db, phone_page, login,
                                                  screenshot):
    page = phone_page
    organizer = make_user(roles=[Role.ORGANIZER], name="团市委 王老师")
    contact = make_user(name="交警支队 何警官")
    department = departments.create_department(organizer, "市公安局交警支队")
    departments.add_contact(organizer, department, contact.email)
    round_ = make_round(status=RoundStatus.OPEN, title="2026年志愿服务集市创投项目")
    db.session.commit()

    login(page, contact)
    page.goto(f"{live_server.url}/rounds/departments/mine")
    expect(page.get_by_test_id("department-name")).to_have_text("市公安局交警支队")
    page.get_by_role("link", name="起草命题").click()
    page.select_option("#round_id", str(round_.id))
    page.fill("#title", "文明交通场站")
    page.fill("#background", "公交场站、地铁站口的文明乘车秩序需要志愿者常态化引导。")
    page.fill("#slots", "2")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#cap_per_team ~ .invalid-feedback, .invalid-feedback").first) \
        .to_contain_text("请填写每队资助上限")
    expect(page.locator("#title")).to_have_value("文明交通场站")   # what was typed stays
    page.fill("#cap_per_team", "30000")
    screenshot(page, "department-draft-form-phone")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("命题草稿已保存，团市委发布后即对外公开。")).to_be_visible()
    expect(page.get_by_test_id("draft-status")).to_have_text("待发布")
    screenshot(page, "department-draft-phone")
    draft_url = page.url

    page.context.clear_cookies()
    login(page, organizer)
    page.goto(f"{live_server.url}/rounds/departments")
    page.get_by_test_id("waiting-drafts").get_by_role("link", name="文明交通场站").click()
    assert page.url == draft_url
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="发布为命题").click()
    expect(page.get_by_text("命题已发布。")).to_be_visible()
    expect(page.get_by_test_id("challenge-department")).to_have_text("市公安局交警支队")
    challenge_url = page.url

    page.context.clear_cookies()
    page.goto(challenge_url)   # the public page
    expect(page.get_by_test_id("challenge-department")).to_have_text("市公安局交警支队")
    screenshot(page, "department-challenge-public-phone")

    login(page, contact)
    page.goto(f"{live_server.url}/rounds/departments/mine")
    expect(page.get_by_test_id("department-challenges")).to_contain_text("文明交通场站")
    screenshot(page, "department-page-phone")
