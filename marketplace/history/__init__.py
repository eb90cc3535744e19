"""History import: past rounds, their applications and awards, from a CSV or XLSX file."""
