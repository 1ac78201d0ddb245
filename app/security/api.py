"""FAB's user REST API (/api/v1/security/users/) on the seed's User and our password rules.

FAB's version builds a base `User` (so our columns and the email-as-username rule
are skipped) and checks passwords only with FAB's optional complexity rule. Here
a POST goes through the security manager's `add_user`, and a PUT that sets a
password goes through the same policy and change stamp as every other path.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name, protect
from flask_appbuilder.security.sqla.apis.user.api import UserApi
from flask_appbuilder.security.sqla.apis.user.schema import UserPostSchema, UserPutSchema
from flask_appbuilder.security.sqla.models import Group, Role
from marshmallow import ValidationError, fields, post_load

from app.extensions import db
from app.models.audit import AuditAction
from app.security.models import MsspUser
from app.services import passwords
from app.services.audit import record_user_event
from app.services.errors import ValidationFailed


class MsspUserPostSchema(UserPostSchema):
    model_cls = MsspUser
    # The username mirrors the email; a given one is ignored.
    username = fields.String(required=False, load_default=None)

    @post_load
    def username_is_email(self, data, **_kwargs):
        data["email"] = data["email"].strip().lower()
        data["username"] = data["email"]
        return data


class MsspUserPutSchema(UserPutSchema):
    model_cls = MsspUser

    @post_load
    def username_is_email(self, data, **_kwargs):
        if data.get("email"):
            data["email"] = data["email"].strip().lower()
            data["username"] = data["email"]
        else:
            data.pop("username", None)
        return data


class MsspUserApi(UserApi):
    datamodel = SQLAInterface(MsspUser)
    add_model_schema = MsspUserPostSchema()
    edit_model_schema = MsspUserPutSchema()

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def post(self):
        try:
            item = self.add_model_schema.load(request.json)
        except ValidationError as error:
            return self.response_400(message=error.messages)
        entities = {}
        for key, model in (("roles", Role), ("groups", Group)):
            wanted = item.get(key) or []
            found = self._fetch_entities(model, wanted)
            missing = set(wanted) - {entity.id for entity in found}
            if missing:
                message = f"{key.title()} with ID(s) {sorted(missing)} not found."
                return self.response_400(message={key: [message]})
            entities[key] = found
        try:
            user = self.appbuilder.sm.add_user(
                item["email"], item["first_name"], item["last_name"], item["email"],
                entities["roles"], password=item["password"], groups=entities["groups"],
            )
        except ValidationFailed as error:
            return self.response_400(message={error.field or "password": [error.message]})
        if not user:
            return self.response_422(message="The user could not be created; is the email already taken?")
        if item.get("active") is False:
            user.active = False
            db.session.commit()
        return self.response(201, id=user.id)

    post.__doc__ = UserApi.post.__doc__

    def pre_update(self, item, data):
        item.changed_on = datetime.now()
        item.changed_by_fk = self.appbuilder.sm.current_user.id
        if data.get("password"):
            problems = passwords.password_problems(data["password"], item.email)
            if problems:
                db.session.rollback()  # the clear-text password FAB assigned must not linger
                raise ValidationError({"password": problems[:1]})
            passwords.set_password(
                item, data["password"], method=current_app.config["FAB_PASSWORD_HASH_METHOD"]
            )
            record_user_event(AuditAction.PASSWORD_CHANGED, item)
