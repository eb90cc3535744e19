"""The app as a whole: demo data, migrations, language choice, home page."""
from click.testing import CliRunner
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from marketplace.accounts.models import User
from marketplace.demo import DEMO_PASSWORD, DEMO_USERS
from marketplace.extensions import db
from marketplace.organisations.models import Organisation
from tests.factories import PASSWORD, make_user


def test_seed_demo_is_idempotent(app):
    runner = CliRunner()
    first = runner.invoke(app.cli, ["seed-demo"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    counts = {m: db.session.scalar(select(func.count()).select_from(m))
              for m in (User, Organisation)}
    second = runner.invoke(app.cli, ["seed-demo"], catch_exceptions=False)
    assert second.exit_code == 0, second.output
    db.session.expire_all()
    assert counts == {m: db.session.scalar(select(func.count()).select_from(m))
                      for m in (User, Organisation)}
    assert counts[User] >= 6


def test_every_demo_account_logs_in_with_the_published_password(demo):
    """What the login form asks of an account, for each demo account. (The demo database is
    shared and read-only, and a real login writes; the form itself has its own tests.)"""
    users = db.session.scalars(select(User).where(
        User.email.in_([email for email, _name, _roles in DEMO_USERS]))).all()
    assert len(users) == len(DEMO_USERS)
    # Hashing is slow on purpose: check each distinct hash once.
    opens = {h: check_password_hash(h, DEMO_PASSWORD) for h in {u.password_hash for u in users}}
    for user in users:
        assert opens[user.password_hash] and user.is_active and user.is_confirmed, user.email


def test_language_choice_is_remembered_for_the_account(client, app):
    user = make_user(locale="zh_CN")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    response = client.post("/language", data={"locale": "en", "next": "/organisations/"})
    assert response.headers["Location"] == "/organisations/"
    assert db.session.get(User, user.id).locale == "en"
    html = client.get("/organisations/").get_data(as_text=True)
    assert 'lang="en"' in html


def test_language_chosen_before_login_is_kept_and_saved(client, app):
    user = make_user(locale="zh_CN")
    client.post("/language", data={"locale": "en"})
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    assert db.session.get(User, user.id).locale == "en"


def test_saved_language_applies_at_login_when_none_was_chosen(app):
    user = make_user(locale="en")
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_browser_language_is_used_when_nothing_was_chosen(client):
    html = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in html
    html = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'lang="zh-CN"' in html


def test_default_language_is_chinese(client):
    assert 'lang="zh-CN"' in client.get("/").get_data(as_text=True)


def test_models_and_migrations_agree(app):
    """Alembic sees no difference between the models and the migrated database."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_migrations_have_a_single_head():
    """`flask db upgrade` (to "head") must work: parallel branches are merged."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from marketplace import ROOT

    config = Config()
    config.set_main_option("script_location", f"{ROOT}/migrations")
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
