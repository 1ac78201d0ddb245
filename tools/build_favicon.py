"""Render app/static/img/favicon.svg into app/static/img/favicon.ico (32x32 PNG in an ICO).

For browsers and tools that ask for /favicon.ico without reading the page's <link rel="icon">.
Uses the Chromium the e2e tests drive (no imaging library needed):
    .venv/bin/python tools/build_favicon.py
"""

from __future__ import annotations

import struct
from pathlib import Path

from playwright.sync_api import sync_playwright

IMG = Path(__file__).resolve().parents[1] / "app" / "static" / "img"
SIZE = 32


def render_png(svg: str, size: int) -> bytes:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": size, "height": size})
        sized = svg.replace("<svg ", f"<svg width={size} height={size} ")
        page.set_content(f'<body style="margin:0">{sized}')
        png = page.screenshot(omit_background=True)
        browser.close()
    return png


def ico_of(png: bytes, size: int) -> bytes:
    """An ICO holding one PNG image (supported by every browser since Windows Vista's format)."""
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), 6 + 16)
    return header + entry + png


if __name__ == "__main__":
    png = render_png((IMG / "favicon.svg").read_text(), SIZE)
    (IMG / "favicon.ico").write_bytes(ico_of(png, SIZE))
    print(f"wrote {IMG / 'favicon.ico'} ({len(png)} bytes of PNG)")
