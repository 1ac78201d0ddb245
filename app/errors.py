"""Typed domain errors; views, APIs and commands map them to messages and statuses."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused an operation; `str(error)` is the message for the user."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    """Input that breaks a rule (HTTP 422)."""


class NotFound(DomainError):
    """The record does not exist (HTTP 404)."""
