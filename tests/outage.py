"""A store whose backend is down, for the 503 and 'unavailable' paths of views, tag and field."""

from __future__ import annotations

from django.http import HttpRequest

from django_captcha_guard.storage import BaseStore, Entry, StoreUnavailable

DOWN = {"BACKEND": "tests.outage.DownStore"}


class DownStore(BaseStore):
    """Every call fails as a real backend does when Redis or the database is unreachable."""

    def save(self, request: HttpRequest, key: str, entry: Entry, timeout: int) -> None:
        raise StoreUnavailable("down for the test")

    def get(self, request: HttpRequest, key: str) -> Entry | None:
        raise StoreUnavailable("down for the test")

    def pop(self, request: HttpRequest, key: str) -> Entry | None:
        raise StoreUnavailable("down for the test")
