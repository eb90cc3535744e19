"""Simultaneous imports, as several workers would run them: a year is counted once, and an
organisation new to the platform is created once (a named lock serialises imports; a
partial unique index keeps one imported round per year)."""
from __future__ import annotations

import csv
import io
import json
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role, User
from marketplace.applications.models import Application
from marketplace.core.locks import lock_key, named_lock
from marketplace.extensions import db
from marketplace.funds.models import Award
from marketplace.history.rows import COLUMNS
from marketplace.history.services import IMPORT_LOCK, ImportReport, import_history
from marketplace.organisations.models import Organisation
from marketplace.rounds.models import Challenge, Round
from marketplace.stats import services as stats
from tests.concurrency import race
from tests.factories import make_user

N = 4
SAMPLE = Path(__file__).resolve().parents[2] / "marketplace" / "history" / "data" / \
    "history_sample.csv"


def sample_rows() -> list[dict]:
    return list(csv.DictReader(io.StringIO(SAMPLE.read_text(encoding="utf-8"))))


def to_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def counts() -> dict:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Round, Challenge, Organisation, Application, Award)}


def figures() -> dict:
    """What the stats API shows, without the ids (they differ between two imports)."""
    rounds = [dict(r, id=None) for r in stats.list_rounds()]
    per_round = []
    for round_ in db.session.scalars(select(Round).order_by(Round.year, Round.id)):
        figures_ = stats.round_stats(round_)
        figures_["round"] = dict(figures_["round"], id=None)
        per_round.append(figures_)
    # As the JSON API sends them.
    return json.loads(json.dumps({"rounds": rounds, "per_round": per_round,
                                  "years": stats.yearly_series()}))


def api_figures(client) -> dict:
    rounds = client.get("/api/v1/rounds").get_json()["rounds"]
    per_round = []
    for r in rounds:
        figures_ = client.get(f"/api/v1/rounds/{r['id']}/stats").get_json()
        figures_["round"] = dict(figures_["round"], id=None)
        per_round.append(figures_)
    return {"rounds": [dict(r, id=None) for r in rounds], "per_round": per_round,
            "years": figures()["years"]}


def single_import_figures(data: bytes) -> tuple[dict, dict]:
    """Counts and stats figures after one import of `data`, which is then rolled back."""
    assert import_history(None, data).ok
    db.session.flush()
    result = counts(), figures()
    db.session.rollback()
    return result


def import_at_once(app, files: list[bytes]) -> tuple[list[str], list[ImportReport]]:
    staff_id = make_user(roles=[Role.ORGANIZER]).id
    db.session.remove()
    reports: list[ImportReport] = []

    def upload(i: int, start) -> None:
        staff = db.session.get(User, staff_id)
        start()
        report = import_history(staff, files[i])
        assert report.ok, report.problems
        reports.append(report)

    return race(app, len(files), upload), reports


def year_2020_file() -> bytes:
    """The sample's projects again in 2020: every organisation is known by then."""
    rows = sample_rows()
    for row in rows:
        row["round_year"], row["round_title"] = "2020", "2020年志愿服务集市创投项目"
    return to_csv(rows)


@pytest.mark.parametrize("organisations", ["known", "new"])
def test_the_same_file_imported_at_once_is_counted_once(app, client, organisations):
    if organisations == "known":
        assert import_history(None, SAMPLE.read_bytes()).ok
        db.session.commit()
        data = year_2020_file()
    else:
        data = SAMPLE.read_bytes()
    expected_counts, expected_figures = single_import_figures(data)

    results, reports = import_at_once(app, [data] * N)

    assert results == ["ok"] * N, results
    assert sorted((r.new, r.unchanged) for r in reports) == [(0, 6)] * (N - 1) + [(6, 0)]
    assert counts() == expected_counts
    assert api_figures(client) == expected_figures


def test_two_files_that_share_a_new_organisation_create_it_once(app):
    rows = sample_rows()
    files = [to_csv([r for r in rows if r["round_year"] == year]) for year in ("2018", "2019")]

    results, reports = import_at_once(app, files)

    assert results == ["ok", "ok"], results
    assert sorted(r.new for r in reports) == [3, 3]
    assert counts() == {"Round": 2, "Challenge": 1, "Organisation": 4, "Application": 6,
                        "Award": 5}
    assert db.session.scalar(select(func.count()).select_from(Organisation).where(
        Organisation.name == "普陀区海韵志愿服务队")) == 1



def test_a_named_lock_is_held_until_the_holder_commits(app):
    """The second taker waits for the first transaction's end, not just for its lock call:
    what it reads after taking the lock includes what the first committed."""
    held, seen = threading.Event(), []

    def take(i: int, start) -> None:
        start()
        if i == 0:
            named_lock(IMPORT_LOCK)
            held.set()
            time.sleep(0.3)  # the other thread is asking for the lock meanwhile
            make_user(commit=False)
        else:
            held.wait(timeout=10)
            named_lock(IMPORT_LOCK)
            seen.append(db.session.scalar(select(func.count(User.id))))

    assert race(app, 2, take) == ["ok", "ok"]
    assert seen == [1]


def test_a_lock_name_has_the_same_key_in_every_process():
    assert lock_key(IMPORT_LOCK) == lock_key("history." + "import")
    assert lock_key(IMPORT_LOCK) == 7334143579262669619
    assert -2**63 <= lock_key("x" * 1000) < 2**63
