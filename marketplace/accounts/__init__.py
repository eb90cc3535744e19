"""Users, roles, registration, e-mail confirmation, login, password reset, language."""
from marketplace.accounts import invitation_views, models, views  # noqa: F401 - its parts
