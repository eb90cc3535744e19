"""Rounds: public pages (list, round, challenge), organizer pages (rounds, pools, challenges,
publishing, 派单), and the member side of matching (preferences, answering invitations)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from marketplace.core import nav
from marketplace.core.actions import form_status, perform
from marketplace.core.markdown import render_markdown
from marketplace.core.policy import visible_or_404
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.organisations.models import (
    Membership,
    Organisation,
    OrganisationStatus,
    OrganisationType,
)
from marketplace.rounds import (
    challenges,
    contributions,
    invitations,
    matching,
    policy,
    pools,
    services,
)
from marketplace.rounds.forms import (
    ActionForm,
    ChallengeForm,
    DeclineForm,
    ExtendDeadlineForm,
    InviteForm,
    PoolForm,
    PreferenceForm,
    PublicityDetailsForm,
    RoundForm,
)
from marketplace.rounds.models import (
    BudgetCategory,
    Challenge,
    ChallengeInvitation,
    Pool,
    PoolKind,
    Round,
    RoundStatus,
)
from marketplace.rounds.workflow import ROUND

bp = Blueprint("rounds", __name__, url_prefix="/rounds")


@bp.app_template_global("rounds_apply_url")
def rounds_apply_url(round_id: int, challenge_id: int | None = None) -> str:
    return matching.apply_url(round_id, challenge_id)


@bp.app_template_global("round_phase")
def round_phase_global(round_: Round):
    return services.round_phase(round_, utcnow())


nav.register("public", _l("创投集市"), "rounds.index", order=10)
nav.register("staff", _l("新建创投集市"), "rounds.create", visible=policy.can_manage_rounds,
             order=10)


@bp.app_template_global("rounds_preferences_label")
def rounds_preferences_label() -> str:
    return _("对接偏好")


@bp.app_template_global("budget_category_label")
def budget_category_label(value: str) -> str:
    return BudgetCategory(value).label if value in {c.value for c in BudgetCategory} else value


@bp.app_template_global("org_type_label")
def org_type_label(value: str) -> str:
    return OrganisationType(value).label


def _organizer_only() -> None:
    visible_or_404(policy.can_manage_rounds(current_user))


def _round(round_id: int, *, for_edit: bool = False) -> Round:
    round_ = db.session.get(Round, round_id)
    visible_or_404(round_ is not None and policy.can_view_round(current_user, round_))
    if for_edit:
        visible_or_404(policy.can_manage_rounds(current_user))
    return round_


def _challenge(challenge_id: int) -> Challenge:
    challenge = db.session.get(Challenge, challenge_id)
    visible_or_404(challenge is not None
                   and policy.can_view_challenge(current_user, challenge))
    return challenge


# --- public -------------------------------------------------------------------------------

@bp.route("/")
def index():
    now = utcnow()
    rounds = db.session.scalars(policy.visible_rounds(current_user)
                                .order_by(Round.year.desc(), Round.id.desc())).all()
    current, past, drafts = [], [], []
    for r in rounds:
        phase = services.round_phase(r, now)
        if phase == RoundStatus.DRAFT:
            drafts.append(r)
        elif phase == RoundStatus.OPEN:
            current.append(r)
        else:
            past.append(r)
    return render_template("rounds/index.html", current=current, past=past, drafts=drafts,
                           now=now, is_organizer=policy.is_organizer(current_user))


@bp.route("/<int:round_id>")
def detail(round_id: int):
    round_ = db.session.scalar(
        select(Round).where(Round.id == round_id)
        .options(selectinload(Round.pools),
                 selectinload(Round.challenges).selectinload(Challenge.department)))
    visible_or_404(round_ is not None and policy.can_view_round(current_user, round_))
    now = utcnow()
    return render_template(
        "rounds/detail.html", round=round_, phase=services.round_phase(round_, now),
        accepting=round_.accepts_applications_at(now),
        is_organizer=policy.is_organizer(current_user),
        can_edit=policy.can_edit_round(current_user, round_),
        can_extend_deadline=policy.can_extend_deadline(current_user, round_),
        can_edit_publicity_details=policy.can_edit_publicity_details(current_user, round_),
        # Publishing, from the round's lifecycle table (the later stages are review's pages).
        publish=next((t for t in ROUND.next_actions(current_user, round_)
                      if t.target is RoundStatus.OPEN), None),
        publish_problems=services.publish_problems(round_, now)
        if round_.status == RoundStatus.DRAFT else [],
        action_form=ActionForm(),
        # 删除 only where it would be allowed: nothing depends on the pool, review not started.
        deletable_pools=pools.deletable_pools(current_user, round_),
        # What the domains above add: staff figures and links, money (rounds/contributions.py).
        panels=contributions.round_panels(current_user, round_),
        links=contributions.round_links(current_user, round_),
        pool_columns=contributions.pool_columns(current_user, round_))


@bp.route("/challenges/<int:challenge_id>")
def challenge(challenge_id: int):
    challenge = _challenge(challenge_id)
    round_ = challenge.round
    now = utcnow()
    is_organizer = policy.is_organizer(current_user)
    my_organisations = []
    if current_user.is_authenticated:
        my_organisations = [
            (o, policy.challenge_admits(challenge, o)) for o in db.session.scalars(
                select(Organisation).join(Membership)
                .where(Membership.user_id == current_user.id).order_by(Organisation.name))]
    invited, invite_form = [], None
    if is_organizer:
        invited = db.session.scalars(
            select(ChallengeInvitation).where(ChallengeInvitation.challenge_id == challenge.id)
            .options(selectinload(ChallengeInvitation.organisation))
            .order_by(ChallengeInvitation.created_at)).all()
        if policy.can_invite(current_user, challenge, now):
            invite_form = _invite_form(challenge, {i.organisation_id for i in invited})
    return render_template(
        "rounds/challenge.html", challenge=challenge, round=round_,
        accepting=round_.accepts_applications_at(now), my_organisations=my_organisations,
        is_organizer=is_organizer, can_edit=policy.can_edit_round(current_user, round_),
        invitations=invited, invite_form=invite_form, action_form=ActionForm(),
        deletable=is_organizer and challenges.challenge_deletable(current_user, challenge))


def _invite_form(challenge: Challenge, already: set[int], formdata=None) -> InviteForm:
    form = InviteForm(formdata=formdata) if formdata is not None else InviteForm()
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.status == OrganisationStatus.VERIFIED)
        .order_by(Organisation.region, Organisation.name)).all()
    # Staff are not offered their own groups (policy.can_invite_organisation refuses them).
    own = set(db.session.scalars(select(Membership.organisation_id)
                                 .where(Membership.user_id == current_user.id)))
    form.organisations.choices = [
        SelectChoice(str(o.id), _("%(name)s（%(region)s）", name=o.name, region=o.region))
        for o in organisations
        if o.id not in already and o.id not in own and policy.challenge_admits(challenge, o)]
    return form


# --- organizer: rounds --------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    _organizer_only()
    form = RoundForm()
    if request.method == "GET":
        form.year.data = utcnow().year
    if _previewing():
        return _form_page(form, None, preview=True)
    if form.validate_on_submit():
        data = form.to_data()
        problems = services.round_data_problems(data)
        if problems:
            form.show_problems(problems)
        else:
            created = perform(lambda: services.create_round(current_user, data),
                              _("创投集市草稿已保存。"), form)
            if created:
                return redirect(url_for(".detail", round_id=created.value.id))
    return _form_page(form, None)


def _previewing() -> bool:
    """The 预览 button: show the introduction as it will look, save nothing."""
    return request.method == "POST" and request.form.get("action") == "preview"


def _form_page(form: RoundForm, round_: Round | None, preview: bool = False):
    """The settings form; with `preview`, the introduction rendered below it. A preview
    changes nothing: 200, and the request has nothing to commit."""
    return render_template("rounds/form.html", form=form, round=round_,
                           preview=render_markdown(form.introduction.data) if preview
                           else None), 200 if preview else form_status()


@bp.route("/<int:round_id>/edit", methods=["GET", "POST"])
@login_required
def edit(round_id: int):
    round_ = _round(round_id, for_edit=True)
    visible_or_404(policy.can_edit_round(current_user, round_))
    form = RoundForm(round_=round_)
    if _previewing():
        return _form_page(form, round_, preview=True)
    if form.validate_on_submit():
        data = form.to_data()
        problems = services.round_data_problems(data)
        if problems:
            form.show_problems(problems)
        else:
            if perform(lambda: services.update_round(current_user, round_, data),
                       _("已保存。"), form):
                return redirect(url_for(".detail", round_id=round_id))
    return _form_page(form, round_)


@bp.route("/<int:round_id>/publicity-details", methods=["GET", "POST"])
@login_required
def publicity_details(round_id: int):
    """The 公示's document number and supervision phone, after the other settings froze."""
    round_ = _round(round_id, for_edit=True)
    visible_or_404(policy.can_edit_publicity_details(current_user, round_))
    form = PublicityDetailsForm(data={"document_number": round_.document_number,
                                      "supervision_phone": round_.supervision_phone}
                                if request.method == "GET" else None)
    if form.validate_on_submit() and perform(
            lambda: services.update_publicity_details(current_user, round_,
                                                      form.document_number.data,
                                                      form.supervision_phone.data),
            _("公示信息已保存。"), form):
        return redirect(url_for(".detail", round_id=round_id))
    return render_template("rounds/publicity_details.html", form=form,
                           round=round_), form_status()


@bp.route("/<int:round_id>/extend-deadline", methods=["GET", "POST"])
@login_required
def extend_deadline(round_id: int):
    round_ = _round(round_id, for_edit=True)
    visible_or_404(policy.can_extend_deadline(current_user, round_))
    form = ExtendDeadlineForm()
    if form.validate_on_submit() and perform(
            lambda: services.extend_deadline(current_user, round_, form.new_deadline(),
                                             form.reason.data),
            lambda told: ngettext("申报截止时间已延长，已通知 %(n)d 个组织。",
                                  "申报截止时间已延长，已通知 %(n)d 个组织。", told, n=told), form):
        return redirect(url_for(".detail", round_id=round_id))
    return render_template("rounds/extend_deadline.html", form=form, round=round_), form_status()


@bp.route("/<int:round_id>/publish", methods=["POST"])
@login_required
def publish(round_id: int):
    round_ = _round(round_id, for_edit=True)
    if ActionForm().validate_on_submit():
        perform(lambda: services.publish_round(current_user, round_),
                lambda notified: ngettext("已发布，已通知 %(n)d 个匹配的组织。",
                                          "已发布，已通知 %(n)d 个匹配的组织。", notified,
                                          n=notified))
    return redirect(url_for(".detail", round_id=round_id))


# --- organizer: pools ---------------------------------------------------------------------

@bp.route("/<int:round_id>/pools/new", methods=["GET", "POST"])
@login_required
def new_pool(round_id: int):
    round_ = _round(round_id, for_edit=True)
    visible_or_404(policy.can_edit_round(current_user, round_))
    form = PoolForm()
    if form.validate_on_submit() and perform(lambda: pools.create_pool(
            current_user, round_, form.name.data, PoolKind(form.kind.data),
            form.amount.amount, form.regions.data or []), _("资金池已添加。"), form):
        return redirect(url_for(".detail", round_id=round_id))
    return render_template("rounds/pool_form.html", form=form, round=round_,
                           pool=None), form_status()


@bp.route("/pools/<int:pool_id>/edit", methods=["GET", "POST"])
@login_required
def edit_pool(pool_id: int):
    _organizer_only()
    pool = db.session.get(Pool, pool_id)
    visible_or_404(pool is not None)
    round_ = pool.round
    visible_or_404(policy.can_edit_round(current_user, round_))
    form = PoolForm(obj=pool if request.method == "GET" else None)
    form.kind.choices = [SelectChoice(pool.kind.value, pool.kind.label)]
    if request.method == "GET":
        form.kind.data = pool.kind.value
        form.amount.set_amount(pool.amount)
    if form.validate_on_submit() and perform(
            lambda: pools.update_pool(current_user, pool, form.name.data, form.amount.amount,
                                         form.regions.data or []),
            _("资金池已保存。"), form):
        return redirect(url_for(".detail", round_id=round_.id))
    return render_template("rounds/pool_form.html", form=form, round=round_,
                           pool=pool), form_status()


@bp.route("/pools/<int:pool_id>/delete", methods=["POST"])
@login_required
def delete_pool(pool_id: int):
    _organizer_only()
    pool = db.session.get(Pool, pool_id)
    visible_or_404(pool is not None)
    round_id = pool.round_id
    if ActionForm().validate_on_submit():
        perform(lambda: pools.delete_pool(current_user, pool), _("资金池已删除。"))
    return redirect(url_for(".detail", round_id=round_id))


# --- organizer: challenges ----------------------------------------------------------------

@bp.route("/<int:round_id>/challenges/new", methods=["GET", "POST"])
@login_required
def new_challenge(round_id: int):
    round_ = _round(round_id, for_edit=True)
    visible_or_404(policy.can_edit_round(current_user, round_))
    form = ChallengeForm(round_=round_)
    if form.validate_on_submit():
        created = perform(lambda: challenges.create_challenge(current_user, round_, form.to_data()),
                          _("命题已添加。"), form)
        if created:
            return redirect(url_for(".challenge", challenge_id=created.value.id))
    return render_template("rounds/challenge_form.html", form=form, round=round_,
                           challenge=None), form_status()


@bp.route("/challenges/<int:challenge_id>/edit", methods=["GET", "POST"])
@login_required
def edit_challenge(challenge_id: int):
    _organizer_only()
    challenge = _challenge(challenge_id)
    round_ = challenge.round
    visible_or_404(policy.can_edit_round(current_user, round_))
    form = ChallengeForm(obj=challenge if request.method == "GET" else None, round_=round_,
                         allow_new_pool=False)
    if request.method == "GET":
        form.cap_per_team.set_amount(challenge.cap_per_team)
        form.pool_id.data = str(challenge.pool_id) if challenge.pool_id else None
        form.department_id.data = str(challenge.department_id or "")
    if form.validate_on_submit() and perform(
            lambda: challenges.update_challenge(current_user, challenge, form.to_data()),
            _("命题已保存。"), form):
        return redirect(url_for(".challenge", challenge_id=challenge_id))
    return render_template("rounds/challenge_form.html", form=form, round=round_,
                           challenge=challenge), form_status()


@bp.route("/challenges/<int:challenge_id>/invite", methods=["POST"])
@login_required
def invite(challenge_id: int):
    _organizer_only()
    challenge = _challenge(challenge_id)
    already = set(db.session.scalars(select(ChallengeInvitation.organisation_id).where(
        ChallengeInvitation.challenge_id == challenge.id)))
    form = _invite_form(challenge, already, formdata=request.form)
    if form.validate_on_submit():
        ids = [int(i) for i in form.organisations.data or [] if str(i).isdigit()]
        organisations = db.session.scalars(
            select(Organisation).where(Organisation.id.in_(ids))).all() if ids else []
        perform(lambda: invitations.invite_organisations(current_user, challenge,
                                                      list(organisations),
                                                      form.message.data or ""),
                lambda made: ngettext("已邀请 %(n)d 个组织。", "已邀请 %(n)d 个组织。",
                                      len(made), n=len(made)))
    return redirect(url_for(".challenge", challenge_id=challenge_id))


@bp.route("/challenges/<int:challenge_id>/delete", methods=["POST"])
@login_required
def delete_challenge(challenge_id: int):
    _organizer_only()
    challenge = _challenge(challenge_id)
    round_id = challenge.round_id
    if ActionForm().validate_on_submit() and perform(
            lambda: challenges.delete_challenge(current_user, challenge), _("命题已删除。")):
        return redirect(url_for(".detail", round_id=round_id))
    return redirect(url_for(".challenge", challenge_id=challenge_id))


# --- members: 派单 and matching preferences -------------------------------------------------

@bp.route("/invitations/<int:invitation_id>", methods=["GET", "POST"])
@login_required
def invitation(invitation_id: int):
    invitation = db.session.get(ChallengeInvitation, invitation_id)
    visible_or_404(invitation is not None
                   and policy.can_view_invitation(current_user, invitation))
    challenge = invitation.challenge
    now = utcnow()
    decline_form = DeclineForm()
    if request.method == "POST":
        bid = request.form.get("answer") == "bid"
        valid = ActionForm().validate_on_submit() if bid else decline_form.validate_on_submit()
        if valid and perform(lambda: invitations.answer_invitation(
                current_user, invitation, bid=bid, reason=decline_form.reason.data or "",
                now=now), _("已接受邀请，请填写揭榜申报书。") if bid else _("已婉拒邀请。"),
                decline_form):
            if bid:
                return redirect(matching.apply_url(challenge.round_id, challenge.id))
            return redirect(url_for("public.home"))
    return render_template(
        "rounds/invitation.html", invitation=invitation, challenge=challenge,
        round=challenge.round, decline_form=decline_form, action_form=ActionForm(),
        can_answer=policy.can_answer_invitation(current_user, invitation, now)), form_status()


@bp.route("/preferences/<int:org_id>", methods=["GET", "POST"])
@login_required
def preferences(org_id: int):
    organisation = db.session.get(Organisation, org_id)
    visible_or_404(organisation is not None
                   and policy.can_set_preferences(current_user, organisation))
    preference = matching.preference_for(organisation)
    form = PreferenceForm(categories=matching.known_categories())
    if request.method == "GET" and preference is not None:
        form.categories.data = preference.categories
        form.regions.data = preference.regions
    if form.validate_on_submit() and perform(lambda: matching.set_matching_preference(
            current_user, organisation, form.categories.data or [], form.regions.data or []),
            _("对接偏好已保存。"), form):
        return redirect(url_for("organisations.detail", org_id=org_id))
    return render_template("rounds/preferences.html", form=form,
                           organisation=organisation), form_status()
