"""Statistics of rounds: the JSON API, the public dashboard and the wall screen."""
from marketplace.stats import cli, panels, views  # noqa: F401 - its parts (create_app)
