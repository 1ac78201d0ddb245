"""Saved list filters: a person keeps a list's filter, quick search and sort under a name,
for themselves or shared with everyone who may read that list; they delete their own.

What is kept is the list's URL arguments (its query string) without the page number, so a
saved filter opens the list exactly as it was filtered and sorted, on its first page.
"""

from __future__ import annotations

import uuid
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.errors import NotFound, ValidationFailed
from app.models.saved_filters import SavedFilter
from app.services.transaction import unit_of_work

NAME_MAX = 100
QUERY_MAX = 2000
#: URL arguments that say where the list is, not what it shows.
_NOT_KEPT_PREFIXES = ("page_",)


def kept_query(pairs: list[tuple[str, str]]) -> str:
    """The query string a saved filter keeps from a list's arguments (paging left out)."""
    return urlencode([(k, v) for k, v in pairs if not k.startswith(_NOT_KEPT_PREFIXES)])


def filters_for(session: Session, user_id: int, view_name: str) -> list[SavedFilter]:
    """The person's own filters of a list, then those others shared, each by name."""
    rows = session.scalars(
        select(SavedFilter)
        .where(
            SavedFilter.view_name == view_name,
            or_(SavedFilter.owner_id == user_id, SavedFilter.shared.is_(True)),
        )
        .order_by(SavedFilter.owner_id != user_id, SavedFilter.name)
    ).all()
    return list(rows)


def save_filter(
    session: Session, *, owner_id: int, view_name: str, name: str, query_string: str, shared: bool
) -> SavedFilter:
    """Keep a list's arguments under `name` for `owner_id`; commits.

    Refused (ValidationFailed naming the field): a blank or too long name, a name the owner
    already gave a filter of this list, arguments longer than QUERY_MAX.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Give the filter a name.", field="name")
    if len(name) > NAME_MAX:
        raise ValidationFailed(f"A filter's name has at most {NAME_MAX} characters.", field="name")
    query_string = kept_query(parse_qsl(query_string or "", keep_blank_values=True))
    if len(query_string) > QUERY_MAX:
        raise ValidationFailed(
            f"This filter is too long to save (at most {QUERY_MAX:,} characters of arguments).",
            field="query_string",
        )
    with unit_of_work(session):
        taken = session.scalar(
            select(SavedFilter.id).where(
                SavedFilter.owner_id == owner_id, SavedFilter.view_name == view_name, SavedFilter.name == name
            )
        )
        if taken is not None:
            raise ValidationFailed(
                f"You already have a saved filter named “{name}” on this list: choose another name "
                "or delete that one first.",
                field="name",
            )
        saved = SavedFilter(
            owner_id=owner_id, view_name=view_name, name=name, query_string=query_string, shared=shared
        )
        session.add(saved)
    return saved


def delete_filter(session: Session, *, filter_id: uuid.UUID, user_id: int) -> SavedFilter:
    """Delete one of the person's own saved filters; commits. NotFound for anyone else's."""
    with unit_of_work(session):
        saved = session.get(SavedFilter, filter_id)
        if saved is None or saved.owner_id != user_id:
            raise NotFound("No saved filter of yours has this id.")
        session.delete(saved)
    return saved
