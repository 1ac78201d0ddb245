"""The shape of the code: imports only point down the layers, and screens and REST resources
never import each other (docs/architecture.md). Walks every module's imports, function-level
and TYPE_CHECKING ones included, so a shortcut upwards fails here instead of rotting quietly."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

#: Lowest first. A module may import its own layer and the layers below it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("app.extensions", "app.db", "app.errors", "app.request_info"),
    ("app.models",),
    ("app.integrations",),
    ("app.services", "app.dashboards"),
    ("app.web", "app.security", "app.demo"),
    # The dashboards' own command and job definitions are entry points like app.cli / app.jobs.
    ("app.views", "app.api", "app.cli", "app.jobs", "app.dashboards.cli", "app.dashboards.jobs", "app"),
)
#: Packages of the top layer that must not import each other.
SIBLINGS_APART = (("app.views", "app.api"),)


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> tuple[int, str]:
    """The layer index and the prefix that placed `module` there (longest prefix wins)."""
    best = (-1, "")
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best[1]):
                best = (index, prefix)
    return best


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from app.services import audit` names a module one level down.
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found if name == "app" or name.startswith("app.")]


def violations() -> list[str]:
    problems = []
    for path in sorted(APP.rglob("*.py")):
        source = module_name(path)
        source_layer, source_prefix = layer_of(source)
        assert source_layer >= 0, f"{source} belongs to no layer: add it to LAYERS"
        for line, target in imported_modules(path):
            target_layer, target_prefix = layer_of(target)
            if target == "app" or target_layer < 0:
                continue
            where = f"{path.relative_to(APP.parent)}:{line}"
            if target_layer > source_layer:
                problems.append(f"{where}: {source} ({source_prefix}) imports up into {target}")
            for left, right in SIBLINGS_APART:
                if {source_prefix, target_prefix} == {left, right}:
                    problems.append(f"{where}: {source} imports {target} ({left} and {right} stay apart)")
    return problems


def test_imports_only_point_down_the_layers():
    assert violations() == []


def test_the_walk_sees_an_upward_import(tmp_path):
    # The checker itself: a module of a lower layer naming a higher one is reported.
    assert layer_of("app.models.clients")[0] < layer_of("app.views.clients")[0]
    assert layer_of("app.web.filters.contracts")[0] < layer_of("app.api.contracts")[0]
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from app.views.clients import ClientView\n")
    assert imported_modules(sample) == [(2, "app.views.clients"), (2, "app.views.clients.ClientView")]
