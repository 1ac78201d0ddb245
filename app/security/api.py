"""FAB's user REST API (/api/v1/security/users/) on the seed's User and our password rules.

FAB's version builds a base `User` (so our columns and the email-as-username rule
are skipped) and checks passwords only with FAB's optional complexity rule. Here
a POST goes through the security manager's `add_user`, and a PUT that sets a
password goes through the same policy and change stamp as every other path.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name, protect
from flask_appbuilder.security.sqla.apis.user.api import UserApi
from flask_appbuilder.security.sqla.apis.user.schema import UserPostSchema, UserPutSchema
from flask_appbuilder.security.sqla.models import Group, Role
from marshmallow import ValidationError, fields, post_load

from app.errors import ValidationFailed
from app.extensions import db
from app.models.audit import AuditAction
from app.models.custom_fields import CustomFieldEntity
from app.models.users import MsspUser
from app.services.accounts import passwords
from app.services.audit.recording import record_user_event
from app.services.custom_fields.definitions import VALUES_COLUMN, CustomFieldValuesInvalid, checked_values
from app.web.rest import CustomFieldFiltersMixin, PageBoundsMixin
from app.web.rest_schemas import PerRequestSchemasMixin

CUSTOM_FIELDS_DESCRIPTION = "Values of the custom fields defined for users, by field name"


class MsspUserPostSchema(UserPostSchema):
    model_cls = MsspUser
    custom_field_data = fields.Dict(required=False, metadata={"description": CUSTOM_FIELDS_DESCRIPTION})
    # The username mirrors the email; a given one is ignored.
    username = fields.String(required=False, load_default=None)

    @post_load
    def username_is_email(self, data, **_kwargs):
        data["email"] = data["email"].strip().lower()
        data["username"] = data["email"]
        return data


class MsspUserPutSchema(UserPutSchema):
    model_cls = MsspUser
    custom_field_data = fields.Dict(required=False, metadata={"description": CUSTOM_FIELDS_DESCRIPTION})

    @post_load
    def username_is_email(self, data, **_kwargs):
        if data.get("email"):
            data["email"] = data["email"].strip().lower()
            data["username"] = data["email"]
        else:
            data.pop("username", None)
        return data


class MsspUserApi(PerRequestSchemasMixin, PageBoundsMixin, CustomFieldFiltersMixin, UserApi):
    datamodel = SQLAInterface(MsspUser)
    list_columns = [*UserApi.list_columns, VALUES_COLUMN]
    show_columns = list_columns
    add_model_schema = MsspUserPostSchema()
    edit_model_schema = MsspUserPutSchema()

    def _checked_custom_values(self, data: Any) -> dict[str, Any] | None:
        """The custom field values of a body as stored, None when it sends none; 422 first
        (CustomFieldValuesInvalid) on a bad one, before anything is written."""
        if not isinstance(data, dict) or data.get(VALUES_COLUMN) is None:
            return None
        return checked_values(db.session, CustomFieldEntity.USER, data[VALUES_COLUMN])

    def _refuse_custom_values(self, error: CustomFieldValuesInvalid):
        return self.response(422, message=error.message, field=error.field)

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def post(self):
        try:
            item = self.add_model_schema.load(request.json)
            custom_values = self._checked_custom_values(item)
        except ValidationError as error:
            return self.response_400(message=error.messages)
        except CustomFieldValuesInvalid as error:
            return self._refuse_custom_values(error)
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
        if item.get("active") is False or custom_values:
            # add_user() has committed the account; these land in a second, small commit.
            user.active = item.get("active") is not False
            if custom_values:
                user.custom_field_data = custom_values
            db.session.commit()
        return self.response(201, id=user.id)

    post.__doc__ = UserApi.post.__doc__

    @expose("/<pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk):
        if not str(pk).isdigit() or self.datamodel.get(int(pk), self._base_filters) is None:
            return self.response_404()  # FAB's put would load the body, then write to None: a 500
        try:
            self._checked_custom_values(request.get_json(silent=True))
        except CustomFieldValuesInvalid as error:
            return self._refuse_custom_values(error)
        return super().put(pk)

    put.__doc__ = UserApi.put.__doc__

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
