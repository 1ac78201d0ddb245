"""Who and where a change comes from when there is no web request: jobs, commands, actions.

A request answers for itself (signed-in user, client IP, request id, "ui" or "api").
Everything else names itself through context variables, so the audit trail needs no
argument threaded through the services:

- `audit_source("job", label="contract_roll_over")`: the scheduler runs each job inside
  this; its changes are recorded with source "job", actor "job:contract_roll_over" and one
  request id shared by everything the run changed;
- a `flask mssp ...` command is recognised by its click context (source "cli", actor
  "cli:<OS user>", one request id per invocation) without any code in the command;
- `audit_action("renew")`: the changes made inside are recorded with that action name
  (lifecycle actions are otherwise inferred from the fields that changed, see
  app.services.audit.policy).

Context variables follow threads and asyncio tasks; APScheduler runs each job in a
worker thread, which is why the job runner sets the source inside the job's own call.
"""

from __future__ import annotations

import getpass
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import click
from flask import has_request_context

from app.models.audit import AuditSource


@dataclass(frozen=True)
class SourceOverride:
    source: AuditSource
    #: Who acted, when no person did: "job:<job id>", "cli:<OS user>".
    actor_label: str | None
    request_id: str


_source: ContextVar[SourceOverride | None] = ContextVar("mssp_audit_source", default=None)
_action: ContextVar[str | None] = ContextVar("mssp_audit_action", default=None)
_details: ContextVar[dict[str, Any] | None] = ContextVar("mssp_audit_details", default=None)

#: Where a command keeps its request id (click's per-invocation `meta` dict).
CLI_REQUEST_ID_KEY = "mssp.audit_request_id"


@contextmanager
def audit_source(
    source: str | AuditSource, *, label: str | None = None, request_id: str | None = None
) -> Iterator[SourceOverride]:
    """Record the changes made inside as coming from `source` ("job", "cli", ...).

    `label` names the job or command (the actor becomes "<source>:<label>");
    `request_id` defaults to a new id shared by every change made inside.
    """
    member = AuditSource(source)
    override = SourceOverride(
        source=member,
        actor_label=f"{member.value}:{label}" if label else None,
        request_id=request_id or f"{member.value}-{uuid.uuid4().hex}",
    )
    token = _source.set(override)
    try:
        yield override
    finally:
        _source.reset(token)


@contextmanager
def audit_action(name: str) -> Iterator[None]:
    """Record the changes made inside under the action `name` ("renew", "archive", ...)."""
    token = _action.set(name)
    try:
        yield
    finally:
        _action.reset(token)


@contextmanager
def audit_details(details: dict[str, Any]) -> Iterator[None]:
    """Add `details` (e.g. {"import_file": "clients.csv"}) to every change recorded inside."""
    token = _details.set(details)
    try:
        yield
    finally:
        _details.reset(token)


def current_details() -> dict[str, Any] | None:
    """What the innermost `audit_details` adds to each recorded change, if anything."""
    return _details.get()


def current_action() -> str | None:
    """The action named by the innermost `audit_action`, if any."""
    return _action.get()


def source_override() -> SourceOverride | None:
    """What `audit_source` or the running `flask` command says, if anything.

    A web request is never overridden by a click context (the test CLI runner and the
    dev server both have one) but is by an explicit `audit_source`.
    """
    override = _source.get()
    if override is not None:
        return override
    if has_request_context():
        return None
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return None
    meta = ctx.find_root().meta
    if CLI_REQUEST_ID_KEY not in meta:
        meta[CLI_REQUEST_ID_KEY] = SourceOverride(
            source=AuditSource.CLI,
            actor_label=f"cli:{_os_user()}",
            request_id=f"cli-{uuid.uuid4().hex}",
        )
    return meta[CLI_REQUEST_ID_KEY]


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        return "unknown"
