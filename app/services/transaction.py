"""One business action, one transaction: commit on success, roll back on any error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from app.extensions import db


def session_or_default(session: Session | None) -> Session:
    """The given session, or the app's scoped session."""
    return session if session is not None else db.session


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Commit what the block did; on an error (a refused rule included) roll it all back.

    A refused rule therefore leaves the data as it was, and the session usable.
    """
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
