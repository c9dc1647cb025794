"""Single use under concurrency: of many simultaneous correct answers, exactly one passes.

32 threads wait on a barrier and then all verify the same correct answer, 100 rounds per
store. For Redis, several processes race as well. The last test shows the case Django's
sessions alone cannot handle: two requests of one session, loaded before either saved.
Races of whole HTTP requests against real servers are in test_servers_*.py.
"""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connections

from django_captcha_guard import core
from django_captcha_guard.core import Reason
from tests.processes import setup_django
from tests.stores import FakeClock, Harness, answer_for, configure

THREADS = 32
ROUNDS = 100
PROCESSES = 4


def race_threads(harness: Harness, rounds: int = ROUNDS) -> list[int]:
    """Successes per round when THREADS threads verify the round's key at once."""
    request = harness.request()
    start = threading.Barrier(THREADS + 1)
    end = threading.Barrier(THREADS + 1)
    current: dict[str, str] = {}
    results: list[list[bool]] = [[] for _ in range(rounds)]
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for round_ in range(rounds):
                start.wait()
                ok = core.verify(request, current["key"], current["answer"]).ok
                with lock:
                    results[round_].append(ok)
                end.wait()
        except BaseException as exc:  # surfaced below, not swallowed
            errors.append(exc)
            start.abort()
            end.abort()
        finally:
            caches.close_all()
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for round_ in range(rounds):
        key = core.issue(request)
        current.update(key=key, answer=answer_for(key))
        start.wait()
        end.wait()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert all(len(round_) == THREADS for round_ in results)
    return [sum(round_) for round_ in results]


def test_exactly_one_of_32_threads_passes_each_round(any_store: Harness, caplog: Any) -> None:
    caplog.set_level("ERROR", logger="django_captcha_guard")  # 31 failures a round are expected
    assert race_threads(any_store) == [1] * ROUNDS


def _verify_in_process(config: dict[str, Any], keys: list[tuple[str, str]], barrier: Any, results: Any) -> None:
    """Runs in a spawned process: a fresh interpreter, as a separate worker would be."""
    setup_django()
    from django.test import RequestFactory, override_settings

    with override_settings(CAPTCHA_GUARD=config):
        request = RequestFactory().post("/")
        for key, answer in keys:
            barrier.wait()
            results.put((key, core.verify(request, key, answer).ok))


@pytest.mark.redis
@pytest.mark.slow
def test_exactly_one_of_several_processes_passes_each_round(redis_store: Harness) -> None:
    request = redis_store.request()
    keys = [core.issue(request) for _ in range(ROUNDS)]
    store_options = {"ALIAS": redis_store.store.alias, "KEY_PREFIX": redis_store.prefix}  # type: ignore[attr-defined]
    config = {"STORE": {"BACKEND": "cache", "OPTIONS": store_options}}
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    processes = [
        context.Process(target=_verify_in_process, args=(config, [(k, answer_for(k)) for k in keys], barrier, results))
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in range(PROCESSES * ROUNDS)]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    results.close()
    results.join_thread()
    successes = {key: 0 for key in keys}
    for key, ok in outcomes:
        successes[key] += ok
    assert list(successes.values()) == [1] * ROUNDS


@pytest.mark.django_db(transaction=True)
def test_session_requests_loaded_before_either_saved_verify_once(settings: Any) -> None:
    """Django sessions have no locking, so the session store claims keys in the database.

    Two requests of one session that load it before either saves each hold their own copy
    of the entry; the claim lets only the first verify, before anything is saved.
    """
    harness = Harness("session-db", FakeClock())
    configure(settings, "session-db", harness.clock, harness.prefix)
    issuing = harness.request()
    key = core.issue(issuing)
    harness.finish(issuing)
    first, second = harness.request(), harness.request()
    for request in (first, second):
        assert key in request.session["_captcha_guard"]  # both load the session now
    assert core.verify(first, key, answer_for(key)).ok
    assert core.verify(second, key, answer_for(key)).reason is Reason.EXPIRED
