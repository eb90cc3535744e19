"""The dashboard is a list of panels; a domain adds its own without touching this file.

A panel is a key, a title and a `build(context)` returning `PanelData` (a table, and a chart
spec that static/js/dashboard.js draws with ECharts) or None to stay hidden. Every chart is also
a table. To add one, a domain above stats writes `marketplace/<domain>/panels.py`, and its
`__init__.py` imports it with the domain's other parts (`Panel`, `PanelData` and `register`
come from this module):

    def _payments(ctx):
        ...
        return PanelData(columns=[...], rows=[...], chart={"type": "bar", ...})

    register(Panel("payments", _l("拨付进度"), _payments, order=60))
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from marketplace.core.money import format_yuan, from_fen
from marketplace.rounds.models import Round, RoundStatus
from marketplace.stats import services


@dataclass
class PanelData:
    columns: list[str]
    rows: list[list]  # display values, already formatted
    # {"type": "bar"|"line"|"pie"|"hbar", "categories": [...],
    #  "series": [{"name": ..., "type": "bar"|"line", "data": [...], "axis": 0|1}],
    #  "unit": "yuan"|"count"|"pct"}
    chart: dict | None = None
    note: str = ""      # short, beside the title (the year shown)
    footnote: str = ""  # a sentence under the chart (how to read it)


@dataclass(frozen=True)
class Panel:
    key: str
    title: object  # a (lazy) translated string
    build: Callable[[DashboardContext], PanelData | None]
    order: int = 100
    template: str = "stats/_panel.html"  # a panel may bring its own markup (the map does)
    on_screen: bool = True                # shown on the wall screen too
    wide: bool = False


_REGISTRY: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    _REGISTRY[panel.key] = panel  # the same key again replaces it (module reloads in tests)
    return panel


def registered() -> list[Panel]:
    return sorted(_REGISTRY.values(), key=lambda p: (p.order, p.key))


@dataclass
class DashboardContext:
    """What the dashboard is showing: a round (None: none yet), maybe one county. Figures are
    computed once, on first use, and shared by the panels."""

    round: Round | None
    region: str | None
    regions: list[str]
    rounds: list[dict] = field(default_factory=list)
    chosen: bool = False  # the round was picked by the reader (not the default one)

    @cached_property
    def stats(self) -> dict | None:
        return services.round_stats(self.round, self.region) if self.round else None

    @cached_property
    def series(self) -> list[dict]:
        return services.yearly_series(self.region)

    @property
    def in_progress(self) -> bool:
        """The chosen round's year has a round before 立项: its figures are not final."""
        return self.round is not None and any(
            s["year"] == self.round.year and s["in_progress"] for s in self.series)

    @cached_property
    def current(self) -> Round | None:
        return services.current_round()

    @cached_property
    def region_amounts(self) -> dict[str, tuple[int, int]]:
        return services.region_amounts(self.round)


def yuan(text: str) -> float:
    """A chart value (display only; money stays Decimal and fen everywhere else)."""
    return float(text)


def pct(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.1f}%" if signed else f"{value:.2f}%"


def wan(amount_text: str) -> str:
    """1.2万元, as the dashboard shows money."""
    from decimal import Decimal

    from flask_babel import get_locale

    if str(get_locale()).startswith("en"):  # English counts in thousands: ¥176k
        return f"¥{Decimal(amount_text) / 1000:,.0f}k"
    value = Decimal(amount_text) / 10000
    return _("%(n)s万元", n=f"{value:.1f}" if value < 100 else f"{value:.0f}")


def _money(amount_text: str) -> str:
    # A computed sum, not typed input: no maximum applies (to_decimal has one).
    return format_yuan(Decimal(amount_text))


def growth_text(value: float | None, in_progress: bool = False) -> str:
    """Growth as the dashboard shows it: +12.3%, "进行中" for a year before 立项, or —."""
    return _("进行中") if in_progress else pct(value, signed=True)


def year_label(entry: dict) -> str:
    """A year on a chart axis; a year in progress says so (its money is not final)."""
    return f"{entry['year']}\n{_('进行中')}" if entry.get("in_progress") else str(entry["year"])


def _by_year(ctx: DashboardContext) -> PanelData | None:
    if not ctx.series:
        return None

    def value(entry: dict, v):
        # A year in progress with nothing awarded yet has no figure: no bar, not a zero.
        return None if entry["in_progress"] and not entry["projects"] else v

    running = any(s["in_progress"] for s in ctx.series)
    return PanelData(
        columns=[_("年度"), _("立项项目"), _("立项金额"), _("同比增长")],
        rows=[[s["year"], s["projects"], _money(s["amount"]),
               growth_text(s["growth_vs_previous_pct"], s["in_progress"])] for s in ctx.series],
        chart={"type": "bar", "unit": "yuan", "categories": [year_label(s) for s in ctx.series],
               "in_progress": [s["in_progress"] for s in ctx.series],
               "series": [
                   {"name": _("立项金额（元）"), "type": "bar", "axis": 0,
                    "data": [value(s, yuan(s["amount"])) for s in ctx.series]},
                   {"name": _("立项项目"), "type": "line", "axis": 1,
                    "data": [value(s, s["projects"]) for s in ctx.series]}]},
        footnote=_("进行中：该年度还有项目库未完成立项，金额不是最终数，不计同比增长。")
        if running else "")


def _shares(ctx: DashboardContext) -> PanelData | None:
    if not ctx.series:
        return None
    return PanelData(
        columns=[_("年度"), _("命题项目资金占比"), _("首次立项组织占比")],
        rows=[[s["year"], pct(s["challenge_share_pct"]), pct(s["first_time_share_pct"])]
              for s in ctx.series],
        chart={"type": "line", "unit": "pct", "categories": [year_label(s) for s in ctx.series],
               "series": [
                   {"name": _("命题项目资金占比"), "type": "line", "axis": 0,
                    "data": [s["challenge_share_pct"] for s in ctx.series]},
                   {"name": _("首次立项组织占比"), "type": "line", "axis": 0,
                    "data": [s["first_time_share_pct"] for s in ctx.series]}]})


def _by_category(ctx: DashboardContext) -> PanelData | None:
    if not ctx.stats:
        return None
    items = ctx.stats["by_category"]
    return PanelData(
        columns=[_("类别"), _("立项项目"), _("立项金额"), _("同比增长")],
        rows=[[c["category"], c["projects"], _money(c["amount"]),
               growth_text(c["growth_vs_previous_pct"], ctx.in_progress)] for c in items],
        chart={"type": "pie", "unit": "yuan", "categories": [c["category"] for c in items],
               "series": [{"name": _("立项金额（元）"), "type": "pie", "axis": 0,
                           "data": [yuan(c["amount"]) for c in items]}]},
        note=_("%(year)d 年", year=ctx.round.year))


def _by_theme(ctx: DashboardContext) -> PanelData | None:
    """主题 across categories; only for a round that defines themes."""
    if not ctx.stats or "by_theme" not in ctx.stats:
        return None
    items = ctx.stats["by_theme"]
    return PanelData(
        columns=[_("主题"), _("立项项目"), _("立项金额"), _("同比增长")],
        rows=[[t["theme"], t["projects"], _money(t["amount"]),
               growth_text(t["growth_vs_previous_pct"], ctx.in_progress)] for t in items],
        chart={"type": "bar", "unit": "yuan", "categories": [t["theme"] for t in items],
               "series": [{"name": _("立项金额（元）"), "type": "bar", "axis": 0,
                           "data": [yuan(t["amount"]) for t in items]}]},
        note=_("%(year)d 年", year=ctx.round.year),
        footnote=_("主题跨类别：一个项目可以带几个主题，各主题的数字不相加。"))


def _map(ctx: DashboardContext) -> PanelData | None:
    amounts = ctx.region_amounts
    names = ctx.regions + sorted(set(amounts) - set(ctx.regions))
    return PanelData(
        columns=[_("县区"), _("立项项目"), _("立项金额")],
        rows=[[name, amounts.get(name, (0, 0))[0], format_yuan(amounts.get(name, (0, 0))[1])]
              for name in names],
        chart={"type": "map", "unit": "yuan", "levels": map_levels(ctx)},
        note=_("%(year)d 年", year=ctx.round.year) if ctx.round else "")


def map_levels(ctx: DashboardContext) -> dict[str, dict]:
    """Per county: money (yuan, for the tooltip) and a colour level 0–5 (0: none)."""
    amounts = {name: fen for name, (_n, fen) in ctx.region_amounts.items()}
    top = max(amounts.values(), default=0)
    levels = {}
    for name in list(ctx.regions) + sorted(set(amounts) - set(ctx.regions)):
        fen = amounts.get(name, 0)
        level = 0 if not fen or not top else max(1, min(5, -(-fen * 5 // top)))
        projects = ctx.region_amounts.get(name, (0, 0))[0]
        label = wan(f"{from_fen(fen):.2f}") if fen else ""
        levels[name] = {"amount": f"{from_fen(fen):.2f}", "level": level, "label": label,
                        "tooltip": ngettext("%(region)s：%(n)d 个立项项目，%(amount)s",
                                            "%(region)s：%(n)d 个立项项目，%(amount)s", projects,
                                            region=name, n=projects, amount=label) if fen
                        else _("%(region)s：暂无立项", region=name)}
    return levels


def round_label(year: int, title: str) -> str:
    """"2025年…项目" as it is, "2025 · Title" when the title does not say its year."""
    return title if str(year) in title else f"{year} · {title}"


def _pipeline(ctx: DashboardContext) -> PanelData | None:
    """The applications of this year's rounds by status; of one round when a running round
    was chosen."""
    chosen = ctx.round if ctx.chosen else None
    if chosen is not None and chosen.status in (RoundStatus.DRAFT, RoundStatus.CLOSED):
        chosen = None
    current = chosen or ctx.current
    if current is None:
        return None
    if chosen is not None:
        items = services.pipeline(chosen, ctx.region)
        note = chosen.status.label
        what = _("%(round)s（%(status)s）", round=round_label(chosen.year, chosen.title),
                 status=chosen.status.label)
    else:
        items = services.pipeline(None, ctx.region, year=current.year)
        note = _("%(year)d 年", year=current.year)
        what = _("%(year)d 年全部项目库", year=current.year)
    shown = [i for i in items if i["count"]] or items  # the chart leaves out empty states
    return PanelData(
        columns=[_("状态"), _("申报书")],
        rows=[[i["label"], i["count"]] for i in items],
        chart={"type": "hbar", "unit": "count", "categories": [i["label"] for i in shown],
               "series": [{"name": _("申报书"), "type": "bar", "axis": 0,
                           "data": [i["count"] for i in shown]}]},
        note=note,
        footnote=_("%(what)s。图中只画有申报书的状态，表中列出全部状态。", what=what))


register(Panel("by_year", _l("历年立项资金与项目"), _by_year, order=10, wide=True))
register(Panel("map", _l("各县区立项资金"), _map, order=20, template="stats/_panel_map.html"))
register(Panel("by_category", _l("按类别"), _by_category, order=30))
register(Panel("by_theme", _l("按主题"), _by_theme, order=35))
register(Panel("shares", _l("命题占比与首次立项占比"), _shares, order=40))
register(Panel("pipeline", _l("本年度申报进展"), _pipeline, order=50))
