"""Reading rendered pages in the screen tests: the list table, and a form's values and errors."""

from __future__ import annotations

import re
from html import unescape

LIST_TABLE = '<table class="table table-bordered table-hover">'


def text_of(fragment: str) -> str:
    """The text a person reads in an HTML fragment, blanks folded."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def list_rows(page: str) -> list[list[str]]:
    """The rows of the page's list table (the header first), each as the text of its cells."""
    table = page[page.index(LIST_TABLE) :]
    table = re.sub(r"<script.*?</script>", "", table[: table.index("</table>")], flags=re.S)
    return [
        [text_of(cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    ]


def cells(page: str) -> str:
    """The list table's text, one row per line (for `in` checks on a whole row)."""
    return "\n".join(" ".join(cell for cell in row if cell) for row in list_rows(page))


def row_of(page: str, shown: str) -> list[str]:
    """The cells of the list row that has a cell reading `shown` ([] when none has)."""
    return next((row for row in list_rows(page) if shown in row), [])


def form_values(page: str) -> dict[str, str]:
    """The current values of a rendered form's inputs, textareas and selected options."""
    values: dict[str, str] = {}
    for match in re.finditer(r"<input([^>]*)>", page):
        attributes = match.group(1)
        name = re.search(r'name="([^"]+)"', attributes)
        if not name:
            continue
        value = re.search(r'value="([^"]*)"', attributes)
        if 'type="checkbox"' in attributes:
            if "checked" in attributes:
                values[name.group(1)] = "y"
            continue
        values[name.group(1)] = unescape(value.group(1)) if value else ""
    for match in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        values[match.group(1)] = unescape(match.group(2))
    for match in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        options = re.findall(r"<option([^>]*)>", match.group(2))
        chosen = [o for o in options if re.search(r"\bselected\b", o)]
        value = re.search(r'value="([^"]*)"', chosen[0]) if chosen else None
        values[match.group(1)] = unescape(value.group(1)) if value else ""
    return values


def field_error(page: str, field: str) -> str:
    """The error text rendered under one form field ("" when there is none)."""
    start = page.find(f'name="{field}"')
    assert start != -1, f"no field {field} in the page"
    end = page.find("</tr>", start)
    block = page[start:end]
    match = re.search(r'<div class="alert alert-danger">(.*?)</div>', block, re.S)
    return re.sub(r"\s+", " ", match.group(1)).strip() if match else ""
