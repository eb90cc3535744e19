"""One imported round per year: a database index behind the import lock, and the migration
that merges the duplicate rounds earlier simultaneous imports left behind."""
from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy.exc import IntegrityError

from marketplace import ROOT
from marketplace.extensions import db
from marketplace.rounds.models import Round, RoundStatus
from tests.migrations import insert_row

REVISION = "0008e_history_import_lock"


def test_a_year_has_at_most_one_imported_round(app):
    db.session.add(Round(year=2019, title="2019年", status=RoundStatus.CLOSED, imported=True))
    db.session.commit()
    db.session.add(Round(year=2019, title="2019年（又一次）", status=RoundStatus.CLOSED,
                         imported=True))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_live_round_may_share_its_year_with_an_imported_one(app):
    db.session.add_all([
        Round(year=2019, title="2019年", status=RoundStatus.CLOSED, imported=True),
        Round(year=2019, title="2019年·平台", status=RoundStatus.CLOSED),
        Round(year=2019, title="2019年·平台（二）", status=RoundStatus.CLOSED)])
    db.session.commit()


# --- the migration, on a database of its own ----------------------------------------------


def _insert(conn, table_name: str, **values) -> int:
    return insert_row(conn, table_name, day=date(2019, 12, 31), **values)


def _previous_revision() -> str:
    config = Config()
    config.set_main_option("script_location", f"{ROOT}/migrations")
    return ScriptDirectory.from_config(config).get_revision(REVISION).down_revision




def test_the_migration_merges_a_year_imported_twice_into_one_round(fresh_app):
    upgrade(revision=_previous_revision())
    with db.engine.begin() as conn:
        orgs = [_insert(conn, "organisation", name=f"队{i}", uscc=f"5233090061200000{i}X",
                        org_type="other", status="verified", imported=True) for i in range(3)]

        def round_(year, imported, fen, categories):
            return _insert(conn, "round", year=year, title=f"{year}年", status="closed",
                           imported=imported, total_budget_fen=fen, categories=categories)

        def application(round_id, org, title, challenge_id=None, award_fen=None):
            app_id = _insert(conn, "application", round_id=round_id, organisation_id=org,
                             title=title, challenge_id=challenge_id,
                             status="awarded" if award_fen else "rejected")
            if award_fen:
                _insert(conn, "award", application_id=app_id, round_id=round_id,
                        amount_fen=award_fen, status="awarded", imported=True)
            return app_id

        first = round_(2019, True, 2_400_000, ["关爱帮扶"])
        zebra = _insert(conn, "challenge", round_id=first, title="斑马线守护", slots=1)
        kept = [application(first, orgs[0], "渔嫂课堂", award_fen=1_500_000),
                application(first, orgs[1], "文明礼让", zebra, award_fen=900_000)]
        # The same upload, run at the same time, and a file with one more project.
        second = round_(2019, True, 2_900_000, ["关爱帮扶", "生态环保"])
        zebra_again = _insert(conn, "challenge", round_id=second, title="斑马线守护", slots=1)
        island = _insert(conn, "challenge", round_id=second, title="海岛守护", slots=1)
        application(second, orgs[0], "渔嫂课堂", award_fen=1_500_000)
        application(second, orgs[1], "文明礼让", zebra_again, award_fen=900_000)
        moved = [application(second, orgs[2], "海岛环保行", island, award_fen=500_000),
                 application(second, orgs[2], "海岛支教", zebra_again)]
        other_years = [round_(2018, True, 100, []), round_(2019, False, 0, []),
                       round_(2020, False, 0, [])]

    upgrade()

    with db.engine.connect() as conn:
        rounds = conn.execute(sa.text(
            "SELECT id, year, total_budget_fen, categories FROM round ORDER BY id")).all()
        applications = conn.execute(sa.text(
            "SELECT id, round_id, challenge_id FROM application ORDER BY id")).all()
        awards = conn.execute(sa.text(
            "SELECT application_id, round_id FROM award ORDER BY application_id")).all()
        challenges = conn.execute(sa.text(
            "SELECT id, round_id FROM challenge ORDER BY id")).all()
    assert [r.id for r in rounds] == [first, *other_years]
    merged = rounds[0]
    assert merged.total_budget_fen == 2_900_000
    categories = merged.categories  # text on SQLite (a plain SELECT does not know it is JSON)
    assert (json.loads(categories) if isinstance(categories, str) else categories) == [
        "关爱帮扶", "生态环保"]
    assert [tuple(a) for a in applications] == [
        (kept[0], first, None), (kept[1], first, zebra),
        (moved[0], first, island), (moved[1], first, zebra)]
    assert [tuple(a) for a in awards] == [(kept[0], first), (kept[1], first), (moved[0], first)]
    assert [tuple(c) for c in challenges] == [(zebra, first), (island, first)]

    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        _insert(conn, "round", year=2019, title="2019年", status="closed", imported=True)
