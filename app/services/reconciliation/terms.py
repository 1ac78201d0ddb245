"""The catalog's reconciliation settings are consistent (a flush rule, app.services.rules_registry)."""

from __future__ import annotations

from app.errors import ValidationFailed
from app.models.catalog import Service
from app.services.orm_state import PendingChanges, changed
from app.services.scopes import parameter_specs

#: Scope-template parameter types an allowance can be read from.
NUMERIC_PARAMETER_TYPES = frozenset({"integer", "decimal"})


def check_service_terms(changes: PendingChanges) -> None:
    """A volume-priced service names its usage metric and a numeric parameter of its scope template."""
    for service in changes.saved_of(Service):
        if not changed(
            service, "usage_allowance_parameter", "deployment_metric_name", "scope_definition_template"
        ):
            continue
        parameter = service.usage_allowance_parameter
        if not parameter:
            continue
        if not service.deployment_metric_name:
            raise ValidationFailed(
                "A service with a usage allowance needs the metric its usage is measured by.",
                field="deployment_metric_name",
            )
        specs = {spec.name: spec for spec in parameter_specs(service.scope_definition_template)}
        spec = specs.get(parameter)
        if spec is None or spec.type not in NUMERIC_PARAMETER_TYPES:
            numeric = ", ".join(n for n, s in specs.items() if s.type in NUMERIC_PARAMETER_TYPES) or "none"
            raise ValidationFailed(
                f"The allowance must be a number parameter of the scope template ({numeric}); "
                f"{parameter!r} is not.",
                field="usage_allowance_parameter",
            )
