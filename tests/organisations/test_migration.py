"""Migration 0008b carries existing rows: organisations verified before it count the county
they show as verified; existing invitations were sent when they were made."""
from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from tests.conftest import _create_pg_database, _drop_pg_database, make_test_app

BEFORE = "0008a_review_integrity"


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request, tmp_path):
    """An empty database of its own: the shared test database is already at head."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
    else:
        name, url = _create_pg_database()
        try:
            yield url
        finally:
            _drop_pg_database(name)


def test_migration_keeps_verified_counties_and_invitation_times(fresh_database,
                                                                tmp_path_factory,
                                                                smtp_server):
    app = make_test_app(fresh_database, tmp_path_factory, smtp_server.port)
    with app.app_context():
        upgrade(revision=BEFORE)
    engine = create_engine(fresh_database)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO \"user\" (id, email, name, password_hash, locale, created_at,"
                " session_token) VALUES (1, 'o@example.org', 'o', 'x', 'zh_CN',"
                " '2026-01-01 00:00:00', 'token')"))
            for org_id, status, region in [(1, "verified", "岱山县"), (2, "pending", "定海区"),
                                           (3, "rejected", "嵊泗县")]:
                conn.execute(text(
                    "INSERT INTO organisation (id, name, org_type, uscc, region, contact_name,"
                    " contact_phone, address, introduction, status, imported, created_at)"
                    " VALUES (:id, :name, 'other', '52330900000000001X', :region, 'c',"
                    " '13800138000', '', '', :status, false, '2026-01-01 00:00:00')"),
                    {"id": org_id, "name": f"组织{org_id}", "region": region, "status": status})
            conn.execute(text(
                "INSERT INTO invitation (id, organisation_id, email, status, invited_by_id,"
                " created_at) VALUES (1, 1, 'i@example.org', 'pending', 1,"
                " '2026-02-03 04:05:06')"))
        with app.app_context():
            upgrade()
        with engine.connect() as conn:
            counties = dict(conn.execute(text(
                "SELECT id, verified_region FROM organisation ORDER BY id")).all())
            sent_at = conn.execute(text("SELECT sent_at FROM invitation")).scalar_one()
    finally:
        engine.dispose()
    assert counties == {1: "岱山县", 2: None, 3: None}
    assert str(sent_at).startswith("2026-02-03 04:05:06")
