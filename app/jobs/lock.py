"""The scheduler's leader lock: a PostgreSQL session advisory lock on a dedicated connection.

Only the process holding the lock runs jobs; a second scheduler polls
`pg_try_advisory_lock` and takes over when the first one stops (or its
connection dies, which releases the lock on the server side). The connection
comes from its own NullPool engine: it is never returned to, or shared with, the
app's pool, and it sees only committed data, so job work goes through db.session.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

#: How quickly a waiting scheduler notices that it was asked to stop.
STOP_CHECK_SECONDS = 0.2


class LeaderLock:
    """`acquire()` waits for the lock; `still_held()` checks the connection that holds it."""

    def __init__(self, url: URL | str, key: int) -> None:
        self.key = key
        self._engine = create_engine(url, poolclass=NullPool)
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        """One non-blocking attempt."""
        if self._conn is None:
            self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
        return got

    def acquire(
        self, should_stop: Callable[[], bool], poll_seconds: float, on_wait: Callable[[], None] | None = None
    ) -> bool:
        """Wait until the lock is ours (True) or `should_stop()` says so (False).

        Sleeps in short slices and checks a plain flag: a signal handler may ask to stop
        without touching a lock (an Event set from a handler can deadlock the main thread).
        """
        waited = False
        while not should_stop():
            try:
                if self.try_acquire():
                    return True
            except DBAPIError as error:
                log.warning("scheduler lock: database unavailable (%s); retrying", error.orig)
                self._drop_connection()
            if not waited and on_wait is not None:
                on_wait()
            waited = True
            until = time.monotonic() + poll_seconds
            while not should_stop() and time.monotonic() < until:
                time.sleep(min(STOP_CHECK_SECONDS, poll_seconds))
        return False

    def still_held(self) -> bool:
        """False when the lock's connection is gone (the server released the lock then)."""
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
            return True
        except DBAPIError:
            self._drop_connection()
            return False

    def release(self) -> None:
        if self._conn is not None:
            # If the connection is gone, so is the lock.
            with contextlib.suppress(DBAPIError):
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self._drop_connection()
        self._engine.dispose()

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(DBAPIError):
                self._conn.close()
            self._conn = None
