"""The public 公示: the list of rounds in 公示 and after, each round's list with its objection
periods, and the anonymous objection form."""
from __future__ import annotations

from flask import abort, render_template, request
from sqlalchemy import select
from wtforms import SelectChoice

from marketplace.core.actions import perform
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db, limiter
from marketplace.review import publicity as review_publicity
from marketplace.review.blueprint import bp
from marketplace.review.forms import ObjectionForm
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
                           form=form), status


@bp.route("/publicity/<int:round_id>")
def publicity(round_id: int):
    return _publicity_page(_public_round(round_id))


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
