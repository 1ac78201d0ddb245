"""What a flush is about to write: the pending objects and their attribute history.

The business rules run in a `before_flush` listener (see `rules_registry`); these helpers
let them ask "is this new?", "did this attribute change?", "what was it before?" and
"which object does this foreign key point at?" without triggering an autoflush.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass
class PendingChanges:
    """The objects one flush inserts, updates and deletes."""

    session: Session
    new: list[Any] = field(default_factory=list)
    dirty: list[Any] = field(default_factory=list)
    deleted: list[Any] = field(default_factory=list)

    @classmethod
    def of(cls, session: Session) -> PendingChanges:
        # session.dirty also lists objects whose attributes were set to the same value.
        dirty = [obj for obj in session.dirty if session.is_modified(obj, include_collections=False)]
        return cls(session, list(session.new), dirty, list(session.deleted))

    def new_of(self, model: type[T]) -> list[T]:
        return [obj for obj in self.new if isinstance(obj, model)]

    def dirty_of(self, model: type[T]) -> list[T]:
        return [obj for obj in self.dirty if isinstance(obj, model)]

    def saved_of(self, model: type[T]) -> list[T]:
        """New and changed objects of `model`, new ones first."""
        return self.new_of(model) + self.dirty_of(model)

    def deleted_of(self, model: type[T]) -> list[T]:
        return [obj for obj in self.deleted if isinstance(obj, model)]


def is_new(obj: Any) -> bool:
    """Not in the database yet (pending or transient)."""
    return not inspect(obj).has_identity


def changed(obj: Any, *attrs: str) -> bool:
    """Whether this flush writes any of `attrs` (always true for a new object)."""
    if is_new(obj):
        return True
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in attrs)


def committed_value(obj: Any, attr: str) -> Any:
    """The value of column attribute `attr` in the database, before this flush (None if new)."""
    if is_new(obj):
        return None
    state = inspect(obj)
    history = state.attrs[attr].history
    if history.deleted:
        return history.deleted[0]
    if not history.added:
        return getattr(obj, attr)
    # Set while its old value was not loaded (expired by a commit): the row still has it.
    model = type(obj)
    keys = [
        getattr(model, state.mapper.get_property_by_column(column).key) == value
        for column, value in zip(state.mapper.primary_key, state.identity, strict=True)
    ]
    return state.session.execute(select(getattr(model, attr)).where(*keys)).scalar_one_or_none()


def related(session: Session, obj: Any, relationship: str, foreign_key: str, model: type[T]) -> T | None:
    """The object a many-to-one points at, whichever side the caller set.

    A form may set the relationship (`scope.contract = c`) or the key (`scope.contract_id
    = id`); before the flush the two can disagree, and the one that was just set wins.
    """
    state = inspect(obj)
    added = state.attrs[relationship].history.added
    if added:
        return added[0]
    key = getattr(obj, foreign_key)
    if key is None:
        return getattr(obj, relationship)
    current = state.attrs[relationship].loaded_value
    if current is not None and getattr(current, "id", None) == key:
        return current
    return session.get(model, key)


def ids_of(objects: Iterable[Any]) -> list[Any]:
    """The primary keys of the objects already in the database."""
    return [obj.id for obj in objects if not is_new(obj)]
