"""Fixtures: every test that uses `app` runs on SQLite and on PostgreSQL.

PostgreSQL tests skip when no server answers, and fail instead with REQUIRE_POSTGRES=1.
Each database is migrated once per run with Alembic (so migrations are tested all the
time); tables are emptied after each test, so tests may commit and race threads.
"""
from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text

from marketplace import create_app
from marketplace.extensions import db, limiter
from tests.smtp import SMTPServer

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


def _create_pg_database() -> tuple[str, str]:
    name = f"mkt_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return name, base.replace("postgresql://", "postgresql+psycopg://", 1) + "/" + name


def _drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    else:
        name, url = _create_pg_database()
        yield url
        _drop_pg_database(name)


def make_test_app(database_url: str, tmp_path_factory, smtp_port: int, **overrides):
    config = {
        "APP_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_SUPPRESS_SEND": False,  # deliver to the real local SMTP server
        "PUBLIC_BASE_URL": "https://volunteer.example.org",
        "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    if database_url.startswith("sqlite"):
        # Threads in race tests share the file; wait for the lock instead of failing.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def _session_app(database_url, tmp_path_factory, smtp_server):
    app = make_test_app(database_url, tmp_path_factory, smtp_server.port)
    with app.app_context():
        upgrade()
    return app


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production: its own `g` (Flask-Login's
    cached user) and its own database session. The test's own objects are expired afterwards
    so they reload what the request committed."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def app(_session_app, smtp_server):
    _session_app.test_client_class = IsolatedClient
    ctx = _session_app.app_context()
    ctx.push()
    limiter.reset()
    smtp_server.messages.clear()
    try:
        yield _session_app
    finally:
        db.session.remove()
        _empty_tables()
        db.session.remove()
        ctx.pop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(client):
    """Sign the test client in as a user without going through the login form."""

    def _login(user):
        with client.session_transaction() as session:
            session["_user_id"] = user.session_token
            session["_fresh"] = True
        return client

    return _login


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        with self._lock:
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counter:` counts the SQL statements run inside the block."""
    from contextlib import contextmanager

    @contextmanager
    def _count():
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return _count
