"""Every way of protecting a view works under gunicorn (WSGI) and uvicorn (ASGI), sync and async.

The three class-based-view forms (``method_decorator(require_captcha)`` on the method,
``method_decorator(require_captcha, name="dispatch")`` on the class, ``require_captcha``
around ``as_view()``), each with ``def post`` and with ``async def post``, and an
``async def`` function view. For each: a POST without a captcha is refused (a 403 page to
a browser, 400 JSON to a script), the right answer passes once, and its replay is
refused. On the code before issue 11, the ``dispatch`` form with ``async def post`` was a
500 under ASGI.

Last, ``CAPTCHA_GUARD["ENABLED"] = False`` with ``DEBUG = False`` under gunicorn, which runs
no system checks: still refused, and the server logs why.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from django_captcha_guard.core import MESSAGES, Reason
from tests.server_site.views import CLASS_BASED
from tests.servers import Server, Visitor, serve_site

pytestmark = [pytest.mark.slow]

MISSING = str(MESSAGES[Reason.MISSING])
EXPIRED = str(MESSAGES[Reason.EXPIRED])


@pytest.fixture(scope="module", params=["sync", "asgi"], ids=["gunicorn-wsgi", "uvicorn-asgi"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp(request.param)
    with serve_site(folder, kind=request.param) as running:
        yield running


@pytest.mark.parametrize("view", list(CLASS_BASED))
def test_missing_captcha_is_refused(server: Server, view: str) -> None:
    page = Visitor(server).post(f"/views/{view}/", {})
    assert (page.status, page.headers.get_content_type()) == (403, "text/html")
    assert MISSING in page.text
    script = Visitor(server).post(f"/views/{view}/", {}, as_json=True)
    assert script.status == 400
    assert script.json() == {"code": 400, "errmsg": MISSING, "reason": "missing"}


@pytest.mark.parametrize("view", list(CLASS_BASED))
def test_right_answer_passes_once(server: Server, view: str) -> None:
    visitor = Visitor(server)
    fields = visitor.challenge()
    passed = visitor.post(f"/views/{view}/", fields)
    assert (passed.status, passed.text) == (200, "passed")
    replayed = visitor.post(f"/views/{view}/", fields)
    assert replayed.status == 403
    assert EXPIRED in replayed.text


def test_enabled_false_is_ignored_without_debug(tmp_path: Path) -> None:
    with serve_site(tmp_path, enabled=False) as server:
        refused = Visitor(server).post("/protected/", {})
        assert refused.status == 403
        assert MISSING in refused.text
        assert "ERROR django_captcha_guard: CAPTCHA_GUARD['ENABLED'] is False while DEBUG is off" in server.log_text()
