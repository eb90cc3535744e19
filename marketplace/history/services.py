"""Importing past rounds. All or nothing: any bad row and nothing is written.

An imported awarded project was finished and paid in full: its award gets one paid tranche
and COMMIT, RELEASE and PAYMENT ledger entries marked imported (funds.record_imported_payment).

Rows are matched on (year, USCC, project title): a row already imported is left as it is,
so importing the same file twice changes nothing, also when two uploads run at once: imports
take one named lock before reading what exists, so the second sees what the first wrote.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.applications.models import Application, ApplicationStatus, ApplicationTheme
from marketplace.audit.services import record
from marketplace.core.locks import named_lock
from marketplace.core.money import to_fen
from marketplace.core.policy import require
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.funds.models import Award, AwardStatus
from marketplace.funds.services import record_imported_payment
from marketplace.history import policy
from marketplace.history.rows import (
    HistoryFileError,
    HistoryRow,
    RowProblem,
    check_rows,
    read_table,
)
from marketplace.organisations.models import Organisation, OrganisationStatus, OrganisationType
from marketplace.rounds.models import Challenge, Round, RoundStatus

STATUS_OF = {"awarded": ApplicationStatus.AWARDED, "rejected": ApplicationStatus.REJECTED}
# One lock for every import, not one per year: two files of different years may share an
# organisation new to the platform, and only one of them may create it.
IMPORT_LOCK = "history.import"


@dataclass
class ImportReport:
    rows: int = 0
    new: int = 0
    unchanged: int = 0
    rounds: int = 0          # created (or, in a dry run, that would be)
    organisations: int = 0
    challenges: int = 0
    awards: int = 0
    dry_run: bool = False
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if not self.ok:
            return str(_l("文件有 %(n)d 处问题，什么也没有导入。", n=len(self.problems)))
        text = str(_l("新增 %(new)d 条，未变 %(unchanged)d 条", new=self.new,
                      unchanged=self.unchanged))
        if self.dry_run:
            text = str(_l("试导入（未写入）：%(text)s", text=text))
        return text

    def as_dict(self) -> dict:
        return {"ok": self.ok, "rows": self.rows, "new": self.new, "unchanged": self.unchanged,
                "rounds": self.rounds, "organisations": self.organisations,
                "challenges": self.challenges, "awards": self.awards, "dry_run": self.dry_run,
                "problems": [p.as_dict() for p in self.problems]}


def import_history(actor, data: bytes, *, dry_run: bool = False) -> ImportReport:
    """Check the whole file, then (unless dry_run or a problem) create what is new.

    `actor` is the organizer uploading (checked by policy); None for the command line.
    Does not commit.
    """
    if actor is not None:
        require(policy.can_import(actor))
    report = ImportReport(dry_run=dry_run)
    try:
        table = read_table(data)
    except HistoryFileError as exc:
        report.problems = [RowProblem(1, "", str(exc))]
        return report
    report.rows = len(table)
    rows, problems = check_rows(table, current_app.config["REGIONS"])
    named_lock(IMPORT_LOCK)
    plan = _Plan.against_database(rows, problems)
    report.problems = sorted(problems, key=lambda p: p.line)
    report.unchanged = len(plan.unchanged)
    report.new = len(plan.new)
    report.rounds = len(plan.years_to_create)
    report.organisations = len(plan.organisations_to_create)
    report.challenges = len(plan.challenges_to_create)
    report.awards = sum(1 for r in plan.new if r.status == "awarded")
    if report.ok and not dry_run and plan.new:
        plan.write(actor)
        record("history.import", actor=actor, object_type="history",
               after={k: v for k, v in report.as_dict().items() if k != "problems"})
    return report


def _on(year: int) -> datetime:
    # Imported history has no dates of its own; the end of its year stands for 立项.
    return datetime(year, 12, 31)


@dataclass
class _Plan:
    rounds: dict[int, Round]
    organisations: dict[tuple[str, str], Organisation]
    challenges: dict[tuple[int, str], Challenge]
    new: list[HistoryRow]
    unchanged: list[HistoryRow]
    years_to_create: set[int]
    organisations_to_create: set[tuple[str, str]]
    challenges_to_create: set[tuple[int, str]]

    @classmethod
    def against_database(cls, rows: list[HistoryRow], problems: list[RowProblem]) -> _Plan:
        """What already exists, in a fixed number of queries whatever the file's size."""
        years = {r.year for r in rows}
        rounds: dict[int, Round] = {}
        live_years: set[int] = set()
        if years:
            # populate_existing: a round this session loaded before the lock may be stale, and
            # its budget and categories are added to.
            for round_ in db.session.scalars(
                    select(Round).where(Round.year.in_(years)).order_by(Round.id)
                    .execution_options(populate_existing=True)):
                if round_.imported:
                    rounds.setdefault(round_.year, round_)
                else:
                    live_years.add(round_.year)
        round_ids = [r.id for r in rounds.values()]

        existing: dict[tuple, tuple] = {}
        if round_ids:
            stmt = (select(Round.year, Organisation.uscc, Application.title, Application.status,
                           Application.requested_fen, Award.amount_fen)
                    .join(Round, Application.round_id == Round.id)
                    .join(Organisation, Application.organisation_id == Organisation.id)
                    .outerjoin(Award, Award.application_id == Application.id)
                    .where(Application.round_id.in_(round_ids)))
            for year, uscc, title, status, requested_fen, award_fen in db.session.execute(stmt):
                existing[(year, uscc, title)] = (status, requested_fen, award_fen)

        usccs = {r.uscc for r in rows}
        organisations = {}
        if usccs:
            organisations = {(o.uscc, o.name): o for o in db.session.scalars(
                select(Organisation).where(Organisation.uscc.in_(usccs)))}
        challenges = {}
        if round_ids:
            challenges = {(c.round_id, c.title): c for c in db.session.scalars(
                select(Challenge).where(Challenge.round_id.in_(round_ids)))}

        plan = cls(rounds, organisations, challenges, [], [], set(), set(), set())
        for row in rows:
            if row.year in live_years:
                problems.append(RowProblem(row.line, "round_year", str(_l(
                    "%(year)d 年已有在平台上办理的项目库，不能再导入该年的历史数据。",
                    year=row.year))))
                continue
            found = existing.get(row.key)
            if found is not None:
                wanted = (STATUS_OF[row.status], to_fen(row.requested),
                          to_fen(row.awarded) if row.awarded is not None else None)
                if tuple(found) == wanted:
                    plan.unchanged.append(row)
                else:
                    problems.append(RowProblem(row.line, "project_title", str(_l(
                        "该项目已导入过，但状态或金额与本文件不同；已导入的历史数据不再修改。"))))
                continue
            plan.new.append(row)
            if row.year not in rounds:
                plan.years_to_create.add(row.year)
            if (row.uscc, row.organisation_name) not in organisations:
                plan.organisations_to_create.add((row.uscc, row.organisation_name))
            if row.challenge_title:
                round_ = rounds.get(row.year)
                if round_ is None or (round_.id, row.challenge_title) not in challenges:
                    plan.challenges_to_create.add((row.year, row.challenge_title))
        return plan

    def write(self, actor) -> None:
        actor_id = getattr(actor, "id", None)
        now = utcnow()
        for row in self.new:
            if row.year not in self.rounds:
                round_ = Round(year=row.year, title=row.round_title, status=RoundStatus.CLOSED,
                               imported=True, categories=[], themes=[], created_by_id=actor_id,
                               published_at=_on(row.year))
                db.session.add(round_)
                self.rounds[row.year] = round_
        db.session.flush()

        year_of = {r.id: r.year for r in self.rounds.values()}
        challenges_by_year: dict[tuple[int, str], Challenge] = {
            (year_of[rid], title): c for (rid, title), c in self.challenges.items()
            if rid in year_of}
        budget_added: dict[int, int] = defaultdict(int)
        categories: dict[int, list[str]] = defaultdict(list)
        themes: dict[int, list[str]] = defaultdict(list)
        for row in self.new:
            round_ = self.rounds[row.year]
            org_key = (row.uscc, row.organisation_name)
            organisation = self.organisations.get(org_key)
            if organisation is None:
                organisation = Organisation(
                    name=row.organisation_name, org_type=OrganisationType.OTHER, uscc=row.uscc,
                    region=row.region, contact_name="", contact_phone="",
                    status=OrganisationStatus.VERIFIED, imported=True, reviewed_at=now,
                    reviewed_by_id=actor_id, created_by_id=actor_id)
                db.session.add(organisation)
                self.organisations[org_key] = organisation
            challenge = None
            if row.challenge_title:
                challenge = challenges_by_year.get((row.year, row.challenge_title))
                if challenge is None:
                    challenge = Challenge(round=round_, title=row.challenge_title,
                                          published_at=_on(row.year))
                    db.session.add(challenge)
                    challenges_by_year[(row.year, row.challenge_title)] = challenge
            application = Application(
                round=round_, organisation=organisation, challenge=challenge,
                status=STATUS_OF[row.status], title=row.project_title, category=row.category,
                region=row.region, requested_fen=to_fen(row.requested),
                created_by_id=actor_id)
            db.session.add(application)
            if row.category not in round_.categories and row.category not in categories[row.year]:
                categories[row.year].append(row.category)
            application.theme_rows = [ApplicationTheme(theme=t, position=i)
                                      for i, t in enumerate(row.themes)]
            themes[row.year].extend(t for t in row.themes
                                    if t not in round_.themes and t not in themes[row.year])
            if row.status == "awarded":
                amount_fen = to_fen(row.awarded)
                award = Award(
                    application=application, round=round_, amount_fen=amount_fen,
                    status=AwardStatus.AWARDED, approved_at=_on(row.year),
                    approved_by_id=actor_id, awarded_at=_on(row.year), imported=True)
                db.session.add(award)
                record_imported_payment(actor, award, _on(row.year))
                budget_added[row.year] += amount_fen
        for year, fen in budget_added.items():
            self.rounds[year].total_budget_fen += fen
        for year, names in categories.items():
            self.rounds[year].categories = [*self.rounds[year].categories, *names]
        for year, names in themes.items():
            self.rounds[year].themes = [*(self.rounds[year].themes or []), *names]
        db.session.flush()
