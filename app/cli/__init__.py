"""`flask mssp ...`: the project's commands."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    from app.cli.commands import mssp

    app.cli.add_command(mssp)
