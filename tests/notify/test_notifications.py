"""The notification centre (站内消息): every mail to someone with an account also appears in
the app, with a link to the page it concerns; read and unread, mark all read, an unread count
in the nav bar. Mail to an address without an account stays mail only."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from sqlalchemy import func, select

from marketplace.accounts import services as account_services
from marketplace.core.timeutil import utcnow
from marketplace.core.urls import mail_link
from marketplace.extensions import db
from marketplace.notify import inbox
from marketplace.notify.models import Notification, OutboxMessage
from marketplace.notify.services import queue_mail
from marketplace.organisations import services as organisation_services
from marketplace.organisations.models import OrganisationStatus
from tests.factories import make_organisation, make_organizer, make_user

ROOT = Path(__file__).resolve().parents[2]


def _verified_mail(user, link: str | None = "https://volunteer.example.org/organisations/7",
                   to: str | None = None):
    organisation = make_organisation(user)
    queue_mail(to or user.email, "organisations/verified", user.locale, user=user,
               organisation=organisation, link=link)
    db.session.commit()
    return organisation


def _notifications(user=None) -> list[Notification]:
    query = select(Notification).order_by(Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return list(db.session.scalars(query))


# --- one place writes them: queue_mail ------------------------------------------------------

def test_a_mail_to_an_account_appears_in_its_notification_centre_with_its_page(app):
    user = make_user(locale="en")
    _verified_mail(user)
    [notification] = _notifications(user)
    mail = db.session.scalar(select(OutboxMessage))
    assert notification.outbox_message_id == mail.id
    assert (notification.subject, notification.body_text) == (mail.subject, mail.body_text)
    assert notification.subject.startswith("Organisation verified")  # the mail's language
    assert notification.link == "/organisations/7"  # a path: it opens on any host
    assert notification.template == "organisations/verified" and notification.read_at is None


def test_an_address_finds_its_account_however_it_is_written(app):
    user = make_user("owner@example.org")
    _verified_mail(user, to="  Owner@EXAMPLE.org ")
    assert len(_notifications(user)) == 1


def test_mail_to_an_address_without_an_account_stays_mail_only(app):
    user = make_user()
    _verified_mail(user, to="nobody@example.org")
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1
    assert _notifications() == []


def test_account_mails_with_a_secret_link_stay_mail_only(app):
    account_services.register("new@example.org", "a-long-enough-passw0rd", "新人", agreed=True)
    db.session.commit()
    user = account_services.find_user_by_email("new@example.org")
    user.email_confirmed_at = utcnow()
    account_services.request_password_reset("new@example.org")
    db.session.commit()
    templates = set(db.session.scalars(select(OutboxMessage.template)))
    assert templates == {"accounts/confirm_email", "accounts/reset_password"}
    assert _notifications() == []


def test_a_link_to_another_site_is_not_kept(app):
    user = make_user()
    _verified_mail(user, link="https://elsewhere.example.com/organisations/7")
    assert _notifications(user)[0].link is None


def test_a_mail_that_is_rolled_back_leaves_no_notification(app):
    user = make_user()
    queue_mail(user.email, "organisations/verified", user.locale, user=user,
               organisation=make_organisation(user, commit=False), link="https://x/y")
    db.session.rollback()
    assert _notifications() == []


def test_a_change_that_mails_a_member_puts_it_in_their_centre(app):
    owner = make_user()
    organisation = make_organisation(owner, status=OrganisationStatus.PENDING)
    organisation_services.verify_organisation(make_organizer(), organisation)
    db.session.commit()
    [notification] = _notifications(owner)
    assert notification.link == f"/organisations/{organisation.id}"


# Mail whose link is a secret proving who reads the mailbox: mail only (queue_mail in_app=False).
MAIL_ONLY = {"accounts/confirm_email", "accounts/reset_password"}


def test_every_mail_that_can_reach_an_account_links_to_the_page_it_concerns():
    mails = sorted((ROOT / "templates").glob("*/mail/*.txt"))
    assert len(mails) >= 20
    for path in mails:
        name = f"{path.parent.parent.name}/{path.stem}"
        if name not in MAIL_ONLY:
            assert "{{ link }}" in path.read_text("utf-8"), name


def test_mail_only_mails_are_queued_as_such():
    for path in sorted((ROOT / "marketplace").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "queue_mail" \
                    and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) \
                    and node.args[1].value in MAIL_ONLY:
                assert any(k.arg == "in_app" for k in node.keywords), node.args[1].value


# --- the centre -------------------------------------------------------------------------------

def _many(user, n: int) -> None:
    for i in range(n):
        queue_mail(user.email, "review/reopened", user.locale, reviewer=user,
                   reason=f"第{i + 1}条", link=mail_link("review.queue"))
    db.session.commit()


def test_the_centre_lists_the_persons_messages_newest_first_twenty_a_page(app, login_as):
    user, other = make_user(), make_user()
    _many(user, 23)
    _many(other, 1)
    client = login_as(user)
    first = client.get("/notifications/").get_data(as_text=True)
    assert first.count('data-testid="notification"') == 20
    assert first.index("第23条") < first.index("第22条")
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    assert second.count('data-testid="notification"') == 3 and "第1条" in second
    assert "23 条未读消息。" in first


def test_the_centre_is_for_signed_in_people(app, client):
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_looking_at_the_list_marks_nothing_read(app, login_as):
    user = make_user()
    _many(user, 2)
    login_as(user).get("/notifications/")
    assert all(n.read_at is None for n in _notifications(user))


def test_opening_a_message_marks_it_read_and_goes_to_its_page(app, login_as):
    user = make_user()
    _many(user, 2)
    first, second = _notifications(user)
    response = login_as(user).post(f"/notifications/{first.id}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/review/"
    db.session.expire_all()
    assert first.read_at is not None and second.read_at is None


def test_a_message_without_a_page_is_marked_read_and_the_list_shown_again(app, login_as):
    user = make_user()
    _verified_mail(user, link=None)
    [notification] = _notifications(user)
    client = login_as(user)
    assert 'data-testid="mark-read"' in client.get("/notifications/").get_data(as_text=True)
    response = client.post(f"/notifications/{notification.id}/open")
    assert response.headers["Location"] == "/notifications/"
    db.session.expire_all()
    assert notification.read_at is not None


def test_someone_elses_message_is_not_found(app, login_as):
    owner, other = make_user(), make_user()
    _many(owner, 1)
    [notification] = _notifications(owner)
    assert login_as(other).post(f"/notifications/{notification.id}/open").status_code == 404
    db.session.expire_all()
    assert notification.read_at is None


def test_mark_all_read_reads_only_the_persons_own(app, login_as):
    user, other = make_user(), make_user()
    _many(user, 3)
    _many(other, 2)
    client = login_as(user)
    response = client.post("/notifications/read")
    assert response.status_code == 302
    assert "所有消息已标为已读" in client.get("/notifications/").get_data(as_text=True)
    db.session.expire_all()
    assert all(n.read_at is not None for n in _notifications(user))
    assert all(n.read_at is None for n in _notifications(other))


def _nav_count(html: str) -> int | None:
    # On a wide bar the link shows its icon; the label is there for the phone's menu.
    match = re.search(r'站内消息(?:</span>)?<span class="badge[^"]*" '
                      r'data-testid="nav-badge">(\d+)<', html)
    return int(match.group(1)) if match else None


def test_the_unread_count_is_in_the_nav_bar_and_on_the_phone_menu_button(app, login_as):
    user = make_user()
    _many(user, 2)
    client = login_as(user)
    html = client.get("/").get_data(as_text=True)
    assert _nav_count(html) == 2
    assert re.search(r'data-testid="nav-total">(\d+)<', html).group(1) == "2"
    client.post("/notifications/read")
    html = client.get("/").get_data(as_text=True)
    assert _nav_count(html) is None and 'data-testid="nav-total"' not in html
    assert "站内消息" in html


def test_the_unread_count_is_the_persons_own(app):
    user, other = make_user(), make_user()
    _many(user, 2)
    _many(other, 5)
    assert inbox.unread_count(user) == 2
    inbox.mark_read(user, _notifications(user)[0])
    assert inbox.unread_count(user) == 1
