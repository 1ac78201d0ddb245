"""The procrastinate App and how each kind of process reaches the queue.

Web workers and the scheduler enqueue through SQLAlchemy's engine (psycopg2, the app's own
pool): `queue_app()`. Workers fetch and finish jobs through procrastinate's asyncio
connector (psycopg 3): `worker_connector()`. Both point at the app's database.
"""

from __future__ import annotations

from typing import Any

import procrastinate
from flask import Flask, current_app
from procrastinate.contrib.sqlalchemy import SQLAlchemyPsycopg2Connector
from sqlalchemy.engine import make_url

from app.extensions import db

#: Tasks are declared on this App (app.queue.tasks); each process binds it to a connector.
procrastinate_app = procrastinate.App(
    connector=SQLAlchemyPsycopg2Connector(), import_paths=["app.queue.tasks"]
)

#: The one queue every job goes to (several queues would let workers specialise; not needed yet).
QUEUE = "mssp"

_EXTENSION_KEY = "mssp_queue"


def queue_app(app: Flask | None = None) -> procrastinate.App:
    """A procrastinate App enqueueing through this Flask app's SQLAlchemy engine.

    It knows no task: jobs are deferred by task name (`configure_task`), so a web worker
    never imports the task code; the workers' App (procrastinate_app) runs them.
    """
    flask_app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    bound = flask_app.extensions.get(_EXTENSION_KEY)
    if bound is None:
        connector = SQLAlchemyPsycopg2Connector()
        with flask_app.app_context():
            connector.open(db.engine)
        bound = procrastinate.App(connector=connector)
        flask_app.extensions[_EXTENSION_KEY] = bound
    return bound


def libpq_params(sqlalchemy_url: str) -> dict[str, Any]:
    """psycopg 3 connection keywords for the app's SQLAlchemy URL (TCP or the embedded
    server's Unix socket, which the URL carries as `?host=/path`)."""
    url = make_url(sqlalchemy_url)
    params: dict[str, Any] = {"dbname": url.database}
    if url.username:
        params["user"] = url.username
    if url.password:
        params["password"] = url.password
    if url.host:
        params["host"] = url.host
    if url.port:
        params["port"] = url.port
    for key, value in url.query.items():
        params[key] = value if isinstance(value, str) else value[-1]
    return params


def worker_connector(flask_app: Flask, pool_size: int) -> procrastinate.PsycopgConnector:
    """An asyncio connector for one worker: a small pool of its own."""
    return procrastinate.PsycopgConnector(
        kwargs=libpq_params(flask_app.config["SQLALCHEMY_DATABASE_URI"]),
        min_size=1,
        max_size=max(2, pool_size),
    )
