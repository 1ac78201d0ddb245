"""Helpers the base views share: the model -> view registry, eager-load and search paths
through to-one relations, and tolerant parsing of FAB's list arguments."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from flask import request
from flask_appbuilder.models.sqla.filters import BaseFilter
from sqlalchemy import String, Text, cast
from sqlalchemy.orm import joinedload

if TYPE_CHECKING:
    from app.web.base import MsspModelView

#: model class -> the view that shows it (for links, picker search columns, labels).
VIEW_REGISTRY: dict[type, type[MsspModelView]] = {}

#: Options a relation picker returns at most.
PICKER_LIMIT = 100


def safe_int_args(prefix: str) -> dict[str, int]:
    """`page_<View>=3` style arguments; malformed or negative values are ignored."""
    found: dict[str, int] = {}
    for key in request.args:
        if key.startswith(prefix):
            try:
                value = int(request.args.get(key, ""))
            except ValueError:
                continue
            if value >= 0:
                found[key[len(prefix) :]] = value
    return found


def safe_order_args() -> dict[str, tuple[str, str]]:
    orders: dict[str, tuple[str, str]] = {}
    for key in request.args:
        if key.startswith("_oc_"):
            name = key[4:]
            direction = request.args.get("_od_" + name)
            if direction in ("asc", "desc"):
                orders[name] = (request.args.get(key, ""), direction)
    return orders


class FilterThroughPath(BaseFilter):
    """Rows whose `a.b.c_id` equals the value, following to-one relations (EXISTS)."""

    name = "Through"
    arg_name = "through"

    def apply(self, query, value):
        return query.filter(path_condition(self.model, self.column_name, value))


def path_condition(model: type, path: str, value: Any):
    head, _, rest = path.partition(".")
    attribute = getattr(model, head)
    if not rest:
        return attribute == value
    related = attribute.property.mapper.class_
    return attribute.has(path_condition(related, rest, value))


def label_paths(model: type, prefix: str = "", depth: int = 0) -> list[str]:
    """Relation paths `str(row of model)` reads, as declared by its view's `label_eager`."""
    view = VIEW_REGISTRY.get(model)
    if view is None or depth > 2:
        return []
    paths: list[str] = []
    for relation in view.label_eager:
        path = f"{prefix}{relation}"
        paths.append(path)
        related = getattr(model, relation).property.mapper.class_
        paths.extend(label_paths(related, path + ".", depth + 1))
    return paths


def eager_options(model: type, paths: Iterable[str]) -> list[Any]:
    """joinedload() chains for to-one relation paths like "service_scope.contract"."""
    options = []
    for path in sorted(set(paths)):
        current_model, loader = model, None
        for part in path.split("."):
            attribute = getattr(current_model, part)
            loader = joinedload(attribute) if loader is None else loader.joinedload(attribute)
            current_model = attribute.property.mapper.class_
        options.append(loader)
    return options


def picker_search_columns(model: type) -> Sequence[str]:
    """The columns pickers search for `model`: its view's declaration, else name-like columns."""
    view = VIEW_REGISTRY.get(model)
    if view is not None and view.picker_search_columns:
        return view.picker_search_columns
    names = ("name", "company_name", "email", "first_name", "last_name", "label")
    return [n for n in names if n in model.__mapper__.columns]


def picker_order(model: type) -> str | None:
    view = VIEW_REGISTRY.get(model)
    if view is not None and view.picker_order:
        return view.picker_order
    columns = [c for c in picker_search_columns(model) if "." not in c]
    return columns[0] if columns else None


def search_condition(model: type, path: str, pattern: str):
    """`column ILIKE pattern`, following to-one relations for dotted paths (EXISTS)."""
    head, _, rest = path.partition(".")
    attribute = getattr(model, head)
    if rest:
        return attribute.has(search_condition(attribute.property.mapper.class_, rest, pattern))
    return _as_text(attribute).ilike(pattern)


def _as_text(column: Any) -> Any:
    column_type = getattr(column, "type", None)
    if isinstance(column_type, String | Text):
        return column
    return cast(column, String)


def narrowing_paths(model: type, by: type) -> str | None:
    """The path from a row of `model` to the key of its `by` row (for a picker narrowed by the
    `by` row chosen in the same form): "client_id" (direct), "contract.client_id" (one hop), or None.
    """

    def direct(source: type) -> str | None:
        for relation in source.__mapper__.relationships:
            if relation.direction.name == "MANYTOONE" and relation.mapper.class_ is by:
                columns = list(relation.local_columns)
                if len(columns) == 1 and source is not by:
                    return source.__mapper__.get_property_by_column(columns[0]).key
        return None

    found = direct(model)
    if found is not None:
        return found
    for relation in model.__mapper__.relationships:
        if relation.direction.name != "MANYTOONE" or relation.mapper.class_ in (model, by):
            continue
        hop = direct(relation.mapper.class_)
        if hop is not None:
            return f"{relation.key}.{hop}"
    return None


def picker_contexts(datamodel: Any, columns: Sequence[str]) -> dict[str, dict[str, str]]:
    """Picker column -> {other picker of the form: path}: a scope picker in a form with a client
    picker lists that client's scopes ("contract.client_id"), a contract picker its contracts."""
    pickers = [
        c for c in columns if datamodel.is_relation(c) and datamodel.is_relation_many_to_one(c)
    ]
    contexts: dict[str, dict[str, str]] = {}
    for column in pickers:
        model = datamodel.get_related_model(column)
        for other in pickers:
            if other == column:
                continue
            path = narrowing_paths(model, datamodel.get_related_model(other))
            if path is not None:
                contexts.setdefault(column, {})[other] = path
    return contexts
