"""志愿服务创投集市 — the application factory."""
from __future__ import annotations

import importlib
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
    # One catalog per domain (marketplace/<domain>/translations) besides the shared one, so
    # each domain owns its strings; Flask-Babel merges them.
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(
        [os.path.join(ROOT, "marketplace", "translations")]
        + [os.path.join(ROOT, "marketplace", d, "translations") for d in domains()
           if os.path.isdir(os.path.join(ROOT, "marketplace", d, "translations"))])

    from marketplace import web
    from marketplace.extensions import babel, csrf, db, limiter, login_manager, mail, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    mail.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale,
                   timezone_selector=lambda: "Asia/Shanghai")
    limiter.init_app(app)
    login_manager.init_app(app)
    web.init_app(app)

    _register_models()
    _register_blueprints(app)
    _register_cli(app)
    return app


def domains() -> list[str]:
    """Domain subpackages (each may have models.py, views.py with a `bp`, translations/)."""
    package_dir = os.path.dirname(__file__)
    return sorted(
        name for name in os.listdir(package_dir)
        if os.path.isfile(os.path.join(package_dir, name, "__init__.py"))
    )


def _has_module(domain: str, module: str) -> bool:
    return os.path.isfile(os.path.join(os.path.dirname(__file__), domain, f"{module}.py"))


def _register_models() -> None:
    # Every table must be known to SQLAlchemy and Alembic, whichever page is asked for first;
    # every lifecycle table complete (a domain adds rows to a lower one's workflow).
    for module in ("models", "workflow"):
        for domain in domains():
            if _has_module(domain, module):
                importlib.import_module(f"marketplace.{domain}.{module}")


def _register_blueprints(app: Flask) -> None:
    # A new domain only adds its folder; nothing central lists it.
    for domain in domains():
        if _has_module(domain, "views"):
            module = importlib.import_module(f"marketplace.{domain}.views")
            app.register_blueprint(module.bp)
        if _has_module(domain, "cli"):
            module = importlib.import_module(f"marketplace.{domain}.cli")
            for command in getattr(module, "COMMANDS", []):
                app.cli.add_command(command)


def _register_cli(app: Flask) -> None:
    from marketplace.demo import seed_demo_command

    app.cli.add_command(seed_demo_command)
