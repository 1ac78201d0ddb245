"""How a value looks on a screen and in a CSV file: money with its currency and thousands
separators, dates as dates, times in the viewer's time zone (their profile's, UTC by
default) to the minute, enums by label, never a raw Decimal or `Status.ACTIVE`."""

from __future__ import annotations

import datetime as dt
import enum
import json
from decimal import Decimal
from typing import Any

from flask import g, has_request_context
from markupsafe import Markup
from sqlalchemy import JSON, Numeric
from sqlalchemy import inspect as sa_inspect

from app.services.accounts.time_zones import in_zone, zone_abbreviation, zone_of
from app.web.labels import ENUM_LABELS

#: Words shown in capitals inside enum labels.
ACRONYMS = frozenset(
    {"mdr", "soc", "siem", "edr", "ndr", "hsm", "nfr", "saf", "sla", "ip", "gb", "api", "url", "rest", "id"}
)
#: Where a value is longer than this in a list cell, it is cut (the show page has it whole).
LIST_TEXT_LIMIT = 120


def enum_label(member: enum.Enum) -> str:
    """`ClientStatus.IN_PROGRESS` -> "In progress"; `ServiceCategory.MDR` -> "MDR";
    `DeliveryModel.CO_MANAGED` -> "Co-managed" (`labels.ENUM_LABELS`)."""
    if str(member.value) in ENUM_LABELS:
        return ENUM_LABELS[str(member.value)]
    words = str(member.value).replace("-", "_").split("_")
    shown = [w.upper() if w.lower() in ACRONYMS else w.lower() for w in words if w]
    if shown and shown[0].islower():
        shown[0] = shown[0].capitalize()
    return " ".join(shown)


def format_decimal(value: Decimal | float | int, places: int | None = None) -> str:
    """Thousands separators; `places` fixed digits, or as many as the value needs."""
    if places is not None:
        return f"{value:,.{places}f}"
    if isinstance(value, Decimal):
        normalized = value.normalize()
        # normalize() turns 100 into 1E+2: format back to plain digits.
        return f"{normalized:,f}"
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e15 else f"{value:g}"
    return f"{value:,}"


#: A list cell holding a word longer than this (a key, a URL, a hash) may break it anywhere
#: (`static/css/lists.css`); shorter words and dates stay whole.
LONG_TOKEN = 24
#: The CSS class of such a cell.
LONG_VALUE_CLASS = "mssp-long-value"


def has_long_token(value: Any) -> bool:
    """Whether the shown text of a list cell has a word longer than `LONG_TOKEN` characters."""
    return isinstance(value, str) and any(len(word) > LONG_TOKEN for word in value.split())


#: The CSS class of a list column of money (right-aligned, see `static/css/mssp.css`).
MONEY_CLASS = "mssp-money"


class MoneyText(str):
    """A formatted amount of money: plain text on screens and in messages; an HTML list
    right-aligns the columns whose cells hold one (`money_columns`); a CSV export writes its
    `amount` as a number and its `currency` in a column of its own (`money_cell`)."""

    amount: Decimal
    currency: str


def format_money(amount: Decimal | None, currency: str | None) -> str:
    if amount is None:
        return ""
    text = MoneyText(f"{amount:,.2f} {currency or ''}".rstrip())
    text.amount, text.currency = amount, currency or ""
    return text


def money_cell(value: Any) -> str:
    """A money value as a spreadsheet number ("-1234.50": no separators, no currency)."""
    return f"{value.amount:.2f}" if isinstance(value, MoneyText) else str(value)


def money_columns(rows: list[dict[str, Any]]) -> set[str]:
    """The columns of list `rows` (column -> shown value) that show money."""
    return {column for row in rows for column, value in row.items() if isinstance(value, MoneyText)}


def viewer_zone() -> dt.tzinfo:
    """The signed-in person's time zone (profile setting); UTC outside a request or signed out."""
    if not has_request_context():
        return dt.UTC
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return dt.UTC
    return zone_of(getattr(user, "time_zone", None))


def format_datetime(value: dt.datetime, *, seconds: bool = False) -> str:
    """`2026-01-05 10:30 CET`: the viewer's zone, to the minute (or second), never microseconds.
    A naive time is one of the stored UTC times (read as UTC)."""
    local = in_zone(value, viewer_zone())
    shown = local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{shown} {zone_abbreviation(local)}"


def is_money_column(model: type, column_name: str) -> bool:
    """A Numeric(14, 2) column on a model that carries a `currency` column."""
    column = _column(model, column_name)
    if column is None or not isinstance(column.type, Numeric):
        return False
    return column.type.scale == 2 and column.type.precision == 14 and _column(model, "currency") is not None


def _column(model: type, name: str) -> Any | None:
    try:
        return sa_inspect(model).columns.get(name)
    except Exception:
        return None


def plain_value(item: Any, column_name: str) -> Any:
    """The raw value of a (possibly dotted) column; "" where a link in the chain is empty."""
    value = item
    for part in column_name.split("."):
        if value is None:
            return None
        value = getattr(value, part, None)
        if callable(value) and not isinstance(value, type):
            value = value()
    return value


def format_value(item: Any, column_name: str, *, limit: int | None = None) -> str:
    """The text a person should see for `item.<column_name>`."""
    value = plain_value(item, column_name)
    if value is None:
        return ""
    model = type(item)
    if "." not in column_name and is_money_column(model, column_name):
        return format_money(value, getattr(item, "currency", None))
    return format_scalar(value, model, column_name, limit=limit)


def format_scalar(
    value: Any, model: type | None = None, column_name: str = "", *, limit: int | None = None
) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, enum.Enum):
        return enum_label(value)
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | float | int):
        column = _column(model, column_name) if model is not None else None
        places = getattr(getattr(column, "type", None), "scale", None) if column is not None else None
        if isinstance(value, Decimal) and places is not None and places <= 2:
            return format_decimal(value, places)
        return format_decimal(value)
    if isinstance(value, dict | list):
        column = _column(model, column_name) if model is not None else None
        if column is None or isinstance(column.type, JSON):
            text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
            return _cut(text, limit)
    if isinstance(value, list | tuple | set):
        return _cut(", ".join(str(v) for v in value), limit)
    return _cut(str(value), limit)


def _cut(text: str, limit: int | None) -> str:
    if limit is not None and len(text) > limit:
        return text[: limit - 1] + "…"
    return text


def pretty_json(value: Any) -> str:
    """JSON for the show page and the editor: indented, keys sorted, unicode kept."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)


def audit_when(value: dt.datetime | None) -> str:
    """When an audited change happened, to the second, in the viewer's zone."""
    return "" if value is None else format_datetime(value, seconds=True)


def document_link(url: str | None) -> str | Markup:
    """A document's address as a link opening in a new tab; only http(s) addresses are linked
    (a `javascript:` or other address is shown as text, never made clickable)."""
    if not url:
        return ""
    text = str(url).strip()
    if not text.lower().startswith(("http://", "https://")):
        return text
    return Markup('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>').format(text, text)
