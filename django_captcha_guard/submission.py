"""Reading the submitted key and answer out of a request, whatever the client sent.

Nothing here decides whether an answer is right: it only hands :func:`core.verify` the
two values, or a value verify rejects as malformed when the request cannot be read. A
field sent twice is passed on as a list, so an ambiguous submission is malformed rather
than "whichever copy came first".
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpRequest, QueryDict, RawPostDataException, UnreadablePostError
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.utils.datastructures import MultiValueDict

from django_captcha_guard.conf import get_config

__all__ = ["UNREADABLE", "field", "from_mapping", "is_json", "is_utf8", "submitted"]

# Any non-string value is malformed for core.verify; this one says "the body was unreadable".
UNREADABLE = object()
_UNREADABLE_ERRORS = (
    MultiPartParserError,
    RequestDataTooBig,
    TooManyFieldsSent,
    SuspiciousOperation,
    UnreadablePostError,
    UnicodeDecodeError,
    # A Content-Type charset that names a codec but no text encoding (charset=rot13).
    LookupError,
)


def is_utf8(value: str) -> bool:
    """Whether ``value`` encodes as UTF-8: not when it holds a lone surrogate, which a JSON body can carry."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_json(request: HttpRequest) -> bool:
    """Whether the body is JSON (``application/json`` or a ``+json`` type)."""
    content_type = request.content_type or ""
    return content_type == "application/json" or content_type.endswith("+json")


def submitted(request: HttpRequest) -> tuple[Any, Any]:
    """The (key, answer) the request carries in its form data or JSON body.

    The query string is never read: an answer in a URL ends up in access logs. The body
    is bounded by Django's own ``DATA_UPLOAD_MAX_MEMORY_SIZE``; a body over it, broken
    multipart data, invalid JSON or a JSON value other than an object is unreadable.
    """
    try:
        data = _body_data(request)
    except _UNREADABLE_ERRORS:
        return UNREADABLE, UNREADABLE
    return from_mapping(data)


def from_mapping(data: object) -> tuple[Any, Any]:
    """The (key, answer) in already parsed data: a QueryDict, a dict, or anything else."""
    if not isinstance(data, Mapping):
        return UNREADABLE, UNREADABLE
    config = get_config()
    return _value(data, config.key_field), _value(data, config.answer_field)


def field(request: HttpRequest, name: str) -> Any:
    """The submitted value of the field ``name`` (a list when sent twice); None if absent or unreadable."""
    try:
        data = _body_data(request)
    except (*_UNREADABLE_ERRORS, RawPostDataException):  # a DRF view may have read the stream already
        return None
    return _value(data, name) if isinstance(data, Mapping) else None


def _body_data(request: HttpRequest) -> object:
    if is_json(request):
        if not request.body:
            return {}
        try:
            return json.loads(request.body)
        except (ValueError, RecursionError):
            # ValueError covers invalid JSON and bytes that are not UTF-8/16/32.
            return None
    if request.method == "POST":
        return request.POST
    # Django parses form bodies for POST only; PUT, PATCH and DELETE forms are read here,
    # from the buffered body, so the view can still read it too.
    if request.content_type == "application/x-www-form-urlencoded":
        return QueryDict(request.body, encoding=request.encoding)
    if request.content_type == "multipart/form-data":
        parser = MultiPartParser(request.META, io.BytesIO(request.body), request.upload_handlers, request.encoding)
        return parser.parse()[0]
    return {}


def _value(data: Mapping[str, Any], name: str) -> Any:
    if isinstance(data, MultiValueDict):
        values = data.getlist(name)
        if len(values) > 1:
            return values
        return values[0] if values else None
    value = data.get(name)
    # A JSON client may send an arithmetic answer as a number.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value
