"""Service scope templates: what a service's scope is made of, and checking a scope against it.

The template format (stored in `Service.scope_definition_template`)::

    {
      "version": 1,                     # optional; other top-level keys are kept as they are
      "parameters": [
        {
          "name": "retention_days",      # required, [a-z][a-z0-9_]*, unique; the scope_details key
          "label": "Log retention (days)",  # shown on the form; defaults to the name
          "type": "integer",            # text | integer | decimal | boolean | date | select | multi_select
          "required": true,             # default false
          "options": ["8x5", "24x7"],   # select / multi_select only: non-empty, no duplicates
          "min": 30, "max": 2555,       # integer / decimal: value bounds; date: ISO dates;
                                        # text: length bounds
          "default": 365,               # must itself be a valid value; filled in when missing
          "help_text": "..."            # optional hint under the input
        }
      ]
    }

`{}` means "no parameters". `"key"` is accepted as an alias of `"name"` (the demo catalog
uses it). A scope's `scope_details` is an object keyed by parameter name; values are
stored as JSON-native values: text and select as strings, integer and decimal as numbers,
boolean as true/false, date as "YYYY-MM-DD", multi_select as a list of options.

Forms: `parameter_specs(template)` gives the inputs to render, `validate_scope_details`
one message per parameter, `clean_scope_details` the values to store (defaults filled).

Keys no longer in the template: a template may lose a parameter that stored scopes still
hold. Those values are never dropped by an edit: sent back unchanged or left out, they are
kept as stored (`keys_not_in_template` names them, the screens show them read-only); a
changed value is refused, `null` removes one explicitly (REST API). A key that was not
stored and is not in the template is refused, as before. A renewal's copy of a scope
(`copy_scope_details`) keeps them too.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import inspect

from app.errors import ValidationFailed
from app.models.catalog import Service
from app.models.contracts import ScopeUnit, ServiceScope
from app.services.orm_state import PendingChanges, changed, committed_value, is_new, related

PARAMETER_TYPES: tuple[str, ...] = ("text", "integer", "decimal", "boolean", "date", "select", "multi_select")
PARAMETER_KEYS = frozenset(
    {"name", "key", "label", "type", "required", "options", "min", "max", "default", "help_text"}
)
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "no", "n", "off", "0"})
_BOUNDED_TYPES = frozenset({"text", "integer", "decimal", "date"})
_CHOICE_TYPES = frozenset({"select", "multi_select"})


class TemplateInvalid(ValidationFailed):
    """A service's scope template is malformed; `errors` lists every problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(
            "The scope template is malformed: " + "; ".join(errors), field="scope_definition_template"
        )
        self.errors = errors


class ScopeDetailsInvalid(ValidationFailed):
    """Scope details break the service's template; `errors` maps a parameter to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()), field="scope_details")
        self.errors = errors


@dataclass(frozen=True)
class ParameterSpec:
    """One input of a scope form."""

    name: str
    label: str
    type: str
    required: bool = False
    options: tuple[Any, ...] = ()
    min: Any = None
    max: Any = None
    default: Any = None
    help_text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["options"] = list(self.options)
        return data


# --- values ----------------------------------------------------------------------------------


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _number(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError
    if isinstance(raw, int | float | Decimal):
        value = Decimal(str(raw))
    elif isinstance(raw, str):
        value = Decimal(raw.strip())
    else:
        raise ValueError
    if not value.is_finite():
        raise ValueError
    return value


def _as_date(raw: Any) -> date:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    if isinstance(raw, str) and _DATE_PATTERN.match(raw.strip()):
        return date.fromisoformat(raw.strip())
    raise ValueError


def _check_bounds(spec: ParameterSpec, measured: Any, unit: str = "") -> None:
    if spec.min is not None and measured < spec.min:
        raise ValueError(f"{spec.label} must be at least {spec.min}{unit}.")
    if spec.max is not None and measured > spec.max:
        raise ValueError(f"{spec.label} must be at most {spec.max}{unit}.")


def _option(spec: ParameterSpec, raw: Any) -> Any:
    for option in spec.options:
        if raw == option or (not isinstance(raw, bool) and str(raw) == str(option)):
            return option
    choices = ", ".join(str(o) for o in spec.options)
    raise ValueError(f"{spec.label} must be one of: {choices}.")


def coerce_value(spec: ParameterSpec, raw: Any) -> Any:
    """The JSON value to store for `raw` (a form string or a JSON value); ValueError(message)."""
    label = spec.label
    if spec.type == "text":
        if not isinstance(raw, str):
            raise ValueError(f"{label} must be text.")
        _check_bounds(spec, len(raw), " characters")
        return raw
    if spec.type in ("integer", "decimal"):
        try:
            number = _number(raw)
        except (ValueError, InvalidOperation):
            kind = "a whole number" if spec.type == "integer" else "a number"
            raise ValueError(f"{label} must be {kind}.") from None
        if spec.type == "integer" and number != number.to_integral_value():
            raise ValueError(f"{label} must be a whole number.")
        _check_bounds(spec, number)
        return int(number) if number == number.to_integral_value() else float(number)
    if spec.type == "boolean":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower() if isinstance(raw, str | int) else None
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise ValueError(f"{label} must be yes or no.")
    if spec.type == "date":
        try:
            day = _as_date(raw)
        except ValueError:
            raise ValueError(f"{label} must be a date (YYYY-MM-DD).") from None
        _check_bounds(spec, day.isoformat())  # ISO dates compare as text
        return day.isoformat()
    if spec.type == "select":
        return _option(spec, raw)
    if spec.type == "multi_select":
        values = raw if isinstance(raw, list | tuple) else [raw]
        chosen = [_option(spec, value) for value in values]
        if len(set(map(str, chosen))) != len(chosen):
            raise ValueError(f"{label} lists an option twice.")
        return chosen
    raise ValueError(f"{label} has an unknown type {spec.type!r}.")


# --- templates -------------------------------------------------------------------------------


def _raw_parameters(template: Any) -> list[Any]:
    if template is None:
        return []
    if isinstance(template, list):
        return template
    if not isinstance(template, dict):
        raise TemplateInvalid(["the template must be a JSON object with a list of parameters"])
    parameters = template.get("parameters", [])
    if not isinstance(parameters, list):
        raise TemplateInvalid(['"parameters" must be a list'])
    return parameters


def _bounds_errors(where: str, kind: str, low: Any, high: Any) -> list[str]:
    if kind not in _BOUNDED_TYPES:
        return [f"{where}: min and max apply to text, integer, decimal and date only"]
    errors: list[str] = []
    for key, bound in (("min", low), ("max", high)):
        if bound is None:
            continue
        if kind == "date":
            ok = isinstance(bound, str) and bool(_DATE_PATTERN.match(bound))
            if ok:
                try:
                    date.fromisoformat(bound)
                except ValueError:
                    ok = False
        elif kind in ("text", "integer"):
            ok = isinstance(bound, int) and not isinstance(bound, bool) and (kind != "text" or bound >= 0)
        else:
            ok = isinstance(bound, int | float) and not isinstance(bound, bool)
        if not ok:
            expected = {"date": "a YYYY-MM-DD date", "text": "a length (0 or more)"}.get(kind, "a number")
            if kind == "integer":
                expected = "a whole number"
            errors.append(f"{where}: {key} must be {expected}")
    if not errors and low is not None and high is not None and low > high:
        errors.append(f"{where}: min is above max")
    return errors


def _parse_parameter(index: int, raw: Any, seen: set[str]) -> tuple[ParameterSpec | None, list[str]]:
    where = f"parameter {index}"
    if not isinstance(raw, dict):
        return None, [f"{where} must be an object"]
    errors: list[str] = []
    unknown = sorted(set(raw) - PARAMETER_KEYS)
    if unknown:
        errors.append(f"{where}: unknown key(s) {', '.join(unknown)}")
    name = raw.get("name", raw.get("key"))
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        errors.append(f"{where}: name must be lower case letters, digits and _ (starting with a letter)")
        name = None
    else:
        where = f"parameter {name!r}"
        if name in seen:
            errors.append(f"{where} is declared twice")
        seen.add(name)
    kind = raw.get("type")
    if kind not in PARAMETER_TYPES:
        errors.append(f"{where}: type must be one of {', '.join(PARAMETER_TYPES)}")
    label = raw.get("label", name)
    if label is not None and (not isinstance(label, str) or not label.strip()):
        errors.append(f"{where}: label must be non-empty text")
    if not isinstance(raw.get("required", False), bool):
        errors.append(f"{where}: required must be true or false")
    if raw.get("help_text") is not None and not isinstance(raw["help_text"], str):
        errors.append(f"{where}: help_text must be text")
    options = raw.get("options")
    if kind in _CHOICE_TYPES:
        if not isinstance(options, list) or not options:
            errors.append(f"{where}: a {kind} needs a non-empty list of options")
        elif any(not isinstance(o, str | int | float) or isinstance(o, bool) for o in options):
            errors.append(f"{where}: options must be text or numbers")
        elif len({str(o) for o in options}) != len(options):
            errors.append(f"{where}: options must not repeat")
    elif options is not None:
        errors.append(f"{where}: options apply to select and multi_select only")
    low, high = raw.get("min"), raw.get("max")
    if kind in PARAMETER_TYPES and (low is not None or high is not None):
        errors.extend(_bounds_errors(where, kind, low, high))
    if errors or name is None:
        return None, errors
    spec = ParameterSpec(
        name=name,
        label=(label or name).strip(),
        type=kind,
        required=raw.get("required", False),
        options=tuple(options or ()),
        min=low,
        max=high,
        help_text=raw.get("help_text"),
    )
    default = raw.get("default")
    if not _is_missing(default):
        try:
            default = coerce_value(spec, default)
        except ValueError as problem:
            return None, [f"{where}: the default is invalid ({problem})"]
        spec = replace(spec, default=default)
    return spec, []


def template_errors(template: Any) -> list[str]:
    """Every problem of a scope template; an empty list when it is well formed."""
    try:
        raw_parameters = _raw_parameters(template)
    except TemplateInvalid as invalid:
        return invalid.errors
    errors: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_parameters, start=1):
        errors.extend(_parse_parameter(index, raw, seen)[1])
    return errors


def parameter_specs(template: Any) -> list[ParameterSpec]:
    """The parameters of a scope template, in order; raises TemplateInvalid if malformed."""
    specs: list[ParameterSpec] = []
    errors: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(_raw_parameters(template), start=1):
        spec, problems = _parse_parameter(index, raw, seen)
        errors.extend(problems)
        if spec is not None:
            specs.append(spec)
    if errors:
        raise TemplateInvalid(errors)
    return specs


def check_template(template: Any) -> None:
    """Refuse a malformed scope template (raises TemplateInvalid)."""
    errors = template_errors(template)
    if errors:
        raise TemplateInvalid(errors)


# --- scope details ---------------------------------------------------------------------------


def _kept_values(
    known: set[str], details: dict[str, Any], stored: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    """The stored values outside the template that stay, and a message per key of `details`
    outside the template that cannot be saved."""
    kept = {k: v for k, v in stored.items() if k not in known} if isinstance(stored, dict) else {}
    errors: dict[str, str] = {}
    for key, value in details.items():
        if key in known:
            continue
        if key not in kept:
            errors[key] = f"{key!r} is not a parameter of this service."
        elif value is None:
            del kept[key]  # an explicit removal
        elif value != kept[key]:
            errors[key] = (
                f"{key!r} is no longer in the service template: its stored value is kept as it is "
                "and cannot be changed (send null to remove it)."
            )
    return kept, errors


def _clean(
    specs: list[ParameterSpec], details: Any, stored: Any = None
) -> tuple[dict[str, Any], dict[str, str]]:
    if details is None:
        details = {}
    if not isinstance(details, dict):
        return {}, {"scope_details": "The scope details must be an object of parameter values."}
    cleaned: dict[str, Any] = {}
    known = {spec.name for spec in specs}
    kept, errors = _kept_values(known, details, stored)
    for spec in specs:
        raw = details.get(spec.name)
        if _is_missing(raw):
            if spec.default is not None:
                cleaned[spec.name] = spec.default
            elif spec.required:
                errors[spec.name] = f"{spec.label} is required."
            continue
        try:
            cleaned[spec.name] = coerce_value(spec, raw)
        except ValueError as problem:
            errors[spec.name] = str(problem)
    return {**cleaned, **kept}, errors


def keys_not_in_template(template: Any, details: Any) -> list[str]:
    """The keys of stored `details` that `template` does not declare (kept, read-only)."""
    if not isinstance(details, dict):
        return []
    try:
        known = {spec.name for spec in parameter_specs(template)}
    except TemplateInvalid:
        return []
    return [key for key in details if key not in known]


def validate_scope_details(template: Any, details: Any, stored: Any = None) -> dict[str, str]:
    """One message per parameter that `details` gets wrong; `{}` when they are valid.

    Keys are parameter names (an unknown key is reported under its own name). `stored` is
    the scope's details before this edit (None for a new scope).
    """
    return _clean(parameter_specs(template), details, stored)[1]


def clean_scope_details(template: Any, details: Any, stored: Any = None) -> dict[str, Any]:
    """The values to store: coerced to their JSON types, defaults filled in, and the stored
    values of keys no longer in the template kept (see the module's docstring).

    Raises ScopeDetailsInvalid (with `.errors`, one message per parameter) or
    TemplateInvalid when the service's own template is malformed.
    """
    cleaned, errors = _clean(parameter_specs(template), details, stored)
    if errors:
        raise ScopeDetailsInvalid(errors)
    return cleaned


#: Where a new scope copied from another (a renewal) holds the details it was copied from.
_COPIED_FROM = "mssp_scope_details_copied_from"


def copy_scope_details(source: ServiceScope, copy: ServiceScope) -> None:
    """Give the new scope `copy` the details of `source`, values no longer in the service
    template included: they are kept as on `source` (a renewal keeps its terms)."""
    details = dict(source.scope_details or {})
    copy.scope_details = dict(details)
    inspect(copy).info[_COPIED_FROM] = details


def _stored_details(scope: ServiceScope) -> Any:
    """The details before this change: as stored, or as on the scope a new one copies."""
    if is_new(scope):
        return inspect(scope).info.get(_COPIED_FROM)
    return committed_value(scope, "scope_details")


# --- enforced on every flush -----------------------------------------------------------------


def check_scope_changes(changes: PendingChanges) -> None:
    """Templates of saved services are well formed; saved scopes match their service's template.

    A scope's details are replaced by their cleaned form (types coerced, defaults filled,
    stored values of keys no longer in the template kept). Changing a template does not
    re-check the scopes already stored: they are checked again when they are next edited.
    """
    for service in changes.saved_of(Service):
        if changed(service, "scope_definition_template"):
            check_template(service.scope_definition_template)
    for scope in changes.saved_of(ServiceScope):
        if not changed(scope, "scope_details", "service_id", "service"):
            continue
        service = related(changes.session, scope, "service", "service_id", Service)
        if service is None:
            continue  # the NOT NULL service_id refuses it
        stored = _stored_details(scope)
        cleaned = clean_scope_details(service.scope_definition_template, scope.scope_details, stored)
        if cleaned != scope.scope_details:
            scope.scope_details = cleaned


@dataclass(frozen=True)
class CatalogTerms:
    """What the catalog proposes for a new scope of a service: its unit, base price and currency."""

    unit: ScopeUnit | None
    price: Decimal
    currency: str


def catalog_terms(service: Service) -> CatalogTerms:
    """The service's base price and currency, and the unit its scope template names (None if none
    or not a known unit): a scope form proposes them when the service is chosen."""
    template = service.scope_definition_template
    raw_unit = template.get("unit") if isinstance(template, dict) else None
    try:
        unit = ScopeUnit(raw_unit) if raw_unit else None
    except ValueError:
        unit = None
    return CatalogTerms(unit, service.base_price, service.currency)
