"""Django REST framework support: a permission class, serializer fields and a serializer mixin.

Both check through :func:`core.verify_once`, like the middleware and the decorator, so a
request is checked once whichever of them meet it. Import this module only when DRF is
installed (``pip install django-captcha-guard[drf]``); nothing else in the package needs it.

- :class:`CaptchaRequired` (a permission) refuses unsafe requests without a solved
  challenge, with status 400 and the JSON shape of the failure view:
  ``{"code": 400, "errmsg": "...", "reason": "wrong"}`` (503 when the store is down).
- :class:`CaptchaKeyField` and :class:`CaptchaAnswerField`, declared under the
  configured ``KEY_FIELD`` and ``ANSWER_FIELD`` names, check the challenge as part of a
  serializer's validation: a failure is ``{"captcha_answer": ["..."]}`` in DRF's usual
  shape (503 when the store is down), and ``validated_data`` never holds either field.
  They are ``CharField`` subclasses, so schema generators (drf-spectacular) document them.
  Validation is synchronous; in an async view (adrf) validate in a thread, as adrf's
  generic views do (``await sync_to_async(serializer.is_valid)(raise_exception=True)``).
- :class:`CaptchaSerializerMixin` adds those two fields to a serializer and checks the
  challenge before the other fields, so a failure reports only the captcha.
- :class:`JSONParser` is DRF's, except that deeply nested JSON is a 400: DRF's own lets
  ``RecursionError`` escape from ``request.data`` as a 500. The permission handles that
  itself; a view that reads ``request.data`` before its serializer runs needs this parser.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, permissions, serializers  # type: ignore[import-untyped]
from rest_framework.fields import empty  # type: ignore[import-untyped]

from django_captcha_guard import proof_of_work
from django_captcha_guard.conf import get_config
from django_captcha_guard.core import KEY_LENGTH, MAX_ANSWER_LENGTH, Reason, Result, verify_once
from django_captcha_guard.responses import status_for
from django_captcha_guard.submission import from_mapping

__all__ = [
    "CaptchaAnswerField",
    "CaptchaFailed",
    "CaptchaKeyField",
    "CaptchaRequired",
    "CaptchaSerializerMixin",
    "JSONParser",
]


class JSONParser(parsers.JSONParser):  # type: ignore[misc]
    """DRF's JSONParser, with nesting too deep for Python's decoder answered as a parse error (400)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply") from None


class CaptchaFailed(exceptions.APIException):  # type: ignore[misc]
    """Raised by :class:`CaptchaRequired`; DRF renders ``detail`` as the response body."""

    status_code = 400
    default_code = "captcha_failed"

    def __init__(self, reason: Reason) -> None:
        super().__init__(code=reason.value)
        self.status_code = status_for(reason)
        # Set after __init__, which would turn the int code into a string ErrorDetail.
        self.detail = {"code": self.status_code, "errmsg": Result(reason).message, "reason": reason.value}


class CaptchaRequired(permissions.BasePermission):  # type: ignore[misc]
    """Require a solved challenge on POST, PUT, PATCH and DELETE; safe methods never consume.

    The view's ``captcha_scope`` attribute, if any, is the scope the challenge must have.
    """

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        try:
            data = request.data
        except RecursionError:
            # DRF's JSONParser lets this escape for deeply nested JSON: a 400, not a 500.
            raise exceptions.ParseError() from None
        key, answer = from_mapping(data)
        result = verify_once(
            _http_request(request), key, answer, getattr(view, "captcha_scope", ""), stamp=_stamp(data)
        )
        if not result.ok:
            raise CaptchaFailed(result.reason)
        return True


class CaptchaKeyField(serializers.CharField):  # type: ignore[misc]
    """The challenge key, from ``captcha/new/`` or the widget; :class:`CaptchaAnswerField` checks it.

    Declared for schemas and the browsable API; it adds nothing to ``validated_data``.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("The key of the challenge, as captcha/new/ returned it."))
        super().__init__(write_only=True, source="*", min_length=KEY_LENGTH, max_length=KEY_LENGTH, **kwargs)

    def run_validation(self, data: Any = empty) -> dict[str, Any]:
        return {}


class CaptchaAnswerField(serializers.CharField):  # type: ignore[misc]
    """The answer to the picture; validating it checks the challenge, once per request and scope.

    Reads the key and the answer from the request data under ``KEY_FIELD`` and
    ``ANSWER_FIELD`` (as every other entry point does), whatever it is declared as.
    ``scope`` is the scope the challenge must have been issued for.
    """

    def __init__(self, *, scope: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("The characters in the picture of that challenge."))
        super().__init__(write_only=True, source="*", max_length=MAX_ANSWER_LENGTH, **kwargs)
        self.scope = scope

    def get_value(self, dictionary: Any) -> Any:
        return dictionary  # both fields, read by from_mapping

    def run_validation(self, data: Any = empty) -> dict[str, Any]:
        result = check(self.context, data, self.scope, self.parent or self)
        if not result.ok:
            raise exceptions.ValidationError([result.message], code=result.reason.value)
        return {}


def check(context: dict[str, Any], data: Any, scope: str, owner: object) -> Result:
    """Verify the key and answer in ``data`` for the request in a serializer's ``context``.

    A store outage is raised as :class:`CaptchaFailed` (503), not as a validation error:
    the client did nothing wrong and should try again later.
    """
    request = context.get("request")
    if request is None:
        raise ImproperlyConfigured(
            f"{type(owner).__name__} checks a captcha and needs the request: pass context={{'request': request}}."
        )
    key, answer = from_mapping(data)
    result = verify_once(_http_request(request), key, answer, scope, stamp=_stamp(getattr(request, "data", data)))
    if result.reason is Reason.UNAVAILABLE:
        raise CaptchaFailed(result.reason)
    return result


class CaptchaSerializerMixin:
    """Adds :class:`CaptchaKeyField` and :class:`CaptchaAnswerField` to a serializer and checks them first.

    Needs the request in the serializer context (generic views pass it). The challenge is
    checked before the other fields, so it is spent on every submission, as a form's is,
    and a failure reports only the captcha. Set ``captcha_scope`` on the serializer class
    to require a scoped challenge.
    """

    captcha_scope = ""

    def get_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = super().get_fields()  # type: ignore[misc]
        config = get_config()
        fields[config.key_field] = CaptchaKeyField()
        fields[config.answer_field] = CaptchaAnswerField(scope=self.captcha_scope)
        return fields

    def to_internal_value(self, data: Any) -> Any:
        result = check(getattr(self, "context", {}), data, self.captcha_scope, self)
        if not result.ok:
            error = {get_config().answer_field: [result.message]}
            raise exceptions.ValidationError(error, code=result.reason.value)
        return super().to_internal_value(data)  # type: ignore[misc]


def _stamp(data: object) -> Any:
    """The proof-of-work stamp in DRF's parsed data: the body's stream is DRF's once it has read it."""
    return data.get(proof_of_work.FIELD) if isinstance(data, Mapping) else None


def _http_request(request: Any) -> HttpRequest:
    """The Django request under a DRF ``Request``: the once-per-request mark lives there."""
    return getattr(request, "_request", request)  # type: ignore[no-any-return]
