"""Query templates: `{client_key}`, `{since}` and `{until}` filled in at run time.

Only these names in braces are placeholders; PromQL label matchers such as
`{env="prod"}` and JSON objects are left alone, because a placeholder is a bare
identifier. Each source type formats and escapes the values for its language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
PLACEHOLDERS = ("client_key", "since", "until")


def placeholders_in(template: str | None) -> set[str]:
    """The placeholder names used in `template`."""
    return set(PLACEHOLDER_RE.findall(template or ""))


def template_errors(template: str | None) -> list[str]:
    """Why `template` is refused (unknown placeholders); [] when it is fine."""
    unknown = sorted(placeholders_in(template) - set(PLACEHOLDERS))
    if not unknown:
        return []
    allowed = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    names = ", ".join(f"{{{name}}}" for name in unknown)
    return [f"unknown placeholder {names}; use {allowed}"]


def uses_client_key(template: str | None) -> bool:
    return "client_key" in placeholders_in(template)


def render(template: str, values: Mapping[str, str], escape: Callable[[str], str] = str) -> str:
    """Fill the placeholders of `template`; `escape` is applied to each value."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        return escape(values[name])

    return PLACEHOLDER_RE.sub(replace, template)


def escape_quoted(value: str) -> str:
    """For a value inside double quotes in JQL or PromQL."""
    return value.replace("\\", "\\\\").replace('"', '\\"')
