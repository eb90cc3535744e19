"""志愿服务创投集市 — the application factory."""
from __future__ import annotations

import os

from flask import Flask

from marketplace.config import load_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
        instance_path=os.environ.get("INSTANCE_PATH", os.path.join(ROOT, "instance")),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path, overrides))

    from marketplace import web
    from marketplace.extensions import babel, csrf, db, limiter, login_manager, mail, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    mail.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale, timezone_selector=lambda: "Asia/Shanghai")
    limiter.init_app(app)
    login_manager.init_app(app)
    web.init_app(app)

    _register_models()
    _register_blueprints(app)
    _register_cli(app)
    return app


def _register_models() -> None:
    # Imported for their side effect: every table is known to SQLAlchemy and Alembic.
    from marketplace.accounts import models as _a  # noqa: F401
    from marketplace.audit import models as _au  # noqa: F401
    from marketplace.notify import models as _n  # noqa: F401
    from marketplace.organisations import models as _o  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from marketplace.accounts.views import bp as accounts
    from marketplace.admin.views import bp as admin
    from marketplace.organisations.views import bp as organisations
    from marketplace.public.views import bp as public

    for bp in (public, accounts, organisations, admin):
        app.register_blueprint(bp)


def _register_cli(app: Flask) -> None:
    from marketplace.demo import seed_demo_command
    from marketplace.notify.cli import outbox_cli

    app.cli.add_command(outbox_cli)
    app.cli.add_command(seed_demo_command)
