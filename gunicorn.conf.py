"""gunicorn settings; `make run` and the Docker image use them."""

import os
import sys

bind = os.environ.get("MSSP_BIND", "127.0.0.1:8080")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("MSSP_THREADS", "4"))
# The workers read it: each takes its share of the login throttle (app.security.rate_limits).
os.environ["MSSP_WEB_WORKERS"] = str(workers)
timeout = 60
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Refuse to serve, in one line, when the database is unreachable or not migrated."""
    from app import create_app
    from app.db.readiness import database_problem
    from app.extensions import db

    try:
        app = create_app()
    except Exception as error:  # configuration errors carry their own explanation
        sys.stderr.write(f"Error: {error}\n")
        sys.exit(1)
    with app.app_context():
        problem = database_problem(db.engine, app.extensions["migrate"].directory)
        db.engine.dispose()  # no connection may cross the fork into the workers
    if problem:
        sys.stderr.write(f"Error: {problem}\n")
        sys.exit(1)
    from app.security.rate_limits import login_throttle_summary

    sys.stdout.write(login_throttle_summary(app.config) + "\n")
    sys.stdout.flush()
