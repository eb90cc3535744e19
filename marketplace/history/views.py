"""Organizers upload past rounds; every bad row is listed, and nothing is written if any."""
from __future__ import annotations

import csv
import io
import re

from flask import Blueprint, Response, flash, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import case, select

from marketplace.applications.models import Application
from marketplace.core import nav
from marketplace.core.actions import form_status
from marketplace.core.exports import neutralise
from marketplace.core.money import from_fen
from marketplace.core.policy import visible_or_404
from marketplace.extensions import db
from marketplace.funds.models import Award
from marketplace.history import policy
from marketplace.history.forms import MAX_BYTES, ImportForm
from marketplace.history.rows import (
    BLANK_ROWS_END_TABLE,
    CHINESE_COLUMNS,
    CHINESE_STATUSES,
    COLUMN_HELP,
    COLUMNS,
    MAX_ROWS,
    OPTIONAL_COLUMNS,
    template_csv,
)
from marketplace.history.services import import_history
from marketplace.organisations.models import Organisation
from marketplace.rounds.models import Challenge, Round

bp = Blueprint("history", __name__, url_prefix="/history")


nav.register("staff", _l("历史数据"), "history.upload", visible=policy.can_import, order=40)


@bp.route("/import", methods=["GET", "POST"])
@login_required
def upload():
    visible_or_404(policy.can_import(current_user))
    form = ImportForm()
    report = None
    status = form_status()  # 422 (nothing kept) unless the file is imported or checked clean
    if form.validate_on_submit():
        data = form.file.data.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            form.file.errors = [*form.file.errors, _("文件太大：最大 5 MB。")]
        else:
            # All or nothing: a file with any bad row is imported not at all, and a dry run
            # writes nothing (the service checks without writing).
            report = import_history(current_user, data, dry_run=form.dry_run.data)
            if report.ok:
                status = 200
                if not report.dry_run:
                    flash(report.summary(), "success")
            # After a check the next step is the import itself: the box is offered unticked
            # (the file has to be chosen again anyway).
            form.dry_run.data = False
    return render_template("history/import.html", form=form, report=report,
                           columns=[(c, CHINESE_COLUMNS[c], _help(c))
                                    for c in (*COLUMNS, *OPTIONAL_COLUMNS)],
                           max_rows=MAX_ROWS, blank_rows=BLANK_ROWS_END_TABLE), status


# The Chinese words a file may contain (立项, 未入选 …) stay Chinese in the English help: they
# are what the file says, marked as Chinese so readers and screen readers know.
_FILE_WORDS = re.compile("|".join(re.escape(w) for w in sorted(CHINESE_STATUSES, key=len,
                                                                   reverse=True)))


def _help(column: str):
    text = COLUMN_HELP[column]
    if column != "status" or get_locale().language == "zh":
        return text
    marked = Markup('<span lang="zh-CN">{}</span>')
    pieces = re.split(f"({_FILE_WORDS.pattern})", str(text))
    return Markup("").join(marked.format(p) if i % 2 else escape(p) for i, p in enumerate(pieces))


@bp.route("/template.csv")
@login_required
def template():
    """A CSV to start from: the header and two example rows; `?headers=zh` with the Chinese
    column names."""
    visible_or_404(policy.can_import(current_user))
    chinese = request.args.get("headers") == "zh"
    response = Response(template_csv(chinese=chinese), mimetype="text/csv")
    name = "history_template_zh.csv" if chinese else "history_template.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _history_rows():
    """Imported rounds' applications, in the import format (one query)."""
    awarded = Award.awarded_at.is_not(None)
    stmt = (select(Round.year, Round.title, Application.title, Organisation.name,
                   Organisation.uscc, Application.region, Application.category,
                   Challenge.title, Application.requested_fen,
                   case((awarded, Award.amount_fen)),
                   case((awarded, "awarded"), else_="rejected"))
            .join(Round, Application.round_id == Round.id)
            .join(Organisation, Application.organisation_id == Organisation.id)
            .outerjoin(Challenge, Application.challenge_id == Challenge.id)
            .outerjoin(Award, Award.application_id == Application.id)
            .where(Round.imported.is_(True))
            .order_by(Round.year, Application.id))
    for row in db.session.execute(stmt):
        values = list(row)
        values[8] = from_fen(values[8])
        values[9] = from_fen(values[9]) if values[9] is not None else None
        yield values


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/export.<any(csv, xlsx):kind>")
@login_required
def export(kind: str):
    """The imported history in the import format; formula-like text is neutralised."""
    visible_or_404(policy.can_export(current_user))
    rows = ([neutralise(v) for v in row] for row in _history_rows())
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
        body, mimetype = ("\ufeff" + out.getvalue()).encode(), "text/csv"
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("history")
        sheet.append(list(COLUMNS))
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        body, mimetype = out.getvalue(), XLSX_MIMETYPE
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="history.{kind}"'
    response.headers["Cache-Control"] = "no-store"
    return response
