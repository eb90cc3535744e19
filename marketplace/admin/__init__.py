"""System administration: users and roles, organisation verification queue, audit log."""
from marketplace.admin import demo, invitation_views, todo, views  # noqa: F401 - its parts
