from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.audit.models import AuditEntry
from marketplace.audit.services import record
from marketplace.extensions import db
from tests.factories import make_user


def test_admin_grants_and_revokes_roles_with_audit(client, login_as, app):
    admin = make_user(roles=[Role.ADMIN])
    target = make_user()
    c = login_as(admin)
    c.post(f"/admin/users/{target.id}/roles", data={"role": "reviewer", "op": "grant"})
    c.post(f"/admin/users/{target.id}/roles", data={"role": "finance", "op": "grant"})
    assert db.session.get(User, target.id).role_set == {Role.REVIEWER, Role.FINANCE}
    c.post(f"/admin/users/{target.id}/roles", data={"role": "reviewer", "op": "revoke"})
    assert db.session.get(User, target.id).role_set == {Role.FINANCE}
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "user", AuditEntry.object_id == target.id)
        .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["user.grant_role", "user.grant_role",
                                          "user.revoke_role"]
    assert entries[-1].before == {"roles": ["finance", "reviewer"]}
    assert entries[-1].after == {"roles": ["finance"]}
    assert entries[-1].actor_id == admin.id


def test_admin_cannot_revoke_own_admin_role(client, login_as, app):
    admin = make_user(roles=[Role.ADMIN])
    login_as(admin).post(f"/admin/users/{admin.id}/roles", data={"role": "admin", "op": "revoke"})
    assert Role.ADMIN in db.session.get(User, admin.id).role_set


def test_non_admins_get_404_on_admin_pages(client, login_as, app):
    organizer = make_user(roles=[Role.ORGANIZER])
    target = make_user()
    c = login_as(organizer)
    assert c.get("/admin/users").status_code == 404
    assert c.get("/admin/audit").status_code == 404
    assert c.post(f"/admin/users/{target.id}/roles",
                  data={"role": "admin", "op": "grant"}).status_code == 404
    assert Role.ADMIN not in db.session.get(User, organizer.id).role_set


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_audit_log_shows_who_what_before_after_and_ip(client, login_as, app):
    admin = make_user(roles=[Role.ADMIN], email="root@example.org")
    target = make_user()
    c = login_as(admin)
    c.post(f"/admin/users/{target.id}/roles", data={"role": "finance", "op": "grant"},
           environ_base={"REMOTE_ADDR": "203.0.113.9"})
    html = c.get("/admin/audit?action=user.grant_role").get_data(as_text=True)
    # The person by name (the address beside it), the action by its label (the code beside it).
    assert admin.name in html and 'title="root@example.org"' in html
    assert "授予了角色" in html and 'title="user.grant_role"' in html
    assert "203.0.113.9" in html and "财务" in html


def test_audit_log_filters_and_paginates(client, login_as, app):
    admin = make_user(roles=[Role.ADMIN])
    for i in range(120):
        record("test.bulk", object_type="thing", object_id=i, after={"n": i})
    record("test.other", object_type="other", object_id=1)
    db.session.commit()
    c = login_as(admin)
    first = c.get("/admin/audit?object_type=thing").get_data(as_text=True)
    assert "test.bulk" in first and "test.other" not in first
    assert "共 120 条" in first
    third = c.get("/admin/audit?object_type=thing&page=3").get_data(as_text=True)
    assert third.count("<code>test.bulk</code>") == 20


def test_audit_log_page_runs_a_bounded_number_of_queries(client, login_as, app, count_queries):
    admin = make_user(roles=[Role.ADMIN])
    c = login_as(admin)
    for i in range(5):
        record("test.a", actor=make_user(commit=False), object_type="x", object_id=i)
    db.session.commit()
    with count_queries() as few:
        c.get("/admin/audit")
    for i in range(40):
        record("test.a", actor=make_user(commit=False), object_type="x", object_id=i)
    db.session.commit()
    with count_queries() as many:
        c.get("/admin/audit")
    assert many.count == few.count


def test_users_page_lists_and_searches(client, login_as, app):
    admin = make_user(roles=[Role.ADMIN])
    make_user("findme@example.org", name="找到我")
    html = login_as(admin).get("/admin/users?q=findme").get_data(as_text=True)
    assert "findme@example.org" in html


def test_users_page_offers_only_the_roles_a_user_lacks_in_a_compact_control(login_as, app):
    admin = make_user(roles=[Role.ADMIN])
    make_user("holder@example.org", roles=[Role.REVIEWER])
    html = login_as(admin).get("/admin/users?q=holder").get_data(as_text=True)
    row = html.split('data-testid="user-row"')[1].split("</tr>")[0]
    add = row.split('data-testid="add-role"')[1].split("</form>")[0]
    assert 'value="reviewer"' not in add
    assert all(f'value="{r}"' in add for r in ("organizer", "finance", "admin"))
    assert "<select" not in html and "style=" not in html  # no full dropdown per row, CSP


def test_a_user_holding_every_role_gets_no_add_role_control(login_as, app):
    admin = make_user(roles=list(Role))
    html = login_as(admin).get(f"/admin/users?q={admin.email}").get_data(as_text=True)
    assert 'data-testid="add-role"' not in html
