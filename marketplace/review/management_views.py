"""The organizer's review of a round: settings, rubric, review deadline, starting review,
assigning reviewers, publishing the 公示 and finalising it."""
from __future__ import annotations

from datetime import datetime, time

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from marketplace.accounts.models import User
from marketplace.applications.models import Application
from marketplace.core.actions import form_status, perform
from marketplace.core.policy import visible_or_404
from marketplace.core.timeutil import local_to_utc, to_local, utcnow
from marketplace.extensions import db
from marketplace.review import assigning, decisions, policy, rules, stages
from marketplace.review import conflicts as review_conflicts
from marketplace.review import publicity as review_publicity
from marketplace.review.blueprint import bp, organizer_round, organizer_row
from marketplace.review.forms import (
    ActionForm,
    AssignForm,
    PublishForm,
    ReviewDeadlineForm,
    RubricForm,
    SettingsForm,
)
from marketplace.review.models import (
    AssignmentStatus,
    OthersScores,
    ReviewAssignment,
    ScoringMethod,
)
from marketplace.rounds import policy as round_policy
from marketplace.rounds import services as round_services
from marketplace.rounds.models import Round, RoundStatus


@bp.route("/review/rounds")
@login_required
def rounds():
    visible_or_404(policy.is_organizer(current_user))
    items = db.session.scalars(select(Round).where(Round.status != RoundStatus.DRAFT)
                               .order_by(Round.year.desc(), Round.id.desc())).all()
    return render_template("review/rounds.html", rounds=items)


def _settings_form(round_: Round) -> SettingsForm:
    settings = rules.settings_for(round_)
    form = SettingsForm(obj=settings)
    if request.method == "GET":
        form.others_scores.data = settings.others_scores.value
        form.scoring_method.data = settings.scoring_method.value
    return form


@bp.route("/review/rounds/<int:round_id>")
@login_required
def manage_round(round_id: int):
    round_ = organizer_round(round_id)
    # Until review starts (or they are first saved) these are the defaults, not stored.
    settings, rubric = rules.settings_for(round_), rules.round_rubric(round_)
    applications = db.session.scalars(select(Application).where(
        Application.round_id == round_id,
        Application.status.in_(decisions.REVIEWED_STATUSES))
        .options(selectinload(Application.organisation)).order_by(Application.id)).all()
    assignments = db.session.scalars(select(ReviewAssignment).where(
        ReviewAssignment.round_id == round_id)
        .options(selectinload(ReviewAssignment.reviewer), selectinload(ReviewAssignment.review))
        .order_by(ReviewAssignment.id)).all()
    by_application: dict[int, list[ReviewAssignment]] = {}
    for a in assignments:
        by_application.setdefault(a.application_id, []).append(a)
    assign_form = AssignForm()
    assign_form.reviewer_id.choices = [SelectChoice(u.id, u.name) for u in assigning.reviewers()]
    loads: dict[int, int] = {}
    for a in assignments:
        if a.status == AssignmentStatus.ACTIVE:
            loads[a.reviewer_id] = loads.get(a.reviewer_id, 0) + 1
    publicity = review_publicity.publicity_of(round_)
    own = policy.member_organisation_ids(current_user)
    # Who reviews the organizer's own group's projects is not theirs to see.
    conflicted = [(a, declared) for a, declared in review_conflicts.conflicted_assignments(round_id)
                  if a.application.organisation_id not in own]
    now = utcnow()
    open_objections = review_publicity.open_objection_count(round_) \
        if round_.status == RoundStatus.PUBLICITY else 0
    objections_end = review_publicity.objections_end(round_, publicity) if publicity else None
    stage = stages.round_stage(
        current_user, round_, progress=stages.review_progress(applications, by_application),
        open_objections=open_objections, now=now, publicity_ends=objections_end)
    return render_template(
        "review/manage_round.html", round=round_, settings=settings, stage=stage,
        settings_form=_settings_form(round_), settings_frozen=rules.settings_frozen(round_),
        applications=applications, own=own, conflicted=conflicted,
        objections_end=objections_end,
        deadline_form=ReviewDeadlineForm(
            review_ends_at=to_local(round_.review_ends_at).replace(tzinfo=None)
            if round_.review_ends_at else None),
        by_application=by_application, assign_form=assign_form, action_form=ActionForm(),
        publish_form=PublishForm(), reviewers=assigning.reviewers(), loads=loads,
        publicity=publicity, pools=round_.pools, now=now,
        can_close_intake=round_policy.can_close_intake(current_user, round_, now),
        rubric=rubric)


def _flash_errors(form) -> None:
    """A form posted from the round's page that does not validate: its errors on top of the
    page it returns to."""
    for errors in form.errors.values():
        for error in errors:
            flash(error, "danger")


@bp.route("/review/rounds/<int:round_id>/deadline", methods=["POST"])
@login_required
def review_deadline(round_id: int):
    round_ = organizer_round(round_id)
    form = ReviewDeadlineForm()
    if form.validate_on_submit():
        ends_at = local_to_utc(form.review_ends_at.data)
        perform(lambda: assigning.set_review_deadline(current_user, round_, ends_at),
                _("评审截止时间已更新。"))
    else:
        _flash_errors(form)
    return redirect(url_for(".manage_round", round_id=round_id))


@bp.route("/review/rounds/<int:round_id>/settings", methods=["POST"])
@login_required
def update_settings(round_id: int):
    round_ = organizer_round(round_id)
    form = _settings_form(round_)
    if form.validate_on_submit():
        perform(lambda: rules.update_settings(current_user, round_, rules.SettingsData(
            reviewers_per_application=form.reviewers_per_application.data,
            blind=form.blind.data, others_scores=OthersScores(form.others_scores.data),
            scoring_method=ScoringMethod(form.scoring_method.data),
            disagreement_points=form.disagreement_points.data)),
            _("评审设置已保存。"))
    else:
        _flash_errors(form)
    return redirect(url_for(".manage_round", round_id=round_id))


@bp.route("/review/rounds/<int:round_id>/rubric", methods=["GET", "POST"])
@login_required
def rubric(round_id: int):
    round_ = organizer_round(round_id)
    challenge = None
    challenge_id = request.args.get("challenge_id", type=int)
    if challenge_id:
        challenge = next((c for c in round_.challenges if c.id == challenge_id), None)
        visible_or_404(challenge is not None)
    current = (rules.challenge_rubric(challenge) if challenge else None) \
        or rules.round_rubric(round_)
    form = RubricForm()
    if request.method == "GET":
        for entry, criterion in zip(form.criteria, current.criteria, strict=False):
            entry.form.name.data = criterion.name
            entry.form.weight.data = criterion.weight
            entry.form.max_score.data = criterion.max_score
            entry.form.guidance.data = criterion.guidance
    if form.validate_on_submit():
        data = [rules.CriterionData(name=e.form.name.data or "", weight=e.form.weight.data or 0,
                                       max_score=e.form.max_score.data or 0,
                                       guidance=e.form.guidance.data or "")
                for e in form.criteria if (e.form.name.data or "").strip()]
        if perform(lambda: rules.save_rubric(current_user, round_, data, challenge=challenge),
                   _("评分细则已保存。")):
            return redirect(url_for(".manage_round", round_id=round_id))
    return render_template("review/rubric.html", round=round_, form=form,
                           challenge=challenge), form_status()


def _post_action(round_id: int, action, success):
    round_ = organizer_round(round_id)
    if ActionForm().validate_on_submit():
        perform(lambda: action(round_), success)
    return redirect(url_for(".manage_round", round_id=round_id))


@bp.route("/review/rounds/<int:round_id>/close-intake", methods=["POST"])
@login_required
def close_intake(round_id: int):
    return _post_action(round_id, lambda r: round_services.close_intake(current_user, r),
                        lambda _at: _("已截止申报，现在可以开始评审。"))


@bp.route("/review/rounds/<int:round_id>/start", methods=["POST"])
@login_required
def start(round_id: int):
    return _post_action(round_id, lambda r: assigning.start_review(current_user, r),
                        lambda n: ngettext("已开始评审：%(n)d 个项目进入评审。",
                                           "已开始评审：%(n)d 个项目进入评审。", n, n=n))


@bp.route("/review/rounds/<int:round_id>/assign", methods=["POST"])
@login_required
def auto_assign(round_id: int):
    round_ = organizer_round(round_id)
    if ActionForm().validate_on_submit():
        assigned = perform(lambda: assigning.auto_assign(current_user, round_),
                           lambda result: ngettext("已自动分配 %(n)d 份评审任务。",
                                                   "已自动分配 %(n)d 份评审任务。", result.made,
                                                   n=result.made))
        if assigned and assigned.value.short:
            short = len(assigned.value.short)
            flash(ngettext("有 %(n)d 个项目的评审专家人数不足，请增加专家或手动调整。",
                           "有 %(n)d 个项目的评审专家人数不足，请增加专家或手动调整。",
                           short, n=short), "warning")
        if assigned and assigned.value.left_to_others:
            left = assigned.value.left_to_others
            flash(ngettext(
                "有 %(n)d 个项目是你所在组织申报的，没有分配，请由其他工作人员安排评审专家。",
                "有 %(n)d 个项目是你所在组织申报的，没有分配，请由其他工作人员安排评审专家。",
                left, n=left), "warning")
    return redirect(url_for(".manage_round", round_id=round_id))


@bp.route("/review/applications/<int:application_id>/assign", methods=["POST"])
@login_required
def add_assignment(application_id: int):
    application = organizer_row(Application, application_id)
    form = AssignForm()
    form.reviewer_id.choices = [SelectChoice(u.id, u.name) for u in assigning.reviewers()]
    if form.validate_on_submit():
        perform(lambda: assigning.add_assignment(
            current_user, application, db.session.get(User, form.reviewer_id.data)),
            _("已分配评审专家。"))
    return redirect(url_for(".manage_round", round_id=application.round_id))


@bp.route("/review/assignments/<int:assignment_id>/remove", methods=["POST"])
@login_required
def remove_assignment(assignment_id: int):
    assignment = organizer_row(ReviewAssignment, assignment_id)
    if ActionForm().validate_on_submit():
        perform(lambda: assigning.remove_assignment(current_user, assignment),
                _("已撤销这份评审任务。"))
    return redirect(url_for(".manage_round", round_id=assignment.round_id))


@bp.route("/review/rounds/<int:round_id>/publicity", methods=["POST"])
@login_required
def publish(round_id: int):
    round_ = organizer_round(round_id)
    form = PublishForm()
    if form.validate_on_submit():
        starts_at = None
        if form.starts_on.data:
            starts_at = local_to_utc(datetime.combine(form.starts_on.data, time(0, 0)))
            starts_at = max(starts_at, utcnow()) if starts_at.date() <= utcnow().date() \
                else starts_at
        perform(lambda: review_publicity.publish_publicity(current_user, round_,
                                                           starts_at=starts_at),
                _("公示已发布。"))
    else:
        _flash_errors(form)
    return redirect(url_for(".manage_round", round_id=round_id))


@bp.route("/review/rounds/<int:round_id>/finalise", methods=["POST"])
@login_required
def finalise(round_id: int):
    return _post_action(round_id, lambda r: review_publicity.finalise_round(current_user, r),
                        lambda n: ngettext("公示结束，%(n)d 个项目正式立项，结果已通知各申报团队。",
                                           "公示结束，%(n)d 个项目正式立项，结果已通知各申报团队。",
                                           n, n=n))
