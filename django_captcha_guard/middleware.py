"""CaptchaGuardMiddleware: protects the routes in ``PROTECTED_ROUTES``.

Modelled on Django's CSRF protection. The check runs in ``process_view``, so it sees the
resolved URL name and the view's ``captcha_exempt`` mark, and so ``CsrfViewMiddleware``
(listed earlier in ``MIDDLEWARE``) rejects a forged request before a challenge is spent.
The result is recorded on the request, so ``@require_captcha`` on the same view does not
check (and fail) a second time.

On the way out it also gives a page whose widget showed a notice instead of a picture the
status that says why (``widget.page_status``): 503 while the store is down, 429 with
``Retry-After`` when the client asked for too many challenges.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase

from django_captcha_guard import routes
from django_captcha_guard.core import check_request
from django_captcha_guard.failure import respond
from django_captcha_guard.widget import page_status

__all__ = ["CaptchaGuardMiddleware"]


class CaptchaGuardMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase | Awaitable[HttpResponseBase]]) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            # Tells Django's handler to await this instance instead of running it in a thread.
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        return _with_page_status(request, self.get_response(request))  # type: ignore[arg-type]

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        return _with_page_status(request, await self.get_response(request))  # type: ignore[misc]

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        """Check a protected request; None lets the view run.

        Django runs a synchronous ``process_view`` in a worker thread under ASGI, so the
        store (session, database, Redis) is never called from the event loop.
        """
        if getattr(view_func, "captcha_exempt", False):
            return None
        protection = routes.match(request)
        if protection is None:
            return None
        result = check_request(request, protection.scope)
        return None if result.ok else respond(request, result.reason)


def _with_page_status(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    status = page_status(request)
    if status is not None and response.status_code == 200:
        response.status_code, retry_after = status
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
    return response
