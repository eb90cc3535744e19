"""A reviewer scores on a phone (390 px): the score form is one tap from the top of a long
proposal, each criterion says its maximum once, and after submitting "下一个项目", on the
first screen, leads to the next proposal still to score."""
from __future__ import annotations

from playwright.sync_api import expect

from marketplace.review import rules
from tests.factories import make_application, make_assignment, make_review_round, make_reviewer


def test_a_reviewer_reaches_the_score_form_at_once_and_moves_on_to_the_next_proposal(
        live_server, e2e_db, phone_page, login, screenshot):
    page = phone_page
    page.on("dialog", lambda dialog: dialog.accept())
    round_ = make_review_round(title="2026年“文明实践”专项创投")
    first = make_application(round_, summary="渔港夜校。\n" * 40)  # a long proposal
    second = make_application(round_)
    reviewer = make_reviewer(name="评审专家 李教授")
    make_assignment(first, reviewer)
    make_assignment(second, reviewer)
    criteria = rules.stored_rubric_for(first).criteria
    login(page, reviewer)
    page.goto(f"{live_server.url}/review/applications/{first.id}")
    screenshot(page, "reviewer-proposal-phone")

    # The way to the score form is on the first screen; one tap brings the form into view.
    jump = page.get_by_test_id("jump-to-score")
    box = jump.bounding_box()
    assert box is not None and box["y"] + box["height"] <= page.viewport_size["height"]
    jump.click()
    expect(page).to_have_url(f"{live_server.url}/review/applications/{first.id}#score")
    heading = page.locator("#score").bounding_box()
    assert 0 <= heading["y"] < page.viewport_size["height"] / 2

    # Each criterion: its name and "满分 N", the number once.
    legends = page.locator("[data-testid=score-form] legend")
    expect(legends).to_have_count(len(criteria))
    for i, criterion in enumerate(criteria):
        text = legends.nth(i).inner_text()
        assert criterion.name in text and f"满分 {criterion.max_score}" in text
        assert text.count(str(criterion.max_score)) == 1, text

    inputs = page.locator("[data-testid=score-form] input[type=number]")
    for i, value in enumerate([18, 16, 22, 18, 12]):
        inputs.nth(i).fill(str(value))
    page.fill("#overall_comment", "需求真实，计划可行。")
    page.get_by_role("button", name="提交评分").click()
    expect(page.get_by_text("评分已提交，谢谢！")).to_be_visible()
    next_link = page.get_by_test_id("next-proposal").get_by_role("link", name="下一个项目")
    expect(next_link).to_be_visible()
    box = next_link.bounding_box()  # where the page opens after submitting, not under the form
    assert box["y"] + box["height"] <= page.viewport_size["height"]
    expect(page.get_by_test_id("next-proposal")).to_contain_text(second.title)
    screenshot(page, "reviewer-next-proposal-phone")
    next_link.click()
    expect(page).to_have_url(f"{live_server.url}/review/applications/{second.id}")
    expect(page.get_by_role("heading", name=second.title)).to_be_visible()
