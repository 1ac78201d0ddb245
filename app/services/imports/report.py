"""What an import did or would do, row by row."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

CREATE, UPDATE, UNCHANGED, ERROR, SKIPPED = "create", "update", "unchanged", "error", "skipped"


@dataclass
class RowError:
    #: The column of the file (its header as written), or None for the row as a whole.
    column: str | None
    message: str


@dataclass
class RowOutcome:
    line: int
    action: str
    record_id: str | None = None
    label: str = ""
    errors: list[RowError] = field(default_factory=list)
    #: Column header -> the cell as read (shown next to the errors in the preview).
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportReport:
    resource: str
    file_name: str
    dry_run: bool
    skip_bad_rows: bool
    rows_read: int = 0
    #: Header -> field it was matched to; headers matched to nothing (ignored, listed).
    columns: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    rows: list[RowOutcome] = field(default_factory=list)
    written: bool = False

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self.count(CREATE)

    @property
    def updated(self) -> int:
        return self.count(UPDATE)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def failed(self) -> int:
        return self.count(ERROR) + self.count(SKIPPED)

    @property
    def bad_rows(self) -> list[RowOutcome]:
        return [row for row in self.rows if row.errors]

    def summary(self) -> str:
        verb = "would be" if self.dry_run or not self.written else "were"
        text = (
            f"{self.rows_read} row(s) read: {self.created} {verb} created, {self.updated} {verb} updated, "
            f"{self.unchanged} unchanged"
        )
        if self.skip_bad_rows:
            text += f", {self.count(SKIPPED)} skipped (errors)"
        elif self.bad_rows:
            text += f", {len(self.bad_rows)} with errors: nothing written"
        if self.ignored_columns:
            text += f". Ignored column(s): {', '.join(self.ignored_columns)}"
        return text + "."

    def to_dict(self, *, rows: bool = True) -> dict[str, Any]:
        data = {
            "resource": self.resource,
            "file_name": self.file_name,
            "dry_run": self.dry_run,
            "skip_bad_rows": self.skip_bad_rows,
            "written": self.written,
            "rows_read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.count(SKIPPED),
            "errors": len(self.bad_rows),
            "columns": self.columns,
            "ignored_columns": self.ignored_columns,
            "summary": self.summary(),
        }
        if rows:
            data["rows"] = [
                {key: value for key, value in asdict(row).items() if key != "values"} for row in self.rows
            ]
        return data
