"""The mapped classes, one module per aggregate.

`import_all_models()` imports every module so that the one metadata (FAB's and
ours) is complete before FAB, Alembic or a test looks at it.
"""

from __future__ import annotations

import importlib

MODEL_MODULES: tuple[str, ...] = (
    "app.models.users",
    "app.models.clients",
    "app.models.catalog",
    "app.models.contracts",
    "app.models.licensing",
    "app.models.hardware",
    "app.models.finance",
    "app.models.team",
    "app.models.metrics",
    "app.models.integrations",
    "app.models.sync",
    "app.models.custom_fields",
    "app.models.audit",
    "app.models.alerts",
    "app.models.api_tokens",
    "app.models.reconciliation",
    "app.models.reports",
    "app.models.saved_filters",
    # Derived tables (and the indexes the rollup refresh needs on the tables above).
    "app.dashboards.models",
)


def import_all_models() -> None:
    """Import every model module (idempotent: Python caches modules)."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
