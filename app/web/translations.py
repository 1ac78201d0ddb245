"""Template translations looked up once per request, not once per string.

Flask-Babel's template `_()` finds the request's translations on every call (context,
locale and domain look-ups through Flask's proxies): about 750 calls on a list page of
100 rows, a fifth of its rendering time under cProfile. The locale and domain do not
change within a request, so the translations object is kept on `g`; the strings and
their formatting are Flask-Babel's and Jinja's as before.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_babel import get_translations


def request_translations() -> Any:
    try:
        translations = g._mssp_translations
    except AttributeError:
        translations = g._mssp_translations = get_translations()
    except RuntimeError:  # no app context: Flask-Babel answers with null translations
        return get_translations()
    return translations


def install_template_translations(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
