"""Pieces every domain uses: policy decisions, time, money, safe redirects, the unit of work,
the workflow mechanism, the nav registry, locks, exports, files that follow the transaction."""
