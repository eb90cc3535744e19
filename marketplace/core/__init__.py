"""Pieces every domain uses: policy decisions, audit log, time, money, safe redirects."""
