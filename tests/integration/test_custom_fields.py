"""Custom fields in the database: values per type, definition changes with data present,
filters (results and query plan)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ClauseElement

from app.errors import ValidationFailed
from app.models.clients import Client
from app.models.custom_fields import CustomFieldDefinition, CustomFieldEntity, CustomFieldType
from app.services.custom_fields.definitions import CustomFieldValuesInvalid, deletion_impact
from app.services.custom_fields.filters import filter_conditions

E, T = CustomFieldEntity, CustomFieldType


def define(session, name: str, field_type: CustomFieldType, **settings) -> CustomFieldDefinition:
    definition = CustomFieldDefinition(
        entity_type=settings.pop("entity_type", E.CLIENT),
        name=name,
        label=settings.pop("label", name.replace("_", " ").title()),
        field_type=field_type,
        **settings,
    )
    session.add(definition)
    session.flush()
    return definition


def client_with(session, name: str = "CF Corp", **values) -> Client:
    client = Client(company_name=name, custom_field_data=values)
    session.add(client)
    session.flush()
    return client


def stored(session, client: Client) -> dict:
    return session.execute(
        text("SELECT custom_field_data FROM clients WHERE id = :id"), {"id": client.id}
    ).scalar_one()


#: type, settings, a valid input -> its stored form, an invalid input
CASES = [
    (T.TEXT, {"validation_regex": r"[A-Z]{3}-\d+"}, "ABC-12", "ABC-12", "abc"),
    (T.LONG_TEXT, {}, "line 1\nline 2", "line 1\nline 2", 5),
    (T.INTEGER, {"min_value": Decimal(1), "max_value": Decimal(10)}, "7", 7, "11"),
    (T.DECIMAL, {"min_value": Decimal("0.5")}, "2.75", 2.75, "0.1"),
    (T.BOOLEAN, {}, "yes", True, "maybe"),
    (T.DATE, {}, "2026-02-28", "2026-02-28", "2026-02-30"),
    (T.DATETIME, {}, "2026-02-28T10:00:00Z", "2026-02-28T10:00:00+00:00", "yesterday"),
    (T.URL, {}, "https://soc.example/runbook", "https://soc.example/runbook", "ftp://x"),
    (T.EMAIL, {}, "soc@client.example", "soc@client.example", "not-an-email"),
    (T.SELECT, {"select_options": ["bronze", "gold"]}, "gold", "gold", "platinum"),
    (T.MULTI_SELECT, {"select_options": ["edr", "siem"]}, ["siem", "edr"], ["siem", "edr"], ["xdr"]),
    (T.JSON, {}, {"a": [1, 2]}, {"a": [1, 2]}, None),
]


@pytest.mark.parametrize(("kind", "settings", "valid", "expected", "invalid"), CASES, ids=lambda c: str(c))
def test_every_type_stores_valid_values_and_refuses_invalid_ones(
    db_session, kind, settings, valid, expected, invalid
):
    define(db_session, "value", kind, **settings)
    client = client_with(db_session, value=valid)
    assert stored(db_session, client) == {"value": expected}
    if invalid is None:
        return  # any JSON value is valid
    client.custom_field_data = {"value": invalid}
    with pytest.raises(CustomFieldValuesInvalid) as refused:
        db_session.flush()
    assert refused.value.field == "custom_field_data.value"
    db_session.rollback()


def test_unknown_keys_are_dropped_and_defaults_filled(db_session):
    define(db_session, "tier", T.SELECT, select_options=["bronze", "gold"], default_value="bronze")
    client = client_with(db_session, stray="x")
    assert stored(db_session, client) == {"tier": "bronze"}


def test_a_required_field_without_value_is_refused(db_session):
    define(db_session, "ref", T.TEXT, required=True)
    with pytest.raises(CustomFieldValuesInvalid, match="Ref is required"):
        client_with(db_session)
    db_session.rollback()


def test_inactive_fields_keep_their_values(db_session):
    definition = define(db_session, "legacy", T.TEXT)
    client = client_with(db_session, legacy="old")
    definition.is_active = False
    db_session.flush()
    client.custom_field_data = {"legacy": "old", "stray": 1}
    db_session.flush()
    assert stored(db_session, client) == {"legacy": "old"}


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"field_type": T.TEXT, "min_value": Decimal(1)}, "min_value"),
        ({"field_type": T.SELECT, "select_options": []}, "select_options"),
        ({"field_type": T.INTEGER, "validation_regex": "x"}, "validation_regex"),
        ({"field_type": T.TEXT, "validation_regex": "(unclosed"}, "validation_regex"),
        ({"field_type": T.INTEGER, "max_value": Decimal(5), "default_value": 9}, "default_value"),
        ({"field_type": T.TEXT, "select_options": ["a"]}, "select_options"),
    ],
)
def test_a_definition_validates_its_own_settings(db_session, settings, field):
    kind = settings.pop("field_type")
    with pytest.raises(ValidationFailed) as refused:
        define(db_session, "bad", kind, **settings)
    assert refused.value.field == field
    db_session.rollback()


# --- definition changes with data present ---------------------------------------------------------


def test_renaming_rewrites_every_stored_key(db_session):
    definition = define(db_session, "po", T.TEXT)
    first, second = client_with(db_session, "A", po="PO-1"), client_with(db_session, "B")
    definition.name = "purchase_order"
    db_session.flush()
    assert stored(db_session, first) == {"purchase_order": "PO-1"}
    assert stored(db_session, second) == {}
    db_session.refresh(first)
    assert first.custom_field_data == {"purchase_order": "PO-1"}


def test_deleting_removes_the_key_everywhere_after_counting(db_session):
    definition = define(db_session, "tier", T.TEXT)
    definition_kept = define(db_session, "kept", T.TEXT)
    clients = [client_with(db_session, f"C{i}", tier="x", kept="y") for i in range(3)]
    client_with(db_session, "None")
    assert deletion_impact(db_session, definition) == 3
    db_session.delete(definition)
    db_session.flush()
    assert all(stored(db_session, c) == {"kept": "y"} for c in clients)
    assert deletion_impact(db_session, definition_kept) == 3


def test_making_required_is_refused_while_records_lack_a_value(db_session):
    definition = define(db_session, "ref", T.TEXT)
    client_with(db_session, "Has", ref="R1")
    client_with(db_session, "Lacks")
    definition.required = True
    with pytest.raises(ValidationFailed, match="1 record have no value") as refused:
        db_session.flush()
    assert refused.value.field == "required"
    db_session.rollback()


def test_making_required_with_a_default_back_fills_it(db_session):
    definition = define(db_session, "ref", T.TEXT)
    has, lacks = client_with(db_session, "Has", ref="R1"), client_with(db_session, "Lacks")
    definition.required = True
    definition.default_value = "UNKNOWN"
    db_session.flush()
    assert stored(db_session, has) == {"ref": "R1"}
    assert stored(db_session, lacks) == {"ref": "UNKNOWN"}


@pytest.mark.parametrize("kind", [T.SELECT, T.MULTI_SELECT])
def test_removing_an_option_in_use_is_refused_with_the_count(db_session, kind):
    definition = define(db_session, "tier", kind, select_options=["bronze", "gold", "lead"])
    value = "gold" if kind is T.SELECT else ["gold"]
    client_with(db_session, "A", tier=value)
    client_with(db_session, "B", tier=value)
    definition.select_options = ["bronze", "gold"]  # "lead" is unused: fine
    db_session.flush()
    definition.select_options = ["bronze"]
    with pytest.raises(ValidationFailed, match="'gold' cannot be removed: 2 records use it") as refused:
        db_session.flush()
    assert refused.value.field == "select_options"
    db_session.rollback()


def test_changing_the_type_of_a_field_with_values_is_refused(db_session):
    definition = define(db_session, "seats", T.TEXT)
    client_with(db_session, seats="12")
    definition.field_type = T.INTEGER
    with pytest.raises(ValidationFailed, match="1 record hold a value") as refused:
        db_session.flush()
    assert refused.value.field == "field_type"
    db_session.rollback()


# --- filters --------------------------------------------------------------------------------------


@pytest.fixture
def filter_world(db_session):
    definitions = [
        define(db_session, "tier", T.SELECT, select_options=["bronze", "gold"], is_filterable=True),
        define(db_session, "seats", T.INTEGER, is_filterable=True),
        define(db_session, "renewal", T.DATE, is_filterable=True),
        define(db_session, "note", T.TEXT, is_filterable=True),
        define(db_session, "stack", T.MULTI_SELECT, select_options=["edr", "siem"], is_filterable=True),
        define(db_session, "hidden", T.TEXT),
    ]
    client_with(
        db_session, "Gold 10", tier="gold", seats=10, renewal="2026-03-01", note="Night SOC", stack=["edr"]
    )
    client_with(db_session, "Gold 50", tier="gold", seats=50, renewal="2026-09-01", stack=["edr", "siem"])
    client_with(db_session, "Bronze 5", tier="bronze", seats=5, note="day shift", hidden="x")
    client_with(db_session, "Empty")
    return definitions


def names(session, definitions, **arguments) -> list[str]:
    conditions = filter_conditions(Client, definitions, arguments)
    query = select(Client.company_name).where(*conditions).order_by(Client.company_name)
    return list(session.scalars(query))


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"cf_tier": "gold"}, ["Gold 10", "Gold 50"]),
        ({"cf_seats": "5"}, ["Bronze 5"]),
        ({"cf_seats__gte": "10"}, ["Gold 10", "Gold 50"]),
        ({"cf_seats__gte": "6", "cf_seats__lte": "20"}, ["Gold 10"]),
        ({"cf_renewal__lte": "2026-06-30"}, ["Gold 10"]),
        ({"cf_note__ic": "soc"}, ["Gold 10"]),
        ({"cf_stack__has": "siem"}, ["Gold 50"]),
        ({"cf_stack": "edr"}, ["Gold 10", "Gold 50"]),
        ({"cf_tier__empty": "true"}, ["Empty"]),
        ({"cf_note__empty": "false"}, ["Bronze 5", "Gold 10"]),
        ({"cf_hidden": "x"}, ["Bronze 5", "Empty", "Gold 10", "Gold 50"]),  # not filterable: ignored
    ],
)
def test_filters_select_the_right_records(db_session, filter_world, arguments, expected):
    assert names(db_session, filter_world, **arguments) == expected


@pytest.mark.parametrize(
    "arguments",
    [
        {"cf_seats": "many"},
        {"cf_tier": "platinum"},
        {"cf_seats__ic": "1"},
        {"cf_tier__has": "gold"},
        {"cf_note__gte": "a"},
        {"cf_tier__empty": "perhaps"},
    ],
)
def test_bad_filter_values_are_refused(db_session, filter_world, arguments):
    with pytest.raises(ValueError):
        names(db_session, filter_world, **arguments)


class Explain(Executable, ClauseElement):
    """EXPLAIN <select>, with the select's parameters bound as usual."""

    inherit_cache = False

    def __init__(self, statement) -> None:
        self.statement = statement


@compiles(Explain, "postgresql")
def _compile_explain(element, compiler, **kw):
    return "EXPLAIN " + compiler.process(element.statement, **kw)


@pytest.mark.parametrize("arguments", [{"cf_tier": "gold"}, {"cf_stack__has": "siem"}])
def test_equals_and_has_option_use_the_gin_index(db_session, filter_world, arguments):
    conditions = filter_conditions(Client, filter_world, arguments)
    db_session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(db_session.execute(Explain(select(Client.id).where(*conditions))).scalars())
    assert "ix_clients_custom_field_data" in plan, plan
