"""Public statistics: the JSON API, the dashboard (一张图统揽) and the wall screen (一块屏展示)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.core import nav
from marketplace.core.timeutil import to_local, utcnow
from marketplace.extensions import db
from marketplace.funds.models import Award
from marketplace.rounds.models import Round, RoundStatus
from marketplace.stats import countymap, panels, services

bp = Blueprint("stats", __name__)


def _public_round(round_id: int) -> Round | None:
    round_ = db.session.get(Round, round_id)
    if round_ is None or round_.status == RoundStatus.DRAFT:
        return None  # a draft is not public
    return round_


def _region_arg() -> str | None:
    region = request.args.get("region", "").strip()
    return region if region in current_app.config["REGIONS"] else None


nav.register("public", _l("数据总览"), "stats.dashboard", order=30)


@bp.route("/api/v1/rounds")
def api_rounds():
    return jsonify({"rounds": services.list_rounds()})


@bp.route("/api/v1/rounds/<int:round_id>/stats")
def api_round_stats(round_id: int):
    round_ = _public_round(round_id)
    if round_ is None:
        return jsonify({"error": _("找不到该项目库。")}), 404
    return jsonify(services.round_stats(round_, _region_arg()))


@bp.route("/api/v1/years")
def api_years():
    """The yearly figures (数据总览 across years), with money by theme per year."""
    return jsonify({"years": services.yearly_series(_region_arg(), with_themes=True)})


def _context() -> panels.DashboardContext:
    round_ = None
    if request.args.get("round", "").isdigit():
        round_ = _public_round(int(request.args["round"]))
        if round_ is None:
            abort(404)
    if round_ is None:
        # Default: the latest round with 立项 figures, else the latest round at all.
        round_ = db.session.scalar(
            select(Round).join(Award, Award.round_id == Round.id)
            .where(Award.awarded_at.is_not(None), Round.status != RoundStatus.DRAFT)
            .order_by(Round.year.desc(), Round.id.desc()).limit(1)) or services.latest_round()
    return panels.DashboardContext(round=round_, region=_region_arg(),
                                   regions=list(current_app.config["REGIONS"]),
                                   rounds=services.list_rounds(),
                                   chosen=request.args.get("round", "").isdigit())


def _kpis(ctx: panels.DashboardContext) -> dict | None:
    s = ctx.stats
    if s is None:
        return None
    return {
        "awarded_projects": s["awarded_projects"],
        "awarded_amount": s["awarded_amount"],
        "awarded_amount_label": panels.wan(s["awarded_amount"]),
        "growth": panels.growth_text(s["growth_vs_previous_pct"], ctx.in_progress),
        "growth_in_progress": ctx.in_progress,
        "challenge_share": panels.pct(s["challenge_share_pct"]),
        "challenge_projects": s["challenge_projects"],
        "first_time_share": panels.pct(s["first_time_share_pct"]),
        "first_time_orgs": s["first_time_orgs"],
    }


def dashboard_data(ctx: panels.DashboardContext, screen: bool = False) -> dict:
    """Everything the dashboard shows, as JSON: the page embeds it, the screen fetches it."""
    built = {}
    for panel in panels.registered():
        if screen and not panel.on_screen:
            continue
        data = panel.build(ctx)
        if data is None:
            continue
        built[panel.key] = {"title": str(panel.title), "columns": data.columns,
                            "rows": data.rows, "chart": data.chart, "note": data.note,
                            "footnote": data.footnote}
    return {
        "round": ctx.stats["round"] if ctx.stats else None,
        "round_label": panels.round_label(ctx.round.year, ctx.round.title) if ctx.round else "",
        "region": ctx.region,
        "kpis": _kpis(ctx),
        "panels": built,
        "updated_at": to_local(utcnow()).strftime("%Y-%m-%d %H:%M"),
    }


def _map_url(endpoint: str, ctx: panels.DashboardContext):
    def url(region: str | None) -> str:
        args = {"round": ctx.round.id} if ctx.round else {}
        if region and region != ctx.region:
            args["region"] = region  # clicking the chosen county again clears the filter
        return url_for(endpoint, **args)
    return url


@bp.route("/dashboard")
def dashboard():
    ctx = _context()
    data = dashboard_data(ctx)
    shown = [(p, data["panels"][p.key]) for p in panels.registered() if p.key in data["panels"]]
    return render_template(
        "stats/dashboard.html", ctx=ctx, data=data, shown=shown,
        shapes=countymap.shapes_for(ctx.regions), viewbox=countymap.VIEWBOX,
        map_url=_map_url("stats.dashboard", ctx), round_label=panels.round_label,
        status_labels={status.value: status.label for status in RoundStatus},
        data_url=url_for("stats.data", **request.args.to_dict()))


@bp.route("/dashboard/data.json")
def data():
    ctx = _context()
    return jsonify(dashboard_data(ctx, screen=request.args.get("screen") == "1"))


@bp.route("/dashboard/screen")
def screen():
    ctx = _context()
    data = dashboard_data(ctx, screen=True)
    shown = [(p, data["panels"][p.key]) for p in panels.registered() if p.key in data["panels"]]
    return render_template(
        "stats/screen.html", ctx=ctx, data=data, shown=shown,
        shapes=countymap.shapes_for(ctx.regions), viewbox=countymap.VIEWBOX,
        map_url=_map_url("stats.screen", ctx),
        data_url=url_for("stats.data", **{**request.args.to_dict(), "screen": "1"}))
