"""Bench data: 20 rounds × 500 applications (19 closed years and the current round).

    .venv/bin/python bench/generate.py [DATABASE_URL]

Default database: sqlite:///bench/out/bench.db (recreated). Rows are bulk-inserted; about 40%
of each closed round's applications have an award that reached 立项, some of them bids on the
round's challenges; the current round has applications in every pipeline status.
"""
from __future__ import annotations

import os
import random
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROUNDS = 20
PER_ROUND = 500
ORGANISATIONS = 400
FIRST_YEAR = 2007
DEFAULT_URL = f"sqlite:///{ROOT / 'bench' / 'out' / 'bench.db'}"


def generate(database_url: str, seed: int = 20261123) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from marketplace import create_app
    from marketplace.applications.models import Application, ApplicationStatus
    from marketplace.extensions import db
    from marketplace.funds.models import Award, AwardStatus
    from marketplace.organisations.models import (
        Organisation,
        OrganisationStatus,
        OrganisationType,
    )
    from marketplace.organisations.uscc import check_character
    from marketplace.rounds.models import DEFAULT_CATEGORIES, Challenge, Round, RoundStatus

    if database_url.startswith("sqlite:///"):
        path = Path(database_url[len("sqlite:///"):])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    rnd = random.Random(seed)
    app = create_app({"APP_ENV": "testing", "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade(revision="heads")
        regions = app.config["REGIONS"]
        orgs = []
        for i in range(ORGANISATIONS):
            first17 = f"52330900{i + 1:09d}"
            orgs.append({"id": i + 1, "name": f"志愿服务队{i + 1}", "uscc": first17 +
                         check_character(first17), "org_type": OrganisationType.OTHER,
                         "region": regions[i % len(regions)], "contact_name": "",
                         "contact_phone": "", "status": OrganisationStatus.VERIFIED,
                         "imported": True})
        db.session.execute(insert(Organisation), orgs)
        rounds, challenges, applications, awards = [], [], [], []
        app_id = award_id = 0
        for r in range(ROUNDS):
            year = FIRST_YEAR + r
            current = r == ROUNDS - 1
            rounds.append({"id": r + 1, "year": year, "title": f"{year}年志愿服务集市创投项目",
                           "status": RoundStatus.REVIEWING if current else RoundStatus.CLOSED,
                           "imported": not current, "categories": DEFAULT_CATEGORIES})
            round_challenges = []
            for c in range(3):
                cid = r * 3 + c + 1
                challenges.append({"id": cid, "round_id": r + 1, "title": f"{year}年命题{c + 1}"})
                round_challenges.append(cid)
            for _ in range(PER_ROUND):
                app_id += 1
                org = rnd.choice(orgs)
                requested = rnd.randrange(5_000, 50_000) * 100
                if current:
                    status = rnd.choice(list(ApplicationStatus))
                else:
                    status = (ApplicationStatus.AWARDED if rnd.random() < 0.4
                              else ApplicationStatus.REJECTED)
                applications.append({
                    "id": app_id, "round_id": r + 1, "organisation_id": org["id"],
                    "challenge_id": rnd.choice(round_challenges) if rnd.random() < 0.15 else None,
                    "status": status, "title": f"项目{app_id}",
                    "category": rnd.choice(DEFAULT_CATEGORIES), "region": org["region"],
                    "requested_fen": requested})
                if status == ApplicationStatus.AWARDED:
                    award_id += 1
                    awards.append({
                        "id": award_id, "application_id": app_id, "round_id": r + 1,
                        "amount_fen": requested - rnd.randrange(0, requested // 200) * 100,
                        "status": AwardStatus.AWARDED, "approved_at": datetime(year, 6, 1),
                        "awarded_at": datetime(year, 6, 15), "imported": not current})
        db.session.execute(insert(Round), rounds)
        db.session.execute(insert(Challenge), challenges)
        db.session.execute(insert(Application), applications)
        db.session.execute(insert(Award), awards)
        if db.engine.dialect.name == "postgresql":
            from sqlalchemy import text

            for table in ("organisation", "round", "challenge", "application", "award"):
                db.session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"))
        db.session.commit()
    return {"rounds": len(rounds), "applications": len(applications), "awards": len(awards),
            "organisations": len(orgs)}


if __name__ == "__main__":
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    print(generate(url))
