"""System administration: users and roles, organisation verification queue, audit log."""
from marketplace.admin import todo, views  # noqa: F401 - its parts (create_app)
