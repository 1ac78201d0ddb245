"""CSV export: streamed, spreadsheet-friendly, and safe to open.

A cell that starts with = + - @ (or a tab or carriage return) would be run as a
formula by Excel or LibreOffice (CSV injection, OWASP): such cells get a leading
apostrophe, which spreadsheets show as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response, request, stream_with_context, url_for
from werkzeug.routing import BuildError

#: Rows fetched from the database per round trip while streaming.
BATCH_SIZE = 500
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """A value as a CSV cell, neutralised if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def batched_rows(query: Any, batch_size: int | None = None) -> Iterator[Any]:
    """Every row of an ordered ORM query, fetched `batch_size` at a time.

    The first batch is read now, so that a bad filter fails before the response starts.
    Later batches are separate queries rather than one server-side cursor: a cursor dies
    with the transaction it was opened in, and a streamed response outlives that.
    """
    batch_size = batch_size or BATCH_SIZE
    first = query.limit(batch_size).all()

    def rows() -> Iterator[Any]:
        batch, offset = first, 0
        while batch:
            yield from batch
            if len(batch) < batch_size:
                return
            offset += batch_size
            batch = query.offset(offset).limit(batch_size).all()

    return rows()


def export_url(endpoint: str) -> str | None:
    """The CSV export of view `endpoint` with the current list's arguments (None if it has none)."""
    try:
        url = url_for(f"{endpoint}.export_csv")
    except BuildError:
        return None
    query = request.query_string.decode("utf-8", "replace")
    return f"{url}?{query}" if query else url


def filename_for(label: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "export"
    return f"{slug}-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M}.csv"


def _lines(header: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # A byte-order mark: Excel then reads the file as UTF-8.
    yield "\ufeff"
    writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow(row)
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(filename: str, header: list[str], rows: Iterable[list[str]]) -> Response:
    response = Response(stream_with_context(_lines(header, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
