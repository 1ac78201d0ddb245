"""Admin-defined custom fields (NetBox's model): a definition per field, values in JSONB.

The values live in `custom_field_data` on each entity listed in `CustomFieldEntity`;
validation, defaults and renames are the custom fields service's work.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.mixins import ChangedByMixin, TimestampMixin, UUIDPrimaryKeyMixin, VersionedMixin
from app.models.types import str_enum


class CustomFieldEntity(enum.Enum):
    """Every entity with a `custom_field_data` column."""

    CLIENT = "client"
    CONTRACT = "contract"
    PROPOSAL = "proposal"
    SERVICE = "service"
    SERVICE_SCOPE = "service_scope"
    LICENSE_POOL = "license_pool"
    CLIENT_LICENSE = "client_license"
    HARDWARE_ASSET = "hardware_asset"
    CLIENT_HARDWARE_ASSIGNMENT = "client_hardware_assignment"
    FINANCIAL_TRANSACTION = "financial_transaction"
    USER = "user"


class CustomFieldType(enum.Enum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    URL = "url"
    EMAIL = "email"
    SELECT = "select"
    MULTI_SELECT = "multi_select"
    JSON = "json"


class CustomFieldDefinition(UUIDPrimaryKeyMixin, TimestampMixin, ChangedByMixin, VersionedMixin, db.Model):
    __tablename__ = "custom_field_definitions"
    __table_args__ = (
        UniqueConstraint("entity_type", "name"),
        # The name is a JSON key and a URL filter parameter: keep it an identifier.
        CheckConstraint("name ~ '^[a-z][a-z0-9_]*$'", name="name_identifier"),
        CheckConstraint("min_value <= max_value", name="min_not_above_max"),
        CheckConstraint(
            "select_options IS NULL OR jsonb_typeof(select_options) = 'array'",
            name="select_options_array",
        ),
        CheckConstraint(
            "field_type NOT IN ('select', 'multi_select') OR select_options IS NOT NULL",
            name="select_has_options",
        ),
    )

    entity_type: Mapped[CustomFieldEntity] = mapped_column(
        str_enum(CustomFieldEntity, "custom_field_entity"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    label: Mapped[str] = mapped_column(String(100), nullable=False)
    field_type: Mapped[CustomFieldType] = mapped_column(
        str_enum(CustomFieldType, "custom_field_type"), nullable=False
    )
    required: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false")
    )
    default_value: Mapped[Any | None] = mapped_column(JSONB(none_as_null=True))
    help_text: Mapped[str | None] = mapped_column(Text)
    validation_regex: Mapped[str | None] = mapped_column(String(500))
    #: Bounds for integer and decimal fields.
    min_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    max_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    #: A JSON array of choices for select and multi_select.
    select_options: Mapped[list[Any] | None] = mapped_column(JSONB(none_as_null=True))
    group_name: Mapped[str | None] = mapped_column(String(100))
    display_order: Mapped[int] = mapped_column(
        Integer, nullable=False, default=100, server_default=text("100")
    )
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=text("true"), index=True
    )
    show_in_list: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false")
    )
    is_filterable: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false")
    )

    def __str__(self) -> str:
        return f"{self.label} ({self.entity_type.value})"
