"""Users, roles, registration, e-mail confirmation, login, password reset, language."""
from marketplace.accounts import models, views  # noqa: F401 - its parts (create_app)
