"""Review pages: the reviewer workspace, the organizer's review management, ranking and
decisions, and the public 公示 page with objections."""
from __future__ import annotations

import os
from datetime import datetime, time
from decimal import Decimal

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from marketplace.accounts import roles
from marketplace.accounts.models import User
from marketplace.applications.models import Application, Attachment
from marketplace.applications.services import attachment_path
from marketplace.core import nav
from marketplace.core.actions import form_status, perform
from marketplace.core.exports import download_response, xlsx_response
from marketplace.core.money import format_yuan
from marketplace.core.policy import NotAllowed, visible_or_404
from marketplace.core.timeutil import local_to_utc, to_local, utcnow
from marketplace.extensions import db, limiter
from marketplace.funds.balances import balance
from marketplace.funds.models import Award
from marketplace.funds.services import check_pool_funds
from marketplace.review import policy, results, services
from marketplace.review.forms import (
    ActionForm,
    AnswerForm,
    AssignForm,
    ConflictForm,
    DecisionForm,
    ObjectionForm,
    PublishForm,
    RecuseForm,
    ReopenForm,
    ReviewDeadlineForm,
    RubricForm,
    SettingsForm,
)
from marketplace.review.models import (
    AssignmentStatus,
    Objection,
    ObjectionStatus,
    OthersScores,
    Review,
    ReviewAssignment,
    ReviewerConflict,
    ReviewStatus,
    ScoringMethod,
)
from marketplace.review.pdf import render_ranking
from marketplace.review.workflow import OBJECTION
from marketplace.rounds import contributions
from marketplace.rounds.models import Pool, Round, RoundStatus

bp = Blueprint("review", __name__)


nav.register("public", _l("立项公示"), "review.publicity_index", order=20)
nav.register("mine", _l("我的评审任务"), "review.queue", visible=roles.is_reviewer, order=20)
nav.register("staff", _l("评审与立项"), "review.rounds", visible=roles.is_organizer, order=20)
# The round page (rounds domain, below this one) links staff to the round's review once it
# is published.
contributions.register_round_link(contributions.RoundLink(
    "review", _l("评审与立项"), lambda round_: url_for("review.manage_round", round_id=round_.id),
    lambda user, round_: round_.status != RoundStatus.DRAFT
    and policy.can_manage_review(user, round_),
    testid="round-review-link", order=20))


def _reviewer_required():
    visible_or_404(policy.is_reviewer(current_user))


def _organizer_round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    visible_or_404(round_ is not None and policy.can_manage_review(current_user, round_))
    return round_


def _my_assignment(application_id: int) -> ReviewAssignment:
    """The reviewer's active assignment; anyone else (unassigned, recused) gets 404."""
    application = db.session.get(Application, application_id)
    assignment = policy.active_assignment(current_user, application)
    visible_or_404(assignment is not None)
    return assignment


# --- reviewer workspace --------------------------------------------------------------------

@bp.route("/review/")
@login_required
def queue():
    _reviewer_required()
    assignments = db.session.scalars(
        select(ReviewAssignment).where(ReviewAssignment.reviewer_id == current_user.id,
                                       ReviewAssignment.status == AssignmentStatus.ACTIVE)
        .options(selectinload(ReviewAssignment.review),
                 selectinload(ReviewAssignment.application).selectinload(Application.round))
        .order_by(ReviewAssignment.round_id.desc(), ReviewAssignment.id)).all()

    def submitted(a: ReviewAssignment) -> bool:
        return a.review is not None and a.review.status == ReviewStatus.SUBMITTED

    # Work still to do comes first, grouped by round; finished reviews follow.
    todo = [a for a in assignments if not submitted(a)]
    finished = [a for a in assignments if submitted(a)]
    return render_template("review/queue.html", todo=todo, finished=finished,
                           done=len(finished), total=len(assignments))


@bp.route("/review/conflicts", methods=["GET", "POST"])
@login_required
def conflicts():
    _reviewer_required()
    form = ConflictForm()
    if form.validate_on_submit() and perform(
            lambda: services.declare_conflict(current_user, form.organisation.data,
                                              form.note.data),
            _("已登记回避关系，今后不会再分配这个组织的项目给你。"), form):
        return redirect(url_for(".conflicts"))
    mine = db.session.scalars(select(ReviewerConflict).where(
        ReviewerConflict.reviewer_id == current_user.id).order_by(ReviewerConflict.id)).all()
    return render_template("review/conflicts.html", form=form, conflicts=mine,
                           action_form=ActionForm()), form_status()


@bp.route("/review/conflicts/<int:conflict_id>/withdraw", methods=["POST"])
@login_required
def withdraw_conflict(conflict_id: int):
    _reviewer_required()
    conflict = db.session.get(ReviewerConflict, conflict_id)
    visible_or_404(conflict is not None and conflict.reviewer_id == current_user.id)
    if ActionForm().validate_on_submit():
        perform(lambda: services.withdraw_conflict(current_user, conflict),
                _("已撤回这条回避声明。"))
    return redirect(url_for(".conflicts"))


def _attachment_label(number: int, attachment: Attachment, blind: bool) -> str:
    ext = os.path.splitext(attachment.original_name)[1].lower()[:10]
    return f"附件{number}{ext}" if blind else attachment.original_name


def _others(assignment: ReviewAssignment) -> list[Review]:
    if not services.others_visible(assignment):
        return []
    return db.session.scalars(select(Review).join(ReviewAssignment).where(
        Review.application_id == assignment.application_id,
        Review.id != assignment.review.id, Review.status == ReviewStatus.SUBMITTED,
        ReviewAssignment.status == AssignmentStatus.ACTIVE).order_by(Review.id)).all()


@bp.route("/review/applications/<int:application_id>", methods=["GET", "POST"])
@login_required
def proposal(application_id: int):
    assignment = _my_assignment(application_id)
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit():
        submit = request.form.get("action") == "submit"
        data = [services.ScoreData(c.id, request.form.get(f"score_{c.id}"),
                                   request.form.get(f"comment_{c.id}", ""))
                for c in _criteria(assignment)]
        saved = perform(lambda: services.save_review(
            assignment, data, request.form.get("overall_comment", ""), current_user,
            submit=submit), _("评分已提交，谢谢！") if submit else _("草稿已保存。"))
        if saved:
            return redirect(url_for(".proposal", application_id=application_id))
        # The form again with what was typed, the refused field marked.
        return _proposal_page(assignment, form, typed=request.form,
                              error_field=saved.refusal.field, status=422)
    return _proposal_page(assignment, form)


def _criteria(assignment: ReviewAssignment) -> list:
    """What the score form asks: the criteria of the rubric the review was saved against, or,
    before its first save (no review is stored yet), of the rubric it will be scored by —
    stored, since a reviewer is assigned only once review has started (start_review)."""
    if assignment.review is not None:
        return list(assignment.review.rubric.criteria)
    return list(services.rubric_for(assignment.application).criteria)


def _proposal_page(assignment: ReviewAssignment, form: ActionForm, typed=None,
                   error_field: str | None = None, status: int = 200):
    application = assignment.application
    settings = services.settings_for(application.round)
    review = assignment.review
    return render_template(
        "review/proposal.html", assignment=assignment, application=application, review=review,
        criteria=_criteria(assignment),
        scores={s.criterion_id: s for s in review.scores} if review is not None else {},
        settings=settings, form=form, typed=typed, error_field=error_field,
        recuse_form=RecuseForm(), others=[] if typed is not None else _others(assignment),
        attachments=_attachments(application, settings.blind)), status


def _attachments(application: Application, blind: bool) -> list[tuple[int, str, Attachment]]:
    return [(n, _attachment_label(n, a, blind), a)
            for n, a in enumerate(application.attachments, start=1)]


@bp.route("/review/applications/<int:application_id>/attachments/<int:number>")
@login_required
def attachment(application_id: int, number: int):
    assignment = _my_assignment(application_id)
    application = assignment.application
    attachments = application.attachments
    visible_or_404(1 <= number <= len(attachments))
    item = attachments[number - 1]
    blind = services.settings_for(application.round).blind
    path = attachment_path(item)
    if not os.path.isfile(path):
        abort(404)
    return send_file(path, mimetype=item.content_type, as_attachment=True,
                     download_name=_attachment_label(number, item, blind), max_age=0)


@bp.route("/review/applications/<int:application_id>/recuse", methods=["POST"])
@login_required
def recuse(application_id: int):
    assignment = _my_assignment(application_id)
    form = RecuseForm()
    if form.validate_on_submit():
        if perform(lambda: services.recuse(assignment, form.note.data, current_user),
                   _("已申请回避，这个项目已从你的评审列表中移除；工作人员会另行安排。")):
            return redirect(url_for(".queue"))
        return redirect(url_for(".proposal", application_id=application_id))
    flash(_("请说明需要回避的原因。"), "danger")
    return redirect(url_for(".proposal", application_id=application_id))


@bp.route("/review/my-reviews.xlsx")
@login_required
def my_reviews_xlsx():
    """The reviewer's own scores: project title, criteria, total — never who applied."""
    _reviewer_required()
    reviews = db.session.scalars(select(Review).join(ReviewAssignment).where(
        Review.reviewer_id == current_user.id,
        ReviewAssignment.status == AssignmentStatus.ACTIVE).order_by(Review.id)).all()
    header = [_("项目编号"), _("项目名称"), _("状态"), _("总分"), _("总体评价")]
    rows = [[r.application_id, r.assignment.application.title, r.status.label,
             r.total if r.total is not None else "", r.overall_comment] for r in reviews]
    return xlsx_response("my-reviews.xlsx", header, rows, title=_("我的评分"))


# --- organizer: review management ------------------------------------------------------------

@bp.route("/review/rounds")
@login_required
def rounds():
    visible_or_404(policy.is_organizer(current_user))
    items = db.session.scalars(select(Round).where(Round.status != RoundStatus.DRAFT)
                               .order_by(Round.year.desc(), Round.id.desc())).all()
    return render_template("review/rounds.html", rounds=items)


def _settings_form(round_: Round) -> SettingsForm:
    settings = services.settings_for(round_)
    form = SettingsForm(obj=settings)
    if request.method == "GET":
        form.others_scores.data = settings.others_scores.value
        form.scoring_method.data = settings.scoring_method.value
    return form


@bp.route("/review/rounds/<int:round_id>")
@login_required
def manage_round(round_id: int):
    round_ = _organizer_round(round_id)
    # Until review starts (or they are first saved) these are the defaults, not stored.
    settings, rubric = services.settings_for(round_), services.round_rubric(round_)
    applications = db.session.scalars(select(Application).where(
        Application.round_id == round_id,
        Application.status.in_(services.REVIEWED_STATUSES))
        .options(selectinload(Application.organisation)).order_by(Application.id)).all()
    assignments = db.session.scalars(select(ReviewAssignment).where(
        ReviewAssignment.round_id == round_id)
        .options(selectinload(ReviewAssignment.reviewer), selectinload(ReviewAssignment.review))
        .order_by(ReviewAssignment.id)).all()
    by_application: dict[int, list[ReviewAssignment]] = {}
    for a in assignments:
        by_application.setdefault(a.application_id, []).append(a)
    assign_form = AssignForm()
    assign_form.reviewer_id.choices = [SelectChoice(u.id, u.name) for u in services.reviewers()]
    loads: dict[int, int] = {}
    for a in assignments:
        if a.status == AssignmentStatus.ACTIVE:
            loads[a.reviewer_id] = loads.get(a.reviewer_id, 0) + 1
    publicity = services.publicity_of(round_)
    own = policy.member_organisation_ids(current_user)
    # Who reviews the organizer's own group's projects is not theirs to see.
    conflicted = [(a, declared) for a, declared in services.conflicted_assignments(round_id)
                  if a.application.organisation_id not in own]
    return render_template(
        "review/manage_round.html", round=round_, settings=settings,
        settings_form=_settings_form(round_), settings_frozen=services.settings_frozen(round_),
        applications=applications, own=own, conflicted=conflicted,
        objections_end=services.objections_end(round_, publicity) if publicity else None,
        deadline_form=ReviewDeadlineForm(
            review_ends_at=to_local(round_.review_ends_at).replace(tzinfo=None)
            if round_.review_ends_at else None),
        by_application=by_application, assign_form=assign_form, action_form=ActionForm(),
        publish_form=PublishForm(), reviewers=services.reviewers(), loads=loads,
        publicity=publicity, pools=round_.pools, now=utcnow(),
        rubric=rubric)


@bp.route("/review/rounds/<int:round_id>/deadline", methods=["POST"])
@login_required
def review_deadline(round_id: int):
    round_ = _organizer_round(round_id)
    form = ReviewDeadlineForm()
    if form.validate_on_submit():
        ends_at = local_to_utc(form.review_ends_at.data)
        perform(lambda: services.set_review_deadline(round_, ends_at, current_user),
                _("评审截止时间已更新。"))
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
    return redirect(url_for(".manage_round", round_id=round_id))


@bp.route("/review/rounds/<int:round_id>/settings", methods=["POST"])
@login_required
def update_settings(round_id: int):
    round_ = _organizer_round(round_id)
    form = _settings_form(round_)
    if form.validate_on_submit():
        perform(lambda: services.update_settings(round_, services.SettingsData(
            reviewers_per_application=form.reviewers_per_application.data,
            blind=form.blind.data, others_scores=OthersScores(form.others_scores.data),
            scoring_method=ScoringMethod(form.scoring_method.data),
            disagreement_points=form.disagreement_points.data), current_user),
            _("评审设置已保存。"))
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
    return redirect(url_for(".manage_round", round_id=round_id))


@bp.route("/review/rounds/<int:round_id>/rubric", methods=["GET", "POST"])
@login_required
def rubric(round_id: int):
    round_ = _organizer_round(round_id)
    challenge = None
    challenge_id = request.args.get("challenge_id", type=int)
    if challenge_id:
        challenge = next((c for c in round_.challenges if c.id == challenge_id), None)
        visible_or_404(challenge is not None)
    current = (services.challenge_rubric(challenge) if challenge else None) \
        or services.round_rubric(round_)
    form = RubricForm()
    if request.method == "GET":
        for entry, criterion in zip(form.criteria, current.criteria, strict=False):
            entry.form.name.data = criterion.name
            entry.form.weight.data = criterion.weight
            entry.form.max_score.data = criterion.max_score
            entry.form.guidance.data = criterion.guidance
    if form.validate_on_submit():
        data = [services.CriterionData(name=e.form.name.data or "", weight=e.form.weight.data or 0,
                                       max_score=e.form.max_score.data or 0,
                                       guidance=e.form.guidance.data or "")
                for e in form.criteria if (e.form.name.data or "").strip()]
        if perform(lambda: services.save_rubric(round_, data, current_user, challenge=challenge),
                   _("评分细则已保存。")):
            return redirect(url_for(".manage_round", round_id=round_id))
    return render_template("review/rubric.html", round=round_, form=form,
                           challenge=challenge), form_status()


def _post_action(round_id: int, action, success: str):
    round_ = _organizer_round(round_id)
    if ActionForm().validate_on_submit():
        perform(lambda: action(round_), lambda outcome: success.format(outcome=outcome))
    return redirect(url_for(".manage_round", round_id=round_id))


@bp.route("/review/rounds/<int:round_id>/start", methods=["POST"])
@login_required
def start(round_id: int):
    return _post_action(round_id, lambda r: services.start_review(r, current_user),
                        _("已开始评审：{outcome} 个项目进入评审。"))


@bp.route("/review/rounds/<int:round_id>/assign", methods=["POST"])
@login_required
def auto_assign(round_id: int):
    round_ = _organizer_round(round_id)
    if ActionForm().validate_on_submit():
        assigned = perform(lambda: services.auto_assign(round_, current_user),
                           lambda result: _("已自动分配 %(n)d 份评审任务。", n=result.made))
        if assigned and assigned.value.short:
            flash(_("有 %(n)d 个项目的评审专家人数不足，请增加专家或手动调整。",
                    n=len(assigned.value.short)), "warning")
        if assigned and assigned.value.left_to_others:
            flash(_("有 %(n)d 个项目是你所在组织申报的，没有分配，请由其他工作人员安排评审专家。",
                    n=assigned.value.left_to_others), "warning")
    return redirect(url_for(".manage_round", round_id=round_id))


@bp.route("/review/applications/<int:application_id>/assign", methods=["POST"])
@login_required
def add_assignment(application_id: int):
    application = db.session.get(Application, application_id)
    visible_or_404(application is not None)
    _organizer_round(application.round_id)
    form = AssignForm()
    form.reviewer_id.choices = [SelectChoice(u.id, u.name) for u in services.reviewers()]
    if form.validate_on_submit():
        perform(lambda: services.add_assignment(
            application, db.session.get(User, form.reviewer_id.data), current_user),
            _("已分配评审专家。"))
    return redirect(url_for(".manage_round", round_id=application.round_id))


@bp.route("/review/assignments/<int:assignment_id>/remove", methods=["POST"])
@login_required
def remove_assignment(assignment_id: int):
    assignment = db.session.get(ReviewAssignment, assignment_id)
    visible_or_404(assignment is not None)
    _organizer_round(assignment.round_id)
    if ActionForm().validate_on_submit():
        perform(lambda: services.remove_assignment(assignment, current_user),
                _("已撤销这份评审任务。"))
    return redirect(url_for(".manage_round", round_id=assignment.round_id))


# --- organizer: one application's reviews and the decision ----------------------------------

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


@bp.route("/review/decisions/<int:application_id>", methods=["GET", "POST"])
@login_required
def decide(application_id: int):
    application = db.session.get(Application, application_id)
    visible_or_404(application is not None)
    round_ = _organizer_round(application.round_id)
    visible_or_404(policy.can_see_review_details(current_user, application))
    form = _decision_form(application)
    if form.validate_on_submit() and perform(lambda: _decide(application, form),
                                             lambda message: message, form):
        return redirect(url_for(".ranking", round_id=round_.id, pool_id=application.pool_id))
    reviews = db.session.scalars(select(Review).where(Review.application_id == application_id)
                                 .order_by(Review.id)).all()
    award = db.session.scalar(select(Award).where(Award.application_id == application_id))
    return render_template("review/decide.html", application=application, round=round_,
                           form=form, reviews=reviews, award=award,
                           reopen_form=ReopenForm(), action_form=ActionForm()), form_status()


def _decide(application: Application, form: DecisionForm) -> str:
    """The decision the form asks for; its confirmation."""
    action = form.action.data
    if action == "approve":
        amount = form.amount.amount
        if amount is None:
            raise NotAllowed(_("请填写金额，最多两位小数。"), field="amount")
        pool = db.session.get(Pool, form.pool_id.data) if form.pool_id.data else None
        services.approve_application(application, amount, current_user, pool=pool,
                                     feedback=form.feedback.data or "")
        return _("已拟立项：%(amount)s。", amount=format_yuan(amount))
    if action == "reject":
        services.reject_application(application, form.feedback.data, current_user)
        return _("已决定不予立项。")
    if action == "waitlist":
        services.waitlist_application(application, form.feedback.data or "", current_user)
        return _("已列入候补名单。")
    abort(400)


@bp.route("/review/reviews/<int:review_id>/reopen", methods=["POST"])
@login_required
def reopen(review_id: int):
    review = db.session.get(Review, review_id)
    visible_or_404(review is not None)
    _organizer_round(review.assignment.round_id)
    form = ReopenForm()
    perform(lambda: services.reopen_review(
        review, form.reason.data if form.validate_on_submit() else "", current_user),
        _("评分已重新开放，专家会收到通知。"))
    return redirect(url_for(".decide", application_id=review.application_id))


# --- ranking and exports ----------------------------------------------------------------------

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
    table = [[r.rank or "—", r.application.title,
              "—" if r.score is None else str(r.score), f"{r.done}/{r.assigned}",
              r.application.requested, r.award.amount if r.award else "",
              r.running_total, r.remainder, r.application.status.label] for r in rows]
    return header, table, rows


@bp.route("/review/rounds/<int:round_id>/ranking")
@login_required
def ranking(round_id: int):
    round_ = _organizer_round(round_id)
    settings = services.settings_for(round_)
    pool = _ranking_pool(round_)
    _, _, rows = _ranking_table(round_, pool)
    return render_template("review/ranking.html", round=round_, pool=pool, rows=rows,
                           settings=settings, remaining=balance(Pool, pool.id).remaining,
                           own=policy.member_organisation_ids(current_user))


@bp.route("/review/rounds/<int:round_id>/ranking.xlsx")
@login_required
def ranking_xlsx(round_id: int):
    round_ = _organizer_round(round_id)
    pool = _ranking_pool(round_)
    header, table, _rows = _ranking_table(round_, pool)
    return xlsx_response(f"评审汇总表-{round_.year}-{pool.name}.xlsx", header, table,
                         title=_("评审汇总表"))


@bp.route("/review/rounds/<int:round_id>/ranking.pdf")
@login_required
def ranking_pdf(round_id: int):
    round_ = _organizer_round(round_id)
    pool = _ranking_pool(round_)
    header, table, _rows = _ranking_table(round_, pool)
    text_rows = [[v if isinstance(v, str) else (format_yuan(v) if isinstance(v, Decimal)
                                                else str(v)) for v in row] for row in table]
    settings = services.settings_for(round_)
    subtitle = _("%(pool)s · 资金池 %(amount)s · 计分方法：%(method)s · 生成于 %(at)s",
                 pool=pool.name, amount=format_yuan(pool.amount),
                 method=settings.scoring_method.label,
                 at=to_local(utcnow()).strftime("%Y-%m-%d %H:%M"))
    data = render_ranking(_("%(title)s 评审汇总表", title=round_.title), subtitle, header,
                          text_rows, current_app.config.get("CJK_FONT_PATH"))
    return download_response(data, "application/pdf", f"评审汇总表-{round_.year}-{pool.name}.pdf")


# --- 公示 -------------------------------------------------------------------------------------

@bp.route("/review/rounds/<int:round_id>/publicity", methods=["POST"])
@login_required
def publish(round_id: int):
    round_ = _organizer_round(round_id)
    form = PublishForm()
    if form.validate_on_submit():
        starts_at = None
        if form.starts_on.data:
            starts_at = local_to_utc(datetime.combine(form.starts_on.data, time(0, 0)))
            starts_at = max(starts_at, utcnow()) if starts_at.date() <= utcnow().date() \
                else starts_at
        perform(lambda: services.publish_publicity(round_, current_user, starts_at=starts_at),
                _("公示已发布。"))
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
    return redirect(url_for(".manage_round", round_id=round_id))


@bp.route("/review/rounds/<int:round_id>/objections")
@login_required
def objections(round_id: int):
    round_ = _organizer_round(round_id)
    items = db.session.scalars(select(Objection).where(Objection.round_id == round_id)
                               .order_by(Objection.status != ObjectionStatus.OPEN,
                                         Objection.id)).all()
    waitlisted = results.waitlist(round_)
    publicity = services.publicity_of(round_)
    # Which objections this user may answer now: the moves the objection's table offers them.
    answerable = {o.id for o in items if OBJECTION.next_actions(current_user, o)}
    return render_template("review/objections.html", round=round_, objections=items,
                           answer_form=AnswerForm(), publicity=publicity, answerable=answerable,
                           objections_end=services.objections_end(round_, publicity)
                           if publicity else None,
                           waitlisted=waitlisted, own=policy.member_organisation_ids(current_user))


@bp.route("/review/objections/<int:objection_id>/answer", methods=["POST"])
@login_required
def answer_objection(objection_id: int):
    objection = db.session.get(Objection, objection_id)
    visible_or_404(objection is not None)
    _organizer_round(objection.round_id)
    form = AnswerForm()
    if form.validate_on_submit():
        answer = (services.uphold_objection if form.outcome.data == "uphold"
                  else services.dismiss_objection)
        perform(lambda: answer(objection, form.reply.data, current_user), _("异议已答复。"))
    else:
        flash(_("请填写答复内容。"), "danger")
    return redirect(url_for(".objections", round_id=objection.round_id))


@bp.route("/review/rounds/<int:round_id>/finalise", methods=["POST"])
@login_required
def finalise(round_id: int):
    return _post_action(round_id, lambda r: services.finalise_round(r, current_user),
                        _("公示结束，{outcome} 个项目正式立项，结果已通知各申报团队。"))


@bp.route("/publicity/")
def publicity_index():
    items = db.session.scalars(select(Round).where(Round.status.in_(
        (RoundStatus.PUBLICITY, RoundStatus.DELIVERY, RoundStatus.CLOSED)))
        .order_by(Round.year.desc(), Round.id.desc())).all()
    published = [(r, services.publicity_of(r)) for r in items]
    return render_template("review/publicity_index.html",
                           items=[(r, p) for r, p in published if p is not None])


def _public_round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None or services.publicity_of(round_) is None:
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
    awards = services.approved_awards(round_)
    listed = services.listings(round_)
    publicity, now = services.publicity_of(round_), utcnow()
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
                                   for a in services.approved_awards(round_)]
    if form.validate_on_submit():
        filed = perform(lambda: services.file_objection(round_, services.ObjectionData(
            application_id=form.application_id.data, name=form.name.data,
            contact=form.contact.data, text=form.text.data), ip=request.remote_addr),
            None, form)
        if filed:
            return render_template("review/objection_received.html", round=round_,
                                   objection=filed.value)
    return _publicity_page(round_, form, 422)
