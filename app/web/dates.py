"""Dates as people type them: one format, ISO `YYYY-MM-DD`, read strictly and never rewritten.

Flask-AppBuilder's date input carries bootstrap-datepicker, which parses what was typed on
blur and on paste and writes its own reading back: 2026-02-30 became 2026-03-02 and
"12/01/2026" became "17-07-18". Here a date input is plain text that the browser never
changes; a calendar button next to it may help (the browser's own date picker, which
writes an ISO date only when a day is picked). The server reads the same format strictly
on every form (`IsoDateField`) and REST field (`StrictIsoDate`): anything else, including
a day that is not in the calendar, is refused with the expected format, and the form keeps
what was typed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from markupsafe import Markup
from marshmallow import ValidationError, fields
from wtforms import Field
from wtforms.widgets import html_params

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
FORMAT_HINT = "YYYY-MM-DD, e.g. 2026-03-31"


def parse_iso_date(text: str) -> dt.date:
    """`YYYY-MM-DD` to a date; ValueError with the expected format for anything else."""
    value = text.strip()
    if not ISO_DATE.fullmatch(value):
        raise ValueError(f"Not a valid date: use {FORMAT_HINT}.")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        message = f"Not a valid date: {value} is not a day of the calendar (use {FORMAT_HINT})."
        raise ValueError(message) from None


class IsoDateWidget:
    """A text input for `YYYY-MM-DD` and a calendar button (the browser's picker)."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        css = f"form-control {kwargs.pop('class', '') or kwargs.pop('class_', '')}".strip()
        text = html_params(
            type="text",
            name=field.name,
            value=field._value(),
            placeholder="YYYY-MM-DD",
            autocomplete="off",
            spellcheck="false",
            **{"class": css, "data-date-input": "iso"},
            **kwargs,
        )
        return Markup(
            '<div class="input-group mssp-date">'
            f"<input {text}>"
            '<span class="input-group-btn"><button type="button" class="btn btn-default mssp-date-pick"'
            ' tabindex="-1" title="Pick a date" aria-label="Pick a date">'
            '<i class="fa fa-calendar"></i></button></span>'
            '<input type="date" class="mssp-date-native" tabindex="-1" aria-hidden="true">'
            "</div>"
        )


class IsoDateField(Field):
    """A date typed as `YYYY-MM-DD`; anything else is refused and kept as typed."""

    widget = IsoDateWidget()

    def __init__(self, label: str | None = None, validators: list | None = None, **kwargs: Any) -> None:
        description = str(kwargs.pop("description", "") or "")
        if "YYYY-MM-DD" not in description:
            description = f"{description} Format YYYY-MM-DD.".strip()
        super().__init__(label, validators, description=description, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if isinstance(self.data, dt.date) else ""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = parse_iso_date(valuelist[0])
        except ValueError:
            self.data = None
            raise


class StrictIsoDate(fields.Date):
    """marshmallow's Date, reading only `YYYY-MM-DD` (it took "2026-2-3" as 2026-02-03)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        if not isinstance(value, str):
            raise ValidationError(f"Not a valid date: use {FORMAT_HINT}.")
        try:
            return parse_iso_date(value)
        except ValueError as problem:
            raise ValidationError(str(problem)) from None


def strict_date_field(field: fields.Field) -> StrictIsoDate:
    """A `StrictIsoDate` standing in for marshmallow's Date `field` (same options)."""
    strict = StrictIsoDate(
        required=field.required,
        allow_none=field.allow_none,
        validate=list(field.validators),
        metadata=dict(field.metadata),
        data_key=field.data_key,
    )
    strict.dump_only, strict.load_only = field.dump_only, field.load_only
    return strict
