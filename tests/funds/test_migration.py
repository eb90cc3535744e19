"""Migration 0009a carries the money: each award's JSON tranche plan becomes tranche rows with
its amounts exactly as stored, and awards imported before it get what the importer now
writes (one paid tranche; COMMIT, RELEASE and PAYMENT entries marked imported)."""
from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from marketplace.extensions import db
from tests.migrations import insert_row

BEFORE = "0008e_history_import_lock"
PLAN = [{"label": "立项拨付", "percent": 50, "gate": "on_award", "amount_fen": 500_000},
        {"label": "中期报告通过后拨付", "percent": 30, "gate": "after_report",
         "amount_fen": 300_000},
        {"label": "验收合格后拨付", "percent": 20, "gate": "after_acceptance",
         "amount_fen": 200_001}]





def _rows(conn, sql: str) -> list[tuple]:
    return [tuple(r) for r in conn.execute(sa.text(sql))]


def test_the_migration_carries_tranche_plans_and_puts_imported_awards_on_the_ledger(
        fresh_app):
    upgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        user = insert_row(conn, "user", email="o@example.org", name="o", session_token="t")
        org = insert_row(conn, "organisation", name="队", org_type="other",
                      uscc="52330900000000001X", status="verified")

        def round_(year, imported):
            return insert_row(conn, "round", year=year, title=f"{year}年",
                           status="closed" if imported else "delivery",
                           total_budget_fen=10_000_000, imported=imported)

        def award(round_id, title, fen, plan, imported, pool_id=None):
            application = insert_row(
                conn, "application", round_id=round_id, organisation_id=org, title=title,
                status="awarded", requested_fen=fen, pool_id=pool_id)
            return insert_row(conn, "award", application_id=application, round_id=round_id,
                           pool_id=pool_id, amount_fen=fen, status="awarded",
                           tranche_plan=plan, approved_at=datetime(2019, 12, 31),
                           approved_by_id=user, awarded_at=datetime(2019, 12, 31),
                           imported=imported)

        live, past = round_(2026, False), round_(2019, True)
        pool = insert_row(conn, "pool", round_id=live, name="综合", kind="general",
                       amount_fen=5_000_000)
        planned = award(live, "有计划", 1_000_001, PLAN, False, pool)
        insert_row(conn, "ledger_entry", round_id=live, pool_id=pool, award_id=planned,
                kind="commit", amount_fen=1_000_001, note="立项承诺")
        unplanned = award(live, "无计划", 12_345, [], False, pool)
        imported = award(past, "渔嫂课堂", 1_500_000, [], True)

    upgrade()

    with db.engine.connect() as conn:
        tranches = _rows(conn, "SELECT award_id, \"index\", label, percent, amount_fen, gate,"
                               " state, planned_date FROM tranche ORDER BY award_id, \"index\"")
        entries = _rows(conn, "SELECT award_id, kind, amount_fen, tranche_id IS NOT NULL,"
                              " imported, pool_id, round_id, created_at FROM ledger_entry"
                              " ORDER BY id")
        paid_tranche = conn.execute(sa.text(
            "SELECT id FROM tranche WHERE award_id = :a"), {"a": imported}).scalar_one()
        release_tranches = {r[0] for r in conn.execute(sa.text(
            "SELECT tranche_id FROM ledger_entry WHERE award_id = :a AND kind <> 'commit'"),
            {"a": imported})}
        award_columns = {c["name"] for c in sa.inspect(conn).get_columns("award")}
        entry_columns = {c["name"] for c in sa.inspect(conn).get_columns("ledger_entry")}

    assert tranches == [
        (planned, 1, "立项拨付", 50, 500_000, "on_award", "scheduled", None),
        (planned, 2, "中期报告通过后拨付", 30, 300_000, "after_report", "scheduled", None),
        (planned, 3, "验收合格后拨付", 20, 200_001, "after_acceptance", "scheduled", None),
        (unplanned, 1, "全额拨付", 100, 12_345, "on_award", "scheduled", None),
        (imported, 1, "全额拨付", 100, 1_500_000, "on_award", "paid", None)]
    assert [e[:6] + e[6:7] for e in entries] == [
        (planned, "commit", 1_000_001, False, False, pool, live),
        (imported, "commit", 1_500_000, False, True, None, past),
        (imported, "release", 1_500_000, True, True, None, past),
        (imported, "payment", 1_500_000, True, True, None, past)]
    assert all(str(e[7]).startswith("2019-12-31") for e in entries[1:])
    assert release_tranches == {paid_tranche}
    assert "tranche_plan" not in award_columns
    assert "tranche_index" not in entry_columns and "tranche_id" in entry_columns


def test_the_migration_goes_back_to_json_plans(fresh_app):
    upgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        org = insert_row(conn, "organisation", name="队", org_type="other",
                      uscc="52330900000000001X", status="verified")
        round_id = insert_row(conn, "round", year=2026, title="2026年", status="delivery")
        application = insert_row(conn, "application", round_id=round_id, organisation_id=org,
                              title="有计划", status="awarded", requested_fen=1_000_001)
        insert_row(conn, "award", application_id=application, round_id=round_id,
                amount_fen=1_000_001, status="awarded", tranche_plan=PLAN, imported=False)
    upgrade()
    downgrade(revision=BEFORE)
    with db.engine.connect() as conn:
        plan = conn.execute(sa.text("SELECT tranche_plan FROM award")).scalar_one()
        tables = sa.inspect(conn).get_table_names()
    assert (json.loads(plan) if isinstance(plan, str) else plan) == PLAN
    assert "tranche" not in tables
