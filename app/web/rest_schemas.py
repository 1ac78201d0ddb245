"""Per-request marshmallow schemas for REST resources (ours and FAB's security resources).

A resource is shared by every thread of a worker, and a marshmallow-sqlalchemy schema keeps
the instance it loads into on itself: parallel PUTs wrote into other records. The resource
therefore holds prototypes; each request works on its own copies (cached in `flask.g`).
"""

from __future__ import annotations

import copy
from typing import Any

from flask import g, has_request_context

#: The schema attributes of FAB's ModelRestApi that `PerRequestSchemasMixin` makes per request.
MODEL_SCHEMA_ATTRIBUTES = ("list_model_schema", "add_model_schema", "edit_model_schema", "show_model_schema")


def schema_for_this_request(prototype: Any) -> Any:
    """A copy of a schema for one request: its own load state (`instance`, session,
    context), the prototype's fields (read-only while loading and dumping)."""
    schema = copy.copy(prototype)
    schema.context = dict(getattr(prototype, "context", None) or {})
    if hasattr(prototype, "instance"):  # marshmallow-sqlalchemy's load_instance state
        schema.instance = None
        schema._session = None
        schema._transient = None
    return schema


class PerRequestSchema:
    """A model schema attribute whose value is a per-request copy of a prototype.

    Setting it (FAB's `_init_model_schemas`, or a class attribute) stores the prototype;
    reading it inside a request answers that request's own copy, made on first use; outside
    a request (start-up, the OpenAPI build, a CLI) it answers the prototype.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.slot = f"_prototype_{name}"

    def prototype(self, obj: Any) -> Any:
        if self.slot in obj.__dict__:
            return obj.__dict__[self.slot]
        return getattr(type(obj), self.slot, None)

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        prototype = self.prototype(obj)
        if prototype is None or not has_request_context():
            return prototype
        copies = g.setdefault("_mssp_request_schemas", {})
        key = (id(obj), self.name)
        if key not in copies:
            copies[key] = schema_for_this_request(prototype)
        return copies[key]

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.slot] = value
        if has_request_context():
            g.get("_mssp_request_schemas", {}).pop((id(obj), self.name), None)


class PerRequestSchemasMixin:
    """Per-request copies of a REST resource's model schemas (put it first in the bases).

    A schema given as a class attribute (FAB's `UserApi.add_model_schema = UserPostSchema()`)
    becomes the prototype, so FAB's own load paths are covered as well as ours.
    """

    list_model_schema = PerRequestSchema()
    add_model_schema = PerRequestSchema()
    edit_model_schema = PerRequestSchema()
    show_model_schema = PerRequestSchema()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in MODEL_SCHEMA_ATTRIBUTES:
            descriptor = PerRequestSchemasMixin.__dict__[name]
            for klass in cls.__mro__:
                if descriptor.slot in klass.__dict__:
                    break
                value = klass.__dict__.get(name)
                if value is not None and not isinstance(value, PerRequestSchema):
                    setattr(cls, descriptor.slot, value)
                    break
            if name in cls.__dict__ and not isinstance(cls.__dict__[name], PerRequestSchema):
                delattr(cls, name)
