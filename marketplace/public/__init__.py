"""The home page."""
from marketplace.public import views  # noqa: F401 - its parts (create_app)
