"""The registry of source types: one class per `SourceType`, listed here, nowhere else."""

from __future__ import annotations

from app.integrations.base import DataSourceType
from app.integrations.grafana import GrafanaSource
from app.integrations.jira import JiraSource
from app.integrations.rest import RestJsonSource
from app.models.integrations import SourceType

SOURCE_TYPE_CLASSES: tuple[type[DataSourceType], ...] = (JiraSource, GrafanaSource, RestJsonSource)


def source_type_for(source_type: SourceType | str) -> DataSourceType:
    """The source type object for a SourceType (or its value)."""
    wanted = SourceType(source_type)
    for cls in SOURCE_TYPE_CLASSES:
        if cls.source_type is wanted:
            return cls()
    raise KeyError(f"no source type registered for {wanted.value}")


def all_source_types() -> list[DataSourceType]:
    return [cls() for cls in SOURCE_TYPE_CLASSES]
