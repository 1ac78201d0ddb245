"""The scope form's parameters: one real input per parameter of the service's scope template.

`ScopeDetailsField` replaces the raw JSON box of `ServiceScope.scope_details`. It renders
the parameters of the service chosen in the same form (`parameter_inputs`) as inputs named
`scope_details.<parameter>`, plus a hidden `scope_details` holding the id of the service
they were drawn for. When the person picks another service, `static/js/scope_parameters.js`
fetches the inputs of that one (`ServiceScopeView.scope_parameters`).

On submit the values are checked by the scopes service (`app.services.scopes`): one message
per parameter, the inputs concerned marked; the field's data is then the cleaned object
(types coerced, defaults filled) that is stored. Values posted for another service than the
one now chosen (the browser could not fetch the new inputs) are ignored: the stored values
that still fit are kept, the defaults fill the rest, and the form shows the right inputs.

Stored values whose key the service's template no longer declares are kept on save (the
scopes service's rule) and shown under the inputs, read-only, as "not in the service
template"; the show page marks them the same way.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape
from wtforms import Field
from wtforms.utils import unset_value

from app.models.catalog import Service
from app.services.scopes import (
    ParameterSpec,
    ScopeDetailsInvalid,
    TemplateInvalid,
    clean_scope_details,
    keys_not_in_template,
    parameter_specs,
)
from app.web.display import format_decimal

#: The HTML name of a parameter's input is this field's name, a dot, and the parameter's name.
SEPARATOR = "."

_NUMBER_STEP = {"integer": "1", "decimal": "any"}


def _attributes(**attributes: Any) -> Markup:
    """` name="value"` pairs, escaped; True gives a bare attribute, None and False nothing."""
    parts = []
    for key, value in attributes.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        parts.append(f" {name}" if value is True else f' {name}="{escape(value)}"')
    return Markup("".join(parts))


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _input(spec: ParameterSpec, name: str, input_id: str, value: Any) -> Markup:
    common = {
        "id": input_id,
        "name": name,
        "data_template_parameter": spec.name,
        "required": spec.required and spec.default is None and spec.type != "boolean",
    }
    if spec.type == "boolean":
        checked = value is True or _as_text(value).lower() in ("true", "on", "yes", "1")
        box = Markup('<input type="checkbox" value="true"{}>').format(_attributes(**common, checked=checked))
        return Markup('<div class="checkbox"><label>{} {}</label></div>').format(box, spec.label)
    if spec.type in ("select", "multi_select"):
        multiple = spec.type == "multi_select"
        chosen = {_as_text(v) for v in value} if isinstance(value, list | tuple) else {_as_text(value)}
        options = [] if multiple else [Markup('<option value="">—</option>')]
        for option in spec.options:
            text = _as_text(option)
            options.append(
                Markup("<option{}>{}</option>").format(_attributes(value=text, selected=text in chosen), text)
            )
        return Markup('<select class="form-control"{}>{}</select>').format(
            _attributes(**common, multiple=multiple), Markup("").join(options)
        )
    bounds: dict[str, Any] = {}
    if spec.type in ("integer", "decimal"):
        kind = "number"
        bounds = {"min": spec.min, "max": spec.max, "step": _NUMBER_STEP[spec.type]}
    elif spec.type == "date":
        kind = "date"
        bounds = {"min": spec.min, "max": spec.max}
    else:
        kind = "text"
        bounds = {"minlength": spec.min, "maxlength": spec.max}
    return Markup('<input class="form-control"{}>').format(
        _attributes(type=kind, value=_as_text(value), **common, **bounds)
    )


def _hint(spec: ParameterSpec) -> str:
    parts = [spec.help_text] if spec.help_text else []
    if spec.type in ("integer", "decimal") and (spec.min is not None or spec.max is not None):
        low = format_decimal(spec.min) if spec.min is not None else "…"
        high = format_decimal(spec.max) if spec.max is not None else "…"
        parts.append(f"From {low} to {high}.")
    if spec.default is not None and spec.type != "boolean":
        shown = ", ".join(map(str, spec.default)) if isinstance(spec.default, list) else spec.default
        parts.append(f"Default: {shown}.")
    return " ".join(parts)


def parameter_inputs(
    field_name: str,
    service: Service | None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    *,
    posted: bool = False,
) -> Markup:
    """The inputs of `service`'s scope parameters holding `values`.

    Defaults fill what `values` lacks, except for `posted` values (a refused form): there
    an absent value is an answer (an unticked box, an emptied input).
    """
    if service is None:
        return Markup('<p class="help-block">Choose a service to see its scope parameters.</p>')
    marker = Markup('<input type="hidden"{}>').format(_attributes(name=field_name, value=str(service.id)))
    try:
        specs = parameter_specs(service.scope_definition_template)
    except TemplateInvalid as invalid:
        return marker + Markup('<p class="text-danger">{}</p>').format(invalid.message)
    if not specs:
        return marker + Markup('<p class="help-block">{} has no scope parameters.</p>').format(service.name)
    values = values or {}
    errors = errors or {}
    rows = []
    for spec in specs:
        input_id = f"{field_name}-{spec.name}"
        value = values.get(spec.name) if posted else values.get(spec.name, spec.default)
        widget = _input(spec, f"{field_name}{SEPARATOR}{spec.name}", input_id, value)
        label = Markup("")
        if spec.type != "boolean":
            star = Markup(' <strong class="text-danger">*</strong>') if spec.required else ""
            label = Markup('<label class="control-label" for="{}">{}{}</label>').format(
                input_id, spec.label, star
            )
        hint = _hint(spec)
        help_block = Markup('<span class="help-block">{}</span>').format(hint) if hint else ""
        css = "form-group has-error" if spec.name in errors else "form-group"
        rows.append(Markup('<div class="{}">{}{}{}</div>').format(css, label, widget, help_block))
    return marker + Markup("").join(rows)


NOT_IN_TEMPLATE = "not in the service template"


def kept_values_block(service: Service | None, stored: Any) -> Markup:
    """The stored values the service's template no longer declares, read-only (kept on save)."""
    template = service.scope_definition_template if service is not None else None
    names = keys_not_in_template(template, stored)
    if not names:
        return Markup("")
    rows = Markup("").join(
        Markup("<dt>{}</dt><dd>{}</dd>").format(name, _shown(None, stored[name])) for name in names
    )
    return Markup(
        '<div class="mssp-scope-kept"><p class="help-block">Kept as stored, {}:</p>'
        '<dl class="dl-horizontal">{}</dl></div>'
    ).format(NOT_IN_TEMPLATE, rows)


class ScopeDetailsWidget:
    """The parameter inputs in a box the browser script refills when the service changes;
    under it (not refilled) the stored values the template no longer declares."""

    def __call__(self, field: ScopeDetailsField, **kwargs: Any) -> Markup:
        box = Markup('<div class="mssp-scope-parameters"{}>{}</div>').format(
            _attributes(
                id=kwargs.get("id", field.id),
                data_endpoint=field.endpoint_url() or None,
                data_terms_endpoint=field.endpoint_url(field.terms_endpoint) or None,
                data_service_field=field.service_field,
            ),
            parameter_inputs(
                field.name,
                field.service(),
                field.shown_values(),
                field.parameter_errors,
                posted=field.posted_for(field.service()),
            ),
        )
        return box + kept_values_block(field.service(), field.object_data)


class ScopeDetailsField(Field):
    """`scope_details` as the inputs of the chosen service's parameters; data is the object to store.

    `service_field` names the form's service picker; `endpoint` the view endpoint that
    serves the inputs of another service (its URL goes to the browser script).
    """

    widget = ScopeDetailsWidget()

    def __init__(
        self,
        label: str | None = None,
        validators: list | None = None,
        *,
        service_field: str = "service",
        endpoint: str | None = None,
        terms_endpoint: str | None = None,
        **kwargs: Any,
    ) -> None:
        # WTForms binds a field by calling the constructor with the form it belongs to.
        self._owner = kwargs.get("_form")
        super().__init__(label, validators, **kwargs)
        self.service_field = service_field
        self.endpoint = endpoint
        #: The endpoint of the catalog's unit, price and currency of a service (proposed on a change).
        self.terms_endpoint = terms_endpoint
        self.submitted: dict[str, list[str]] | None = None
        self.submitted_for: str | None = None
        self.parameter_errors: dict[str, str] = {}

    def endpoint_url(self, endpoint: str | None = None) -> str:
        from flask import url_for
        from werkzeug.routing import BuildError

        endpoint = endpoint or self.endpoint
        if not endpoint:
            return ""
        try:
            return url_for(endpoint)
        except BuildError:
            return ""

    def service(self) -> Service | None:
        picker = self._owner[self.service_field] if self._owner is not None else None
        return picker.data if picker is not None else None

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.process_errors = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.data = dict(data) if isinstance(data, dict) else {}
        self.raw_data = None
        if formdata is not None and self.name in formdata:
            prefix = self.name + SEPARATOR
            self.raw_data = formdata.getlist(self.name)
            self.submitted_for = (self.raw_data[0] if self.raw_data else "").strip()
            self.submitted = {
                key[len(prefix) :]: formdata.getlist(key) for key in formdata if key.startswith(prefix)
            }

    def posted_for(self, service: Service | None) -> bool:
        return service is not None and self.submitted is not None and self.submitted_for == str(service.id)

    def _posted_values(self, specs: list[ParameterSpec]) -> dict[str, Any]:
        submitted = self.submitted or {}
        values: dict[str, Any] = {}
        for spec in specs:
            raw = submitted.get(spec.name, [])
            if spec.type == "boolean":
                values[spec.name] = bool(raw) and raw[-1].strip().lower() in ("true", "on", "yes", "1")
            elif spec.type == "multi_select":
                values[spec.name] = [v for v in raw if v != ""]
            else:
                values[spec.name] = raw[0] if raw else None
        return values

    def shown_values(self) -> dict[str, Any]:
        """What the inputs show: the posted text after a refused save, else the stored values."""
        service = self.service()
        if self.posted_for(service):
            return {k: (v if len(v) != 1 else v[0]) for k, v in (self.submitted or {}).items()}
        return self.data or {}

    def pre_validate(self, form: Any) -> None:
        service = self.service()
        if service is None:
            self.data = {}
            return  # the service picker says it is required
        try:
            specs = parameter_specs(service.scope_definition_template)
        except TemplateInvalid as invalid:
            self.errors.append(invalid.message)
            return
        if self.posted_for(service):
            details = self._posted_values(specs)
        else:
            names = {spec.name for spec in specs}
            details = {k: v for k, v in (self.data or {}).items() if k in names}
        try:
            self.data = clean_scope_details(service.scope_definition_template, details, self.object_data)
        except ScopeDetailsInvalid as invalid:
            self.parameter_errors = invalid.errors
            self.errors.extend(invalid.errors.values())


def _shown(spec: ParameterSpec | None, value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, int | float) and spec is not None and spec.type in ("integer", "decimal"):
        return format_decimal(value)
    return str(value)


def format_scope_details(service: Service | None, details: Any) -> Markup | str:
    """A scope's parameters by label for its show page (keys not in the template by name,
    last, marked as such)."""
    if not isinstance(details, dict) or not details:
        return ""
    try:
        specs = parameter_specs(service.scope_definition_template) if service is not None else []
    except TemplateInvalid:
        specs = []
    by_name = {spec.name: spec for spec in specs}
    names = [spec.name for spec in specs if spec.name in details]
    names += [name for name in details if name not in by_name]
    rows = [
        Markup("<dt>{}</dt><dd>{}</dd>").format(by_name[name].label, _shown(by_name[name], details[name]))
        if name in by_name
        else Markup('<dt>{}</dt><dd>{} <span class="label label-default">{}</span></dd>').format(
            name, _shown(None, details[name]), NOT_IN_TEMPLATE
        )
        for name in names
    ]
    return Markup('<dl class="dl-horizontal mssp-scope-details">{}</dl>').format(Markup("").join(rows))
