"""The mapped classes, one module per aggregate.

`import_all_models()` imports every module so that the one metadata (FAB's and
ours) is complete before FAB, Alembic or a test looks at it.
"""

from __future__ import annotations

import importlib

MODEL_MODULES: tuple[str, ...] = (
    "app.security.models",
)


def import_all_models() -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)
