"""The CSV export's cells: a value that a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import pytest

from app.web.csv_export import cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("", ""),
        (None, ""),
    ],
)
def test_cells_that_start_a_formula_are_escaped(value, expected):
    assert cell(value) == expected
