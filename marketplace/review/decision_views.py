"""The organizer's decisions: one project's reviews and its decision, reopening a review, the
ranking per pool (评审汇总表, also as XLSX and PDF) and the answers to objections."""
from __future__ import annotations

from decimal import Decimal

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from marketplace.applications.models import Application
from marketplace.core.actions import form_status, perform
from marketplace.core.exports import download_response, xlsx_response
from marketplace.core.money import format_yuan
from marketplace.core.policy import NotAllowed, visible_or_404
from marketplace.core.timeutil import to_local, utcnow
from marketplace.extensions import db
from marketplace.funds.balances import balance
from marketplace.funds.models import Award, AwardStatus
from marketplace.funds.services import check_pool_funds
from marketplace.review import decisions, policy, results, reviewing, rules
from marketplace.review import publicity as review_publicity
from marketplace.review.blueprint import bp, organizer_round, organizer_row
from marketplace.review.forms import (
    ActionForm,
    AnswerForm,
    ChangeDecisionForm,
    DecisionForm,
    ReopenForm,
    WithdrawDecisionForm,
)
from marketplace.review.models import Objection, ObjectionStatus, Review
from marketplace.review.pdf import render_ranking
from marketplace.review.workflow import OBJECTION
from marketplace.rounds.models import Pool, Round, RoundStatus


def _pools_for(application: Application) -> list[Pool]:
    """The pools that may fund the application (funds.check_pool_funds says why not)."""
    fitting = []
    for pool in application.round.pools:
        try:
            check_pool_funds(pool, application)
        except NotAllowed:  # a question, not a refused change: this pool may not pay
            continue
        fitting.append(pool)
    return fitting


def _decision_form(application: Application) -> DecisionForm:
    form = DecisionForm()
    form.pool_id.choices = [SelectChoice(p.id, p.name) for p in _pools_for(application)]
    if request.method == "GET":
        form.pool_id.data = application.pool_id
        form.amount.data = str(application.requested)
        form.feedback.data = application.feedback or ""
    return form


def _change_form(application: Application, award: Award | None) -> ChangeDecisionForm:
    form = ChangeDecisionForm(prefix="change")
    form.pool_id.choices = [SelectChoice(p.id, p.name) for p in _pools_for(application)]
    if request.method == "GET" or form.pool_id.data is None:
        live = award is not None and award.status == AwardStatus.APPROVED
        form.pool_id.data = award.pool_id if live else application.pool_id
        form.amount.data = str(award.amount if live else application.requested)
        form.feedback.data = application.feedback or ""
    return form


def _decision_for(application_id: int) -> tuple[Application, Award | None]:
    application = organizer_row(Application, application_id)
    visible_or_404(policy.can_see_review_details(current_user, application))
    award = db.session.scalar(select(Award).where(Award.application_id == application_id))
    return application, award


def _decide_page(application: Application, award: Award | None, *,
                 form: DecisionForm | None = None, change_form: ChangeDecisionForm | None = None,
                 withdraw_form: WithdrawDecisionForm | None = None):
    """The project's reviews and its decision: the first decision's form while undecided;
    once decided and until the 公示 is published, 更改决定 and 撤回决定."""
    reviews = db.session.scalars(select(Review).where(Review.application_id == application.id)
                                 .order_by(Review.id)).all()
    changeable = (application.status in decisions.CHANGEABLE_STATUSES
                  and application.round.status == RoundStatus.REVIEWING)
    return render_template(
        "review/decide.html", application=application, round=application.round,
        form=form or _decision_form(application), reviews=reviews, award=award,
        changeable=changeable,
        change_form=change_form or (_change_form(application, award) if changeable else None),
        withdraw_form=withdraw_form or WithdrawDecisionForm(prefix="withdraw"),
        reopen_form=ReopenForm(), action_form=ActionForm()), form_status()


@bp.route("/review/decisions/<int:application_id>", methods=["GET", "POST"])
@login_required
def decide(application_id: int):
    application, award = _decision_for(application_id)
    form = _decision_form(application)
    if form.validate_on_submit() and perform(lambda: _decide(application, form),
                                             lambda message: message, form):
        return redirect(url_for(".ranking", round_id=application.round_id,
                                pool_id=application.pool_id))
    return _decide_page(application, award, form=form)


@bp.route("/review/decisions/<int:application_id>/change", methods=["POST"])
@login_required
def change_decision(application_id: int):
    application, award = _decision_for(application_id)
    form = _change_form(application, award)
    if form.validate_on_submit() and perform(lambda: _change(application, form),
                                             _("决定已更改。"), form):
        return redirect(url_for(".decide", application_id=application.id))
    return _decide_page(application, award, change_form=form)


def _change(application: Application, form: ChangeDecisionForm):
    outcome = decisions.OUTCOMES.get(form.outcome.data)
    if outcome is None:
        raise NotAllowed(_("请选择新的决定。"), field="outcome")
    amount = pool = None
    if outcome.value == "approved":
        amount = form.amount.amount
        if amount is None:
            raise NotAllowed(_("请填写金额，最多两位小数。"), field="amount")
        pool = db.session.get(Pool, form.pool_id.data) if form.pool_id.data else None
    return decisions.change_decision(current_user, application, outcome, form.reason.data,
                                     amount=amount, pool=pool, feedback=form.feedback.data or "")


@bp.route("/review/decisions/<int:application_id>/withdraw", methods=["POST"])
@login_required
def withdraw_decision(application_id: int):
    application, award = _decision_for(application_id)
    form = WithdrawDecisionForm(prefix="withdraw")
    if form.validate_on_submit() and perform(
            lambda: decisions.withdraw_decision(current_user, application, form.reason.data),
            _("决定已撤回，项目回到评审中。"), form):
        return redirect(url_for(".decide", application_id=application.id))
    return _decide_page(application, award, withdraw_form=form)


def _decide(application: Application, form: DecisionForm) -> str:
    """The decision the form asks for; its confirmation."""
    action = form.action.data
    if action == "approve":
        amount = form.amount.amount
        if amount is None:
            raise NotAllowed(_("请填写金额，最多两位小数。"), field="amount")
        pool = db.session.get(Pool, form.pool_id.data) if form.pool_id.data else None
        decisions.approve_application(current_user, application, amount, pool=pool,
                                     feedback=form.feedback.data or "")
        return _("已拟立项：%(amount)s。", amount=format_yuan(amount))
    if action == "reject":
        decisions.reject_application(current_user, application, form.feedback.data)
        return _("已决定不予立项。")
    if action == "waitlist":
        decisions.waitlist_application(current_user, application, form.feedback.data or "")
        return _("已列入候补名单。")
    abort(400)


@bp.route("/review/reviews/<int:review_id>/reopen", methods=["POST"])
@login_required
def reopen(review_id: int):
    review = organizer_row(Review, review_id, lambda r: r.assignment.round_id)
    form = ReopenForm()
    perform(lambda: reviewing.reopen_review(
        current_user, review, form.reason.data if form.validate_on_submit() else ""),
        _("评分已重新开放，专家会收到通知。"))
    return redirect(url_for(".decide", application_id=review.application_id))


def _ranking_pool(round_: Round) -> Pool:
    pool_id = request.args.get("pool_id", type=int)
    pools = round_.pools
    visible_or_404(bool(pools))
    pool = next((p for p in pools if p.id == pool_id), pools[0])
    return pool


def _ranking_table(round_: Round, pool: Pool) -> tuple[list[str], list[list], list]:
    rows = results.ranking(round_, pool)
    header = [_("排名"), _("项目名称"), _("得分"), _("已评/分配"), _("申请金额"),
              _("拟立项金额"), _("累计"), _("资金池剩余"), _("状态")]
    table = [[rank_text(r), r.application.title,
              "—" if r.score is None else str(r.score), f"{r.done}/{r.assigned}",
              r.application.requested, r.award.amount if r.award else "",
              "" if r.running_total is None else r.running_total,
              "" if r.remainder is None else r.remainder,
              r.application.status.label] for r in rows]
    return header, table, rows


def rank_text(row: results.RankingRow) -> str:
    """The rank as the exports write it: a number, 并列 for a shared one; a project not fully
    reviewed is not ranked and says what it misses."""
    if row.rank is not None:
        return _("%(rank)d（并列）", rank=row.rank) if row.tied else str(row.rank)
    if row.assigned == 0:
        return _("未排名：未分配专家")
    return ngettext("未排名：缺 %(num)d 份评分", "未排名：缺 %(num)d 份评分", row.missing)


@bp.route("/review/rounds/<int:round_id>/ranking")
@login_required
def ranking(round_id: int):
    round_ = organizer_round(round_id)
    settings = rules.settings_for(round_)
    pool = _ranking_pool(round_)
    _, _, rows = _ranking_table(round_, pool)
    return render_template("review/ranking.html", round=round_, pool=pool,
                           rows=[r for r in rows if r.rank is not None],
                           pending=[r for r in rows if r.rank is None],
                           settings=settings, remaining=balance(Pool, pool.id).remaining,
                           own=policy.member_organisation_ids(current_user))


def _ranking_export(round_id: int):
    """The round, the pool asked for (?pool_id=) and its ranking table, for a download."""
    round_ = organizer_round(round_id)
    pool = _ranking_pool(round_)
    header, table, _rows = _ranking_table(round_, pool)
    return round_, pool, header, table


@bp.route("/review/rounds/<int:round_id>/ranking.xlsx")
@login_required
def ranking_xlsx(round_id: int):
    round_, pool, header, table = _ranking_export(round_id)
    return xlsx_response(f"评审汇总表-{round_.year}-{pool.name}.xlsx", header, table,
                         title=_("评审汇总表"))


@bp.route("/review/rounds/<int:round_id>/ranking.pdf")
@login_required
def ranking_pdf(round_id: int):
    round_, pool, header, table = _ranking_export(round_id)
    text_rows = [[v if isinstance(v, str) else (format_yuan(v) if isinstance(v, Decimal)
                                                else str(v)) for v in row] for row in table]
    settings = rules.settings_for(round_)
    subtitle = _("%(pool)s · 资金池 %(amount)s · 计分方法：%(method)s · 生成于 %(at)s",
                 pool=pool.name, amount=format_yuan(pool.amount),
                 method=settings.scoring_method.label,
                 at=to_local(utcnow()).strftime("%Y-%m-%d %H:%M"))
    data = render_ranking(_("%(title)s 评审汇总表", title=round_.title), subtitle, header,
                          text_rows, current_app.config.get("CJK_FONT_PATH"))
    return download_response(data, "application/pdf", f"评审汇总表-{round_.year}-{pool.name}.pdf")


@bp.route("/review/rounds/<int:round_id>/objections")
@login_required
def objections(round_id: int):
    return _objections_page(organizer_round(round_id))


def _objections_page(round_: Round, answer_form: AnswerForm | None = None,
                     answering: int | None = None):
    """The round's objections; `answer_form` is the one just refused, shown again with its
    messages and what was typed under the objection `answering`."""
    round_id = round_.id
    items = db.session.scalars(select(Objection).where(Objection.round_id == round_id)
                               .order_by(Objection.status != ObjectionStatus.OPEN,
                                         Objection.id)).all()
    waitlisted = results.waitlist(round_)
    publicity = review_publicity.publicity_of(round_)
    # Which objections this user may answer now: the moves the objection's table offers them.
    answerable = {o.id for o in items if OBJECTION.next_actions(current_user, o)}
    return render_template("review/objections.html", round=round_, objections=items,
                           answer_form=AnswerForm(formdata=None), refused_form=answer_form,
                           answering=answering, publicity=publicity, answerable=answerable,
                           objections_end=review_publicity.objections_end(round_, publicity)
                           if publicity else None,
                           waitlisted=waitlisted,
                           own=policy.member_organisation_ids(current_user)), form_status()


@bp.route("/review/objections/<int:objection_id>/answer", methods=["POST"])
@login_required
def answer_objection(objection_id: int):
    objection = organizer_row(Objection, objection_id)
    form = AnswerForm()
    if form.validate_on_submit():
        answer = (decisions.uphold_objection if form.outcome.data == "uphold"
                  else decisions.dismiss_objection)
        if perform(lambda: answer(current_user, objection, form.reply.data),
                   _("异议已答复。"), form):
            return redirect(url_for(".objections", round_id=objection.round_id))
    # Refused: the page again, the messages beside the fields, the reply as typed.
    return _objections_page(organizer_round(objection.round_id), form, objection.id)
