"""What JSON routes read from a request, bounded and typed before anything else sees it.

Every JSON body goes through `read_json_object`: the raw body's size and the nesting depth of
its brackets are checked before `json.loads` runs, so no body can make the parser recurse
deeply or hold megabytes; numbers too long, NaN and Infinity, duplicate keys, text that is
not UTF-8, NUL characters and lone surrogates are refused while parsing. The field helpers
then check each field's type and range in Python, so the database never sees an id beyond its
32-bit columns or a NUL (which PostgreSQL refuses). Every refusal is a `BadRequestError`
(400) whose message shows at most `ECHO_LIMIT` characters of what was sent.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import Flask, Request, request
from werkzeug.exceptions import RequestEntityTooLarge

from moodtunes.errors import BadRequestError

# The largest JSON body a route reads: the biggest real one (a profile's 2 x 50 names of 200
# characters) is about 25 kB.
MAX_JSON_BYTES = 64 * 1024
# Deeper than any body the API takes (2), far shallower than Python's recursion limit.
MAX_JSON_DEPTH = 16
# Digits of an integer literal: 2**63 has 19; longer ones are refused before `int()` runs.
MAX_NUMBER_DIGITS = 20
# The ids of the database's tables are 32-bit on PostgreSQL and SQLite alike.
MAX_ID = 2**31 - 1
# How much of a bad value a message repeats.
ECHO_LIMIT = 40
# Forms: only the image upload posts one; a CSRF token or two fields besides is plenty.
MAX_FORM_PARTS = 16
MAX_FORM_MEMORY = 64 * 1024

# A string (to its closing quote, or to the end when there is none: so every match succeeds
# and the scan stays linear) or a bracket.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*+"?|[\[\]{}]', re.DOTALL)
# Characters no text field of the API means: C0 and C1 controls (NUL among them) and DEL.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def shown(value: object) -> str:
    """`value` as a message repeats it: its repr, cut to `ECHO_LIMIT` characters."""
    text = repr(value) if not isinstance(value, dict | list) else type(value).__name__
    return text if len(text) <= ECHO_LIMIT else text[:ECHO_LIMIT - 1] + "…"


def json_depth(data: bytes) -> int:
    """How deeply the brackets of a JSON text nest, not counting any inside strings."""
    depth = deepest = 0
    for token in _TOKENS.findall(data):
        if token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def _no_constant(name: str) -> Any:
    raise BadRequestError(f"JSON numbers must be finite; {name} is not allowed")


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise BadRequestError(
            f"a number in the JSON has more than {MAX_NUMBER_DIGITS} digits: {shown(text)}")
    return int(text)


def _real(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise BadRequestError(f"a number in the JSON is too large: {shown(text)}")
    return number


def _checked_text(text: str) -> str:
    if "\x00" in text:
        raise BadRequestError("text in the JSON must not contain NUL characters")
    if _SURROGATES.search(text):
        raise BadRequestError("text in the JSON must not contain lone surrogates (\\ud800...)")
    return text


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise BadRequestError(f"the JSON names {shown(key)} twice")
        found[_checked_text(key)] = value
    return found


def _check_strings(value: Any) -> None:
    """Refuses NUL and lone surrogates in every string value (keys are checked while parsing).
    The depth is bounded already, so the recursion is too."""
    if isinstance(value, str):
        _checked_text(value)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            _check_strings(item)


def parse_json(data: bytes) -> Any:
    """The JSON value of `data`, within the limits above; `BadRequestError` otherwise."""
    if len(data) > MAX_JSON_BYTES:
        raise RequestEntityTooLarge(f"a JSON body may be at most {MAX_JSON_BYTES} bytes")
    if json_depth(data) > MAX_JSON_DEPTH:
        raise BadRequestError(f"the JSON nests more than {MAX_JSON_DEPTH} levels deep")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequestError("the JSON body is not UTF-8 text") from None
    try:
        value = json.loads(text, object_pairs_hook=_object, parse_int=_integer,
                           parse_float=_real, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise BadRequestError(f"the body is not valid JSON: {exc.msg} at character {exc.pos}"
                              ) from None
    except RecursionError:  # only if MAX_JSON_DEPTH were set near the interpreter's limit
        raise BadRequestError("the JSON nests too deeply") from None
    _check_strings(value)
    return value


def read_json_object(example: str, *, optional: bool = False) -> dict[str, Any]:
    """The request's JSON object (`{}` for no body at all when `optional`). `example` is what
    a message asks the client to send instead."""
    request.max_content_length = MAX_JSON_BYTES  # werkzeug stops reading past it: 413
    data = request.get_data(cache=True)
    if optional and not data and (request.is_json or not request.mimetype):
        return {}
    if not request.is_json:
        raise BadRequestError(f"send JSON (Content-Type: application/json) such as {example}; "
                              f"got {shown(request.mimetype or 'no content type')}")
    if not data.strip():
        raise BadRequestError(f"the body is empty; send JSON such as {example}")
    body = parse_json(data)
    if not isinstance(body, dict):
        raise BadRequestError(f"send a JSON object such as {example}")
    return body


# --- fields -------------------------------------------------------------------------------------


def text_field(body: dict[str, Any], name: str, *, max_chars: int,
               required: bool = True) -> str | None:
    """`body[name]` as text of 1 to `max_chars` characters without control characters, spaces
    at its ends removed; None when it is absent (or null) and not `required`."""
    value = body.get(name)
    if value is None and not required:
        return None
    return checked_text(value, f"'{name}'", max_chars=max_chars)


def checked_text(value: object, what: str, *, max_chars: int, min_chars: int = 1) -> str:
    """`value` as `text_field` takes it; `what` names it in the message."""
    if not isinstance(value, str):
        raise BadRequestError(f"{what} must be text, got {shown(value)}")
    value = value.strip()
    if not min_chars <= len(value) <= max_chars:
        raise BadRequestError(
            f"{what} must be {min_chars} to {max_chars} characters, got {shown(value)}")
    if _CONTROLS.search(value) or _SURROGATES.search(value):
        raise BadRequestError(f"{what} must not contain control characters, got {shown(value)}")
    return value


def int_field(body: dict[str, Any], name: str, *, low: int = 1, high: int = MAX_ID) -> int:
    """`body[name]` as a whole number from `low` to `high` (not a bool, not 1.0)."""
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequestError(
            f"'{name}' must be a whole number from {low} to {high}, got {shown(value)}")
    return value


def number_field(body: dict[str, Any], name: str, default: float, *,
                 limit: float = 1e6) -> float:
    """`body[name]` (`default` when absent) as a finite number within ±`limit`."""
    value = body.get(name, default)
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not -limit <= value <= limit):
        raise BadRequestError(
            f"'{name}' must be a number from {-limit:g} to {limit:g}, got {shown(value)}")
    return float(value)


def bool_field(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if not isinstance(value, bool):
        raise BadRequestError(f"'{name}' must be true or false, got {shown(value)}")
    return value


def text_list_field(body: dict[str, Any], name: str, *, max_items: int,
                    max_chars: int) -> list[str]:
    """`body[name]` as a list of at most `max_items` texts as `text_field` takes them."""
    values = body.get(name, [])
    if not isinstance(values, list) or len(values) > max_items:
        raise BadRequestError(
            f"'{name}' must be a list of at most {max_items} names (text, {max_chars} "
            "characters at most)")
    # Blank names are taken (and dropped by the storage layer), as before.
    return [checked_text(v, f"each of '{name}'", max_chars=max_chars, min_chars=0)
            for v in values]


# --- Flask's own reader -------------------------------------------------------------------------


class BoundedRequest(Request):
    """Flask's request, whose `get_json` (and `json`) go through `parse_json`, so no route
    can read a body unbounded by calling it."""

    def get_json(self, force: bool = False, silent: bool = False,
                 cache: bool = True) -> Any:
        if not (force or self.is_json):
            if silent:
                return None
            return self.on_json_loading_failed(None)
        self.max_content_length = MAX_JSON_BYTES
        try:
            return parse_json(self.get_data(cache=cache))
        except BadRequestError:
            if silent:
                return None
            raise


def init_app(app: Flask) -> None:
    app.request_class = BoundedRequest
    app.config["MAX_FORM_PARTS"] = MAX_FORM_PARTS
    app.config["MAX_FORM_MEMORY_SIZE"] = MAX_FORM_MEMORY
