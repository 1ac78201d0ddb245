"""sync: a ticket belongs to its data source; unknown statuses kept; query look-back; run window (issue 20)

- ticket_summaries.data_source_id (RESTRICT): the unique key becomes (source, data_source_id,
  external_key) NULLS NOT DISTINCT, so two Jira sites with the same project key never share a
  row, and keys typed in by hand (no data source) stay unique as before. Existing synced rows
  are assigned to their data source where that is known: the one source of their type whose
  client mapping names the key's project for the ticket's client, else the only source of
  that type that has a ticket query. The rest stay unassigned; the first source that syncs
  such a key adopts the row (app.services.sync.ingestion.upsert_tickets).
- ticket_summaries.unmapped_status / unmapped_priority: the source's own value when no map
  knew it (the row then holds the fallback).
- data_source_queries.initial_lookback_hours: the first run's look-back per query.
- sync_runs.window_start, sync_runs.is_reread: what a run fetched from; a re-read does not
  move later runs' `{since}`.

Downgrade restores UNIQUE (source, external_key); it fails if two sources now hold the same key.

Revision ID: 0028_sync_ticket_source_window
Revises: 0027_search_saved_filters
Create Date: 2026-12-05 19:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0028_sync_ticket_source_window'
down_revision = '0027_search_saved_filters'
branch_labels = None
depends_on = None

#: The source type a ticket source comes from (app.integrations: jira -> jira, rest -> other).
SOURCE_TYPE_OF = "CASE t.source WHEN 'jira' THEN 'jira' WHEN 'other' THEN 'rest' END"

ASSIGN_BY_MAPPING = f"""
UPDATE ticket_summaries AS t SET data_source_id = found.data_source_id
FROM (
    SELECT t.id, min(m.data_source_id::text)::uuid AS data_source_id,
           count(DISTINCT m.data_source_id) AS sources
    FROM ticket_summaries t
    JOIN client_source_mappings m
      ON m.client_id = t.client_id AND m.external_key = split_part(t.external_key, '-', 1)
    JOIN external_data_sources s ON s.id = m.data_source_id AND s.source_type = {SOURCE_TYPE_OF}
    WHERE t.data_source_id IS NULL
    GROUP BY t.id
) found
WHERE found.id = t.id AND found.sources = 1
"""

ASSIGN_THE_ONLY_SOURCE = f"""
UPDATE ticket_summaries AS t SET data_source_id = only_one.id
FROM (
    SELECT s.source_type, min(s.id::text)::uuid AS id
    FROM external_data_sources s
    WHERE EXISTS (
        SELECT 1 FROM data_source_queries q WHERE q.data_source_id = s.id AND q.target = 'ticket_summary'
    )
    GROUP BY s.source_type HAVING count(*) = 1
) only_one
WHERE t.data_source_id IS NULL AND only_one.source_type = {SOURCE_TYPE_OF}
"""


def upgrade():
    with op.batch_alter_table('ticket_summaries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data_source_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('unmapped_status', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('unmapped_priority', sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_ticket_summaries_data_source_id'), ['data_source_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_ticket_summaries_data_source_id_external_data_sources'),
            'external_data_sources', ['data_source_id'], ['id'], ondelete='RESTRICT',
        )
    op.execute(ASSIGN_BY_MAPPING)
    op.execute(ASSIGN_THE_ONLY_SOURCE)
    with op.batch_alter_table('ticket_summaries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_ticket_summaries_source_external_key'), type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_ticket_summaries_source_data_source_id_external_key'),
            ['source', 'data_source_id', 'external_key'],
            postgresql_nulls_not_distinct=True,
        )

    with op.batch_alter_table('data_source_queries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('initial_lookback_hours', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f('ck_data_source_queries_initial_lookback_range'),
            'initial_lookback_hours BETWEEN 1 AND 43800',
        )

    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('window_start', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('is_reread', sa.Boolean(), server_default=sa.text('false'), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_column('is_reread')
        batch_op.drop_column('window_start')

    with op.batch_alter_table('data_source_queries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_data_source_queries_initial_lookback_range'), type_='check')
        batch_op.drop_column('initial_lookback_hours')

    with op.batch_alter_table('ticket_summaries', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('uq_ticket_summaries_source_data_source_id_external_key'), type_='unique'
        )
        batch_op.create_unique_constraint(
            batch_op.f('uq_ticket_summaries_source_external_key'), ['source', 'external_key']
        )
        batch_op.drop_constraint(
            batch_op.f('fk_ticket_summaries_data_source_id_external_data_sources'), type_='foreignkey'
        )
        batch_op.drop_index(batch_op.f('ix_ticket_summaries_data_source_id'))
        batch_op.drop_column('unmapped_priority')
        batch_op.drop_column('unmapped_status')
        batch_op.drop_column('data_source_id')
