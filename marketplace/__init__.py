"""志愿服务创投集市 — the application factory, and the layers its domains stand in.

Each domain is a package whose `__init__.py` imports its parts: `models` and `workflow`
(tables and lifecycle moves register themselves when imported), `views` (a blueprint `bp`,
nav links), `cli` (`COMMANDS`), `panels` (dashboard panels), `demo` (`ORDER`,
`seed(context)`). `create_app` walks DOMAINS and registers what each one has.
"""
from __future__ import annotations

import os
from types import ModuleType

from flask import Flask

from marketplace import (
    accounts,
    admin,
    applications,
    audit,
    core,
    funds,
    history,
    notify,
    organisations,
    public,
    review,
    rounds,
    stats,
    web,
)
from marketplace.accounts.locale import select_locale
from marketplace.config import load_config
from marketplace.demo import seed_demo_command
from marketplace.extensions import babel, csrf, db, limiter, login_manager, mail, migrate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The layers, lowest first. A module of a domain imports only its own domain and those before
# it (tests/test_layers.py); where a lower domain needs something of a higher one, the lower
# one keeps a registry the higher one adds to (docs/architecture.md, "Layers"). `funds` stands
# above `applications` because an award references its application; `extensions` and `config`
# count as core; `web.py`, `demo.py` and this file are the app's wiring, above every domain.
DOMAINS: tuple[ModuleType, ...] = (
    core,
    audit,
    notify,
    accounts,
    organisations,
    rounds,
    applications,
    funds,
    review,
    history,
    stats,
    admin,
    public,
)


def domain_name(domain: ModuleType) -> str:
    return domain.__name__.rpartition(".")[2]


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
        + [path for path in (os.path.join(os.path.dirname(d.__file__), "translations")
                             for d in DOMAINS) if os.path.isdir(path)])

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    mail.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   timezone_selector=lambda: "Asia/Shanghai")
    limiter.init_app(app)
    login_manager.init_app(app)
    web.init_app(app)

    # Models, workflow tables, panels and nav links registered themselves when the domains
    # were imported (above); blueprints and commands are added to this app.
    for domain in DOMAINS:
        if hasattr(domain, "views"):
            app.register_blueprint(domain.views.bp)
        if hasattr(domain, "cli"):
            for command in domain.cli.COMMANDS:
                app.cli.add_command(command)
    app.cli.add_command(seed_demo_command)
    return app
