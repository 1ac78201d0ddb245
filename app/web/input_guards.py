"""Bad input refused where it enters, before any view, form or schema reads it.

Every request, screens and REST alike:

- no NUL character (PostgreSQL text cannot hold one) and no lone UTF-16 surrogate
  (`"\\ud800"` in JSON: it cannot be stored as UTF-8) in a query argument, a form field or
  anywhere in a JSON body, keys included: 400 naming the field;
- a JSON body is an object or an array at most `MAX_JSON_DEPTH` levels deep, and well formed;
  a body that is not JSON where JSON is read answers 400 (FAB's resources would answer 500);
- REST paging arguments (`page`, `page_size`) are whole numbers from 0 to
  `MAX_PAGE_ARGUMENT` (the screens' `page_<list>` / `psize_<list>` are read leniently by
  `app.web.listing`: a bad one shows the first or last page);
- the whole request is at most `MAX_CONTENT_LENGTH` bytes (config, 2 MiB by default):
  413, JSON under /api/.

Refusals under /api/ are JSON `{"message": ..., "field": ...}`; the screens get a short
text page (a person never meets these through the forms, which cannot produce them).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Request, jsonify, make_response, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

MAX_JSON_DEPTH = 32
MAX_PAGE_ARGUMENT = 1_000_000
PAGE_ARGUMENTS = ("page", "page_size")

NOT_JSON = "The body must be JSON (Content-Type: application/json)."


class BodyIsNotJson(BadRequest):
    """A view asked for JSON the body does not hold. A BadRequest, so FAB's `@safe` answers
    400 with this message instead of turning werkzeug's 415 into a 500."""

    description = NOT_JSON


class GuardedRequest(Request):
    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if e is None:
            raise BodyIsNotJson()
        raise BodyIsNotJson(f"The body is not valid JSON: {e}")


class InputRefused(Exception):
    def __init__(self, field: str | None, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


def text_problem(text: str) -> str | None:
    """Why a piece of text cannot be stored (None when it can)."""
    if "\x00" in text:
        return "must not contain NUL characters (\\u0000)."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must not contain unpaired UTF-16 surrogates."
    return None


def check_text(field: str | None, text: str) -> None:
    problem = text_problem(text)
    if problem:
        raise InputRefused(field, f"{field or 'The body'} {problem}" if field else f"The body {problem}")


def check_json(value: Any, path: str = "", depth: int = 1) -> None:
    """NUL, surrogates and depth, anywhere in a decoded JSON document."""
    if depth > MAX_JSON_DEPTH:
        raise InputRefused(path or None, f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.")
    if isinstance(value, str):
        check_text(path or None, value)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(f"{path}.{key}" if path else None, key) if isinstance(key, str) else None
            check_json(item, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_json(item, f"{path}[{index}]", depth + 1)


def check_arguments(arguments: Any, kind: str) -> None:
    for name, value in arguments.items(multi=True):
        check_text(f"{kind} {name!r}" if text_problem(name) else name, name)
        check_text(name, value)
        if name in PAGE_ARGUMENTS and request.path.startswith("/api/"):
            check_page_argument(name, value)


def check_page_argument(name: str, value: str) -> None:
    text = value.strip()
    if not text.isdigit() or int(text) > MAX_PAGE_ARGUMENT:
        raise InputRefused(name, f"{name}: must be a whole number from 0 to {MAX_PAGE_ARGUMENT:,}.")


def check_body() -> None:
    if not request.content_length and request.headers.get("Transfer-Encoding") is None:
        return
    if request.is_json:
        raw = request.get_data(cache=True)
        try:
            document = json.loads(raw)
        except RecursionError:
            raise InputRefused(None, f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.") from None
        except ValueError as error:
            raise InputRefused(None, f"The body is not valid JSON: {error}") from None
        check_json(document)
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        check_arguments(request.form, "form field")


def refusal(error: InputRefused):
    if request.path.startswith("/api/"):
        return make_response(jsonify(message=error.message, field=error.field), error.status)
    return make_response(error.message, error.status, {"Content-Type": "text/plain; charset=utf-8"})


def init_input_guards(app: Flask) -> None:
    app.request_class = GuardedRequest

    @app.before_request
    def refuse_bad_input():
        try:
            check_arguments(request.args, "argument")
            check_body()
        except InputRefused as error:
            return refusal(error)
        except RequestEntityTooLarge:
            return too_large(None)
        return None

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error: RequestEntityTooLarge | None):
        limit = app.config.get("MAX_CONTENT_LENGTH")
        message = f"The request is larger than the {limit // 1024 // 1024} MiB this server accepts."
        return refusal(InputRefused(None, message, 413))
