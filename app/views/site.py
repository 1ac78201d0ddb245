"""Site-wide files browsers ask for by a fixed address."""

from __future__ import annotations

from flask import Blueprint, current_app

site_blueprint = Blueprint("site", __name__)

#: Browsers and tools that ignore the page's <link rel="icon"> ask for this address.
FAVICON = "img/favicon.ico"


@site_blueprint.get("/favicon.ico")
def favicon():
    return current_app.send_static_file(FAVICON)
