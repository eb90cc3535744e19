"""Pages of the partner departments (命题方): the organizer's list and each department's page
(contacts, drafts, challenges with their bids and results), and a contact's drafting."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.accounts.roles import is_department_contact
from marketplace.core import nav
from marketplace.core.actions import form_status, perform
from marketplace.core.policy import visible_or_404
from marketplace.extensions import db
from marketplace.rounds import departments, policy
from marketplace.rounds.departments import CHALLENGE_DRAFT, DraftData
from marketplace.rounds.forms import (
    ActionForm,
    ChallengeDraftForm,
    DepartmentContactForm,
    DepartmentForm,
)
from marketplace.rounds.models import (
    ChallengeDraft,
    ChallengeDraftStatus,
    Department,
    DepartmentContact,
    Round,
    RoundStatus,
)
from marketplace.rounds.views import bp

nav.register("staff", _l("命题部门"), "rounds.departments", visible=policy.can_manage_departments,
             order=15)
nav.register("mine", _l("我的命题"), "rounds.my_department", visible=is_department_contact,
             order=30)


def _department(department_id: int) -> Department:
    department = db.session.get(Department, department_id)
    visible_or_404(department is not None
                   and policy.can_view_department(current_user, department))
    return department


def _draft(draft_id: int) -> ChallengeDraft:
    draft = db.session.get(ChallengeDraft, draft_id)
    visible_or_404(draft is not None and policy.can_view_draft(current_user, draft))
    return draft


@bp.route("/departments", endpoint="departments", methods=["GET", "POST"])
@login_required
def departments_index():
    visible_or_404(policy.can_manage_departments(current_user))
    form = DepartmentForm()
    if form.validate_on_submit():
        created = perform(lambda: departments.create_department(current_user, form.name.data),
                          _("部门已添加。"), form)
        if created:
            return redirect(url_for(".department", department_id=created.value.id))
    items = db.session.scalars(select(Department).order_by(Department.name)).all()
    return render_template("rounds/departments/index.html", departments=items, form=form,
                           counts=departments.contact_counts(),
                           waiting_drafts=departments.waiting_drafts()), form_status()


@bp.route("/departments/mine")
@login_required
def my_department():
    mine = departments.departments_of(current_user)
    visible_or_404(bool(mine))
    return redirect(url_for(".department", department_id=mine[0].id))


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@login_required
def department(department_id: int):
    department = _department(department_id)
    manage = bool(policy.can_manage_departments(current_user))
    contact_form = DepartmentContactForm() if manage else None
    if manage and contact_form.validate_on_submit():
        if perform(lambda: departments.add_contact(current_user, department,
                                                   contact_form.email.data),
                   _("联系人已添加。"), contact_form):
            return redirect(url_for(".department", department_id=department.id))
    elif request.method == "POST":
        visible_or_404(manage)
    items = departments.department_challenges(department)
    results = departments.challenge_results(items)
    return render_template(
        "rounds/departments/detail.html", department=department, contact_form=contact_form,
        manage=manage, challenges=items, results=results,
        drafts=departments.department_drafts(department),
        mine=department.id in policy.department_ids_of(current_user),
        others=departments.departments_of(current_user),
        action_form=ActionForm()), form_status()


@bp.route("/departments/contacts/<int:contact_id>/remove", methods=["POST"])
@login_required
def remove_department_contact(contact_id: int):
    visible_or_404(policy.can_manage_departments(current_user))
    contact = db.session.get(DepartmentContact, contact_id)
    visible_or_404(contact is not None)
    department_id = contact.department_id
    form = ActionForm()
    if form.validate_on_submit():
        perform(lambda: departments.remove_contact(current_user, contact), _("联系人已移除。"))
    return redirect(url_for(".department", department_id=department_id))


def _draft_form(draft: ChallengeDraft | None = None) -> ChallengeDraftForm:
    mine = departments.departments_of(current_user)
    rounds = db.session.scalars(policy.draftable_rounds(current_user)
                                .order_by(Round.year.desc(), Round.id.desc())).all()
    if draft is not None and request.method == "GET":
        form = ChallengeDraftForm(obj=draft, departments=mine, rounds=rounds)
        form.cap_per_team.set_amount(draft.cap_per_team)
        form.department_id.data = str(draft.department_id)
        form.round_id.data = str(draft.round_id)
        return form
    form = ChallengeDraftForm(departments=mine, rounds=rounds)
    if request.method == "GET" and request.args.get("department_id"):
        form.department_id.data = request.args["department_id"]
    return form


def _draft_data(form: ChallengeDraftForm) -> DraftData:
    return DraftData(
        department_id=int(form.department_id.data), round_id=int(form.round_id.data),
        title=form.title.data or "", cap_per_team=form.cap_per_team.amount,
        slots=form.slots.data, background=form.background.data or "",
        expected_outcomes=form.expected_outcomes.data or "",
        indicators=form.indicators.data or "")


@bp.route("/drafts/new", methods=["GET", "POST"])
@login_required
def new_draft():
    visible_or_404(is_department_contact(current_user))
    form = _draft_form()
    if form.validate_on_submit():
        created = perform(lambda: departments.create_draft(current_user, _draft_data(form)),
                          _("命题草稿已保存，团市委发布后即对外公开。"), form)
        if created:
            return redirect(url_for(".draft", draft_id=created.value.id))
    return render_template("rounds/departments/draft_form.html", form=form,
                           draft=None), form_status()


@bp.route("/drafts/<int:draft_id>/edit", methods=["GET", "POST"])
@login_required
def edit_draft(draft_id: int):
    draft = _draft(draft_id)
    visible_or_404(policy.can_edit_draft(current_user, draft))
    form = _draft_form(draft)
    if form.validate_on_submit() and perform(
            lambda: departments.update_draft(current_user, draft, _draft_data(form)),
            _("命题草稿已保存。"), form):
        return redirect(url_for(".draft", draft_id=draft.id))
    return render_template("rounds/departments/draft_form.html", form=form,
                           draft=draft), form_status()


@bp.route("/drafts/<int:draft_id>")
@login_required
def draft(draft_id: int):
    draft = _draft(draft_id)
    return render_template(
        "rounds/departments/draft.html", draft=draft,
        actions=CHALLENGE_DRAFT.next_actions(current_user, draft),
        can_edit=policy.can_edit_draft(current_user, draft), action_form=ActionForm(),
        round_visible=policy.can_view_round(current_user, draft.round),
        published=draft.status == ChallengeDraftStatus.PUBLISHED,
        statuses=RoundStatus)


@bp.route("/drafts/<int:draft_id>/publish", methods=["POST"])
@login_required
def publish_draft(draft_id: int):
    draft = _draft(draft_id)
    visible_or_404(policy.can_manage_departments(current_user))
    form = ActionForm()
    if form.validate_on_submit():
        done = perform(lambda: departments.publish_draft(current_user, draft),
                       _("命题已发布。"))
        if done:
            return redirect(url_for(".challenge", challenge_id=done.value.id))
    return redirect(url_for(".draft", draft_id=draft_id))
