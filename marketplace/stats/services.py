"""Round statistics, computed by the database (GROUP BY), in a fixed number of queries.

An application counts as awarded (立项) when its Award has `awarded_at` set, whatever happened
to it later (accepted, failed, terminated). An organisation is known by its USCC.
Amounts leave here as strings with two decimals; percentages are rounded half-up: shares to
two decimals, growth to one.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import aliased

from marketplace.applications.models import Application, ApplicationStatus, ApplicationTheme
from marketplace.core.money import from_fen
from marketplace.extensions import db
from marketplace.funds import sources as funds_sources
from marketplace.funds.models import Award
from marketplace.organisations.models import Organisation
from marketplace.rounds.models import Round, RoundStatus

SHARE = Decimal("0.01")
# A round in these states has not reached 立项 yet: its money is not known. A year with such a
# round is "in progress" (进行中): its growth is null, and no growth is computed against it.
BEFORE_AWARD = (RoundStatus.OPEN, RoundStatus.REVIEWING, RoundStatus.PUBLICITY)
GROWTH = Decimal("0.1")
# The pipeline of a round, in lifecycle order (DESIGN.md "Lifecycle").
PIPELINE = [ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED,
            ApplicationStatus.WITHDRAWN, ApplicationStatus.IN_REVIEW,
            ApplicationStatus.REJECTED, ApplicationStatus.WAITLISTED,
            ApplicationStatus.APPROVED, ApplicationStatus.AWARDED]


def amount_text(fen: int | None) -> str:
    return f"{from_fen(fen or 0):.2f}"


def percent(part: int, whole: int, places: Decimal = SHARE) -> float | None:
    if not whole:
        return None
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(places, rounding=ROUND_HALF_UP)
    return float(value)


def growth(current: int, previous: int | None) -> float | None:
    """Percent change against the previous figure; None without one (or from zero)."""
    if not previous:
        return None
    return percent(current - previous, previous, GROWTH)


def years_in_progress(years: list[int] | None = None) -> set[int]:
    """Years with a published round that has not reached 立项 yet (one query)."""
    stmt = select(Round.year).distinct().where(Round.status.in_(BEFORE_AWARD))
    if years is not None:
        stmt = stmt.where(Round.year.in_(years))
    return set(db.session.scalars(stmt))


def _awarded():
    """Awards that reached 立项, with their application and round (the base of every figure)."""
    return (select()
            .select_from(Award)
            .join(Application, Award.application_id == Application.id)
            .join(Round, Award.round_id == Round.id)
            .where(Award.awarded_at.is_not(None)))


def _in_region(stmt, region: str | None):
    return stmt.where(Application.region == region) if region else stmt


def list_rounds() -> list[dict]:
    rounds = db.session.execute(
        select(Round.id, Round.year, Round.title, Round.status)
        .where(Round.status != RoundStatus.DRAFT).order_by(Round.year, Round.id)).all()
    return [{"id": r.id, "year": r.year, "title": r.title, "status": r.status.value}
            for r in rounds]


def _round_order(round_table):
    """Rounds in time order: by year, then (two calls in one year) by creation."""
    return round_table.year * 1_000_000 + round_table.id


def _first_time_query(region: str | None, per: str = "round"):
    """Per round (or per year): awarded organisations (distinct USCC) and those awarded for the
    first time, i.e. with no award in any earlier round (year).

    Each USCC's first award comes from one GROUP BY over every award (not only the county's:
    first time anywhere); the outer query is another.
    """
    key = _round_order if per == "round" else (lambda r: r.year)
    first_app = aliased(Application)
    first_org = aliased(Organisation)
    first_round = aliased(Round)
    first = (select(first_org.uscc.label("uscc"), func.min(key(first_round)).label("key"))
             .select_from(Award)
             .join(first_app, Award.application_id == first_app.id)
             .join(first_org, first_app.organisation_id == first_org.id)
             .join(first_round, Award.round_id == first_round.id)
             .where(Award.awarded_at.is_not(None))
             .group_by(first_org.uscc)
             .subquery("first_award"))
    group = Round.id if per == "round" else Round.year
    stmt = (_awarded()
            .join(Organisation, Application.organisation_id == Organisation.id)
            .join(first, first.c.uscc == Organisation.uscc)
            .add_columns(group.label("group_key"),
                         func.count(distinct(Organisation.uscc)).label("orgs"),
                         func.count(distinct(case((first.c.key == key(Round),
                                                   Organisation.uscc))))
                         .label("first_time"))
            .group_by(group))
    return _in_region(stmt, region)


def round_stats(round_: Round, region: str | None = None) -> dict:
    """The figures of one round's awarded projects (optionally of one county)."""
    challenge_fen = case((Application.challenge_id.is_not(None), Award.amount_fen), else_=0)
    challenge_n = case((Application.challenge_id.is_not(None), 1), else_=0)
    totals = db.session.execute(_in_region(_awarded().add_columns(
        func.count(Award.id), func.coalesce(func.sum(Award.amount_fen), 0),
        func.coalesce(func.sum(challenge_n), 0), func.coalesce(func.sum(challenge_fen), 0),
    ).where(Award.round_id == round_.id), region)).one()
    projects, amount_fen, challenge_projects, challenge_amount_fen = (int(v) for v in totals)

    # The year before: whether it had a round, and its money by category (one query). No growth
    # while a round of this year (or of the year before) has not reached 立项: the year's money
    # is not known yet, and a year in progress is not a fall.
    previous_year = round_.year - 1
    running = case((Round.status.in_(BEFORE_AWARD), 1), else_=0)
    previous_rounds, previous_running, this_running = (int(v or 0) for v in db.session.execute(
        select(func.sum(case((Round.year == previous_year, 1), else_=0)),
               func.sum(case((Round.year == previous_year, running), else_=0)),
               func.sum(case((Round.year == round_.year, running), else_=0)))
        .where(Round.year.in_([previous_year, round_.year]),
               Round.status != RoundStatus.DRAFT)).one())
    had_previous = previous_rounds > 0 and not previous_running and not this_running
    by_year_category = db.session.execute(_in_region(
        _awarded().add_columns(Round.year, Application.category, func.count(Award.id),
                               func.sum(Award.amount_fen))
        .where(Round.year.in_([previous_year, round_.year]),
               (Round.year == previous_year) | (Award.round_id == round_.id))
        .group_by(Round.year, Application.category), region)).all()
    previous_total = sum(int(r[3]) for r in by_year_category if r[0] == previous_year)
    previous_by_category = {r[1]: int(r[3]) for r in by_year_category if r[0] == previous_year}
    categories = sorted(((r[1], int(r[2]), int(r[3])) for r in by_year_category
                         if r[0] == round_.year), key=lambda c: (-c[2], c[0]))

    regions = db.session.execute(_in_region(
        _awarded().add_columns(Application.region, func.count(Award.id),
                               func.sum(Award.amount_fen))
        .where(Award.round_id == round_.id).group_by(Application.region), region)).all()
    regions = sorted(((r[0], int(r[1]), int(r[2])) for r in regions), key=lambda r: (-r[2], r[0]))

    first = db.session.execute(_first_time_query(region).where(Round.id == round_.id)).first()
    orgs, first_time = (int(first.orgs), int(first.first_time)) if first else (0, 0)

    figures = {
        "round": {"id": round_.id, "year": round_.year, "title": round_.title},
        "awarded_projects": projects,
        "awarded_amount": amount_text(amount_fen),
        "growth_vs_previous_pct": growth(amount_fen, previous_total) if had_previous else None,
        "challenge_projects": challenge_projects,
        "challenge_amount": amount_text(challenge_amount_fen),
        "challenge_share_pct": percent(challenge_amount_fen, amount_fen),
        "first_time_orgs": first_time,
        "first_time_share_pct": percent(first_time, orgs),
        "by_category": [
            {"category": name, "projects": n, "amount": amount_text(fen),
             "growth_vs_previous_pct": growth(fen, previous_by_category.get(name))
             if had_previous else None}
            for name, n, fen in categories],
        "by_region": [{"region": name, "projects": n, "amount": amount_text(fen)}
                      for name, n, fen in regions],
        # 社会力量参与: who the awarded money comes from (funds/sources.py).
        "by_source": [{"source": row["source"], "kind": row["kind"], "social": row["social"],
                       "projects": row["projects"], "amount": amount_text(row["amount_fen"])}
                      for row in funds_sources.awarded_by_source(round_.id, region)],
    }
    # 主题: only a round that defines themes has theme figures, so the figures of every other
    # round stay exactly what they were.
    if round_.themes:
        figures["by_theme"] = _round_by_theme(round_, region, had_previous)
    return figures


def _by_year_theme(years: list[int] | None, region: str | None, round_id: int | None = None):
    """(year, theme, projects, fen) of awarded projects carrying a theme (one query). A
    project with two themes counts under each; the themes overlap and do not sum to the total."""
    stmt = (_awarded().join(ApplicationTheme, ApplicationTheme.application_id == Application.id)
            .add_columns(Round.year, ApplicationTheme.theme, func.count(Award.id),
                         func.sum(Award.amount_fen))
            .group_by(Round.year, ApplicationTheme.theme))
    if years is not None:
        stmt = stmt.where(Round.year.in_(years))
    if round_id is not None:
        stmt = stmt.where((Round.year != years[-1]) | (Award.round_id == round_id))
    return [(r[0], r[1], int(r[2]), int(r[3]))
            for r in db.session.execute(_in_region(stmt, region))]


def _round_by_theme(round_: Round, region: str | None, had_previous: bool) -> list[dict]:
    """Every theme of the round (zeros too, in the round's order), growth against the same
    theme the year before."""
    rows = _by_year_theme([round_.year - 1, round_.year], region, round_.id)
    previous = {theme: fen for year, theme, _n, fen in rows if year == round_.year - 1}
    this = {theme: (n, fen) for year, theme, n, fen in rows if year == round_.year}
    names = [*round_.themes, *sorted(t for t in this if t not in round_.themes)]
    return [{"theme": name, "projects": this.get(name, (0, 0))[0],
             "amount": amount_text(this.get(name, (0, 0))[1]),
             "growth_vs_previous_pct": growth(this.get(name, (0, 0))[1], previous.get(name))
             if had_previous else None}
            for name in names]


def yearly_series(region: str | None = None, with_themes: bool = False) -> list[dict]:
    """Across years: projects, money, growth, challenge share and first-time share per year.

    Four queries whatever the number of rounds. A year with a round before 立项 is marked
    `in_progress`; its growth, and the growth of the year after it, are null. `with_themes`:
    each year also gets `by_theme` (主题; one more query), projects, money and growth per
    theme.
    """
    challenge_fen = case((Application.challenge_id.is_not(None), Award.amount_fen), else_=0)
    money = {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in db.session.execute(_in_region(
        _awarded().add_columns(Round.year, func.count(Award.id), func.sum(Award.amount_fen),
                               func.sum(challenge_fen))
        .group_by(Round.year), region))}
    first = {row.group_key: (int(row.orgs), int(row.first_time))
             for row in db.session.execute(_first_time_query(region, per="year"))}
    years = db.session.scalars(select(Round.year).distinct().where(
        Round.status != RoundStatus.DRAFT).order_by(Round.year)).all()
    running = years_in_progress()
    themes: dict[int, dict[str, tuple[int, int]]] = {}
    for year, theme, n, fen in (_by_year_theme(None, region) if with_themes else []):
        themes.setdefault(year, {})[theme] = (n, fen)
    series = []
    previous = None
    for year in years:  # one entry per year, not per row
        projects, fen, challenge = money.get(year, (0, 0, 0))
        orgs, first_time = first.get(year, (0, 0))
        comparable = (previous is not None and previous[0] == year - 1
                      and year not in running and previous[0] not in running)
        before = themes.get(year - 1, {})
        entry = {
            "year": year, "projects": projects, "amount": amount_text(fen),
            "in_progress": year in running,
            "growth_vs_previous_pct": growth(fen, previous[1]) if comparable else None,
            "challenge_share_pct": percent(challenge, fen),
            "first_time_share_pct": percent(first_time, orgs)}
        if with_themes:
            entry["by_theme"] = [
                {"theme": name, "projects": n, "amount": amount_text(theme_fen),
                 "growth_vs_previous_pct": growth(theme_fen, before.get(name, (0, 0))[1])
                 if comparable else None}
                for name, (n, theme_fen) in sorted(themes.get(year, {}).items(),
                                                   key=lambda t: (-t[1][1], t[0]))]
        series.append(entry)
        previous = (year, fen)
    return series


def region_amounts(round_: Round | None) -> dict[str, tuple[int, int]]:
    """(projects, money in fen) per county for the map: of one round, or of every year."""
    stmt = _awarded().add_columns(Application.region, func.count(Award.id),
                                  func.sum(Award.amount_fen)).group_by(Application.region)
    if round_ is not None:
        stmt = stmt.where(Award.round_id == round_.id)
    return {r[0]: (int(r[1]), int(r[2])) for r in db.session.execute(stmt)}


def pipeline(round_: Round | None, region: str | None = None,
             year: int | None = None) -> list[dict]:
    """Applications of a round (or of every published round of a year) by status, in
    lifecycle order (every status, zeros too)."""
    stmt = select(Application.status, func.count(Application.id)).group_by(Application.status)
    if round_ is not None:
        stmt = stmt.where(Application.round_id == round_.id)
    else:
        stmt = stmt.join(Round, Application.round_id == Round.id).where(
            Round.year == year, Round.status != RoundStatus.DRAFT)
    counts = dict(db.session.execute(_in_region(stmt, region)).all())
    return [{"status": s.value, "label": s.label, "count": int(counts.get(s, 0))}
            for s in PIPELINE]


def current_round() -> Round | None:
    """The round the platform is running now: the latest published one that is not closed,
    else the latest round."""
    live = db.session.scalar(
        select(Round).where(Round.status.not_in([RoundStatus.DRAFT, RoundStatus.CLOSED]))
        .order_by(Round.year.desc(), Round.id.desc()).limit(1))
    return live or latest_round()


def latest_round() -> Round | None:
    return db.session.scalar(select(Round).where(Round.status != RoundStatus.DRAFT)
                             .order_by(Round.year.desc(), Round.id.desc()).limit(1))


def round_for_year(year: int) -> Round | None:
    return db.session.scalar(select(Round).where(
        Round.year == year, Round.status != RoundStatus.DRAFT).order_by(Round.id).limit(1))

