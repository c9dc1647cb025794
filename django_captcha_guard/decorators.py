"""``@require_captcha`` for one view, and ``@captcha_exempt`` to opt out of the middleware.

Both work on function views, on ``async def`` views, on class-based views through
``method_decorator`` (on the method, or on the class with ``name="dispatch"``) and around
``as_view()``. The store is synchronous (sessions, the ORM, Redis clients), so the async
wrapper runs the check and the failure view in a worker thread via ``sync_to_async``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, overload

from asgiref.sync import iscoroutinefunction, sync_to_async

from django_captcha_guard.core import check_request
from django_captcha_guard.failure import FailureView, resolve, respond
from django_captcha_guard.validation import UNSAFE_METHODS

View = TypeVar("View", bound=Callable[..., Any])


@overload
def require_captcha(view: View, /) -> View: ...


@overload
def require_captcha(
    *, scope: str = "", methods: Iterable[str] | None = None, on_failure: FailureView | str | None = None
) -> Callable[[View], View]: ...


def require_captcha(
    view: Callable[..., Any] | None = None,
    /,
    *,
    scope: str = "",
    methods: Iterable[str] | None = None,
    on_failure: FailureView | str | None = None,
) -> Any:
    """Require a solved challenge on the view's unsafe requests.

    ``scope`` must match the one the challenge was issued for (``{% captcha scope=... %}``);
    ``methods`` narrows POST, PUT, PATCH and DELETE (a safe method is refused: it must
    never consume a challenge); ``on_failure`` replaces ``FAILURE_VIEW`` for this view.
    """
    checked = UNSAFE_METHODS if methods is None else {m.upper() for m in methods}
    if isinstance(methods, str) or not checked or not checked <= UNSAFE_METHODS:
        raise ValueError(f"require_captcha(methods=...) takes a list of {', '.join(sorted(UNSAFE_METHODS))}.")

    def decorator(view_func: Callable[..., Any]) -> Callable[..., Any]:
        if iscoroutinefunction(view_func):

            async def _async_view(request: Any, *args: Any, **kwargs: Any) -> Any:
                if request.method in checked:
                    result = await sync_to_async(check_request)(request, scope)
                    if not result.ok:
                        return await _afail(request, result.reason, on_failure)
                return await view_func(request, *args, **kwargs)

            return wraps(view_func)(_async_view)

        def _view(request: Any, *args: Any, **kwargs: Any) -> Any:
            if request.method in checked:
                result = check_request(request, scope)
                if not result.ok:
                    return respond(request, result.reason, on_failure)
            return view_func(request, *args, **kwargs)

        return wraps(view_func)(_view)

    return decorator if view is None else decorator(view)


def captcha_exempt(view_func: View) -> View:
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
