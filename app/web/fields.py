"""Form fields FAB lacks or gets wrong on this stack.

- JSONField: rows edited in the browser (no JSON typed) that parse, report "Invalid JSON" and store an object
  (FAB stores the raw text as a JSON *string*).
- EnumSelectField: a select of enum labels for enums stored by value (FAB's EnumField
  looks members up by name and fails on `values_callable` enums).
- RelationPickerField: a search-as-you-type Select2 picker fed by an AJAX endpoint that
  returns at most 100 options (FAB's select loads the whole related table).
- VersionField: the optimistic-lock version, carried in the form, never written back.
- LocalDateTimeField: a time typed and shown in the person's own time zone (their profile's,
  UTC by default), to the second; its value is timezone-aware.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Callable
from typing import Any

from flask import url_for
from markupsafe import Markup, escape
from wtforms import DateTimeField, Field, HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import html_params

from app.services.accounts.time_zones import in_zone
from app.web.display import enum_label, pretty_json, viewer_zone


class JSONTextAreaWidget:
    """A monospace textarea sized for JSON."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        kwargs["class"] = "form-control mssp-json"
        kwargs.setdefault("rows", 8)
        kwargs.setdefault("spellcheck", "false")
        attributes = " ".join(f'{k}="{escape(v)}"' for k, v in kwargs.items())
        return Markup(
            f'<textarea name="{escape(field.name)}" {attributes}>{escape(field._value())}</textarea>'
        )


class StructuredJSONWidget:
    """No JSON to type: a hidden input holding the JSON, edited by app/static/js/json_editors.js
    as rows (an array: a list with add, remove, reorder; an object: key/value rows; "any": an
    input of the value's own type). The server still parses and checks the JSON it receives."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        field_id = escape(kwargs.get("id", field.id))
        return Markup(
            f'<input type="hidden" name="{escape(field.name)}" id="{field_id}" '
            f'value="{escape(field._value())}" data-json-editor="{escape(field.kind)}">'
            f'<div class="mssp-rows-editor" data-editor-for="{field_id}"></div>'
            '<noscript><p class="text-danger">This input needs JavaScript.</p></noscript>'
        )


class JSONField(TextAreaField):
    """JSON edited as rows (StructuredJSONWidget). `kind` is "object" (default), "array" or "any"."""

    widget = StructuredJSONWidget()

    def __init__(
        self, label: str | None = None, validators: list | None = None, kind: str = "object", **kwargs: Any
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.kind = kind
        self._raw_text: str | None = None

    def _value(self) -> str:
        if self._raw_text is not None:
            return self._raw_text
        if self.data is None:
            return "{}" if self.kind == "object" else ""
        return pretty_json(self.data)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        text = valuelist[0] or ""
        self._raw_text = text
        if not text.strip():
            self.data = {} if self.kind == "object" else None
            return
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            self.data = None
            raise ValueError(
                f"Invalid JSON: {error.msg} (line {error.lineno}, column {error.colno})."
            ) from None
        if self.kind == "object" and not isinstance(value, dict):
            self.data = None
            raise ValueError('Invalid JSON: expected an object, e.g. {"key": "value"}.')
        if self.kind == "array" and not isinstance(value, list):
            self.data = None
            raise ValueError('Invalid JSON: expected an array, e.g. ["a", "b"].')
        self.data = value


class EnumSelectField(SelectField):
    """A select listing an enum's members by label; the form data is the member."""

    def __init__(
        self,
        enum_class: type[enum.Enum],
        label: str | None = None,
        validators: list | None = None,
        allow_blank: bool = False,
        **kwargs: Any,
    ) -> None:
        self.enum_class = enum_class
        choices = [SelectChoice(m.value, enum_label(m)) for m in enum_class]
        if allow_blank:
            choices = [SelectChoice("", "—"), *choices]
        super().__init__(label, validators, coerce=self._coerce, choices=choices, **kwargs)

    def _coerce(self, value: Any) -> enum.Enum | None:
        if value is None or value == "":
            return None
        if isinstance(value, self.enum_class):
            return value
        try:
            return self.enum_class(value)
        except ValueError:
            raise ValueError("Not a valid choice.") from None

    def pre_validate(self, form: Any) -> None:
        if self.data is None:
            return
        if not isinstance(self.data, self.enum_class):
            raise ValidationError("Not a valid choice.")


class RelationPickerWidget:
    """A Select2 box that asks the server for options as the person types."""

    def __call__(self, field: RelationPickerField, **kwargs: Any) -> Markup:
        current = field.data
        attributes = {
            "id": kwargs.get("id", field.id),
            "name": field.name,
            "class": "form-control mssp-relation-picker",
            "data-endpoint": field.endpoint_url(),
            "data-placeholder": field.placeholder,
            "data-allow-clear": "true" if field.allow_blank else "false",
            # Other fields of the form whose choice narrows the options (sent with each search).
            "data-context": ",".join(field.context),
            "style": "width: 100%",
        }
        html = " ".join(f'{k}="{escape(v)}"' for k, v in attributes.items())
        options = ['<option value=""></option>']
        if current is not None:
            key, label = escape(field.key_of(current)), escape(field.label_of(current))
            options.append(f'<option value="{key}" selected>{label}</option>')
        return Markup(f"<select {html}>{''.join(options)}</select>")


class RelationPickerField(Field):
    """Pick one related row by searching; the form data is the row (or None).

    `load` turns a submitted key into the row or None (unknown or malformed key);
    `endpoint` is the view endpoint serving the options (`<View>.related_options`).
    """

    widget = RelationPickerWidget()

    def __init__(
        self,
        label: str | None = None,
        validators: list | None = None,
        *,
        endpoint: str,
        column: str,
        load: Callable[[Any], Any | None],
        key_of: Callable[[Any], Any],
        label_of: Callable[[Any], str] = str,
        allow_blank: bool = True,
        placeholder: str = "Type to search…",
        context: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.endpoint = endpoint
        self.column = column
        self.load = load
        self._key_of = key_of
        self._label_of = label_of
        self.allow_blank = allow_blank
        self.placeholder = placeholder
        #: Other field of the form -> the path of this field's rows to that field's chosen key.
        self.context = dict(context or {})
        self.raw_key: str | None = None

    def endpoint_url(self) -> str:
        return url_for(self.endpoint, column=self.column)

    def key_of(self, obj: Any) -> str:
        return str(self._key_of(obj))

    def label_of(self, obj: Any) -> str:
        return self._label_of(obj)

    def _value(self) -> str:
        return self.key_of(self.data) if self.data is not None else ""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip()
        self.raw_key = raw
        if not raw:
            self.data = None
            return
        self.data = self.load(raw)
        if self.data is None:
            raise ValueError("Not a valid choice: the record does not exist.")

    def pre_validate(self, form: Any) -> None:
        if self.data is None and not self.allow_blank and not self.process_errors:
            raise ValidationError("This field is required.")


class VersionField(HiddenField):
    """The version the form was opened at. Compared on save; never copied onto the record."""

    def process_formdata(self, valuelist: list[str]) -> None:
        raw = valuelist[0] if valuelist else ""
        try:
            self.data = int(raw)
        except (TypeError, ValueError):
            self.data = None

    def populate_obj(self, obj: Any, name: str) -> None:
        """The lock column belongs to SQLAlchemy: never assign it from a form."""


class LocalDateTimeWidget:
    """A text input for `YYYY-MM-DD HH:MM[:SS]` and the time zone it is read in. It renders
    the field's own text (FAB's picker widget rendered `str(datetime)`, "2026-01-05
    09:30:00+00:00", which the field then refused)."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        css = f"form-control {kwargs.pop('class', '') or kwargs.pop('class_', '')}".strip()
        text = html_params(
            type="text",
            name=field.name,
            value=field._value(),
            placeholder="YYYY-MM-DD HH:MM",
            autocomplete="off",
            spellcheck="false",
            **{"class": css},
            **kwargs,
        )
        zone = escape(field.zone_label())
        return Markup(
            f'<div class="input-group"><input {text}><span class="input-group-addon">{zone}</span></div>'
        )


class LocalDateTimeField(DateTimeField):
    """A time typed as "YYYY-MM-DD HH:MM[:SS]" in the person's time zone; aware on the way out.

    A stored time is shown in the same zone and format, so saving a form unchanged keeps it
    (to the second)."""

    widget = LocalDateTimeWidget()

    def __init__(self, label: str | None = None, validators: list | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("format", ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"])
        description = str(kwargs.pop("description", "") or "")
        if "YYYY-MM-DD" not in description:
            description = f"{description} Format YYYY-MM-DD HH:MM, in your time zone (profile).".strip()
        super().__init__(label, validators, description=description, **kwargs)

    def zone_label(self) -> str:
        zone = viewer_zone()
        return getattr(zone, "key", None) or "UTC"

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if isinstance(self.data, dt.datetime):
            return in_zone(self.data, viewer_zone()).strftime("%Y-%m-%d %H:%M:%S")
        return ""

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist and not " ".join(valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata([" ".join(valuelist).strip()] if valuelist else valuelist)
        except ValueError:
            raise ValueError("Not a valid datetime: use YYYY-MM-DD HH:MM, e.g. 2026-03-31 14:30.") from None
        if isinstance(self.data, dt.datetime) and self.data.tzinfo is None:
            zone = viewer_zone()
            # fold=0: an ambiguous wall time at a clock change reads as the first of the two.
            self.data = self.data.replace(tzinfo=zone).astimezone(dt.UTC)
