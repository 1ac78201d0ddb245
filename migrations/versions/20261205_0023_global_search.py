"""global search indexes

Full-text GIN indexes `search_<table>` on each searchable entity's document, and btree
indexes `search_<table>_label` on its lowered label (`text_pattern_ops`: "starts with").
The expressions are those of `app.services.search.document_sql` / `label_sql` at this
revision, spelled out here so that the migration stays what it was when the code moves on;
tests/integration/test_global_search.py checks that the app's queries use these indexes.
Declared only here: Alembic cannot compare expression indexes (app.db.schema leaves the
`search_` prefix out of autogenerate).

Revision ID: 0023_global_search
Revises: 0020_reports_client_reports
Create Date: 2026-12-05 14:30:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023_global_search'
down_revision = '0020_reports_client_reports'
branch_labels = None
depends_on = None

SEPARATORS = "@./:-_?=&#+,;()[]'\""
CUSTOM = ("custom_field_data",)
#: table -> (text columns, JSON columns whose strings count, label column or None)
TABLES = {
    "clients": (("company_name", "contact_name", "contact_email", "contact_phone"), CUSTOM, "company_name"),
    "contracts": (("contract_name", "document_link"), CUSTOM, "contract_name"),
    "service_scopes": (("saf_document_link",), ("scope_details", "custom_field_data"), None),
    "proposals": (("document_link",), CUSTOM, None),
    "license_pools": (("product_name", "vendor"), CUSTOM, "product_name"),
    "hardware_assets": (("asset_tag", "serial_number", "device_name", "manufacturer", "model"), CUSTOM, "asset_tag"),
    "ab_user": (("first_name", "last_name", "email"), CUSTOM, "email"),
    "ticket_summaries": (("external_key", "summary"), (), "external_key"),
    "financial_transactions": (("description",), CUSTOM, None),
}


def document(columns, json_columns):
    quoted = SEPARATORS.replace("'", "''")
    spaces = " " * len(SEPARATORS)
    parts = [f"translate(coalesce({c}::text, ''), '{quoted}', '{spaces}')" for c in columns]
    joined = " || ' ' || ".join(parts)
    vector = f"to_tsvector('simple'::regconfig, {joined})"
    for column in json_columns:
        vector += (
            f" || jsonb_to_tsvector('simple'::regconfig, coalesce({column}, '{{}}'::jsonb), "
            "'[\"string\"]'::jsonb)"
        )
    return f"({vector})"


def upgrade():
    for table, (columns, json_columns, label) in TABLES.items():
        op.execute(f"CREATE INDEX search_{table} ON {table} USING gin ({document(columns, json_columns)})")
        if label:
            op.execute(f"CREATE INDEX search_{table}_label ON {table} (lower({label}::text) text_pattern_ops)")


def downgrade():
    for table, (_columns, _json, label) in TABLES.items():
        if label:
            op.execute(f"DROP INDEX IF EXISTS search_{table}_label")
        op.execute(f"DROP INDEX IF EXISTS search_{table}")
