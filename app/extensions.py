"""The unbound extension singletons. Bound to an app in `create_app()`."""

from __future__ import annotations

from flask_appbuilder import Model
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

# Constraint names Alembic can reproduce and drop; FAB's own tables keep theirs.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
Model.metadata.naming_convention = NAMING_CONVENTION

# One metadata for Flask-AppBuilder's ab_* tables and ours: Alembic sees both.
db = SQLAlchemy(model_class=Model)
migrate = Migrate()
csrf = CSRFProtect()
