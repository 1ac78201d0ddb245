"""Where a login may send the browser next: only to a path of this site.

FAB's own check lets `/\\evil.example` through (browsers read it as
`//evil.example`) and trusts any host named in the request's Host header. Here a
target is reduced to a local path, or refused.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import request


def safe_next_path(target: str | None) -> str | None:
    """`target` as a local path ("/clients/list/?page=2"), or None when it could leave the site.

    An absolute URL is accepted only for this very host (the Host header is
    checked against TRUSTED_HOSTS) and is reduced to its path.
    """
    if not target or any(_is_unsafe_char(char) for char in target):
        return None
    parts = urlsplit(target)
    other_site = parts.scheme not in ("http", "https") or parts.netloc != request.host
    if (parts.scheme or parts.netloc) and other_site:
        return None
    path = parts.path
    if not path.startswith("/") or path.startswith("//"):
        return None
    return f"{path}?{parts.query}" if parts.query else path


def _is_unsafe_char(char: str) -> bool:
    # Backslashes become slashes in browsers; control characters and whitespace are
    # stripped by them, so "/\t/evil.example" would be "//evil.example".
    return char == "\\" or char.isspace() or unicodedata.category(char)[0] == "C"
