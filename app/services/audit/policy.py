"""What the audit trail records, declared as data: entities, hidden fields, lifecycle names.

An entity is audited when its mapped class has an `AuditPolicy` in `POLICIES`
(app.services.audit.capture looks them up on every flush and bulk statement).
Metric points, tickets, SLA results, snapshots and job runs are deliberately absent:
they are measurements written in bulk by the sync and the jobs, whose runs are
themselves audited (`SyncRun`).

Lifecycle actions are inferred from what changed, so a screen, the API and a service
name them alike: a contract whose status becomes "terminated" was terminated, a
hardware assignment that gets a return date was returned. A service can name its
action explicitly instead with `audit_context.audit_action`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

#: Bookkeeping columns of every entity: who/when is the audit row itself, `version` the lock.
BOOKKEEPING = frozenset({"id", "created_at", "updated_at", "created_by_id", "changed_by_id", "version"})
#: FAB's user bookkeeping and the login counters (logins are audit events of their own).
USER_BOOKKEEPING = frozenset(
    {
        "username",  # mirrors email
        "created_on",
        "changed_on",
        "created_by_fk",
        "changed_by_fk",
        "last_login",
        "login_count",
        "fail_login_count",
        "failed_login_attempts",
        "last_login_at",
        # Stamped with every password change, which is recorded (masked) on its own.
        "last_password_change_at",
    }
)
#: A column whose name ends like this is masked even if nobody declared it secret.
SECRET_NAME = re.compile(r"(^|_)(password|passwd|secret|token|credentials?|api_key|private_key)$")
#: In `transitions`: any value set where there was none.
ANY_VALUE = "*"
#: `is_active` turned off or on, on any entity that has it.
ACTIVE_TRANSITIONS: Mapping[str, Mapping[Any, str]] = {"is_active": {False: "deactivate", True: "activate"}}


@dataclass(frozen=True)
class AuditPolicy:
    """How changes of one entity are recorded."""

    #: The entity's name in audit rows and URLs ("client", "service_scope").
    entity_type: str
    #: Columns never recorded, in addition to BOOKKEEPING.
    ignored: frozenset[str] = frozenset()
    #: Columns recorded as changed with their value masked (SECRET_NAME applies too).
    secret: frozenset[str] = frozenset()
    #: Many-to-many relationships recorded as the labels added and removed.
    collections: tuple[str, ...] = ()
    #: The action of creating or deleting a row, when it has a lifecycle meaning.
    create_action: str | None = None
    delete_action: str | None = None
    #: column -> {new value (as recorded) or ANY_VALUE: action} for updates.
    transitions: Mapping[str, Mapping[Any, str]] = field(default_factory=dict)

    def records(self, column: str) -> bool:
        return column not in BOOKKEEPING and column not in self.ignored

    def is_secret(self, column: str) -> bool:
        return column in self.secret or bool(SECRET_NAME.search(column))

    def update_action(self, changes: Mapping[str, Mapping[str, Any]]) -> str | None:
        """The lifecycle action an update's recorded changes amount to, if any."""
        for column, actions in {**ACTIVE_TRANSITIONS, **self.transitions}.items():
            change = changes.get(column)
            if change is None or change.get("masked"):
                continue
            new = change.get("new")
            action = actions.get(new) if isinstance(new, str | int | float | bool) else None
            if action is None and change.get("old") is None and new is not None:
                action = actions.get(ANY_VALUE)
            if action:
                return action
        return None


def _contract_status() -> dict[Any, str]:
    return {
        "terminated": "terminate", "renewed": "renew", "expired": "expire", "signed": "sign",
        "active": "activate",
    }


@cache
def policies() -> dict[type, AuditPolicy]:
    """Mapped class -> its policy (imported late: models import nothing from here)."""
    from flask_appbuilder.security.sqla.models import Role

    from app.models.catalog import Service
    from app.models.clients import Client
    from app.models.contracts import Contract, Proposal, ServiceScope
    from app.models.custom_fields import CustomFieldDefinition
    from app.models.finance import FinancialTransaction
    from app.models.hardware import ClientHardwareAssignment, HardwareAsset
    from app.models.integrations import DataSourceQuery, ExternalDataSource
    from app.models.licensing import ClientLicense, LicensePool
    from app.models.sync import ClientSourceMapping, SyncRun
    from app.models.team import ClientTeamAssignment
    from app.models.users import MsspUser

    return {
        Client: AuditPolicy(
            "client",
            transitions={"status": {"archived": "archive"}},
        ),
        Contract: AuditPolicy("contract", transitions={"status": _contract_status()}),
        ServiceScope: AuditPolicy(
            "service_scope",
            transitions={
                "saf_status": {"signed": "saf_signed", "active": "saf_activate", "suspended": "saf_suspend"}
            },
        ),
        Proposal: AuditPolicy(
            "proposal",
            transitions={
                "status": {
                    "sent": "send",
                    "accepted": "accept",
                    "rejected": "reject",
                    "withdrawn": "withdraw",
                    "expired": "expire",
                }
            },
        ),
        Service: AuditPolicy("service"),
        LicensePool: AuditPolicy("license_pool"),
        ClientLicense: AuditPolicy(
            "client_license",
            create_action="assign",
            transitions={"status": {"revoked": "revoke", "suspended": "suspend", "expired": "expire"}},
        ),
        HardwareAsset: AuditPolicy("hardware_asset", transitions={"status": {"retired": "retire"}}),
        ClientHardwareAssignment: AuditPolicy(
            "client_hardware_assignment",
            create_action="assign",
            transitions={"return_date": {ANY_VALUE: "return"}},
        ),
        FinancialTransaction: AuditPolicy("financial_transaction"),
        ClientTeamAssignment: AuditPolicy(
            "client_team_assignment", create_action="assign", delete_action="unassign"
        ),
        ExternalDataSource: AuditPolicy("external_data_source", secret=frozenset({"encrypted_credentials"})),
        # The run state a sync writes after every run is the SyncRun's story, not the query's.
        DataSourceQuery: AuditPolicy(
            "data_source_query",
            ignored=frozenset({"last_run_at", "last_status", "last_error", "consecutive_failures"}),
        ),
        ClientSourceMapping: AuditPolicy("client_source_mapping"),
        SyncRun: AuditPolicy("sync_run"),
        CustomFieldDefinition: AuditPolicy("custom_field_definition"),
        MsspUser: AuditPolicy(
            "user",
            ignored=USER_BOOKKEEPING,
            secret=frozenset({"password"}),
            collections=("roles", "groups"),
        ),
        Role: AuditPolicy("role", collections=("permissions",)),
    }


@cache
def _policy_by_class(cls: type) -> AuditPolicy | None:
    table = policies()
    return next((table[base] for base in cls.__mro__ if base in table), None)


def policy_for(obj: Any) -> AuditPolicy | None:
    """The policy of an object's class (or of a mapped base class), None if not audited."""
    return _policy_by_class(type(obj))


@cache
def tables() -> dict[str, tuple[type, AuditPolicy]]:
    """Table name -> (mapped class, policy), for statements that name a table."""
    return {cls.__table__.name: (cls, policy) for cls, policy in policies().items()}


def model_for_entity(entity_type: str) -> type | None:
    """The mapped class recorded under `entity_type`."""
    return next((cls for cls, policy in policies().items() if policy.entity_type == entity_type), None)


def entity_id_of(obj: Any) -> str | None:
    """The primary key of a flushed object as recorded ("," between parts of a composite)."""
    from sqlalchemy import inspect

    state = inspect(obj)
    # Right after an INSERT (in after_flush) the key is in the attributes, not yet the identity.
    identity = state.identity or state.mapper.primary_key_from_instance(obj)
    if not identity or any(part is None for part in identity):
        return None
    return ",".join(str(part) for part in identity)
