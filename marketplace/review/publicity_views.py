"""The public 公示: the list of rounds in 公示 and after, each round's list with its objection
periods, its total, a public summary of each project and a printable PDF, and the anonymous
objection form."""
from __future__ import annotations

from decimal import Decimal

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectChoice

from marketplace.core.actions import perform
from marketplace.core.exports import download_response
from marketplace.core.money import format_yuan
from marketplace.core.timeutil import to_local, utcnow
from marketplace.extensions import db, limiter
from marketplace.funds.models import LIVE_AWARD_STATUSES, Award
from marketplace.review import publicity as review_publicity
from marketplace.review.blueprint import bp
from marketplace.review.forms import ObjectionForm
from marketplace.review.publicity_pdf import PublicityDocument, render_publicity
from marketplace.rounds.models import Round, RoundStatus


@bp.route("/publicity/")
def publicity_index():
    items = db.session.scalars(select(Round).where(Round.status.in_(
        (RoundStatus.PUBLICITY, RoundStatus.DELIVERY, RoundStatus.CLOSED)))
        .order_by(Round.year.desc(), Round.id.desc())).all()
    published = [(r, review_publicity.publicity_of(r)) for r in items]
    return render_template("review/publicity_index.html",
                           items=[(r, p) for r, p in published if p is not None])


def _public_round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None or review_publicity.publicity_of(round_) is None:
        abort(404)
    return round_


def _objection_form(awards, open_ids: set[int]) -> ObjectionForm:
    form = ObjectionForm()
    form.application_id.choices = [SelectChoice(a.application_id, a.application.title)
                                   for a in awards if a.id in open_ids]
    return form


def _publicity_page(round_: Round, form: ObjectionForm | None = None, status: int = 200):
    """The public list with each project's objection period; the form offers the projects
    whose period is open now."""
    awards = review_publicity.approved_awards(round_)
    listed = review_publicity.listings(round_)
    publicity, now = review_publicity.publicity_of(round_), utcnow()
    open_ids = set()
    if round_.status == RoundStatus.PUBLICITY and publicity.finalised_at is None:
        open_ids = {a.id for a in awards if a.id in listed and listed[a.id].is_open_at(now)}
    form = form or _objection_form(awards, open_ids)
    return render_template("review/publicity.html", round=round_, awards=awards,
                           listings=listed, publicity=publicity, now=now, open_ids=open_ids,
                           form=form, total=_total(awards)), status


def _total(awards) -> Decimal:
    return sum((a.amount for a in awards), Decimal("0.00"))


@bp.route("/publicity/<int:round_id>")
def publicity(round_id: int):
    return _publicity_page(_public_round(round_id))


@bp.route("/publicity/<int:round_id>/projects/<int:award_id>")
def publicity_project(round_id: int, award_id: int):
    """A listed project's public summary: what the 公示 is about, for anyone judging whether
    to object. Only what the group wrote for the public part of its proposal — no team, no
    phone numbers, no budget lines."""
    round_ = _public_round(round_id)
    award = db.session.get(Award, award_id)
    if award is None or award.round_id != round_.id or award.status not in LIVE_AWARD_STATUSES:
        abort(404)
    listing = review_publicity.listings(round_).get(award.id)
    return render_template("review/publicity_project.html", round=round_, award=award,
                           application=award.application, listing=listing,
                           publicity=review_publicity.publicity_of(round_))


@bp.route("/publicity/<int:round_id>.pdf")
def publicity_pdf(round_id: int):
    """The 公示 to print or post: title, document number, period, list with its total,
    supervision phone."""
    round_ = _public_round(round_id)
    publicity = review_publicity.publicity_of(round_)
    awards = review_publicity.approved_awards(round_)
    start, end = (to_local(t).strftime("%Y-%m-%d") for t in (publicity.starts_at,
                                                             publicity.ends_at))
    lines = [_("经申报、专家评审，拟对以下 %(n)d 个项目予以立项资助，现予公示。"
               "公示期：%(start)s 至 %(end)s。公示期间，任何单位和个人对下列项目有异议的，"
               "可以在平台公示页面提出，或拨打监督电话反映。",
               n=len(awards), start=start, end=end)]
    if publicity.finalised_at is not None:
        lines.append(_("本公示已结束，上述项目已正式立项。"))
    header = [_("序号"), _("项目名称"), _("申报组织"), _("类别"), _("资金池"), _("资助金额")]
    rows = [[str(i), a.application.title, a.application.organisation.name,
             a.application.category, a.pool.name if a.pool else "", format_yuan(a.amount)]
            for i, a in enumerate(awards, start=1)]
    total_row = ["", _("合计（%(n)d 个项目）", n=len(awards)), "", "", "",
                 format_yuan(_total(awards))]
    footer = ([_("监督电话：%(phone)s", phone=round_.supervision_phone)]
              if round_.supervision_phone else [])
    footer += [_("共青团市委"), to_local(publicity.published_at).strftime("%Y-%m-%d")]
    data = render_publicity(PublicityDocument(
        title=_("%(title)s 拟立项项目公示", title=round_.title),
        document_number=round_.document_number, lines=lines, header=header, rows=rows,
        total_row=total_row, footer=footer), current_app.config.get("CJK_FONT_PATH"))
    return download_response(data, "application/pdf",
                             _("%(title)s 公示.pdf", title=round_.title))


@bp.route("/publicity/<int:round_id>/objections", methods=["POST"])
@limiter.limit("5/hour", methods=["POST"])
def object_to(round_id: int):
    round_ = _public_round(round_id)
    form = ObjectionForm()
    # Every listed project is a valid choice here; the service says whether its period is open.
    form.application_id.choices = [SelectChoice(a.application_id, a.application.title)
                                   for a in review_publicity.approved_awards(round_)]
    if form.validate_on_submit():
        data = review_publicity.ObjectionData(
            application_id=form.application_id.data, name=form.name.data,
            contact=form.contact.data, text=form.text.data)
        filed = perform(
            lambda: review_publicity.file_objection(round_, data, ip=request.remote_addr),
            None, form)
        if filed:
            return render_template("review/objection_received.html", round=round_,
                                   objection=filed.value)
    return _publicity_page(round_, form, 422)
