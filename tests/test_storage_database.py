"""What the database store promises beyond the shared contract: durable consumption, clean-up."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connections, transaction

from django_captcha_guard import core
from django_captcha_guard.core import Reason
from django_captcha_guard.models import Challenge, SpentKey
from django_captcha_guard.storage import get_storage
from tests.stores import FakeClock, Harness, answer_for, configure

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


class Rollback(Exception):
    """Raised to leave a transaction.atomic block the way a failing view does."""


def store(settings: Any, name: str, **options: Any) -> Harness:
    harness = Harness(name, FakeClock())
    configure(settings, name, harness.clock, harness.prefix, **options)
    return harness


@pytest.mark.parametrize("name", ["database-postgresql", "session-db-postgresql"])
def test_a_rollback_after_the_check_cannot_bring_a_challenge_back(settings: Any, name: str) -> None:
    """ATOMIC_REQUESTS: a view that raises after acting rolls back its transaction, not the check."""
    if name == "session-db-postgresql":
        settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "session", "OPTIONS": {"USING": "postgresql"}}}
        harness = Harness("session-db", FakeClock())
    else:
        harness = store(settings, name)
    issuing = harness.request()
    key = core.issue(issuing)
    harness.finish(issuing)
    request = harness.request()
    with pytest.raises(Rollback), transaction.atomic(using="postgresql"):
        assert connections["postgresql"].in_atomic_block
        assert core.verify(request, key, answer_for(key)).ok
        raise Rollback
    assert core.verify(harness.request(), key, answer_for(key)).reason is Reason.EXPIRED
    harness.cleanup()


def test_on_sqlite_a_check_before_the_first_write_outlives_a_rollback(settings: Any) -> None:
    harness = store(settings, "database-sqlite")
    key = core.issue(harness.request())
    with pytest.raises(Rollback), transaction.atomic():
        assert core.verify(harness.request(), key, answer_for(key)).ok
        raise Rollback
    assert core.verify(harness.request(), key, answer_for(key)).reason is Reason.EXPIRED


def test_on_sqlite_a_check_after_a_write_stays_in_the_transaction(settings: Any) -> None:
    """The documented limit: SQLite has one writer, and the transaction has written first."""
    harness = store(settings, "database-sqlite")
    key = core.issue(harness.request())
    with pytest.raises(Rollback), transaction.atomic():
        SpentKey.objects.create(key="written first", expires_at=0)
        assert core.verify(harness.request(), key, answer_for(key)).ok
        raise Rollback
    assert core.verify(harness.request(), key, answer_for(key)).ok


def test_a_failed_statement_leaves_the_requests_transaction_usable(settings: Any) -> None:
    """A replayed claim (a duplicate key) inside the view's transaction must not break it."""
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "session"}}
    harness = Harness("session-db", FakeClock())
    issuing = harness.request()
    key = core.issue(issuing)
    harness.finish(issuing)
    first, second = harness.request(), harness.request()
    with transaction.atomic():
        assert core.verify(first, key, answer_for(key)).ok
        assert core.verify(second, key, answer_for(key)).reason is Reason.EXPIRED
        assert SpentKey.objects.count() == 1  # the transaction still answers queries
    harness.cleanup()


@pytest.mark.parametrize("name", ["database-sqlite", "database-postgresql"])
def test_expired_rows_are_culled_as_challenges_are_written(settings: Any, name: str) -> None:
    harness = store(settings, name, CULL_EVERY=5)
    using = get_storage().using  # type: ignore[attr-defined]
    for _ in range(4):
        core.issue(harness.request())
    harness.clock.advance(301)
    assert Challenge.objects.using(using).count() == 4
    core.issue(harness.request())  # the fifth write culls what expired
    assert Challenge.objects.using(using).count() == 1


@pytest.mark.parametrize("options", [{"USING": 5}, {"CULL_EVERY": 0}, {"CULL_EVERY": True}])
def test_bad_options_are_refused(settings: Any, options: dict[str, Any]) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "database", "OPTIONS": options}}
    with pytest.raises(ImproperlyConfigured, match="OPTIONS"):
        get_storage()
