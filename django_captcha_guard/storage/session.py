"""SessionStore (placeholder)."""

from __future__ import annotations

from django_captcha_guard.storage.base import BaseStore


class SessionStore(BaseStore):
    pass
