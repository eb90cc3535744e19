"""Answers worked out once per request.

The same count is asked for more than once while one page is drawn: the nav bar shows how
many reviews wait beside 我的评审任务, and the home page's to-do list shows it again. A count
function decorated with `per_request` runs its statement once per request and user; outside
a request (a command, a test calling it directly) it simply runs each time.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import g, has_request_context, request

T = TypeVar("T")


def per_request(function: Callable[..., T]) -> Callable[..., T]:
    """Cache `function(user, *args)` for the rest of the request (by user id and args)."""

    @wraps(function)
    def cached(user, *args):
        if not has_request_context():
            return function(user, *args)
        store = request_store()
        key = (function, getattr(user, "id", None), args)
        if key not in store:
            store[key] = function(user, *args)
        return store[key]

    return cached


def request_store() -> dict:
    """A dict that lives as long as the current request. Kept in `g` with the request it
    belongs to: where one app context serves several requests (a test client inside a test's
    app context), each request starts afresh."""
    current = request._get_current_object()
    owner, store = g.get("_per_request", (None, None))
    if owner is not current:
        store = {}
        g._per_request = (current, store)
    return store
