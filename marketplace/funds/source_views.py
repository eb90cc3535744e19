"""Pages of the funding sources (资金来源): the list of sources, and for a round its pools'
sources and its money by source."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from marketplace.accounts.roles import is_finance, is_organizer
from marketplace.core.actions import form_status, perform
from marketplace.core.money import from_fen
from marketplace.core.policy import visible_or_404
from marketplace.extensions import db
from marketplace.funds import sources
from marketplace.funds import spending_policy as policy
from marketplace.funds.blueprint import bp
from marketplace.funds.spending_forms import PoolSourcesForm, SourceForm
from marketplace.funds.spending_models import FundingSource, FundingSourceKind
from marketplace.rounds import contributions
from marketplace.rounds.models import Pool, Round


def _kind(value: str | None) -> FundingSourceKind | None:
    try:
        return FundingSourceKind(value)
    except ValueError:
        return None


def _sources_page(form: SourceForm | None = None, status: int = 200):
    return render_template("funds/sources.html", sources=sources.all_sources(),
                           form=form or SourceForm(formdata=None)), status


@bp.route("/sources", methods=["GET", "POST"], endpoint="sources")
@login_required
def sources_page():
    visible_or_404(policy.can_manage_sources(current_user))
    if request.method == "GET":
        return _sources_page()
    form = SourceForm()
    if form.validate_on_submit():
        done = perform(lambda: sources.create_source(
            current_user, sources.SourceData(_kind(form.kind.data), form.name.data or "")),
            _("资金来源已添加。"), form)
        if done:
            return redirect(url_for(".sources"))
    return _sources_page(form, form_status())


@bp.route("/sources/<int:source_id>/edit", methods=["GET", "POST"])
@login_required
def edit_source(source_id: int):
    visible_or_404(policy.can_manage_sources(current_user))
    source = db.session.get(FundingSource, source_id)
    visible_or_404(source is not None)
    form = SourceForm(formdata=None, data={"kind": source.kind.value, "name": source.name}) \
        if request.method == "GET" else SourceForm()
    if request.method == "POST" and form.validate_on_submit():
        done = perform(lambda: sources.update_source(
            current_user, source, sources.SourceData(_kind(form.kind.data),
                                                     form.name.data or "")),
            _("资金来源已保存。"), form)
        if done:
            return redirect(url_for(".sources"))
    return render_template("funds/source_form.html", source=source, form=form), form_status()


def _round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    visible_or_404(round_ is not None and (is_organizer(current_user) or is_finance(current_user)))
    return round_


@bp.route("/rounds/<int:round_id>/sources")
@login_required
def round_sources(round_id: int):
    """The round's pools with their sources, and its money by source."""
    round_ = _round(round_id)
    return render_template(
        "funds/source_round.html", round=round_, pools=round_.pools,
        slices=sources.pool_slices(round_.pools),
        figures=sources.figures_by_source(round_.id),
        may_manage=policy.can_manage_sources(current_user))


def _fill(form: PoolSourcesForm, pool: Pool) -> None:
    rows = list(pool.source_slices)
    while len(form.slices.entries):
        form.slices.pop_entry()
    for row in rows:
        entry = form.slices.append_entry()
        entry.form.source_id.data = row.source_id
        entry.form.amount.set_amount(None if row.amount_fen is None
                                     else from_fen(row.amount_fen))
    for _blank in range(max(3 - len(rows), 1)):
        form.slices.append_entry()


@bp.route("/pools/<int:pool_id>/sources", methods=["GET", "POST"])
@login_required
def pool_sources(pool_id: int):
    visible_or_404(policy.can_manage_sources(current_user))
    pool = db.session.get(Pool, pool_id)
    visible_or_404(pool is not None)
    if request.method == "GET":
        form = PoolSourcesForm(formdata=None)
        _fill(form, pool)
    else:
        form = PoolSourcesForm()
        if form.validate_on_submit():
            done = perform(lambda: sources.set_pool_sources(current_user, pool, [
                sources.SliceData(e.form.source_id.data, e.form.amount.amount)
                for e in form.slices.entries]), _("资金池的来源已保存。"), form)
            if done:
                return redirect(url_for(".round_sources", round_id=pool.round_id))
    choices = [(None, _("请选择")), *((s.id, s.display_name) for s in sources.all_sources())]
    for entry in form.slices.entries:
        entry.form.source_id.choices = choices
    return render_template("funds/source_pool.html", pool=pool, round=pool.round,
                           form=form), form_status()


contributions.register_round_link(contributions.RoundLink(
    "sources", _l("资金来源"), lambda round_: url_for("funds.round_sources", round_id=round_.id),
    lambda user, round_: is_organizer(user) or is_finance(user),
    testid="round-sources-link", order=65))
