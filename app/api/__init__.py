"""Every REST API is registered from here."""

from __future__ import annotations

from flask_appbuilder import AppBuilder


def register_apis(appbuilder: AppBuilder) -> None:
    """Register the model REST APIs (added with the data model)."""
