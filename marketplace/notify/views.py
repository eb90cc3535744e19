"""The notification centre (站内消息): /notifications/, with its unread count in the nav bar."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from marketplace.core import nav, todo
from marketplace.core.actions import perform
from marketplace.core.policy import visible_or_404
from marketplace.core.urls import safe_next
from marketplace.extensions import db
from marketplace.notify import inbox, policy
from marketplace.notify.forms import ActionForm
from marketplace.notify.models import Notification

bp = Blueprint("notify", __name__, url_prefix="/notifications")
PER_PAGE = 20

nav.register("account", _l("站内消息"), "notify.index", visible=policy.signed_in, order=10,
             badge=inbox.unread_count, icon="✉")
# First on the home page: on a phone the nav bar's count sits in the folded menu.
todo.register(policy.signed_in, "notify.unread", _l("未读站内消息"), inbox.unread_count,
              lambda tally: url_for("notify.index"), section="inbox", order=10)


@bp.route("/")
@login_required
def index():
    page = db.paginate(inbox.notifications_of(current_user), per_page=PER_PAGE,
                       error_out=False)
    return render_template("notify/index.html", page=page, form=ActionForm(),
                           unread=inbox.unread_count(current_user))


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_notification(notification_id: int):
    """Marks the message read and goes to the page it is about (a POST: a GET writes nothing,
    and links are followed by prefetchers)."""
    notification = db.session.get(Notification, notification_id)
    visible_or_404(policy.can_open(current_user, notification))
    back = url_for(".index", page=request.args.get("page", type=int) or None)
    if ActionForm().validate_on_submit() and perform(
            lambda: inbox.mark_read(current_user, notification), None):
        return redirect(safe_next(notification.link, back))
    return redirect(back)


@bp.route("/read", methods=["POST"])
@login_required
def read_all():
    if ActionForm().validate_on_submit():
        perform(lambda: inbox.mark_all_read(current_user), _("所有消息已标为已读。"))
    return redirect(url_for(".index"))
