"""Race real threads against one database, as concurrent requests would."""
from __future__ import annotations

import threading
from collections.abc import Callable

from marketplace.core.policy import NotAllowed
from marketplace.extensions import db


def race(app, n: int, attempt: Callable[[int, Callable[[], None]], None],
         timeout: float = 120) -> list[str]:
    """Run attempt(i, start) for i in range(n), each in its own thread, app context and
    database session, like a request: it commits when the attempt returns and rolls back when
    it raises. An attempt loads what it needs, then calls start() so every thread makes its
    change at the same moment. Returns the sorted outcomes: "ok", "refused" (NotAllowed) or
    "error: …" (anything else, so a crash fails the test instead of hanging it)."""
    barrier = threading.Barrier(n)
    results: list[str] = []
    lock = threading.Lock()

    def start() -> None:
        barrier.wait(timeout=30)

    def run(i: int) -> None:
        with app.app_context():
            try:
                attempt(i, start)
                db.session.commit()
                outcome = "ok"
            except NotAllowed:
                db.session.rollback()
                outcome = "refused"
            except Exception as exc:
                db.session.rollback()
                outcome = f"error: {type(exc).__name__}: {exc}"
            finally:
                db.session.remove()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    return sorted(results)
