"""Global search: what each entity is found by, and the two queries that find it.

Each searchable entity has a *document*: its text columns (and its custom fields' text values)
as a PostgreSQL full-text vector with the `simple` configuration (no stemming: asset tags,
names and ticket keys are matched as written). Punctuation inside a value separates words
(`HW-00123`, `jane.doe@acme.example`, a document URL), so each part can be found by its
prefix. The documents are not stored: migration 0023 indexes the very same expressions
(`search_<table>` GIN indexes, and `search_<table>_label` btree indexes on the lowered label
for "starts with"), so rows written by any path (forms, REST, COPY, the sync) are found at
once. `document_sql` is the one definition both the migration and the queries use.

Ranking inside a group: the label equal to the query, then labels starting with it, then
other matches (a word of the document starting with each word of the query). The embedded
PostgreSQL has no `pg_trgm`, so mid-word matches ("0123" inside "HW-00123") are not found;
measured choice and figures: docs/search.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal_column, or_, text
from sqlalchemy.orm import Query, Session

from app.db.like import escape_like
from app.models.clients import Client
from app.models.contracts import Contract, Proposal, ServiceScope
from app.models.finance import FinancialTransaction
from app.models.hardware import HardwareAsset
from app.models.licensing import LicensePool
from app.models.metrics import TicketSummary
from app.models.users import MsspUser

#: Results shown per entity; the count beyond it is capped (shown as "100+"): counting
#: reads every matching row up to the cap and rechecks its document, ~13 ms per 1,000
#: clients on 2 cores; the "all N results" list counts the rest (docs/search.md).
GROUP_LIMIT = 10
COUNT_CAP = 100
#: A query longer than this, or with more words, is refused (it cannot help anyone).
MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
#: Characters that separate words inside a value (the same list for documents and queries).
SEPARATORS = "@./:-_?=&#+,;()[]'\""


@dataclass(frozen=True)
class SearchTarget:
    """One searchable entity."""

    key: str
    #: The group heading ("Clients").
    title: str
    model: type
    #: The screen whose permission and row filters apply (its class name).
    view: str
    #: Text columns of the document.
    columns: tuple[str, ...]
    #: The column shown as the result's label and matched by "starts with" (None: str(row)).
    label_column: str | None
    #: JSON columns whose string values are part of the document.
    json_columns: tuple[str, ...] = ("custom_field_data",)

    @property
    def table(self) -> str:
        return self.model.__table__.name


TARGETS: tuple[SearchTarget, ...] = (
    SearchTarget("client", "Clients", Client, "ClientView",
                 ("company_name", "contact_name", "contact_email", "contact_phone"), "company_name"),
    SearchTarget("contract", "Contracts", Contract, "ContractView",
                 ("contract_name", "document_link"), "contract_name"),
    SearchTarget("scope", "Service scopes", ServiceScope, "ServiceScopeView",
                 ("saf_document_link",), None, ("scope_details", "custom_field_data")),
    SearchTarget("proposal", "Proposals", Proposal, "ProposalView", ("document_link",), None),
    SearchTarget("license_pool", "License pools", LicensePool, "LicensePoolView",
                 ("product_name", "vendor"), "product_name"),
    SearchTarget("hardware", "Hardware", HardwareAsset, "HardwareAssetView",
                 ("asset_tag", "serial_number", "device_name", "manufacturer", "model"), "asset_tag"),
    SearchTarget("user", "Users", MsspUser, "MsspUserView", ("first_name", "last_name", "email"), "email"),
    SearchTarget("ticket", "Tickets", TicketSummary, "TicketView", ("external_key", "summary"),
                 "external_key", ()),
    # Row-filtered for account managers (their clients' transactions only), like the list.
    SearchTarget("transaction", "Transactions", FinancialTransaction, "TransactionView",
                 ("description",), None),
)
TARGETS_BY_KEY = {target.key: target for target in TARGETS}


class SearchQueryInvalid(ValueError):
    """The query cannot be searched (too long, too many words); the message says why."""


def words(query: str) -> list[str]:
    """The query's words, lowered: letters and digits of any script, split at anything else."""
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchQueryInvalid(f"Search for at most {MAX_QUERY_LENGTH} characters.")
    if "\x00" in query:
        raise SearchQueryInvalid("The search holds a NUL character; type it again without it.")
    found = re.findall(r"\w+", query.lower())
    if len(found) > MAX_WORDS:
        raise SearchQueryInvalid(f"Search for at most {MAX_WORDS} words.")
    return found


def tsquery_text(query_words: list[str]) -> str:
    """`'acme':* & 'corp':*`: every word, as a prefix (words hold only \\w characters)."""
    return " & ".join(f"'{word}':*" for word in query_words)


def _separated(column_sql: str) -> str:
    spaces = " " * len(SEPARATORS)
    quoted = SEPARATORS.replace("'", "''")
    return f"translate(coalesce({column_sql}, ''), '{quoted}', '{spaces}')"


def document_sql(target: SearchTarget, table_alias: str | None = None) -> str:
    """The SQL of a target's document (the expression its GIN index holds)."""
    prefix = f"{table_alias}." if table_alias else ""
    joined = " || ' ' || ".join(_separated(f"{prefix}{column}::text") for column in target.columns)
    vector = f"to_tsvector('simple'::regconfig, {joined})"
    for column in target.json_columns:
        vector += (
            f" || jsonb_to_tsvector('simple'::regconfig, coalesce({prefix}{column}, '{{}}'::jsonb), "
            "'[\"string\"]'::jsonb)"
        )
    return f"({vector})"


def label_sql(target: SearchTarget, table_alias: str | None = None) -> str | None:
    """The SQL of a target's lowered label (its "starts with" btree index), if it has one."""
    if target.label_column is None:
        return None
    prefix = f"{table_alias}." if table_alias else ""
    return f"lower({prefix}{target.label_column}::text)"


@dataclass
class Hit:
    entity: str
    id: Any
    label: str
    #: How it matched: "exact", "prefix" or "words".
    matched: str


@dataclass
class Group:
    target: SearchTarget
    hits: list[Hit]
    #: Matching rows the person may see, up to COUNT_CAP (then `capped`).
    count: int
    capped: bool


def _label_of(target: SearchTarget, row: Any) -> str:
    value = getattr(row, target.label_column) if target.label_column else None
    return str(value) if value else str(row)


def _table(target: SearchTarget) -> str:
    return target.model.__table__.name


def match_clause(target: SearchTarget, query_words: list[str]) -> Any:
    """The full-text condition of `query_words` on a target's document (its columns named
    with their table: a list query may join tables with columns of the same names)."""
    return literal_column(document_sql(target, _table(target))).op("@@")(
        func.to_tsquery(literal_column("'simple'::regconfig"), tsquery_text(query_words))
    )


def search_target(
    session: Session,
    target: SearchTarget,
    query: str,
    narrow: Callable[[Query], Query] = lambda q: q,
    limit: int = GROUP_LIMIT,
) -> Group:
    """One group: up to `limit` ranked hits and the (capped) count of matches."""
    query_words = words(query)
    if not query_words:
        return Group(target, [], 0, False)
    model = target.model
    matches = narrow(session.query(model).filter(list_clause(target, query)))
    hits: list[Hit] = []
    seen: set[Any] = set()
    lowered = query.strip().lower()
    label = label_sql(target, _table(target))
    if label is not None and lowered:
        label_expr = literal_column(label)
        starts = narrow(
            session.query(model).filter(label_expr.like(escape_like(lowered) + "%"))
        )
        # `USING ~<~`: the order of the text_pattern_ops index, so the first `limit` rows come
        # straight from it (a plain ORDER BY sorted all 300,000 contracts for "con": 280 ms ->
        # 1 ms). A label equal to the query sorts first in that order: exact before prefix.
        for row in starts.order_by(literal_column(f"{label} USING ~<~")).limit(limit):
            exact = _label_of(target, row).lower() == lowered
            hits.append(Hit(target.key, row.id, _label_of(target, row), "exact" if exact else "prefix"))
            seen.add(row.id)
    #: Whether the hits are every match (then they are the count: no counting query).
    complete = False
    if len(hits) < limit:
        rest = matches
        if seen:
            rest = rest.filter(model.id.notin_(seen))
        wanted = limit - len(hits)
        found = rest.limit(wanted).all()
        hits.extend(Hit(target.key, row.id, _label_of(target, row), "words") for row in found)
        complete = len(found) < wanted
    if complete:
        count = len(hits)
    else:
        count = session.query(func.count()).select_from(
            matches.with_entities(model.id).limit(COUNT_CAP + 1).subquery()
        ).scalar() or 0
        count = max(count, len(hits))
    return Group(target, hits, min(count, COUNT_CAP), count > COUNT_CAP)


def list_clause(target: SearchTarget, query: str) -> Any:
    """The condition a list's quick search adds: the same match as the global search, so
    "all N results" lists exactly the N rows (a label starting with the query included)."""
    query_words = words(query)
    if not query_words:
        return text("true")
    condition = match_clause(target, query_words)
    label = label_sql(target, _table(target))
    if label is not None:
        lowered = query.strip().lower()
        condition = or_(condition, literal_column(label).like(escape_like(lowered) + "%"))
    return condition
