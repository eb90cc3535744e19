"""The group's project page (funds.project): the award and the request, the pool, the
decision's feedback, the agreement, the payee (masked), every registered project panel and
what to do next; seen by the organisation's members, organizers and finance, 404 for
everyone else (reviewers see no money); linked from the application and the group's lists;
the finance list of payee changes and the organizer's scans run a fixed number of
statements."""
from __future__ import annotations

from decimal import Decimal

import pytest
from jinja2 import ChoiceLoader, DictLoader

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.funds import agreements, hooks, payees
from marketplace.review import decisions
from tests.factories import (
    PDF,
    make_application,
    make_awarded,
    make_finance,
    make_organisation,
    make_organizer,
    make_payee,
    make_review_round,
    make_reviewer,
    make_user,
    member_of,
    payee_data,
    sign,
)


@pytest.mark.parametrize("who,status", [
    ("member", 200), ("organizer", 200), ("admin", 200), ("finance", 200),
    ("other-group", 404), ("reviewer", 404), ("stranger", 404),
])
def test_who_sees_the_project_page(app, client, login_as, who, status):
    award = make_awarded()
    user = {"member": lambda: member_of(award), "organizer": make_organizer,
            "admin": lambda: make_user(roles=[Role.ADMIN]), "finance": make_finance,
            "other-group": lambda: member_of(make_awarded()), "reviewer": make_reviewer,
            "stranger": make_user}[who]()
    login_as(user)
    for url in (f"/projects/{award.application_id}", f"/projects/{award.application_id}/agreement",
                f"/projects/{award.application_id}/agreement.pdf"):
        assert client.get(url).status_code == status, url


def test_a_project_not_yet_awarded_has_no_page(app, client, login_as):
    organizer = make_organizer()
    application = make_application(make_review_round(), requested="1000.00")
    decisions.approve_application(organizer, application, Decimal("1000.00"))
    db.session.commit()
    login_as(organizer)
    assert client.get(f"/projects/{application.id}").status_code == 404
    assert client.get("/projects/999999").status_code == 404


def test_the_page_shows_the_award_feedback_agreement_payee_panels_and_next_steps(
        app, client, login_as):
    award = make_awarded(amount="2500.00")
    award.application.feedback = "项目设计扎实，建议压缩宣传费用。"
    db.session.commit()
    login_as(member_of(award))
    html = client.get(f"/projects/{award.application_id}").get_data(as_text=True)
    assert "¥2,500.00" in html and "¥3,000.00" in html
    assert "项目设计扎实，建议压缩宣传费用。" in html
    assert 'data-testid="agreement-status"' in html and "待签署" in html
    assert 'data-testid="expenses-panel"' in html  # spending's registered panel
    assert "由组织负责人填写收款信息" in html
    assert "提交合计等于立项金额的调整后预算" in html
    assert f"/organisations/{award.application.organisation_id}/payee" in html
    assert "暂不能拨付" in html


def test_next_steps_follow_the_project(app, client, login_as):
    award = make_awarded()
    make_payee(award.application.organisation)
    login_as(member_of(award))
    html = client.get(f"/projects/{award.application_id}").get_data(as_text=True)
    assert "签署项目协议书" in html and "登记资金使用" not in html
    sign(award)
    html = client.get(f"/projects/{award.application_id}").get_data(as_text=True)
    assert "签署项目协议书" not in html and "按预算登记资金使用" in html
    assert "已签署" in html and "6222 **** **** 0123" in html
    assert "暂不能拨付" not in html


def test_every_registered_panel_is_drawn(app, client, login_as):
    award = make_awarded()
    panel = hooks.register_project_panel(hooks.ProjectPanel(
        "test_probe", "funds/_probe_panel.html", lambda user, a: {"n": a.id}, order=1))
    loader = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([DictLoader({
        "funds/_probe_panel.html": '<p data-testid="probe">probe {{ panel.n }}</p>'}), loader])
    try:
        login_as(make_organizer())
        html = client.get(f"/projects/{award.application_id}").get_data(as_text=True)
        assert f"probe {award.id}" in html
    finally:
        hooks.PROJECT_PANELS.pop(panel.key)
        app.jinja_env.loader = loader


def test_the_application_and_the_group_s_lists_link_to_the_project(app, client, login_as):
    award = make_awarded()
    login_as(member_of(award))
    url = f"/projects/{award.application_id}"
    assert url in client.get(f"/applications/{award.application_id}").get_data(as_text=True)
    assert url in client.get("/applications/mine").get_data(as_text=True)
    assert url in client.get("/").get_data(as_text=True)


def test_the_organisation_page_links_owners_to_the_payee_settings(app, client, login_as):
    organisation = make_organisation()
    login_as(organisation.memberships[0].user)
    html = client.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    assert f"/organisations/{organisation.id}/payee" in html


# --- statement bounds of the lists --------------------------------------------------------------

def _same_count(count_queries, client, url, grow):
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    grow()
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count, (url, few.count, many.count)


def test_the_payee_changes_page_runs_a_fixed_number_of_statements(app, login_as, count_queries):
    def add(n):
        for i in range(n):
            organisation = make_organisation()
            make_payee(organisation)
            payees.record_payee(organisation.memberships[0].user, organisation,
                                payee_data(f"62170000{i:08d}"))
        db.session.commit()

    add(2)
    _same_count(count_queries, login_as(make_finance()), "/finance/payee-changes",
                lambda: add(4))


def test_the_scans_page_runs_a_fixed_number_of_statements(app, login_as, count_queries):
    def add(n):
        for _ in range(n):
            award = make_awarded()
            make_payee(award.application.organisation)
            agreements.upload_scan(member_of(award), award, "盖章.pdf", PDF)
        db.session.commit()

    add(1)
    _same_count(count_queries, login_as(make_organizer()), "/agreements/scans", lambda: add(3))
