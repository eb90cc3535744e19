"""The reviewer's workspace: assigned proposals to score, standing conflicts, recusal, the
reviewer's own scores as a spreadsheet."""
from __future__ import annotations

import os

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from marketplace.applications.attachments import attachment_path
from marketplace.applications.models import Application, Attachment
from marketplace.core.actions import form_status, perform
from marketplace.core.exports import xlsx_response
from marketplace.core.policy import visible_or_404
from marketplace.extensions import db
from marketplace.review import conflicts as review_conflicts
from marketplace.review import policy, reviewing, rules
from marketplace.review.blueprint import bp
from marketplace.review.forms import ActionForm, ConflictForm, RecuseForm
from marketplace.review.models import (
    AssignmentStatus,
    Review,
    ReviewAssignment,
    ReviewerConflict,
    ReviewStatus,
)


def _reviewer_required():
    visible_or_404(policy.is_reviewer(current_user))


def _my_assignment(application_id: int) -> ReviewAssignment:
    """The reviewer's active assignment; anyone else (unassigned, recused) gets 404."""
    application = db.session.get(Application, application_id)
    assignment = policy.active_assignment(current_user, application)
    visible_or_404(assignment is not None)
    return assignment


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
            lambda: review_conflicts.declare_conflict(current_user, form.organisation.data,
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
        perform(lambda: review_conflicts.withdraw_conflict(current_user, conflict),
                _("已撤回这条回避声明。"))
    return redirect(url_for(".conflicts"))


def _attachment_label(number: int, attachment: Attachment, blind: bool) -> str:
    ext = os.path.splitext(attachment.original_name)[1].lower()[:10]
    return _("附件%(n)d", n=number) + ext if blind else attachment.original_name


def _others(assignment: ReviewAssignment) -> list[Review]:
    if not reviewing.others_visible(assignment):
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
        data = [reviewing.ScoreData(c.id, request.form.get(f"score_{c.id}"),
                                   request.form.get(f"comment_{c.id}", ""))
                for c in _criteria(assignment)]
        saved = perform(lambda: reviewing.save_review(
            current_user, assignment, data, request.form.get("overall_comment", ""),
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
    return list(rules.rubric_for(assignment.application).criteria)


def _still_to_score(assignment: ReviewAssignment) -> list[ReviewAssignment]:
    """The reviewer's other active assignments not yet submitted, those of the same round
    first: where "下一个项目" leads once this one is submitted."""
    return db.session.scalars(
        select(ReviewAssignment).outerjoin(Review, Review.assignment_id == ReviewAssignment.id)
        .where(ReviewAssignment.reviewer_id == assignment.reviewer_id,
               ReviewAssignment.status == AssignmentStatus.ACTIVE,
               ReviewAssignment.id != assignment.id,
               or_(Review.id.is_(None), Review.status != ReviewStatus.SUBMITTED))
        .options(selectinload(ReviewAssignment.application))
        .order_by((ReviewAssignment.round_id != assignment.round_id), ReviewAssignment.id)
    ).all()


def _proposal_page(assignment: ReviewAssignment, form: ActionForm, typed=None,
                   error_field: str | None = None, status: int = 200):
    application = assignment.application
    settings = rules.settings_for(application.round)
    review = assignment.review
    submitted = review is not None and review.status == ReviewStatus.SUBMITTED
    still_to_score = _still_to_score(assignment) if submitted else []
    return render_template(
        "review/proposal.html", assignment=assignment, application=application, review=review,
        criteria=_criteria(assignment),
        scores={s.criterion_id: s for s in review.scores} if review is not None else {},
        settings=settings, form=form, typed=typed, error_field=error_field,
        recuse_form=RecuseForm(), others=[] if typed is not None else _others(assignment),
        attachments=_attachments(application, settings.blind),
        next_assignment=still_to_score[0] if still_to_score else None,
        still_to_score=len(still_to_score)), status


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
    blind = rules.settings_for(application.round).blind
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
        if perform(lambda: review_conflicts.recuse(current_user, assignment, form.note.data),
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
