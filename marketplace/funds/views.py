"""The funds blueprint's pages: `bp` (funds/blueprint.py) with the routes of the *_views.py
modules, each imported by funds/__init__.py."""
from __future__ import annotations

from marketplace.funds.blueprint import bp  # noqa: F401 - create_app registers funds.views.bp
