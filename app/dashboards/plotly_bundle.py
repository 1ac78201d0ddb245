"""The plotly.js the browser gets: a partial bundle, served gzip-compressed (issue 19.7).

The full plotly.min.js of the plotly package is 4.8 MB (1.5 MB gzipped) and took most of the
1.5-4.6 s a dashboard needed to show its first chart. The charts draw only bar, scatter and
indicator traces, all in plotly.js's "finance" partial bundle (1.3 MB, 0.43 MB gzipped),
vendored under app/static/vendor/ with its licence (npm package plotly.js-finance-dist-min;
a registry package, no build step). `BUNDLED_TRACE_TYPES` is read from the bundle itself,
and the figure builders refuse a trace type it lacks, so a new kind of chart fails in tests
instead of drawing nothing. The PDF renderer (app/services/reports/pdf.py) keeps the full
bundle of the plotly package: it never crosses the network.
"""

from __future__ import annotations

import functools
import gzip
import re
from pathlib import Path

#: The vendored bundle; its version is part of the file name and of the URL (cached a year).
BUNDLE_VERSION = "4.1.0"
VENDOR_DIR = Path(__file__).resolve().parents[1] / "static" / "vendor"
BUNDLE_PATH = VENDOR_DIR / f"plotly-finance-{BUNDLE_VERSION}.min.js"

#: How each trace module registers itself inside the minified bundle.
TRACE_MODULE = re.compile(rb'moduleType:"trace",name:"([a-z0-9]+)"')
#: The bundle injects a stylesheet under this kind of id unless the id exists.
BUNDLED_STYLE_ID = re.compile(rb'document\.getElementById\("([0-9a-f]{64})"\)')


@functools.cache
def bundle_bytes() -> bytes:
    return BUNDLE_PATH.read_bytes()


@functools.cache
def bundle_gzip() -> bytes:
    """The bundle gzip-compressed once per process (level 9, ~0.2 s; fixed mtime: stable bytes)."""
    return gzip.compress(bundle_bytes(), compresslevel=9, mtime=0)


@functools.cache
def bundled_trace_types() -> frozenset[str]:
    return frozenset(name.decode() for name in TRACE_MODULE.findall(bundle_bytes()))


@functools.cache
def style_ids() -> tuple[str, ...]:
    """The ids of the <style> elements plotly.js creates itself (all but the one for its rules).

    The page creates them first, carrying the CSP nonce: plotly.js then uses (or skips)
    them instead of adding a <style> the Content-Security-Policy would refuse.
    """
    found = {m.decode() for m in BUNDLED_STYLE_ID.findall(bundle_bytes())}
    return ("plotly.js-style-global", *sorted(found))
