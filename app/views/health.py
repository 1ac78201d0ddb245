"""GET /health: is the app up and its database reachable and migrated?"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from app.db.readiness import database_problem
from app.extensions import csrf, db

health_blueprint = Blueprint("health", __name__)


@health_blueprint.get("/health")
@csrf.exempt
def health():
    problem = database_problem(db.engine, current_app.extensions["migrate"].directory)
    if problem:
        return jsonify(status="error", database=problem), 503
    return jsonify(status="ok", database="ok")
