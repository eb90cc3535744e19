"""Pages: the form without JavaScript, who may see what (404 for others), the organizer's
list with filters and a bounded number of queries, and the CSV / XLSX exports."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.applications import attachments, services
from marketplace.applications.models import Application, ApplicationStatus, Attachment
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.funds.models import Award, AwardStatus
from marketplace.organisations.models import OrganisationStatus
from marketplace.rounds.models import RoundStatus
from tests.factories import (
    make_application,
    make_challenge,
    make_organisation,
    make_round,
    make_user,
)

PDF = b"%PDF-1.4\n"


def form_data(**overrides):
    data = {
        "title": "海岛老人陪伴计划", "category": "关爱帮扶", "summary": "陪伴独居老人",
        "objectives": "每月两次探访", "target_group": "独居老人", "beneficiaries": "40",
        "place": "东港街道", "region": "普陀区", "start_date": "2026-03-01",
        "end_date": "2026-11-30", "volunteers": "12",
        "team-0-name": "张三", "team-0-role": "队长", "team-0-phone": "13800000000",
        "plan-0-period": "3月", "plan-0-activity": "走访摸底", "plan-0-expected_output": "名单",
        "budget-0-item": "慰问品", "budget-0-category": "materials",
        "budget-0-quantity": "3", "budget-0-unit_price": "33.33",
        "budget-1-item": "", "budget-1-category": "materials",       # blank row: ignored
        "budget-1-quantity": "", "budget-1-unit_price": "",
        "budget-2-item": "宣传单", "budget-2-category": "publicity",
        "budget-2-quantity": "100", "budget-2-unit_price": "0.5",
        "budget-7-item": "交通", "budget-7-category": "transport",  # row added by the script
        "budget-7-quantity": "2", "budget-7-unit_price": "25",
        "requested_fen": "1", "amount": "999999",                   # never taken from client
        "action": "save",
    }
    data.update(overrides)
    return data


# ---------------------------------------------------------------- the group's form


def test_new_form_renders_for_a_member_of_a_verified_organisation(login_as, member,
                                                                   organisation, open_round):
    page = login_as(member).get(f"/applications/new?round_id={open_round.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="budget-0-item"' in html and 'name="budget-2-item"' in html
    assert organisation.name in html


def test_saving_the_new_form_creates_a_draft_with_server_computed_amounts(
        login_as, member, organisation, open_round):
    client = login_as(member)
    response = client.post(f"/applications/new?round_id={open_round.id}", data=form_data())
    assert response.status_code == 302
    application = db.session.scalar(select(Application))
    assert application.status == ApplicationStatus.DRAFT
    assert [b.item for b in application.budget_lines] == ["慰问品", "宣传单", "交通"]
    assert application.requested_fen == 9999 + 5000 + 5000
    assert [t.name for t in application.team_members] == ["张三"]
    assert [p.activity for p in application.plan_rows] == ["走访摸底"]
    edit = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "¥199.99" in edit  # the saved total, shown on the form


def test_save_and_submit_from_the_form(login_as, member, organisation, open_round):
    client = login_as(member)
    response = client.post(f"/applications/new?round_id={open_round.id}",
                           data=form_data(action="submit"))
    assert response.status_code == 302
    application = db.session.scalar(select(Application))
    assert application.status == ApplicationStatus.SUBMITTED


def _start_token(html: str) -> str:
    return html.split('name="start_token" type="hidden" value="')[1].split('"')[0]


def test_saving_the_same_new_form_twice_opens_the_draft_the_first_save_made(
        login_as, member, organisation, open_round):
    client = login_as(member)
    url = f"/applications/new?round_id={open_round.id}"
    token = _start_token(client.get(url).get_data(as_text=True))
    first = client.post(url, data=form_data(start_token=token))
    second = client.post(url, data=form_data(start_token=token, title="第二次保存"))
    application = db.session.scalar(select(Application))
    assert db.session.query(Application).count() == 1
    assert first.headers["Location"] == second.headers["Location"]
    assert application.title == "第二次保存"  # the latest click's content is kept
    other_tab = _start_token(client.get(url).get_data(as_text=True))
    assert other_tab != token  # a fresh form starts a fresh draft
    client.post(url, data=form_data(start_token=other_tab))
    assert db.session.query(Application).count() == 2


def test_a_second_submit_from_the_new_form_shows_the_same_success(login_as, member,
                                                                 organisation, open_round):
    client = login_as(member)
    url = f"/applications/new?round_id={open_round.id}"
    data = form_data(start_token=_start_token(client.get(url).get_data(as_text=True)),
                     action="submit")
    first = client.post(url, data=data)
    second = client.post(url, data=data)
    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    html = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "申报书已提交" in html
    assert db.session.query(Application).count() == 1


def test_a_second_submit_from_the_edit_form_shows_the_same_success(login_as, member,
                                                                  organisation, open_round):
    application = make_application(open_round, organisation)
    client = login_as(member)
    url = f"/applications/{application.id}/edit"
    first = client.post(url, data=form_data(action="submit"))
    second = client.post(url, data=form_data(action="submit"))
    assert second.headers["Location"] == first.headers["Location"]
    html = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "申报书已提交" in html and "不能修改" not in html
    from marketplace.audit.models import AuditEntry

    assert db.session.query(AuditEntry).filter_by(action="application.submit").count() == 1


def test_submitting_an_incomplete_form_keeps_the_draft_and_lists_every_problem(
        login_as, member, organisation, open_round):
    client = login_as(member)
    response = client.post(f"/applications/new?round_id={open_round.id}",
                           data=form_data(action="submit", title="", summary=""))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请填写项目名称。" in html and "请填写项目简介。" in html
    application = db.session.scalar(select(Application))
    assert application.status == ApplicationStatus.DRAFT  # saved, not submitted
    assert application.objectives == "每月两次探访"
    # The re-shown form now edits that draft; saving again does not start a second one.
    assert f'action="/applications/{application.id}/edit"' in html


def test_a_bad_budget_row_is_shown_next_to_its_cell_and_keeps_what_was_typed(
        login_as, member, organisation, open_round):
    client = login_as(member)
    response = client.post(f"/applications/new?round_id={open_round.id}",
                           data=form_data(**{"budget-0-unit_price": "12.345"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "单价须为不小于 0 的金额" in html and 'value="12.345"' in html
    assert db.session.scalar(select(Application)) is None


def test_a_member_of_several_organisations_chooses_one(login_as, member, organisation,
                                                       open_round):
    other = make_organisation(member, name="第二个志愿服务队")
    client = login_as(member)
    html = client.get(f"/applications/new?round_id={open_round.id}").get_data(as_text=True)
    assert 'name="organisation_id"' in html and "第二个志愿服务队" in html
    client.post(f"/applications/new?round_id={open_round.id}",
                data=form_data(organisation_id=str(other.id)))
    assert db.session.scalar(select(Application)).organisation_id == other.id


def test_an_unverified_organisation_gets_a_clear_message(login_as, open_round):
    user = make_user()
    make_organisation(user, status=OrganisationStatus.PENDING)
    response = login_as(user).get(f"/applications/new?round_id={open_round.id}")
    assert response.status_code == 403
    assert "尚未通过团市委认证" in response.get_data(as_text=True)


def test_the_challenge_link_opens_a_bid_tied_to_the_challenge(login_as, member, organisation,
                                                              open_round):
    challenge = make_challenge(open_round, title="海岛环保命题")
    client = login_as(member)
    html = client.get(f"/applications/new?challenge_id={challenge.id}").get_data(as_text=True)
    assert "海岛环保命题" in html
    client.post(f"/applications/new?challenge_id={challenge.id}", data=form_data())
    assert db.session.scalar(select(Application)).challenge_id == challenge.id


def test_editing_after_the_deadline_is_refused_on_the_server(login_as, member, organisation):
    round_ = make_round()
    application = make_application(round_, organisation)
    round_.deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    client = login_as(member)
    response = client.post(f"/applications/{application.id}/edit", data=form_data(title="改"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, application.id).title != "改"


def test_my_applications_lists_my_organisations_applications_only(login_as, member,
                                                                  organisation, open_round):
    make_application(open_round, organisation, title="我们的项目")
    make_application(open_round, make_organisation(), title="别人的项目")
    html = login_as(member).get("/applications/mine").get_data(as_text=True)
    assert "我们的项目" in html and "别人的项目" not in html


# ---------------------------------------------------------------- who may see what


@pytest.fixture
def foreign(member, organisation, open_round):
    """An application of `organisation` with an attachment, and a member of another one."""
    application = make_application(open_round, organisation)
    attachment = attachments.add_attachment(member, application, "a.pdf", PDF)
    db.session.commit()
    outsider = make_user()
    make_organisation(outsider)
    return application, attachment, outsider


def test_a_member_of_another_organisation_gets_404_everywhere(login_as, foreign):
    application, attachment, outsider = foreign
    client = login_as(outsider)
    base = f"/applications/{application.id}"
    for url in (base, f"{base}/edit", f"{base}/attachments/{attachment.id}"):
        assert client.get(url).status_code == 404, url
    for url in (f"{base}/edit", f"{base}/submit", f"{base}/withdraw", f"{base}/attachments",
                f"{base}/attachments/{attachment.id}/delete", f"{base}/return"):
        assert client.post(url, data=form_data()).status_code == 404, url
    assert db.session.query(Attachment).count() == 1


def test_an_attachment_is_only_reachable_through_its_own_application(login_as, member,
                                                                     foreign, open_round,
                                                                     organisation):
    application, attachment, _ = foreign
    other = make_application(open_round, organisation)
    client = login_as(member)
    assert client.get(f"/applications/{other.id}/attachments/{attachment.id}").status_code == 404


def test_organizers_and_assigned_reviewers_may_download(login_as, foreign, organizer,
                                                        monkeypatch):
    application, attachment, _ = foreign
    application.status, application.submitted_at = ApplicationStatus.SUBMITTED, utcnow()
    db.session.commit()
    url = f"/applications/{application.id}/attachments/{attachment.id}"
    assert login_as(organizer).get(url).status_code == 200
    reviewer = make_user()
    from marketplace.applications import policy

    assert login_as(reviewer).get(url).status_code == 404
    monkeypatch.setattr(policy, "is_viewer", lambda user, app: user.id == reviewer.id)
    assert login_as(reviewer).get(url).status_code == 200


def test_staff_get_404_for_a_draft_and_its_attachments(login_as, foreign, organizer):
    application, attachment, _ = foreign
    admin = make_user(roles=[Role.ADMIN])
    base = f"/applications/{application.id}"
    for staff in (organizer, admin):
        client = login_as(staff)
        for url in (base, f"{base}/attachments/{attachment.id}"):
            assert client.get(url).status_code == 404, url
        assert client.post(f"{base}/return", data={"comment": "x"}).status_code == 404


def test_staff_do_not_find_drafts_in_lists_counts_or_exports(login_as, organizer, open_round):
    make_application(open_round, make_organisation(), title="提交过的项目",
                     status=ApplicationStatus.SUBMITTED)
    make_application(open_round, make_organisation(), title="别人的草稿")
    make_application(open_round, make_organisation(), title="未提交就撤回",
                     status=ApplicationStatus.WITHDRAWN, submitted=False)
    client = login_as(organizer)
    pages = [client.get(f"/applications/?round_id={open_round.id}{extra}").get_data(as_text=True)
             for extra in ("", "&status=draft", "&status=withdrawn")]
    pages.append(client.get(f"/applications/export.csv?round_id={open_round.id}")
                 .get_data(as_text=True))
    for html in pages:
        assert "别人的草稿" not in html and "未提交就撤回" not in html
    assert "提交过的项目" in pages[0] and "提交过的项目" in pages[3]
    round_page = client.get(f"/rounds/{open_round.id}").get_data(as_text=True)
    counts = round_page.split('data-testid="round-status-counts"')[1].split("</ul>")[0]
    assert 'data-status="draft"' not in counts and 'data-status="withdrawn"' not in counts
    assert "已提交 1 份" in round_page


def test_members_cannot_open_the_organizer_list(login_as, member, open_round):
    client = login_as(member)
    assert client.get(f"/applications/?round_id={open_round.id}").status_code == 302
    assert client.get(f"/applications/export.csv?round_id={open_round.id}").status_code == 404


def test_organizer_returns_an_application_from_its_page(login_as, organizer, member,
                                                        organisation, open_round):
    application = make_application(open_round, organisation, status=ApplicationStatus.SUBMITTED)
    client = login_as(organizer)
    assert "退回修改" in client.get(f"/applications/{application.id}").get_data(as_text=True)
    client.post(f"/applications/{application.id}/return", data={"comment": "请补充预算说明"})
    db.session.expire_all()
    stored = db.session.get(Application, application.id)
    assert stored.status == ApplicationStatus.RETURNED
    assert stored.return_comment == "请补充预算说明"


def test_staff_pages_show_the_snapshot_not_the_live_profile(login_as, organizer, member,
                                                            organisation, open_round):
    application = make_application(open_round, organisation)
    services.submit_application(member, application)
    db.session.commit()
    organisation.name = "后来改的名字"
    db.session.commit()
    html = login_as(organizer).get(f"/applications/{application.id}").get_data(as_text=True)
    assert "普陀区海韵志愿服务队" in html and "后来改的名字" not in html


# ---------------------------------------------------------------- organizer list


def _submitted(round_, n, **kw):
    return [make_application(round_, make_organisation(), status=ApplicationStatus.SUBMITTED, **kw)
            for _ in range(n)]


def test_list_filters_search_and_sort(login_as, organizer, open_round):
    challenge = make_challenge(open_round, title="环保命题")
    a = make_application(open_round, make_organisation(name="甲组织"), title="护河行动",
                         status=ApplicationStatus.SUBMITTED, category="生态环保", region="定海区",
                         requested_fen=300_00)
    b = make_application(open_round, make_organisation(name="乙组织"), title="敬老助餐",
                         status=ApplicationStatus.RETURNED, region="岱山县", requested_fen=900_00)
    c = make_application(open_round, make_organisation(name="丙组织"), title="海滩清洁",
                         challenge=challenge, status=ApplicationStatus.SUBMITTED,
                         requested_fen=500_00)
    make_application(open_round, make_organisation(), title="草稿不出现")
    client = login_as(organizer)

    def titles(**params):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        html = client.get(f"/applications/?round_id={open_round.id}&{query}").get_data(True)
        return [t for t in ("护河行动", "敬老助餐", "海滩清洁", "草稿不出现") if t in html], html

    assert titles()[0] == ["护河行动", "敬老助餐", "海滩清洁"]
    assert titles(status="returned")[0] == ["敬老助餐"]
    assert titles(category="生态环保")[0] == ["护河行动"]
    assert titles(region="岱山县")[0] == ["敬老助餐"]
    assert titles(challenge_id=challenge.id)[0] == ["海滩清洁"]
    assert titles(challenge_id=0)[0] == ["护河行动", "敬老助餐"]
    assert titles(pool_id=challenge.pool_id)[0] == ["海滩清洁"]
    assert titles(q="乙组")[0] == ["敬老助餐"]
    assert titles(q="护河")[0] == ["护河行动"]
    html = titles(sort="-amount")[1]
    assert html.index("敬老助餐") < html.index("海滩清洁") < html.index("护河行动")
    html = titles(sort="amount")[1]
    assert html.index("护河行动") < html.index("海滩清洁") < html.index("敬老助餐")
    assert a.id and b.id and c.id


def test_first_time_filter_leaves_out_organisations_funded_in_an_earlier_round(
        login_as, organizer, open_round):
    earlier = make_round(year=open_round.year - 1, status=RoundStatus.CLOSED)
    veteran = make_organisation(name="老牌组织")
    old = make_application(earlier, veteran, status=ApplicationStatus.AWARDED)
    db.session.add(Award(application_id=old.id, round_id=earlier.id, amount_fen=100,
                         status=AwardStatus.AWARDED, awarded_at=utcnow()))
    approved_only = make_organisation(name="只拟立项过的组织")
    old2 = make_application(earlier, approved_only, status=ApplicationStatus.APPROVED)
    db.session.add(Award(application_id=old2.id, round_id=earlier.id, amount_fen=100))
    db.session.commit()
    make_application(open_round, veteran, title="老牌项目", status=ApplicationStatus.SUBMITTED)
    make_application(open_round, approved_only, title="拟立项组织的项目",
                     status=ApplicationStatus.SUBMITTED)
    make_application(open_round, make_organisation(), title="新组织项目",
                     status=ApplicationStatus.SUBMITTED)
    html = login_as(organizer).get(
        f"/applications/?round_id={open_round.id}&first_time=1").get_data(True)
    assert "新组织项目" in html and "拟立项组织的项目" in html and "老牌项目" not in html


def test_list_paginates(login_as, organizer, open_round):
    _submitted(open_round, 23)
    client = login_as(organizer)
    html = client.get(f"/applications/?round_id={open_round.id}").get_data(True)
    assert "共 23 条" in html
    page2 = client.get(f"/applications/?round_id={open_round.id}&page=2").get_data(True)
    assert page2.count('data-status="submitted"') == 3


def test_list_query_count_does_not_grow_with_the_number_of_applications(
        login_as, organizer, open_round, count_queries):
    make_challenge(open_round)
    client = login_as(organizer)
    url = f"/applications/?round_id={open_round.id}"
    _submitted(open_round, 5)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _submitted(open_round, 20)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count


# ---------------------------------------------------------------- exports


@pytest.fixture
def exported(open_round):
    make_application(open_round, make_organisation(name="=HYPERLINK(\"http://x\")"),
                     title="@SUM(1+1)", status=ApplicationStatus.SUBMITTED, requested_fen=123_45)
    make_application(open_round, make_organisation(name="普通组织"), title="-2+3",
                     status=ApplicationStatus.RETURNED)
    make_application(open_round, make_organisation(), title="草稿不导出")
    return open_round


def test_csv_export_is_utf8_with_bom_and_neutralises_formulas(login_as, organizer, exported):
    response = login_as(organizer).get(f"/applications/export.csv?round_id={exported.id}")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "项目名称", "申报组织"]
    titles = {r[1] for r in rows[1:]}
    assert titles == {"'@SUM(1+1)", "'-2+3"}
    orgs = {r[2] for r in rows[1:]}
    assert "'=HYPERLINK(\"http://x\")" in orgs
    assert any(r[11] == "123.45" for r in rows[1:])


def test_csv_export_follows_the_filters(login_as, organizer, exported):
    response = login_as(organizer).get(
        f"/applications/export.csv?round_id={exported.id}&status=returned")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["'-2+3"]


def test_xlsx_export_contents(login_as, organizer, exported):
    response = login_as(organizer).get(f"/applications/export.xlsx?round_id={exported.id}")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "项目名称"
    by_title = {r[1]: r for r in rows[1:]}
    assert set(by_title) == {"'@SUM(1+1)", "'-2+3"}
    assert by_title["'@SUM(1+1)"][2] == "'=HYPERLINK(\"http://x\")"
    assert float(by_title["'@SUM(1+1)"][11]) == 123.45
    for row in rows:
        for value in row:
            assert not (isinstance(value, str) and value[:1] in "=+-@\t\r")


# ---------------------------------------------------------------- English


def test_the_form_and_its_problems_work_in_english(client, login_as, member, organisation,
                                                   open_round):
    client = login_as(member)
    client.post("/language", data={"locale": "en"})
    html = client.get(f"/applications/new?round_id={open_round.id}").get_data(as_text=True)
    assert "Budget item" in html and "Save draft" in html
    response = client.post(f"/applications/new?round_id={open_round.id}",
                           data=form_data(action="submit", title=""))
    assert "Please enter the project title." in response.get_data(as_text=True)
    application = db.session.scalar(select(Application))
    for url in (f"/applications/{application.id}", "/applications/mine"):
        assert client.get(url).status_code == 200


def test_the_submit_button_on_the_detail_page_lists_every_problem(login_as, member,
                                                                  organisation, open_round):
    from tests.factories import application_data

    application = make_application(open_round, organisation,
                                   data=application_data(title="", summary=""))
    client = login_as(member)
    client.post(f"/applications/{application.id}/submit")
    html = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "请填写项目名称。" in html and "请填写项目简介。" in html
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == ApplicationStatus.DRAFT


def test_members_withdraw_from_the_detail_page(login_as, member, organisation, open_round):
    application = make_application(open_round, organisation, status=ApplicationStatus.SUBMITTED)
    client = login_as(member)
    client.post(f"/applications/{application.id}/withdraw")
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == ApplicationStatus.WITHDRAWN


def test_first_time_is_decided_by_uscc_as_in_the_statistics(login_as, organizer, open_round):
    earlier = make_round(year=open_round.year - 1, status=RoundStatus.CLOSED)
    funded = make_organisation(name="某高校青年志愿者协会")
    old = make_application(earlier, funded, status=ApplicationStatus.AWARDED)
    db.session.add(Award(application_id=old.id, round_id=earlier.id, amount_fen=100,
                         status=AwardStatus.AWARDED, awarded_at=utcnow()))
    db.session.commit()
    # The same legal entity registered again under another name is not new.
    renamed = make_organisation(name="某高校青年志愿者协会（新）", uscc=funded.uscc)
    make_application(open_round, renamed, title="换名后的项目", status=ApplicationStatus.SUBMITTED)
    make_application(open_round, make_organisation(), title="真正的新组织项目",
                     status=ApplicationStatus.SUBMITTED)
    client = login_as(organizer)
    html = client.get(f"/applications/?round_id={open_round.id}&first_time=1").get_data(True)
    assert "真正的新组织项目" in html and "换名后的项目" not in html
    export = client.get(f"/applications/export.csv?round_id={open_round.id}").get_data(True)
    line = next(row for row in export.splitlines() if "换名后的项目" in row)
    assert line.rstrip().endswith("否")


def test_a_forged_start_token_is_replaced_not_a_dead_end(login_as, member, organisation,
                                                        open_round):
    client = login_as(member)
    url = f"/applications/new?round_id={open_round.id}"
    response = client.post(url, data=form_data(start_token="x" * 500))
    assert response.status_code == 302
    assert db.session.query(Application).count() == 1
    html = client.post(url, data=form_data(start_token="<bad>", **{
        "budget-0-unit_price": "12.345"})).get_data(True)  # re-shown with a cell error
    assert "<bad>" not in html and len(_start_token(html)) >= 16
