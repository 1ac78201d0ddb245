"""Scope templates and scope details, without a database: the format, its checks, the values."""

from __future__ import annotations

from datetime import date

import pytest

from app.services.scopes import (
    ScopeDetailsInvalid,
    TemplateInvalid,
    check_template,
    clean_scope_details,
    parameter_specs,
    template_errors,
    validate_scope_details,
)

TEMPLATE = {
    "version": 1,
    "unit": "endpoint",
    "parameters": [
        {
            "name": "coverage",
            "label": "Coverage",
            "type": "select",
            "options": ["8x5", "24x7"],
            "required": True,
            "default": "24x7",
        },
        {
            "name": "retention_days",
            "label": "Retention",
            "type": "integer",
            "min": 30,
            "max": 2555,
            "required": True,
        },
        {"name": "ingest_gb", "label": "Ingest (GB/day)", "type": "decimal", "min": 0.5, "max": 100},
        {"name": "managed", "label": "Managed", "type": "boolean", "default": False},
        {"name": "go_live", "label": "Go-live", "type": "date", "min": "2026-01-01"},
        {"name": "notes", "label": "Notes", "type": "text", "max": 10},
        {"name": "clouds", "label": "Clouds", "type": "multi_select", "options": ["aws", "azure", "gcp"]},
    ],
}


# --- the template format ---------------------------------------------------------------------


def test_parameter_specs_list_every_parameter_in_order_with_its_settings():
    specs = parameter_specs(TEMPLATE)
    assert [s.name for s in specs] == [
        "coverage",
        "retention_days",
        "ingest_gb",
        "managed",
        "go_live",
        "notes",
        "clouds",
    ]
    coverage = specs[0].to_dict()
    assert coverage == {
        "name": "coverage",
        "label": "Coverage",
        "type": "select",
        "required": True,
        "options": ["8x5", "24x7"],
        "min": None,
        "max": None,
        "default": "24x7",
        "help_text": None,
    }
    assert specs[3].required is False and specs[3].default is False


@pytest.mark.parametrize("template", [{}, None, [], {"parameters": []}, {"version": 1, "unit": "site"}])
def test_an_empty_template_means_no_parameters(template):
    assert template_errors(template) == []
    assert parameter_specs(template) == []
    assert clean_scope_details(template, {}) == {}


def test_the_label_defaults_to_the_name_and_key_is_an_alias_of_name():
    [spec] = parameter_specs({"parameters": [{"key": "sites", "type": "integer"}]})
    assert (spec.name, spec.label, spec.required) == ("sites", "sites", False)


@pytest.mark.parametrize(
    ("parameter", "problem"),
    [
        ({"type": "text"}, "name must be lower case"),
        ({"name": "Sites", "type": "text"}, "name must be lower case"),
        ({"name": "1st", "type": "text"}, "name must be lower case"),
        ({"name": "sites", "type": "number"}, "type must be one of"),
        ({"name": "sites", "type": "integer", "requried": True}, "unknown key(s) requried"),
        ({"name": "sites", "type": "integer", "required": "yes"}, "required must be true or false"),
        ({"name": "sites", "type": "integer", "label": ""}, "label must be non-empty text"),
        ({"name": "tier", "type": "select"}, "needs a non-empty list of options"),
        ({"name": "tier", "type": "select", "options": []}, "needs a non-empty list of options"),
        ({"name": "tier", "type": "select", "options": ["a", "a"]}, "options must not repeat"),
        ({"name": "tier", "type": "select", "options": [{"a": 1}]}, "options must be text or numbers"),
        ({"name": "sites", "type": "integer", "options": ["1"]}, "options apply to select"),
        ({"name": "sites", "type": "integer", "min": 10, "max": 5}, "min is above max"),
        ({"name": "sites", "type": "integer", "min": 1.5}, "min must be a whole number"),
        ({"name": "sites", "type": "integer", "max": True}, "max must be a whole number"),
        ({"name": "ratio", "type": "decimal", "min": "low"}, "min must be a number"),
        ({"name": "day", "type": "date", "min": "2026-13-01"}, "min must be a YYYY-MM-DD date"),
        ({"name": "note", "type": "text", "max": -1}, "max must be a length"),
        ({"name": "flag", "type": "boolean", "min": 0}, "min and max apply to"),
        ({"name": "sites", "type": "integer", "min": 1, "default": 0}, "the default is invalid"),
        ({"name": "tier", "type": "select", "options": ["a"], "default": "b"}, "the default is invalid"),
        ({"name": "flag", "type": "boolean", "default": "maybe"}, "the default is invalid"),
    ],
)
def test_a_malformed_parameter_is_refused_with_the_reason(parameter, problem):
    errors = template_errors({"parameters": [parameter]})
    assert any(problem in e for e in errors), errors
    with pytest.raises(TemplateInvalid, match="The scope template is malformed") as refused:
        check_template({"parameters": [parameter]})
    assert refused.value.field == "scope_definition_template"


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("sites", "must be a JSON object"),
        ({"parameters": {"name": "x"}}, '"parameters" must be a list'),
        ({"parameters": ["x"]}, "parameter 1 must be an object"),
        (
            {"parameters": [{"name": "a", "type": "text"}, {"name": "a", "type": "integer"}]},
            "declared twice",
        ),
    ],
)
def test_a_malformed_template_is_refused(template, problem):
    assert any(problem in e for e in template_errors(template))


def test_every_problem_is_reported_at_once():
    errors = template_errors({"parameters": [{"name": "A", "type": "text"}, {"name": "b", "type": "?"}]})
    assert len(errors) == 2


# --- scope details ---------------------------------------------------------------------------


def test_valid_details_are_coerced_and_defaults_filled():
    cleaned = clean_scope_details(
        TEMPLATE,
        {
            "retention_days": "90",
            "ingest_gb": "2.5",
            "managed": "yes",
            "go_live": date(2026, 3, 1),
            "clouds": ["aws", "gcp"],
            "notes": "ok",
        },
    )
    assert cleaned == {
        "coverage": "24x7",
        "retention_days": 90,
        "ingest_gb": 2.5,
        "managed": True,
        "go_live": "2026-03-01",
        "notes": "ok",
        "clouds": ["aws", "gcp"],
    }


def test_a_missing_optional_parameter_without_default_is_left_out():
    cleaned = clean_scope_details(TEMPLATE, {"retention_days": 30})
    assert "ingest_gb" not in cleaned and cleaned["managed"] is False


def test_one_message_per_wrong_parameter():
    errors = validate_scope_details(
        TEMPLATE,
        {
            "coverage": "9x5",
            "ingest_gb": "lots",
            "managed": "maybe",
            "go_live": "01/02/2026",
            "notes": "far too long",
            "clouds": ["aws", "ibm"],
            "colour": "red",
        },
    )
    assert errors == {
        "retention_days": "Retention is required.",
        "coverage": "Coverage must be one of: 8x5, 24x7.",
        "ingest_gb": "Ingest (GB/day) must be a number.",
        "managed": "Managed must be yes or no.",
        "go_live": "Go-live must be a date (YYYY-MM-DD).",
        "notes": "Notes must be at most 10 characters.",
        "clouds": "Clouds must be one of: aws, azure, gcp.",
        "colour": "'colour' is not a parameter of this service.",
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (29, "Retention must be at least 30."),
        (2556, "Retention must be at most 2555."),
        (30.5, "Retention must be a whole number."),
        ("12.5", "Retention must be a whole number."),
        (True, "Retention must be a whole number."),
        ("", "Retention is required."),
        (None, "Retention is required."),
    ],
)
def test_integer_bounds_and_types(value, message):
    assert validate_scope_details(TEMPLATE, {"retention_days": value}) == {"retention_days": message}


@pytest.mark.parametrize("value", [30, 2555, "30", 30.0])
def test_integer_boundaries_are_inclusive(value):
    assert validate_scope_details(TEMPLATE, {"retention_days": value}) == {}


@pytest.mark.parametrize(
    ("value", "ok"), [(0.5, True), (100, True), (0.49, False), (100.01, False), ("nan", False)]
)
def test_decimal_bounds(value, ok):
    errors = validate_scope_details(TEMPLATE, {"retention_days": 30, "ingest_gb": value})
    assert (errors == {}) is ok


@pytest.mark.parametrize(("value", "ok"), [("2026-01-01", True), ("2025-12-31", False)])
def test_date_bounds(value, ok):
    errors = validate_scope_details(TEMPLATE, {"retention_days": 30, "go_live": value})
    assert (errors == {}) is ok
    if not ok:
        assert errors["go_live"] == "Go-live must be at least 2026-01-01."


def test_a_multi_select_refuses_a_repeated_option():
    errors = validate_scope_details(TEMPLATE, {"retention_days": 30, "clouds": ["aws", "aws"]})
    assert errors == {"clouds": "Clouds lists an option twice."}


def test_clean_raises_with_the_messages_per_parameter():
    with pytest.raises(ScopeDetailsInvalid) as refused:
        clean_scope_details(TEMPLATE, {"retention_days": 1})
    assert refused.value.field == "scope_details"
    assert refused.value.errors == {"retention_days": "Retention must be at least 30."}
    assert refused.value.message == "Retention must be at least 30."


def test_details_that_are_not_an_object_are_refused():
    assert validate_scope_details(TEMPLATE, ["x"]) == {
        "scope_details": "The scope details must be an object of parameter values."
    }


def test_details_against_a_malformed_template_raise_template_invalid():
    with pytest.raises(TemplateInvalid):
        validate_scope_details({"parameters": [{"name": "x", "type": "?"}]}, {})


def test_select_options_may_be_numbers_and_match_form_strings():
    template = {"parameters": [{"name": "gbps", "type": "select", "options": [1, 10, 40]}]}
    assert clean_scope_details(template, {"gbps": "10"}) == {"gbps": 10}
