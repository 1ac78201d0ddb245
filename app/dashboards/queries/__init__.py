"""SQL aggregates behind the dashboards, one module per subject.

Each function runs `date_trunc`/`GROUP BY`/window-function SQL and returns small
frozen dataclasses for the figure builders. Functions taking `rollup=True` read
the rollup tables when the query is not narrowed to clients (rollups are
MSSP-wide); otherwise, and while the rollups were never built, they read the
source tables.
"""
