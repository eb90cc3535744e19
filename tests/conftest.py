"""Fixtures: every test that uses `app` runs on SQLite and on PostgreSQL.

PostgreSQL tests skip when no server answers, and fail instead with REQUIRE_POSTGRES=1.
Each database is migrated once per run with Alembic (so migrations are tested all the
time). Tests may commit and race threads: after each test the tables it wrote to are emptied
and their ids start again at 1, and a check that every table is empty makes a write the log
missed fail loudly instead of leaking into the next test (see `WriteLog`).

Tests that only read the demo data take `demo` instead of `app`: one database per kind with
`flask seed-demo` run once, shared by those tests, and a test that writes to it fails.
"""
from __future__ import annotations

import os
import re
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator

import psycopg
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import Engine, bindparam, event, text

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
            # A throwaway database need not wait for the disk at each commit; only a crash of
            # the server could lose a commit, and the database dies with the run anyway.
            conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return name, base.replace("postgresql://", "postgresql+psycopg://", 1) + "/" + name


# Each DROP DATABASE makes PostgreSQL write a checkpoint of the whole server (seconds when
# other databases on it are busy), and one right after another costs next to nothing: so the
# run drops its databases together, at its end.
_PG_DATABASES_TO_DROP: list[str] = []


def _drop_pg_database(name: str) -> None:
    """Drop the database when the run ends (see above)."""
    _PG_DATABASES_TO_DROP.append(name)


@pytest.hookimpl(trylast=True)  # after the session fixtures are torn down
def pytest_sessionfinish(session, exitstatus) -> None:
    if _PG_DATABASES_TO_DROP:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            for name in _PG_DATABASES_TO_DROP:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _PG_DATABASES_TO_DROP.clear()


def _database(kind: str, tmp_path_factory) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    else:
        name, url = _create_pg_database()
        yield url
        _drop_pg_database(name)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> Iterator[str]:
    yield from _database(request.param, tmp_path_factory)


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


# --- emptying what a test wrote ---------------------------------------------------------

# The target of an INSERT, UPDATE or DELETE anywhere in a statement (also in a CTE, or raw SQL
# in lower case). Words after "FOR UPDATE" or "DO UPDATE" match too; only table names count.
_WRITE_TARGET = re.compile(
    r"\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)"
    r'\s+(?:ONLY\s+)?(?:\w+\.)?"?(\w+)', re.IGNORECASE)


class WriteLog:
    """The tables each database was written to, from every engine of this process: the ORM,
    Core, raw SQL in tests, and the threads of race tests. A statement counts before it runs,
    so one that fails or is rolled back counts too (a PostgreSQL id sequence moves anyway).
    A database is known by its URL's database: the SQLite file or the PostgreSQL name."""

    def __init__(self) -> None:
        self._tables: dict[str, set[str]] = defaultdict(set)
        self._lock = threading.Lock()

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        names = _WRITE_TARGET.findall(statement)
        if names:
            with self._lock:
                self._tables[conn.engine.url.database].update(names)

    def take(self, database: str) -> set[str]:
        """The tables written since the last take, forgetting them."""
        with self._lock:
            return self._tables.pop(database, set())


WRITES = WriteLog()
event.listen(Engine, "before_cursor_execute", WRITES)


class TableCleaner:
    """Empties the tables a test wrote to. DELETE, children first, rather than TRUNCATE: on a
    few rows it is about twenty times faster on PostgreSQL (TRUNCATE swaps each table's files,
    and CASCADE from `user` reaches nearly every table). Ids start at 1 again, as TRUNCATE …
    RESTART IDENTITY did, for the tables whose id sequence may have moved."""

    def __init__(self) -> None:
        engine = db.engine
        self.database = engine.url.database
        self.dialect = engine.dialect.name
        self.tables = list(reversed(db.metadata.sorted_tables))  # children first
        quote = engine.dialect.identifier_preparer.quote
        self._non_empty = text(" UNION ALL ".join(
            f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM {quote(t.name)})"
            for t in self.tables))
        self.sequences: dict[str, str] = {}
        self._sqlite_sequence = False
        if self.dialect == "postgresql":
            self.sequences = dict(db.session.execute(text(
                "SELECT table_name, seq FROM (SELECT table_name::text, pg_get_serial_sequence("
                "quote_ident(table_name), column_name) AS seq FROM information_schema.columns"
                " WHERE table_schema = current_schema()) AS s WHERE seq IS NOT NULL")).all())
        else:
            # Only tables declared AUTOINCREMENT keep a counter; the others reuse max(id) + 1.
            self._sqlite_sequence = db.session.scalar(text(
                "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")) is not None
        self.empty_what_was_written()  # whatever the migrations wrote: the first test too
        db.session.remove()

    def empty_what_was_written(self) -> list[str]:
        """Empty the tables written since the last call; returns the tables that still have
        rows (then empties everything): a write the log did not see."""
        self._empty(WRITES.take(self.database))
        left = list(db.session.scalars(self._non_empty))
        if left:
            self._empty({t.name for t in self.tables})
        db.session.commit()
        WRITES.take(self.database)  # our own DELETEs
        return left

    def _empty(self, written: set[str]) -> None:
        tables = [t for t in self.tables if t.name in written]
        for table in tables:
            db.session.execute(table.delete())
        names = [t.name for t in tables]
        if self.dialect == "postgresql":
            sequences = [self.sequences[n] for n in names if n in self.sequences]
            if sequences:
                db.session.execute(text("SELECT " + ", ".join(
                    f"setval(CAST(:s{i} AS regclass), 1, false)" for i in range(len(sequences)))),
                    {f"s{i}": seq for i, seq in enumerate(sequences)})
        elif self._sqlite_sequence and names:
            db.session.execute(text("DELETE FROM sqlite_sequence WHERE name IN :names")
                               .bindparams(bindparam("names", expanding=True)), {"names": names})


@pytest.fixture(scope="session")
def _session_app(database_url, tmp_path_factory, smtp_server):
    app = make_test_app(database_url, tmp_path_factory, smtp_server.port)
    with app.app_context():
        upgrade()
        app.extensions["test_tables"] = TableCleaner()
    return app


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
        left = _session_app.extensions["test_tables"].empty_what_was_written()
        db.session.remove()
        ctx.pop()
    if left:
        pytest.fail(f"rows were left in {', '.join(sorted(left))} by a write the test "
                    "fixtures did not see (a connection outside SQLAlchemy?); now emptied")


# --- the demo data, seeded once per database ------------------------------------------------

@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def _demo_app(request, tmp_path_factory, smtp_server) -> Iterator[Flask]:
    for url in _database(request.param, tmp_path_factory):
        app = make_test_app(url, tmp_path_factory, smtp_server.port)
        with app.app_context():
            upgrade()
            result = CliRunner().invoke(app.cli, ["seed-demo"], catch_exceptions=False)
            assert result.exit_code == 0, result.output
            db.session.remove()
            WRITES.take(db.engine.url.database)
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()


@pytest.fixture
def demo(_demo_app) -> Iterator[Flask]:
    """The app on a database holding the demo data (`flask seed-demo`), seeded once per run
    and shared: a test may only read it. A test that changes demo rows must seed its own
    (`flask seed-demo` on `app`)."""
    ctx = _demo_app.app_context()
    ctx.push()
    database = db.engine.url.database
    try:
        yield _demo_app
    finally:
        db.session.remove()
        ctx.pop()
    written = WRITES.take(database) & {t.name for t in db.metadata.sorted_tables}
    if written:
        pytest.fail(f"the test wrote to the shared demo database ({', '.join(sorted(written))})"
                    ": seed the demo in its own `app` database instead")


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_app(request, tmp_path_factory, smtp_server):
    """An app on an empty database of its own (the shared test database is at head), for
    migration tests that start from an earlier revision."""
    if request.param == "sqlite":
        url, name = f"sqlite:///{tmp_path_factory.mktemp('migration') / 'm.db'}", None
    else:
        name, url = _create_pg_database()
    app = make_test_app(url, tmp_path_factory, smtp_server.port)
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()
    if name:
        _drop_pg_database(name)


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
