"""Pages for applications (申报书) and bids (揭榜): the group's form and list, the detail page,
attachments, and the organizer's list of a round's applications with its exports."""
from __future__ import annotations

import os

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

from marketplace.accounts import roles
from marketplace.applications import attachments, lists, policy, proposal, routing, services
from marketplace.applications.forms import (
    ActionForm,
    ApplicationForm,
    CopyForm,
    PoolMoveForm,
    ReturnForm,
    UploadForm,
)
from marketplace.applications.models import (
    APPLICATION_STATUS_LABELS,
    Application,
    ApplicationStatus,
    Attachment,
)
from marketplace.applications.workflow import APPLICATION
from marketplace.core import nav, unit_of_work
from marketplace.core.actions import attempt, form_status, perform, show_refusal
from marketplace.core.exports import csv_response, xlsx_response
from marketplace.core.policy import visible_or_404
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.organisations.models import Membership, Organisation
from marketplace.rounds import contributions
from marketplace.rounds.models import BudgetCategory, Challenge, Pool, Round, RoundStatus
from marketplace.rounds.policy import challenge_admits

bp = Blueprint("applications", __name__, url_prefix="/applications")

PER_PAGE = 20


def _load(app_id: int) -> Application:
    application = db.session.get(Application, app_id)
    visible_or_404(application is not None and policy.can_view(current_user, application))
    return application


def _my_organisations() -> list[Organisation]:
    return list(db.session.scalars(
        select(Organisation).join(Membership).where(Membership.user_id == current_user.id)
        .order_by(Organisation.name)))


# --------------------------------------------------------------------------- group side


@bp.route("/mine")
@login_required
def mine():
    stmt = (policy.visible_applications(current_user)
            .where(Application.organisation_id.in_(
                select(Membership.organisation_id).where(Membership.user_id == current_user.id)))
            .options(selectinload(Application.organisation), selectinload(Application.round),
                     selectinload(Application.challenge))
            .order_by(Application.updated_at.desc(), Application.id.desc()))
    applications = db.session.scalars(stmt).all()
    return render_template("applications/mine.html", applications=applications)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Start a draft for the open call (`round_id`) or a bid on a challenge (`challenge_id`):
    the form itself; the draft exists once it is saved."""
    challenge = None
    challenge_id = request.args.get("challenge_id", type=int)
    if challenge_id:
        challenge = db.session.get(Challenge, challenge_id)
        visible_or_404(challenge is not None and challenge.published_at is not None
                       and challenge.round.status != RoundStatus.DRAFT)
        round_ = challenge.round
    else:
        round_ = db.session.get(Round, request.args.get("round_id", type=int) or 0)
        visible_or_404(round_ is not None and round_.status != RoundStatus.DRAFT)
    if challenge is not None and request.args.get("round_id", type=int) not in (None, round_.id):
        abort(404)

    organisations = _my_organisations()
    verified = [o for o in organisations if o.is_verified]
    problem = None
    if not organisations:
        problem = _("你还没有加入志愿服务组织。请先登记组织，或请组织负责人邀请你加入。")
    elif not verified:
        problem = _("你所在的组织尚未通过团市委认证，认证通过后才能申报。")
    elif not policy.before_deadline(round_):
        problem = _("本轮创投集市不在申报期内，不能新建申报。")
    elif challenge is not None:
        admitted = [o for o in verified if challenge_admits(challenge, o)]
        if not admitted:
            problem = challenge_admits(challenge, verified[0]).reason
        verified = admitted
    if problem:
        return render_template("applications/blocked.html", round=round_, challenge=challenge,
                               problem=problem, organisations=organisations), 403

    form = ApplicationForm(round_=round_, organisations=verified)
    if len(verified) == 1:
        form.organisation_id.data = verified[0].id
    if request.method == "GET":
        form.region.data = verified[0].region
        form.start_token.data = services.new_start_token()
    elif not services.START_TOKEN.fullmatch(form.start_token.data or ""):
        form.start_token.data = None  # not one we made: this save starts a draft of its own
    if form.validate_on_submit() and _upload_ok(form):
        chosen = next((o for o in verified if o.id == form.organisation_id.data), None)
        if chosen is None:
            form.organisation_id.errors = [_("请选择申报组织。")]
        else:
            started = perform(lambda: services.start_application(
                current_user, chosen, round_, challenge, token=form.start_token.data or None),
                None, form)
            if started:
                application = started.value
                editable = policy.can_edit(current_user, application)
                if not editable:
                    # A repeat of a request whose draft went further since (submitted): the
                    # draft was found by its token, nothing was started.
                    return _went_further(application, editable.reason)
                if perform(lambda: services.save_draft(current_user, application,
                                                       form.to_data()), None, form):
                    return _after_save(application, form)
    if not form.start_token.data:
        form.start_token.data = services.new_start_token()
    form.add_blank_rows()
    return render_template(
        "applications/form.html", form=form, application=None, round=round_,
        challenge=challenge, problems=[], choose_organisation=len(verified) > 1,
        organisation=verified[0], required=services.REQUIRED_FIELDS,
        completeness=None, sections=SECTIONS,
        # Where the project will go, per organisation it may be filed for.
        destinations=[(o, routing.route_pool(round_, o, challenge)) for o in verified]
    ), form_status()


@bp.route("/<int:app_id>/edit", methods=["GET", "POST"])
@login_required
def edit(app_id: int):
    application = _load(app_id)
    visible_or_404(policy.is_member(current_user, application))
    allowed = policy.can_edit(current_user, application)
    if not allowed:
        if request.method == "POST":
            return _went_further(application, allowed.reason)
        flash(allowed.reason, "warning")
        return redirect(url_for(".detail", app_id=app_id))
    round_ = application.round
    if request.method == "POST":
        form = ApplicationForm(round_=round_, organisations=[application.organisation])
    else:
        form = ApplicationForm(round_=round_, organisations=[application.organisation],
                               data=ApplicationForm.data_of(application))
        for warning in ApplicationForm.too_many_rows(application):
            flash(warning, "warning")
    form.organisation_id.data = application.organisation_id
    if form.validate_on_submit() and _upload_ok(form):
        saved = attempt(lambda: services.save_draft(current_user, application, form.to_data()))
        if saved:
            return _after_save(application, form)
        if not policy.can_edit(current_user, application):
            return _went_further(application, saved.refusal.reason)
        show_refusal(saved.refusal, form)
    form.add_blank_rows()
    return _render_form(form, application, status=form_status())


def _submitted_message() -> str:
    return _("申报书已提交。截止前如需修改，可以撤回后重新申报，或等待团市委退回。")


def _went_further(application: Application, reason: str):
    """A save that finds the application no longer editable. When it was submitted and this
    request meant to submit it too (a double click on 提交申报), that is the success the
    member asked for: the same page as the first request. Otherwise say why nothing was
    saved."""
    if request.form.get("action") == "submit" \
            and application.status == ApplicationStatus.SUBMITTED:
        flash(_submitted_message(), "success")
    else:
        flash(reason, "warning")
    return redirect(url_for(".detail", app_id=application.id))


# The form's sections, for its navigation on a phone: (anchor, label, the required fields in
# it — services.REQUIRED_FIELDS — whose problems mark the section unfinished).
SECTIONS = [
    ("basic", _l("基本信息"), ("title", "category", "region", "summary", "objectives",
                             "start_date", "end_date")),
    ("team", _l("项目团队"), ()),
    ("plan", _l("活动计划"), ()),
    ("budget", _l("预算明细"), ("budget_lines",)),
    ("attachments", _l("附件"), ()),
]


def _render_form(form, application, problems=(), status=200):
    return render_template(
        "applications/form.html", form=form, application=application, round=application.round,
        challenge=application.challenge, problems=list(problems), choose_organisation=False,
        organisation=application.organisation, action_form=ActionForm(),
        summary=proposal.budget_summary(application.budget_lines),
        can_edit=policy.can_edit(current_user, application),
        required=services.REQUIRED_FIELDS, sections=SECTIONS,
        # As saved: the same rules a submission is checked with (services.submission_problems).
        completeness=services.completeness(application),
        destinations=[(application.organisation, application.pool)]), status


def _upload_ok(form: ApplicationForm) -> bool:
    """With 上传附件, a file is sent with the form: checked before anything is saved, so a
    refused file keeps the typed form on the page (422) and saves nothing. Kept on the form
    for _after_save."""
    form.upload = None
    if request.form.get("action") != "upload":
        return True
    file = form.file.data
    if not file or not getattr(file, "filename", ""):
        form.file.errors = [*form.file.errors, _("请选择要上传的文件。")]
        return False
    data = file.stream.read(attachments.MAX_ATTACHMENT_BYTES + 1)
    checked = attempt(lambda: attachments.check_file(file.filename, data))
    if not checked:
        form.file.errors = [*form.file.errors, checked.refusal.reason]
        return False
    form.upload = (file.filename, data)
    return True


def _after_save(application: Application, form):
    """The draft is saved; with the submit button, submit it too (or list every problem);
    with 上传附件, add the file sent with it."""
    action = request.form.get("action")
    if action == "upload" and getattr(form, "upload", None):
        filename, data = form.upload
        if perform(lambda: attachments.add_attachment(current_user, application, filename,
                                                      data),
                   _("附件已上传，草稿已保存。")):
            return redirect(url_for(".edit", app_id=application.id) + "#attachments")
        return redirect(url_for(".edit", app_id=application.id))
    if action != "submit":
        flash(_("草稿已保存。"), "success")
        return redirect(url_for(".edit", app_id=application.id))
    # The one request that commits twice, on purpose: the draft is committed before it is
    # submitted, for two reasons. What the member typed is kept when the submission is
    # refused (the form comes back with every problem, 422, and only the refused submission
    # is rolled back). And the submission takes its locks in the order every submission takes,
    # organisation then application: still holding the application's row from the save, it
    # would take them the other way round, and could deadlock with the 提交 button.
    unit_of_work.commit_so_far()
    submitted = attempt(lambda: services.submit_application(current_user, application))
    if submitted:
        flash(_submitted_message(), "success")
        return redirect(url_for(".detail", app_id=application.id))
    if isinstance(submitted.refusal, services.SubmissionRefused):
        # Listed on top; those about one field next to it too.
        for problem in submitted.refusal.problems:
            field = getattr(form, problem.field, None) if problem.field else None
            if field is not None:
                field.errors = [*field.errors, problem.reason]
        form.add_blank_rows()
        return _render_form(form, application, submitted.refusal.problems, 422)
    flash(submitted.refusal.reason, "danger")
    return redirect(url_for(".detail", app_id=application.id))


@bp.route("/<int:app_id>")
@login_required
def detail(app_id: int):
    return _detail_page(_load(app_id))


def _detail_page(application: Application, pool_form: PoolMoveForm | None = None,
                 status: int = 200):
    staff = policy.is_staff(current_user)
    # The status buttons come from the lifecycle table: the moves this user may make now that
    # have a page here (the decisions have theirs in review). A return asks for a comment, so
    # it gets a form of its own.
    actions = [t for t in APPLICATION.next_actions(current_user, application, now=utcnow())
               if t.endpoint]
    return_action = next((t for t in actions if t.target is ApplicationStatus.RETURNED), None)
    if pool_form is None and policy.can_move_pool(current_user, application):
        pool_form = _pool_form(application)
    return render_template(
        "applications/detail.html", application=application,
        summary=proposal.budget_summary(application.budget_lines),
        organisation_data=services.organisation_as_submitted(application),
        can_edit=policy.can_edit(current_user, application),
        buttons=[t for t in actions if t is not return_action], return_action=return_action,
        is_member=policy.is_member(current_user, application), staff=staff,
        action_form=ActionForm(), return_form=ReturnForm(), pool_form=pool_form), status


def _pool_form(application: Application, formdata=None) -> PoolMoveForm:
    """The pools of the round that admit the application, besides its own (routing says
    why the others may not)."""
    pools = [p for p in application.round.pools if p.id != application.pool_id
             and routing.application_admitted(p, application)]
    return PoolMoveForm(pools=pools) if formdata is None \
        else PoolMoveForm(formdata=formdata, pools=pools)


@bp.route("/<int:app_id>/pool", methods=["POST"])
@login_required
def move_pool(app_id: int):
    application = _load(app_id)
    form = _pool_form(application, request.form)
    if form.validate_on_submit():
        pool = db.session.get(Pool, form.pool_id.data or 0)
        if perform(lambda: services.move_to_pool(current_user, application, pool,
                                                 form.reason.data or ""),
                   lambda moved: _("已调整到资金池“%(pool)s”。", pool=moved.pool.name), form):
            return redirect(url_for(".detail", app_id=app_id) + "#pool")
    if not policy.can_move_pool(current_user, application):
        return redirect(url_for(".detail", app_id=app_id))  # the refusal is flashed
    return _detail_page(application, form, form_status())


@bp.route("/<int:app_id>/submit", methods=["POST"])
@login_required
def submit(app_id: int):
    application = _load(app_id)
    if ActionForm().validate_on_submit():
        # A refused submission shows every problem.
        perform(lambda: services.submit_application(current_user, application),
                _("申报书已提交。"))
    return redirect(url_for(".detail", app_id=app_id))


@bp.route("/<int:app_id>/withdraw", methods=["POST"])
@login_required
def withdraw(app_id: int):
    application = _load(app_id)
    if ActionForm().validate_on_submit():
        perform(lambda: services.withdraw_application(current_user, application),
                _("申报书已撤回。"))
    return redirect(url_for(".detail", app_id=app_id))


@bp.route("/<int:app_id>/take-back", methods=["POST"])
@login_required
def take_back(app_id: int):
    application = _load(app_id)
    if ActionForm().validate_on_submit() and perform(
            lambda: services.take_back_application(current_user, application),
            _("申报书已取回为草稿。修改后请在截止前重新提交。")):
        return redirect(url_for(".edit", app_id=app_id))
    return redirect(url_for(".detail", app_id=app_id))


@bp.route("/<int:app_id>/copy", methods=["GET", "POST"])
@login_required
def copy(app_id: int):
    """复制为新申报: choose an open round, get a new draft with this proposal in it."""
    source = _load(app_id)
    visible_or_404(policy.can_copy(current_user, source))
    rounds = [r for r in rounds_open_now() if policy.can_start(current_user,
                                                              source.organisation, r)]
    form = CopyForm(rounds=rounds)
    if request.method == "GET":
        form.start_token.data = services.new_start_token()
        if len(rounds) == 1:
            form.round_id.data = rounds[0].id
    if form.validate_on_submit():
        round_ = next((r for r in rounds if r.id == form.round_id.data), None)
        if round_ is None:
            form.round_id.errors = [_("请选择正在征集的创投集市。")]
        else:
            copied = perform(lambda: services.copy_application(
                current_user, source, round_, token=form.start_token.data or None),
                _("已复制为新的申报草稿（附件没有复制，请重新上传）。"), form)
            if copied:
                return redirect(url_for(".edit", app_id=copied.value.id))
    return render_template("applications/copy.html", source=source, rounds=rounds,
                           form=form), form_status()


def rounds_open_now() -> list[Round]:
    now = utcnow()
    return [r for r in db.session.scalars(
        select(Round).where(Round.status == RoundStatus.OPEN).order_by(Round.deadline_at))
        if r.accepts_applications_at(now)]


@bp.route("/<int:app_id>/return", methods=["POST"])
@login_required
def return_for_changes(app_id: int):
    application = _load(app_id)
    form = ReturnForm()
    if form.validate_on_submit():
        perform(lambda: services.return_application(current_user, application, form.comment.data),
                _("已退回修改，申报组织会收到邮件。"))
    return redirect(url_for(".detail", app_id=app_id))


# --------------------------------------------------------------------------- attachments


@bp.route("/<int:app_id>/attachments", methods=["POST"])
@login_required
def upload(app_id: int):
    application = _load(app_id)
    visible_or_404(policy.is_member(current_user, application))
    form = UploadForm()
    if form.validate_on_submit():
        file = form.file.data
        if not file or not getattr(file, "filename", ""):
            flash(_("请选择要上传的文件。"), "danger")
        else:
            data = file.stream.read(attachments.MAX_ATTACHMENT_BYTES + 1)
            perform(lambda: attachments.add_attachment(current_user, application,
                                                       file.filename, data),
                    _("附件已上传。"))
    return redirect(url_for(".edit", app_id=app_id) + "#attachments")


def _attachment_of(application: Application, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    visible_or_404(attachment is not None and attachment.application_id == application.id)
    return attachment


@bp.route("/<int:app_id>/attachments/<int:attachment_id>")
@login_required
def download(app_id: int, attachment_id: int):
    # Checked through the parent application on every download.
    application = _load(app_id)
    attachment = _attachment_of(application, attachment_id)
    path = attachments.attachment_path(attachment)
    if not os.path.isfile(path):
        abort(404)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:app_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@login_required
def delete_attachment(app_id: int, attachment_id: int):
    application = _load(app_id)
    visible_or_404(policy.is_member(current_user, application))
    attachment = _attachment_of(application, attachment_id)
    if ActionForm().validate_on_submit():
        # The file goes with the commit (core.files).
        perform(lambda: attachments.delete_attachment(current_user, attachment), _("附件已删除。"))
    return redirect(url_for(".edit", app_id=app_id) + "#attachments")


# --------------------------------------------------------------------------- organizer list


def _filters() -> lists.ListFilters:
    args = request.args
    challenge = args.get("challenge_id", "")
    return lists.ListFilters(
        status=args.get("status", ""), category=args.get("category", ""),
        region=args.get("region", ""),
        challenge_id=int(challenge) if challenge.isdigit() else None,
        pool_id=args.get("pool_id", type=int), first_time=args.get("first_time") == "1",
        q=args.get("q", "")[:100], sort=args.get("sort", "-submitted"))


def _filter_args(filters: lists.ListFilters) -> dict:
    args = {"status": filters.status, "category": filters.category, "region": filters.region,
            "challenge_id": filters.challenge_id, "pool_id": filters.pool_id,
            "first_time": "1" if filters.first_time else "", "q": filters.q,
            "sort": filters.sort}
    return {k: v for k, v in args.items() if v not in (None, "")}


def _staff_round() -> Round | None:
    visible_or_404(policy.can_manage_round_list(current_user))
    round_id = request.args.get("round_id", type=int)
    if round_id is None:
        return None
    round_ = db.session.get(Round, round_id)
    visible_or_404(round_ is not None)
    return round_


@bp.route("/")
@login_required
def index():
    """The organizer's list of a round's applications (`?round_id=`); members go to theirs."""
    if not policy.is_staff(current_user):
        return redirect(url_for(".mine"))
    round_ = _staff_round()
    if round_ is None:
        rounds = db.session.scalars(select(Round).where(Round.status != RoundStatus.DRAFT)
                                    .order_by(Round.year.desc(), Round.id.desc())).all()
        return render_template("applications/rounds.html", rounds=rounds)
    filters = _filters()
    stmt = lists.round_applications(current_user, round_, filters).options(
        selectinload(Application.organisation), selectinload(Application.challenge),
        selectinload(Application.pool))
    page = db.paginate(stmt, page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)
    first_time = lists.first_time_ids(round_, {a.organisation_id for a in page.items})
    return render_template(
        "applications/round_list.html", round=round_, page=page, filters=filters,
        filter_args=_filter_args(filters), first_time=first_time,
        statuses=[(s.value, label) for s, label in APPLICATION_STATUS_LABELS.items()
                  if s != ApplicationStatus.DRAFT],
        regions=_regions(), challenges=round_.challenges, pools=round_.pools)


def _regions() -> list[str]:
    return current_app.config["REGIONS"]


@bp.route("/export.<fmt>")
@login_required
def export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    round_ = _staff_round()
    if round_ is None:
        abort(404)
    stmt = lists.round_applications(current_user, round_, _filters()).options(
        selectinload(Application.organisation), selectinload(Application.challenge),
        selectinload(Application.pool))
    applications = db.session.scalars(stmt).all()
    header = [str(h) for h in lists.EXPORT_HEADER]
    rows = list(lists.export_rows(round_, applications))
    filename = f"applications-{round_.year}-{round_.id}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, header, rows)
    return xlsx_response(filename, header, rows, title=_("申报列表"))


@bp.app_template_filter("budget_category_label")
def budget_category_label(key: str) -> str:
    """'personnel' -> 人员费 (the round's budget rules are keyed by category value)."""
    try:
        return BudgetCategory(key).label
    except ValueError:
        return key


nav.register("mine", _l("我的申报"), "applications.mine", visible=roles.sees_group_pages,
             order=30)
nav.register("staff", _l("申报管理"), "applications.index",
             visible=policy.can_manage_round_list, order=30)


# The round page (rounds domain, below this one) shows staff the round's applications.

def _round_applications_panel(user, round_: Round) -> dict | None:
    """The round's submitted applications counted by status, each count linking to the
    filtered list. Drafts belong to their groups: status_counts leaves them out."""
    if not policy.can_manage_round_list(user):
        return None
    counts = lists.status_counts(user, round_)
    return {"counts": [(status, n, url_for("applications.index", round_id=round_.id,
                                           status=status.value))
                       for status, n in counts.items()],
            "submitted": sum(counts.values())}


contributions.register_round_panel(contributions.RoundPanel(
    "applications", "applications/_round_panel.html", _round_applications_panel, order=10))
contributions.register_round_link(contributions.RoundLink(
    "applications", _l("查看申报列表"),
    lambda round_: url_for("applications.index", round_id=round_.id),
    lambda user, round_: policy.can_manage_round_list(user),
    testid="round-applications-link", order=10))
