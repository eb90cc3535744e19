"""The funds blueprint, defined once; its routes live in the *_views.py modules beside it."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("funds", __name__)
