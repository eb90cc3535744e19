"""History import: past rounds, their applications and awards, from a CSV or XLSX file."""
from marketplace.history import cli, demo, views  # noqa: F401 - its parts (create_app)
