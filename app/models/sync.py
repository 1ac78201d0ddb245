"""What the sync engine and the scheduler record: query runs, per-client source keys, job runs.

These tables belong to the integrations feature (issue 8): `SyncRun` is the history
of every DataSourceQuery run, `ClientSourceMapping` says which client a Jira project
key or a Grafana label value stands for, `JobRun` is the history of scheduled jobs.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.mixins import ChangedByMixin, TimestampMixin, UUIDPrimaryKeyMixin
from app.models.types import non_negative, str_enum

if TYPE_CHECKING:
    from app.models.clients import Client
    from app.models.integrations import DataSourceQuery, ExternalDataSource


class SyncRunStatus(enum.Enum):
    RUNNING = "running"
    SUCCESS = "success"
    PARTIAL = "partial"  # some records skipped (e.g. no client mapped); the rest written
    FAILED = "failed"


class RunTrigger(enum.Enum):
    SCHEDULE = "schedule"
    MANUAL = "manual"  # "Run now" in the UI or the API
    CLI = "cli"


class SyncRun(UUIDPrimaryKeyMixin, db.Model):
    """One run of one query: when, how it ended, what it wrote, and why it failed.

    Written in its own short transactions (before and after the run), so it survives
    the rollback of a failed run's data.
    """

    __tablename__ = "sync_runs"
    __table_args__ = (
        non_negative("pages"),
        non_negative("records_fetched"),
        non_negative("rows_inserted"),
        non_negative("rows_updated"),
        non_negative("rows_skipped"),
        Index("ix_sync_runs_query_started", "query_id", "started_at"),
    )

    # History of a query's configuration only: it goes with the query.
    query_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("data_source_queries.id", ondelete="CASCADE"), nullable=False
    )
    trigger: Mapped[RunTrigger] = mapped_column(str_enum(RunTrigger, "sync_run_trigger"), nullable=False)
    status: Mapped[SyncRunStatus] = mapped_column(
        str_enum(SyncRunStatus, "sync_run_status"), nullable=False, index=True
    )
    started_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The `{since}` the run fetched from (NULL: runs recorded before this was kept).
    window_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: "Re-read from date X": such a run does not move the `{since}` of later runs.
    is_reread: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false")
    )
    pages: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default=text("0"))
    records_fetched: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default=text("0"))
    rows_inserted: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default=text("0"))
    rows_updated: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default=text("0"))
    rows_skipped: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default=text("0"))
    #: auth, dns, timeout, tls, blocked, rate_limited, unexpected_response, mapping, ...
    error_kind: Mapped[str | None] = mapped_column(String(40))
    error_message: Mapped[str | None] = mapped_column(Text)

    query: Mapped[DataSourceQuery] = relationship()

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 3)

    def __str__(self) -> str:
        return f"{self.status.value} run at {self.started_at:%Y-%m-%d %H:%M:%S}"


class ClientSourceMapping(UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, db.Model):
    """The value that stands for a client in one source: a Jira project key, a Grafana label.

    A query maps each record to a client through its `client` JSONPath (looked up
    here), or runs once per mapping when its template uses `{client_key}`.
    """

    __tablename__ = "client_source_mappings"
    __table_args__ = (UniqueConstraint("data_source_id", "external_key"),)

    data_source_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("external_data_sources.id", ondelete="CASCADE"), nullable=False
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: e.g. "ACME" (Jira project key) or "acme-prod" (the Grafana `client` label).
    external_key: Mapped[str] = mapped_column(String(200), nullable=False)

    data_source: Mapped[ExternalDataSource] = relationship()
    client: Mapped[Client] = relationship()

    def __str__(self) -> str:
        return f"{self.external_key} -> {self.client}"


class JobRunStatus(enum.Enum):
    SUCCESS = "success"
    FAILED = "failed"


class JobRun(UUIDPrimaryKeyMixin, db.Model):
    """One run of a scheduled job (snapshots, contract expiry, SLA breaches...)."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_started", "job_id", "started_at"),)

    job_id: Mapped[str] = mapped_column(String(100), nullable=False)
    status: Mapped[JobRunStatus] = mapped_column(str_enum(JobRunStatus, "job_run_status"), nullable=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    #: What the job reported ("3 contracts expired") or the error.
    detail: Mapped[str | None] = mapped_column(Text)

    def __str__(self) -> str:
        return f"{self.job_id} {self.status.value} at {self.started_at:%Y-%m-%d %H:%M:%S}"
