"""Retention: move old audit rows to a compressed JSON-lines file (`flask mssp audit-archive`).

The trail is kept indefinitely unless someone runs the archive. A run writes every row
older than the cut-off to one gzip file (one JSON object per line, oldest first) and
removes them, batch by batch: each batch is read with its rows locked, appended to the
file, the file flushed to disk, and only then the rows deleted and the transaction
committed. A crash therefore never loses a row; at worst the last batch is in the file
and still in the table, and the next run archives it again (duplicates are identical
lines with the same `id`).

Deleting needs `SET LOCAL mssp.audit_archive = 'on'` in the transaction: the append-only
trigger (migration 0003) refuses any other DELETE. The run itself is recorded as an
`audit_archived` event (count, cut-off, file name, SHA-256 of the file).

Logout events double as the revocation list of session cookies (app.security.sessions),
so the cut-off may never be closer than MIN_AGE.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.models.audit import AuditAction, AuditEvent
from app.services.audit.diff import json_value
from app.services.audit.recording import record_event

#: Sessions are revoked by their logout event for 12 hours: never archive younger rows.
MIN_AGE = dt.timedelta(days=1)
BATCH_SIZE = 5_000
COLUMNS = [column.name for column in AuditEvent.__table__.columns]


@dataclass(frozen=True)
class ArchiveReport:
    archived: int
    batches: int
    path: Path | None
    cutoff: dt.datetime
    sha256: str | None


def cutoff_for(older_than_days: int, now: dt.datetime | None = None) -> dt.datetime:
    """The moment before which rows are archived; refuses a retention under MIN_AGE."""
    if older_than_days < MIN_AGE.days:
        raise ValidationFailed(
            f"--older-than must be at least {MIN_AGE.days} day(s): logout events revoke sessions "
            "and must stay in the table.",
            field="older_than",
        )
    return (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=older_than_days)


def default_path(directory: Path, now: dt.datetime | None = None) -> Path:
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    return directory / f"audit-{stamp}.jsonl.gz"


def archive_audit_events(
    session: Session, older_than_days: int, path: Path, *, batch_size: int = BATCH_SIZE
) -> ArchiveReport:
    """Archive the rows older than `older_than_days` to `path` (gzip, JSON lines); commits."""
    cutoff = cutoff_for(older_than_days)
    if path.exists():
        raise ValidationFailed(f"{path} exists already: archives are never overwritten.", field="output")
    path.parent.mkdir(parents=True, exist_ok=True)
    session.rollback()  # start from a clean transaction; nothing of the caller's is pending
    table = AuditEvent.__table__
    archived = batches = 0
    with path.open("xb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as archive:
        for ids, rows in _batches(session, cutoff, batch_size):
            for row in rows:
                archive.write(json.dumps(row, ensure_ascii=False, sort_keys=True).encode() + b"\n")
            archive.flush()
            raw.flush()
            os.fsync(raw.fileno())
            session.execute(text("SET LOCAL mssp.audit_archive = 'on'"))
            session.execute(table.delete().where(table.c.id.in_(ids)))
            session.execute(text("SET LOCAL mssp.audit_archive = 'off'"))
            session.commit()
            archived += len(rows)
            batches += 1
    digest = _sha256(path)
    if archived == 0:
        path.unlink()
        return ArchiveReport(0, 0, None, cutoff, None)
    record_event(
        AuditAction.AUDIT_ARCHIVED,
        entity_type="audit_event",
        changes={"rows": archived, "before": cutoff.isoformat(), "file": path.name, "sha256": digest},
    )
    session.commit()
    return ArchiveReport(archived, batches, path, cutoff, digest)


def _batches(
    session: Session, cutoff: dt.datetime, batch_size: int
) -> Iterator[tuple[list[Any], list[dict[str, Any]]]]:
    """(ids, rows as JSON-safe dicts) of the oldest rows before `cutoff`, locked, batch by batch."""
    table = AuditEvent.__table__
    while True:
        query = (
            select(table)
            .where(table.c.occurred_at < cutoff)
            .order_by(table.c.occurred_at, table.c.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
        found = session.execute(query).mappings().all()
        if not found:
            session.rollback()
            return
        yield (
            [row["id"] for row in found],
            [{column: json_value(value) for column, value in row.items()} for row in found],
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_archive(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of an archive file, for checks and restores."""
    with gzip.open(path, "rt", encoding="utf-8") as archive:
        for line in archive:
            if line.strip():
                yield json.loads(line)
