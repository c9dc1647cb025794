"""``@require_captcha`` for one view, and ``@captcha_exempt`` to opt out of the middleware.

Both work on function views, on ``async def`` views, on class-based views through
``method_decorator`` (on the method, or on the class with ``name="dispatch"``) and around
``as_view()``. The store is synchronous (sessions, the ORM, Redis clients), so the async
wrapper runs the check and the failure view in a worker thread via ``sync_to_async``.
A class-based view with ``async def`` handlers gets the async wrapper even on its plain
``dispatch`` method, because Django awaits what that ``dispatch`` returns.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, overload

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.views import View

from django_captcha_guard.conf import SAFE_METHODS
from django_captcha_guard.core import Reason, check_request
from django_captcha_guard.failure import FailureView, resolve, respond
from django_captcha_guard.limits import Rate, check_subject
from django_captcha_guard.subjects import Subject

__all__ = ["ViewFunction", "captcha_exempt", "require_captcha"]

ViewFunction = TypeVar("ViewFunction", bound=Callable[..., Any])


@overload
def require_captcha(view: ViewFunction, /) -> ViewFunction: ...


@overload
def require_captcha(
    *,
    scope: str = "",
    methods: Iterable[str] | None = None,
    on_failure: FailureView | str | None = None,
    per_subject: tuple[Subject, str] | None = None,
) -> Callable[[ViewFunction], ViewFunction]: ...


def require_captcha(
    view: Callable[..., Any] | None = None,
    /,
    *,
    scope: str = "",
    methods: Iterable[str] | None = None,
    on_failure: FailureView | str | None = None,
    per_subject: tuple[Subject, str] | None = None,
) -> Any:
    """Require a solved challenge on every request but GET, HEAD, OPTIONS and TRACE.

    ``scope`` must match the one the challenge was issued for (``{% captcha scope=... %}``);
    ``methods`` narrows the checked methods (e.g. ``["POST"]``; a safe method is refused: it
    must never consume a challenge); ``on_failure`` replaces ``FAILURE_VIEW`` for this view.
    ``per_subject=(field, rate)``, e.g. ``("mobile", "1/m")``, then lets at most that many
    requests per subject through once their captcha passed (:mod:`django_captcha_guard.limits`);
    ``field`` may also be a function of the request.
    """
    rate = None if per_subject is None else Rate.parse(per_subject[1])
    checked = None if methods is None or isinstance(methods, str) else frozenset(m.upper() for m in methods)
    if isinstance(methods, str) or (checked is not None and (not checked or checked & SAFE_METHODS)):
        raise ValueError("require_captcha(methods=...) takes a list of methods other than GET, HEAD, OPTIONS, TRACE.")

    def applies(method: str | None) -> bool:
        method = (method or "").upper()
        return method not in SAFE_METHODS and (checked is None or method in checked)

    def refusal(request: Any) -> Reason | None:
        """Why the request may not reach the view (the captcha, then the subject's limit), or None."""
        result = check_request(request, scope)
        if not result.ok:
            return result.reason
        if per_subject is not None and rate is not None:
            return check_subject(request, scope, per_subject[0], rate)
        return None

    def refuse(reason: Reason, response: Any) -> Any:
        if reason is Reason.LIMITED and rate is not None:
            response["Retry-After"] = str(rate.period)
        return response

    def decorator(view_func: Callable[..., Any]) -> Callable[..., Any]:
        if iscoroutinefunction(view_func) or _is_async_dispatch(view_func):

            async def _async_view(request: Any, *args: Any, **kwargs: Any) -> Any:
                if applies(request.method):
                    reason = await sync_to_async(refusal)(request)
                    if reason is not None:
                        return refuse(reason, await _afail(request, reason, on_failure))
                response = view_func(request, *args, **kwargs)
                return await response if inspect.isawaitable(response) else response

            return wraps(view_func)(_async_view)

        def _view(request: Any, *args: Any, **kwargs: Any) -> Any:
            if applies(request.method):
                reason = refusal(request)
                if reason is not None:
                    return refuse(reason, respond(request, reason, on_failure))
            return view_func(request, *args, **kwargs)

        return wraps(view_func)(_view)

    return decorator if view is None else decorator(view)


def _is_async_dispatch(view_func: Callable[..., Any]) -> bool:
    """Whether ``view_func`` is the bound ``dispatch`` of a class-based view with async handlers.

    ``method_decorator`` hands the decorator a ``partial`` of the bound method on every call,
    so its instance tells whether Django will await the result.
    """
    instance = getattr(getattr(view_func, "func", None), "__self__", None)
    return isinstance(instance, View) and bool(type(instance).view_is_async)


def captcha_exempt(view_func: ViewFunction) -> ViewFunction:
    """Mark a view so ``CaptchaGuardMiddleware`` leaves it alone (``@require_captcha`` still applies)."""
    if iscoroutinefunction(view_func):

        async def _async_view(*args: Any, **kwargs: Any) -> Any:
            return await view_func(*args, **kwargs)

        wrapper: Any = wraps(view_func)(_async_view)
    else:

        def _view(*args: Any, **kwargs: Any) -> Any:
            return view_func(*args, **kwargs)

        wrapper = wraps(view_func)(_view)
    wrapper.captcha_exempt = True
    return wrapper  # type: ignore[no-any-return]


async def _afail(request: Any, reason: Any, on_failure: FailureView | str | None) -> Any:
    """Await an async failure view; run a sync one (it may touch the database) in a thread."""
    view = resolve(on_failure)
    if iscoroutinefunction(view):
        return await view(request, reason)
    return await sync_to_async(view)(request, reason)
