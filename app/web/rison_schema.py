"""Rison arguments validated without re-checking FAB's schemas on every request.

FAB's `@rison(schema)` decorator (every REST list and get) calls `jsonschema.validate`,
which first validates the *schema itself* against the JSON Schema metaschema: 30-95 ms a
request on this machine, more than the list's SQL. `install()` gives FAB's api module a
stand-in for `jsonschema` whose `validate` checks each schema once, keeps its validator,
and raises the same error (`best_match`, as `jsonschema.validate` does). It also gets a
`prison` whose `loads` turns every parse failure into a 400 (see `loads`).
"""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import jsonschema
import prison
from jsonschema.exceptions import best_match

_validators: dict[int, tuple[Any, Any]] = {}
_lock = threading.Lock()


def validate(instance: Any, schema: Any, *args: Any, **kwargs: Any) -> None:
    """`jsonschema.validate`, with the schema checked and its validator built once."""
    if args or kwargs:  # a caller choosing its own validator class: do exactly what it asks
        jsonschema.validate(instance, schema, *args, **kwargs)
        return
    cached = _validators.get(id(schema))
    if cached is None or cached[0] is not schema:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        with _lock:
            cached = _validators[id(schema)] = (schema, cls(schema))
    error = best_match(cached[1].iter_errors(instance))
    if error is not None:
        raise error


def loads(text: str) -> Any:
    """`prison.loads`, raising only its ParserException: a malformed `q` (`(((`, `!`,
    `(page:-6.5e)`) makes prison raise IndexError, ValueError or RecursionError, which FAB's
    `@rison` does not catch (a 500); as a ParserException it answers 400."""
    try:
        return prison.loads(text)
    except prison.decoder.ParserException:
        raise
    except (ValueError, IndexError, KeyError, TypeError, RecursionError) as error:
        raise prison.decoder.ParserException(f"Not a valid rison argument: {error}") from None


def install() -> None:
    """Point FAB's api module (only) at the caching `validate` and the strict `loads`."""
    import flask_appbuilder.api as fab_api

    if getattr(fab_api.jsonschema, "validate", None) is not validate:
        fab_api.jsonschema = SimpleNamespace(validate=validate, ValidationError=jsonschema.ValidationError)
    if getattr(fab_api.prison, "loads", None) is not loads:
        fab_api.prison = SimpleNamespace(loads=loads, decoder=prison.decoder, dumps=prison.dumps)
