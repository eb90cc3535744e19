"""Volunteer groups: USCC check, members and invitations, verification."""
from marketplace.organisations import models, todo, views, workflow  # noqa: F401 - its parts (create_app)
