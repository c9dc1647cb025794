"""The two tables of the database store: live challenges, and keys the session store has spent.

Both hold only what a store may hold (a keyed digest and an expiry, or just a key), both
are read and written with plain SQL by :mod:`django_captcha_guard.storage.database`, and
both are culled of expired rows as they are written to; the models exist for migrations.
"""

from __future__ import annotations

from django.db import models

__all__ = ["Challenge", "SpentKey"]


class Challenge(models.Model):
    """A live challenge of the ``database`` store; a row is deleted when it is verified."""

    # The site's namespace, a colon and the challenge key (see storage.base.site_namespace).
    key = models.CharField(primary_key=True, max_length=64)
    digest = models.CharField(max_length=32)
    expires_at = models.FloatField(db_index=True)

    class Meta:
        db_table = "captcha_guard_challenge"

    def __str__(self) -> str:
        return self.key


class SpentKey(models.Model):
    """A challenge the ``session`` store has handed out: its unique key makes a second claim fail."""

    key = models.CharField(primary_key=True, max_length=64)
    expires_at = models.FloatField(db_index=True)

    class Meta:
        db_table = "captcha_guard_spent_key"

    def __str__(self) -> str:
        return self.key
