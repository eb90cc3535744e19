"""The audit log reads as sentences for people (issue 11, point 12): names, not "user #5";
labelled actions, not `user.set_locale`; objects named; before → after as labelled,
formatted fields; filters chosen from lists; a fixed number of statements per page."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEntry
from marketplace.audit.services import record
from marketplace.extensions import db
from marketplace.rounds.models import Pool
from tests.factories import make_application, make_organisation, make_round, make_user


def _rows(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip().lstrip("> ")
            for row in (part.split("</tr>")[0]
                        for part in html.split('data-testid="audit-row"')[1:])]


def test_an_entry_reads_as_a_sentence_with_names_and_labelled_changes(login_as, app):
    admin = make_user(roles=[Role.ADMIN], name="管理员甲")
    person = make_user(name="陈专家")
    round_ = make_round(title="2026年海岛创投")
    record("user.grant_role", person, actor=admin, before={"roles": []},
           after={"roles": ["reviewer"]})
    record("round.update", round_, actor=admin, before={"total_budget_fen": 100_000_00,
                                                        "deadline_at": "2026-03-31T16:00:00"},
           after={"total_budget_fen": 120_000_00, "deadline_at": "2026-04-01T02:30:00"})
    db.session.commit()
    html = login_as(admin).get("/admin/audit").get_data(as_text=True)
    rows = _rows(html)
    grant = next(r for r in rows if "授予了角色" in r)
    assert "管理员甲 授予了角色 陈专家" in grant
    assert "角色： — → 评审专家" in grant
    update = next(r for r in rows if "修改了年度项目设置" in r)
    assert "2026年海岛创投" in update
    assert "总预算： ¥100,000.00 → ¥120,000.00" in update
    # Stored in UTC, shown in Beijing time.
    assert "申报截止时间： 2026-04-01 00:00 → 2026-04-01 10:30" in update
    assert "user #" not in html and "<code>user.grant_role</code>" not in html


def test_the_english_page_labels_actions_and_fields(login_as, app):
    admin = make_user(roles=[Role.ADMIN])
    person = make_user(name="陈专家")
    record("user.set_locale", person, actor=person, before={"locale": "zh_CN"},
           after={"locale": "en"})
    db.session.commit()
    client = login_as(admin)
    client.set_cookie("lang", "en", domain=app.config["SERVER_NAME"].split(":")[0])
    row = _rows(client.get("/admin/audit").get_data(as_text=True))[0]
    assert "陈专家 changed the language" in row and "Language: zh_CN → en" in row


def test_a_deleted_object_keeps_the_name_it_was_recorded_with(login_as, app):
    admin = make_user(roles=[Role.ADMIN])
    record("pool.delete", object_type="pool", object_id=9999, actor=admin,
           before={"name": "已删除的资金池", "amount_fen": 5000})
    db.session.commit()
    row = _rows(login_as(admin).get("/admin/audit").get_data(as_text=True))[0]
    assert "删除了资金池 已删除的资金池" in row and "¥50.00" in row


def test_an_id_in_a_change_is_shown_by_its_name(login_as, app):
    admin = make_user(roles=[Role.ADMIN])
    application = make_application(title="渔嫂课堂")
    pool = db.session.scalar(select(Pool).where(Pool.id == application.pool_id))
    record("application.move_pool", application, actor=admin, before={"pool_id": None},
           after={"pool_id": pool.id})
    db.session.commit()
    row = next(r for r in _rows(login_as(admin).get("/admin/audit").get_data(as_text=True))
               if "调整了申报书的资金池" in r)
    assert f"资金池： — → {pool.name}" in row and "渔嫂课堂" in row


def test_filters_by_person_action_and_object_chosen_from_lists(login_as, app):
    admin = make_user(roles=[Role.ADMIN], name="管理员甲")
    alice, bob = make_user(name="甲同学"), make_user(name="乙同学")
    organisation = make_organisation(name="海韵志愿服务队")
    record("user.login", alice, actor=alice)
    record("organisation.create", organisation, actor=alice, after={"name": "海韵志愿服务队"})
    record("user.logout", bob, actor=bob)
    record("organisation.update", organisation, actor=bob, after={"name": "海韵志愿服务队"})
    record("user.login", bob, actor=bob)
    db.session.commit()
    client = login_as(admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    # The lists: people who appear in the log, labelled actions, kinds of object.
    assert f'<option value="{bob.id}">乙同学 &lt;{bob.email}&gt;</option>' in page
    assert '<option value="user.login">登录了</option>' in page
    assert '<option value="organisation">组织</option>' in page

    by_bob = _rows(client.get(f"/admin/audit?actor={bob.id}").get_data(as_text=True))
    assert len(by_bob) == 3 and all(r.split(" ", 2)[2].startswith("乙同学") for r in by_bob)
    logins = _rows(client.get("/admin/audit?action=user.login").get_data(as_text=True))
    assert len(logins) == 2
    of_org = _rows(client.get(
        f"/admin/audit?object_type=organisation&object_id={organisation.id}"
    ).get_data(as_text=True))
    assert len(of_org) == 2 and all("海韵志愿服务队" in r for r in of_org)
    # A row's object links to every entry about it.
    assert f"object_type=organisation&amp;object_id={organisation.id}" in page
    both = _rows(client.get(f"/admin/audit?actor={bob.id}&action=user.login")
                 .get_data(as_text=True))
    assert len(both) == 1


def test_the_page_runs_the_same_statements_for_5_and_50_entries(login_as, app, count_queries):
    admin = make_user(roles=[Role.ADMIN])
    client = login_as(admin)
    round_ = make_round()

    def add(n):
        for i in range(n):
            actor = make_user(commit=False)
            application = make_application(round_, commit=False, title=f"项目{i}")
            db.session.flush()
            record("user.login", actor, actor=actor)
            record("application.save", application, actor=actor,
                   after={"pool_id": application.pool_id, "requested_fen": 100})
            record("round.update", round_, actor=actor, after={"title": round_.title})
            record("pool.delete", object_type="pool", object_id=10_000 + i, actor=actor,
                   before={"name": "旧池"})
            record("organisation.update", application.organisation, actor=actor)
        db.session.commit()

    add(1)
    client.get("/admin/audit")
    with count_queries() as few:
        assert client.get("/admin/audit").status_code == 200
    few_rows = db.session.query(AuditEntry).count()
    add(10)
    with count_queries() as many:
        html = client.get("/admin/audit").get_data(as_text=True)
    assert db.session.query(AuditEntry).count() - few_rows >= 45
    assert len(_rows(html)) == 50
    assert many.count == few.count, (few.count, many.count)


def test_times_are_beijing_time(login_as, app):
    admin = make_user(roles=[Role.ADMIN])
    entry = record("user.login", admin, actor=admin)
    entry.created_at = datetime(2026, 3, 31, 16, 5, 0)
    db.session.commit()
    html = login_as(admin).get("/admin/audit").get_data(as_text=True)
    assert "2026-04-01 00:05:00" in html and "时间均为北京时间" in html


def test_a_bad_object_number_is_refused_next_to_the_filter(login_as, app):
    admin = make_user(roles=[Role.ADMIN])
    record("user.login", admin, actor=admin)
    db.session.commit()
    html = login_as(admin).get("/admin/audit?object_id=abc").get_data(as_text=True)
    assert "请填写整数" in html and 'value="abc"' in html
    assert len(_rows(html)) == 1  # the filter it could not read is left out
