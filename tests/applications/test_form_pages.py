"""The application form and detail page for issue 11: where the project will go (point 1),
files before the first save, removable rows, required fields and how complete it is (point
15), taking back and copying (point 14), quantities as people write them (point 16)."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from marketplace.applications import services
from marketplace.applications.models import Application, ApplicationStatus, Attachment
from marketplace.extensions import db
from marketplace.rounds.models import PoolKind, RoundStatus
from tests.applications.test_views import PDF, form_data
from tests.factories import (
    application_data,
    make_application,
    make_organisation,
    make_pool,
    make_round,
    make_user,
)


def _island(round_):
    owner = make_user()
    group = make_organisation(owner, name="嵊泗县海岛志愿服务队", region="嵊泗县")
    make_pool(round_, kind=PoolKind.TARGETED, name="嵊泗县定向扶持资金池", regions=["嵊泗县"])
    return owner, group


# --- point 1 --------------------------------------------------------------------------------

def test_the_new_form_says_which_pool_the_project_will_go_to(login_as, open_round):
    owner, _group = _island(open_round)
    html = login_as(owner).get(f"/applications/new?round_id={open_round.id}").get_data(
        as_text=True)
    assert "本项目将进入：<strong>嵊泗县定向扶持资金池</strong>" in html


def test_the_organizer_moves_an_application_from_its_page(login_as, open_round, organizer):
    owner, group = _island(open_round)
    application = make_application(open_round, group, status=ApplicationStatus.SUBMITTED)
    assert application.pool.name == "嵊泗县定向扶持资金池"
    client = login_as(organizer)
    html = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert 'data-testid="pool-move-form"' in html
    general = next(p for p in open_round.pools if p.kind == PoolKind.GENERAL)
    refused = client.post(f"/applications/{application.id}/pool",
                          data={"pool_id": general.id, "reason": ""})
    assert refused.status_code == 422 and "请填写调整资金池的理由" in refused.get_data(as_text=True)
    moved = client.post(f"/applications/{application.id}/pool",
                        data={"pool_id": general.id, "reason": "定向资金已满"})
    assert moved.status_code == 302
    assert db.session.get(Application, application.id).pool_id == general.id
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "由团市委调整：定向资金已满" in page
    # The group sees where it is and why; it has no form to move it.
    group_page = login_as(owner).get(f"/applications/{application.id}").get_data(as_text=True)
    assert "定向资金已满" in group_page and "pool-move-form" not in group_page


# --- point 15 -------------------------------------------------------------------------------

def test_the_first_upload_saves_the_draft_with_what_was_typed(login_as, member, organisation,
                                                             open_round):
    client = login_as(member)
    data = form_data(action="upload", file=(io.BytesIO(PDF), "实施方案.pdf"))
    response = client.post(f"/applications/new?round_id={open_round.id}", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith("#attachments")
    application = db.session.scalar(select(Application))
    assert application.title == "海岛老人陪伴计划"
    assert [a.original_name for a in application.attachments] == ["实施方案.pdf"]


def test_a_refused_first_upload_keeps_the_form_and_saves_nothing(login_as, member,
                                                                organisation, open_round):
    client = login_as(member)
    data = form_data(action="upload", file=(io.BytesIO(b"not a pdf"), "方案.pdf"))
    response = client.post(f"/applications/new?round_id={open_round.id}", data=data,
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "内容与类型不符" in html and 'value="海岛老人陪伴计划"' in html
    assert db.session.scalar(select(func.count(Application.id))) == 0


def test_attachments_sit_above_the_submit_button(login_as, member, organisation, open_round):
    application = make_application(open_round, organisation, attachments=1)
    html = login_as(member).get(f"/applications/{application.id}/edit").get_data(as_text=True)
    assert html.index('id="attachments"') < html.index('value="submit"')
    assert html.index("方案1.pdf") < html.index('value="submit"')
    attachment = db.session.scalar(select(Attachment))
    assert f'form="delete-attachment-{attachment.id}"' in html  # 删除 without a nested form


def test_a_row_marked_for_removal_is_not_saved(login_as, member, organisation, open_round):
    application = make_application(open_round, organisation)
    data = form_data(**{"budget-0-remove": "y", "team-0-remove": "y"})
    response = login_as(member).post(f"/applications/{application.id}/edit", data=data)
    assert response.status_code == 302
    application = db.session.get(Application, application.id)
    assert [b.item for b in application.budget_lines] == ["宣传单", "交通"]
    assert application.team_members == []


def test_required_fields_are_marked_for_people_and_screen_readers(login_as, member,
                                                                  organisation, open_round):
    html = login_as(member).get(f"/applications/new?round_id={open_round.id}").get_data(
        as_text=True)
    def tag(name):
        return re.search(rf'<(?:input|select|textarea)[^>]*name="{name}"[^>]*>', html).group(0)

    for name in ("title", "category", "region", "summary", "objectives", "start_date",
                 "end_date"):
        assert 'aria-required="true"' in tag(name), name
    assert "aria-required" not in tag("target_group")
    assert html.count('<span class="text-danger" aria-hidden="true"> *</span>') == 8


def test_completeness_counts_what_submission_would_refuse(login_as, member, organisation,
                                                          open_round):
    application = services.start_application(member, organisation, open_round)
    services.save_draft(member, application, application_data(title="", summary="",
                                                              region="普陀区"))
    db.session.commit()
    problems = services.submission_problems(application)
    html = login_as(member).get(f"/applications/{application.id}/edit").get_data(as_text=True)
    section = html.split('data-testid="completeness"', 1)[1].split("</div>", 1)[0]
    assert "必填项已完成 6 / 8" in section
    assert f"还有 {len(problems)} 个问题" in section
    nav = html.split('data-testid="form-sections"', 1)[1].split("</nav>", 1)[0]
    assert 'href="#basic"' in nav and 'href="#budget"' in nav and 'href="#attachments"' in nav


# --- point 14 -------------------------------------------------------------------------------

def test_members_take_back_and_copy_from_the_detail_page(login_as, member, organisation,
                                                         open_round):
    application = make_application(open_round, organisation, status=ApplicationStatus.SUBMITTED)
    client = login_as(member)
    html = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "取回修改" in html and 'data-testid="copy-application"' in html
    response = client.post(f"/applications/{application.id}/take-back")
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    assert db.session.get(Application, application.id).status == ApplicationStatus.DRAFT

    form = client.get(f"/applications/{application.id}/copy").get_data(as_text=True)
    token = form.split('name="start_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    copied = client.post(f"/applications/{application.id}/copy",
                         data={"round_id": open_round.id, "start_token": token})
    assert copied.status_code == 302
    assert db.session.scalar(select(func.count(Application.id))) == 2


def test_copy_says_when_no_round_is_open(login_as, member, organisation):
    closed = make_round(status=RoundStatus.REVIEWING)
    application = make_application(closed, organisation)
    html = login_as(member).get(f"/applications/{application.id}/copy").get_data(as_text=True)
    assert 'data-testid="no-open-round"' in html


# --- point 16 -------------------------------------------------------------------------------

def test_quantities_read_without_trailing_zeros_and_the_uscc_in_plain_text(
        login_as, member, organisation, open_round):
    application = make_application(open_round, organisation)  # 10 × 150, 2 × 250
    html = login_as(member).get(f"/applications/{application.id}").get_data(as_text=True)
    assert '<td class="text-end">10</td>' in html and "10.00</td>" not in html
    assert f"<dd>{organisation.uscc}</dd>" in html and "<code>" not in html


def test_a_row_removed_on_the_page_is_not_saved_twice_over_its_neighbour(login_as, member,
                                                                        organisation,
                                                                        open_round):
    """Rows 0 and 2 sent (row 1 removed by the script): two lines, not row 2 twice."""
    data = {"title": "t", "action": "save",
            "budget-0-item": "课堂物资", "budget-0-category": "materials",
            "budget-0-quantity": "10", "budget-0-unit_price": "30",
            "budget-2-item": "宣传海报", "budget-2-category": "publicity",
            "budget-2-quantity": "4", "budget-2-unit_price": "25"}
    login_as(member).post(f"/applications/new?round_id={open_round.id}", data=data)
    application = db.session.scalar(select(Application))
    assert [b.item for b in application.budget_lines] == ["课堂物资", "宣传海报"]


def test_the_decision_page_shows_the_pool_and_links_to_moving_it(login_as, organizer):
    from tests.factories import make_review_round

    round_ = make_review_round()
    application = make_application(round_)
    html = login_as(organizer).get(f"/review/decisions/{application.id}").get_data(
        as_text=True)
    pool = html.split('data-testid="decision-pool"', 1)[1].split("</p>", 1)[0]
    assert application.pool.name in pool
    assert f'href="/applications/{application.id}#pool"' in pool
