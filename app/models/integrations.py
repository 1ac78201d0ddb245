"""External REST sources (Jira, Grafana, generic) and the queries that pull data from them.

Secrets never live in `config`: they are encrypted (Fernet, keys from
MSSP_ENCRYPTION_KEYS) into `encrypted_credentials`; `config` holds the rest.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.mixins import ChangedByMixin, TimestampMixin, UUIDPrimaryKeyMixin, VersionedMixin
from app.models.types import non_negative, str_enum

#: The longest first-run look-back a query may ask for (five years, in hours).
MAX_LOOKBACK_HOURS = 43_800


class SourceType(enum.Enum):
    JIRA = "jira"
    GRAFANA = "grafana"
    REST = "rest"


class AuthType(enum.Enum):
    NONE = "none"
    BASIC = "basic"
    BEARER = "bearer"
    API_KEY_HEADER = "api_key_header"


class QueryTarget(enum.Enum):
    """The table a query's results are written to."""

    TICKET_SUMMARY = "ticket_summary"
    SERVICE_PERFORMANCE_METRIC = "service_performance_metric"
    SLA_METRIC = "sla_metric"


class QueryRunStatus(enum.Enum):
    SUCCESS = "success"
    PARTIAL = "partial"  # some rows rejected by validation
    FAILED = "failed"


class ExternalDataSource(UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, VersionedMixin, db.Model):
    __tablename__ = "external_data_sources"
    __table_args__ = (
        CheckConstraint("base_url ~ '^https?://'", name="base_url_http"),
        CheckConstraint("timeout_seconds BETWEEN 1 AND 300", name="timeout_range"),
    )

    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    source_type: Mapped[SourceType] = mapped_column(
        str_enum(SourceType, "source_type"), nullable=False, index=True
    )
    base_url: Mapped[str] = mapped_column(String(2048), nullable=False)
    auth_type: Mapped[AuthType] = mapped_column(
        str_enum(AuthType, "auth_type"),
        nullable=False, default=AuthType.NONE, server_default=AuthType.NONE.value,
    )
    #: A Fernet token (URL-safe base64 text) of the JSON secrets; NULL when there are none.
    encrypted_credentials: Mapped[str | None] = mapped_column(Text)
    #: Non-secret settings, validated by the source type's schema.
    config: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, default=dict, server_default=text("'{}'::jsonb")
    )
    timeout_seconds: Mapped[int] = mapped_column(
        Integer, nullable=False, default=30, server_default=text("30")
    )
    verify_tls: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=text("true")
    )
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=text("true"), index=True
    )

    # Configuration only, no history: a source's queries go with it.
    queries: Mapped[list[DataSourceQuery]] = relationship(
        back_populates="data_source", cascade="all, delete-orphan", passive_deletes=True
    )

    def __str__(self) -> str:
        return self.name


class DataSourceQuery(UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, VersionedMixin, db.Model):
    """What to fetch from a source, how to map it, where to write it, and how often.

    The scheduler should record runs (`last_*`, `consecutive_failures`) with a
    plain UPDATE that leaves `version` alone, so that a run does not make an open
    edit form stale.
    """

    __tablename__ = "data_source_queries"
    __table_args__ = (
        UniqueConstraint("data_source_id", "name"),
        # Either a cron expression or an interval (or neither: run by hand only).
        CheckConstraint(
            "schedule_cron IS NULL OR schedule_interval_minutes IS NULL", name="one_schedule"
        ),
        CheckConstraint("schedule_interval_minutes > 0", name="interval_positive"),
        CheckConstraint(
            f"initial_lookback_hours BETWEEN 1 AND {MAX_LOOKBACK_HOURS}", name="initial_lookback_range"
        ),
        non_negative("consecutive_failures"),
    )

    data_source_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("external_data_sources.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    endpoint: Mapped[str] = mapped_column(String(1000), nullable=False)
    #: JQL, PromQL or a request body; placeholders are filled at run time.
    query_template: Mapped[str | None] = mapped_column(Text)
    #: Target column -> JSONPath into the response.
    jsonpath_mappings: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, default=dict, server_default=text("'{}'::jsonb")
    )
    target: Mapped[QueryTarget] = mapped_column(
        str_enum(QueryTarget, "query_target"), nullable=False, index=True
    )
    schedule_cron: Mapped[str | None] = mapped_column(String(100))
    schedule_interval_minutes: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=text("true"), index=True
    )
    #: `{since}` of the first run, in hours back (NULL: MSSP_SYNC_INITIAL_LOOKBACK_HOURS).
    initial_lookback_hours: Mapped[int | None] = mapped_column(Integer)
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[QueryRunStatus | None] = mapped_column(str_enum(QueryRunStatus, "query_run_status"))
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default=text("0")
    )

    data_source: Mapped[ExternalDataSource] = relationship(back_populates="queries")

    def __str__(self) -> str:
        return f"{self.data_source}: {self.name}"
