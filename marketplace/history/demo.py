"""Demo: the bundled history (2018–2025, every county) so the dashboard has years to show.

Idempotent through the importer's own matching (year, USCC, project title). Years that
already have a round run on the platform are left out, since history is not imported over
a live round.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.history.services import import_history
from marketplace.rounds.models import Round

ORDER = 5
DATA = Path(__file__).resolve().parent / "data" / "history_demo.csv"


def _without_live_years(data: bytes) -> bytes:
    live = {str(y) for y in select_live_years()}
    if not live:
        return data
    lines = data.decode("utf-8-sig").splitlines(keepends=True)
    kept = [lines[0]] + [ln for ln in lines[1:] if ln.split(",", 1)[0] not in live]
    return "".join(kept).encode()


def select_live_years() -> list[int]:
    return list(db.session.scalars(select(Round.year).where(Round.imported.is_(False))))


def seed(context: dict) -> dict:
    report = import_history(None, _without_live_years(DATA.read_bytes()))
    if not report.ok:
        raise RuntimeError("bundled history does not import: " + "; ".join(
            f"line {p.line} {p.column}: {p.reason}" for p in report.problems))
    created = dict(context.get("created", {}))
    created["history rows"] = report.new
    return {"created": created}
