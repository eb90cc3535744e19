"""`flask --app wsgi seed-demo`: demo data for every stage the application has. Idempotent:
rows are found by their natural keys (e-mail, USCC + name) and created only when missing."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from werkzeug.security import generate_password_hash

import marketplace
from marketplace.accounts.models import Role, User, UserRole
from marketplace.audit.services import record
from marketplace.core.timeutil import utcnow
from marketplace.extensions import db
from marketplace.organisations.models import (
    MemberRole,
    Membership,
    Organisation,
    OrganisationStatus,
    OrganisationType,
)

DEMO_PASSWORD = "volunteer-demo-2026"  # noqa: S105 - published in the README for demo logins

DEMO_USERS = [
    # email, name, roles
    ("admin@demo.example.org", "系统管理员", [Role.ADMIN]),
    ("organizer@demo.example.org", "团市委 王老师", [Role.ORGANIZER]),
    ("reviewer1@demo.example.org", "评审专家 李教授", [Role.REVIEWER]),
    ("reviewer2@demo.example.org", "评审专家 陈老师", [Role.REVIEWER]),
    ("finance@demo.example.org", "财务 赵会计", [Role.FINANCE]),
    ("member@demo.example.org", "海韵志愿服务队 张队长", []),
    ("member2@demo.example.org", "红帆青年志愿者协会 刘会长", []),
    ("island@demo.example.org", "嵊泗海岛公益服务社 周社长", []),
    ("daishan@demo.example.org", "蓝色港湾志愿服务中心 林主任", []),
    ("gouqi@demo.example.org", "枸杞岛青年志愿服务队 吴队长", []),
    ("department@demo.example.org", "市公安局交警支队 何警官", []),
]

DEMO_ORGANISATIONS = [
    # name, type, uscc, region, owner email, status
    ("普陀区海韵志愿服务队", OrganisationType.VOLUNTEER_TEAM, "52330903612000079L", "普陀区",
     "member@demo.example.org", OrganisationStatus.VERIFIED),
    ("定海区红帆青年志愿者协会", OrganisationType.SOCIAL_ORG, "52330902612000116C", "定海区",
     "member2@demo.example.org", OrganisationStatus.VERIFIED),
    ("嵊泗县海岛公益服务社", OrganisationType.SOCIAL_ORG, "523309226120003190", "嵊泗县",
     "island@demo.example.org", OrganisationStatus.PENDING),
    # Funded in earlier years (the bundled history), so it returns; the next one is new.
    ("岱山县蓝色港湾志愿服务中心", OrganisationType.SOCIAL_ORG, "52330921612000412H", "岱山县",
     "daishan@demo.example.org", OrganisationStatus.VERIFIED),
    ("嵊泗县枸杞岛青年志愿服务队", OrganisationType.VOLUNTEER_TEAM, "52330922612001688C",
     "嵊泗县", "gouqi@demo.example.org", OrganisationStatus.VERIFIED),
]


def seed_people() -> dict:
    """Users and organisations every later stage builds on."""
    created = {"users": 0, "organisations": 0}
    users: dict[str, User] = {}
    password_hash = None
    for email, name, roles in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            password_hash = password_hash or generate_password_hash(DEMO_PASSWORD)
            user = User(email=email, name=name, password_hash=password_hash,
                        email_confirmed_at=utcnow(), locale="zh_CN")
            user.roles = [UserRole(role=r) for r in roles]
            db.session.add(user)
            record("demo.create_user", user, actor=None, after={"email": email})
            created["users"] += 1
        users[email] = user
    for name, org_type, uscc, region, owner, status in DEMO_ORGANISATIONS:
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.uscc == uscc, Organisation.name == name))
        if organisation is None:
            organisation = Organisation(
                name=name, org_type=org_type, uscc=uscc, region=region, status=status,
                contact_name=users[owner].name.split()[-1], contact_phone="13800000000",
                address=f"舟山市{region}", introduction=f"{name}，扎根{region}的志愿服务力量。",
                reviewed_at=utcnow() if status == OrganisationStatus.VERIFIED else None,
                created_by_id=users[owner].id)
            organisation.memberships.append(Membership(user=users[owner], role=MemberRole.OWNER))
            db.session.add(organisation)
            record("demo.create_organisation", organisation, actor=None, after={"name": name})
            created["organisations"] += 1
    db.session.flush()
    organisations = {o.name: o for o in db.session.scalars(select(Organisation))}
    return {"created": created, "users": users, "organisations": organisations}


def domain_seeders() -> list:
    """The domains' `demo` modules (`ORDER`, `seed(context) -> dict`), found by walking DOMAINS
    and run in ORDER after the people: the story's order, not the layers' — history, the
    past, comes first. Each adds to the shared context what later stages need."""
    # `marketplace` is still being imported when this module is: DOMAINS is read when called.
    modules = [domain.demo for domain in marketplace.DOMAINS if hasattr(domain, "demo")]
    return sorted(modules, key=lambda m: m.ORDER)


def seed_demo() -> dict:
    context = seed_people()
    for module in domain_seeders():
        context.update(module.seed(context) or {})
    return context


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load demo users and organisations (safe to run again)."""
    context = seed_demo()
    db.session.commit()
    created = context["created"]
    summary = ", ".join(f"{n} {what}" for what, n in created.items())
    click.echo(f"demo data ready (created now: {summary}); password for every demo "
               f"login: {DEMO_PASSWORD}")
