"""Migration 0011p adds the payee and agreement tables with their constraints over existing
data (nothing to carry: no organisation had a payee, no award an agreement), and goes back."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from marketplace.extensions import db
from tests.migrations import insert_row

BEFORE = "0010a_applicants"
AFTER = "0011p_payees_agreements"
TABLES = {"payee_account", "award_payee", "agreement_text", "agreement"}


def _award(conn) -> tuple[int, int]:
    user = insert_row(conn, "user", email="o@example.org", name="o", session_token="t")
    org = insert_row(conn, "organisation", name="队", org_type="other",
                     uscc="52330900000000001X", status="verified")
    round_id = insert_row(conn, "round", year=2026, title="2026年", status="delivery")
    application = insert_row(conn, "application", round_id=round_id, organisation_id=org,
                             title="项目", status="awarded", requested_fen=100_000)
    award = insert_row(conn, "award", application_id=application, round_id=round_id,
                       amount_fen=100_000, status="awarded", approved_by_id=user)
    return org, award


def test_the_migration_adds_the_tables_with_their_constraints_and_goes_back(fresh_app):
    upgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        org, award = _award(conn)
    upgrade(revision=AFTER)
    with db.engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) >= TABLES
    with db.engine.begin() as conn:
        insert_row(conn, "payee_account", organisation_id=org, version=1, account_name="队",
                   bank="银行", account_number="6222021234567890", status="pending")
    for table, values in (
            # A second version 1 of one organisation.
            ("payee_account", dict(organisation_id=org, version=1, account_name="队",
                                   bank="银行", account_number="1", status="pending")),
            # A host unit without its USCC.
            ("payee_account", dict(organisation_id=org, version=2, account_name="队",
                                   bank="银行", account_number="1", status="pending",
                                   via_host_unit=True, host_unit_name="街道")),
            # Signed without the document.
            ("agreement", dict(award_id=award, status="signed"))):
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            insert_row(conn, table, **values)
    downgrade(revision=BEFORE)
    with db.engine.connect() as conn:
        assert not TABLES & set(sa.inspect(conn).get_table_names())
