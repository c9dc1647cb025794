"""The cost layers under real servers: fifty parallel requests from many loopback addresses.

- PROGRESSIVE (threshold 3): fifty simultaneous logins that need no captcha yet, from one
  address with fifty usernames or from fifty addresses with one username, let at most
  three through unchallenged; the rest must answer a captcha (403 "missing").
- ``per_subject=("mobile", "1/m")``: fifty simultaneous SMS requests for one number, each
  with its own solved captcha and from its own address, send exactly one.

Every request comes from its own source address in 127.0.0.0/8 (all of it is loopback on
Linux), so only the counter under test can hold them back. The server is gunicorn with two
sync workers or one worker with eight threads; the counters live in the shared Redis.
"""

from __future__ import annotations

import http.client
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from tests.servers import FIGURES, SHARED_REDIS, Server, serve_site, tally

pytestmark = [pytest.mark.slow, pytest.mark.redis]

PARALLEL = 50
ROUNDS = 4
THRESHOLD = 3
PROGRESSIVE = {"login": {"THRESHOLD": THRESHOLD, "WINDOW": 900, "SUBJECT": "username"}}


def post_from(server: Server, address: str, path: str, fields: dict[str, str]) -> int:
    """POST ``fields`` from the loopback ``address``; the status."""
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60, source_address=(address, 0))
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        connection.request("POST", path, body=urlencode(fields), headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def at_once(server: Server, requests: list[tuple[str, str, dict[str, str]]]) -> list[int]:
    """Send every (address, path, fields) at the same moment (a barrier); their statuses."""
    start = threading.Barrier(len(requests))
    statuses: list[int] = [0] * len(requests)

    def send(index: int) -> None:
        start.wait()
        statuses[index] = post_from(server, *requests[index])

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.parametrize("kind", ["sync", "gthread"])
@pytest.mark.parametrize("counted", ["address", "subject"])
def test_fifty_parallel_logins_let_at_most_threshold_through(tmp_path: Path, kind: str, counted: str) -> None:
    began = time.monotonic()
    with serve_site(tmp_path, kind=kind, rate_limit_redis=SHARED_REDIS, progressive=PROGRESSIVE) as server:
        rounds = []
        for round_ in range(ROUNDS):
            if counted == "address":  # one address, fifty usernames
                batch = [(f"127.2.{round_}.1", f"user-{round_}-{n}") for n in range(PARALLEL)]
            else:  # fifty addresses, one username
                batch = [(f"127.3.{round_}.{n + 1}", f"user-{round_}") for n in range(PARALLEL)]
            requests = [(address, "/cost/login/", {"username": user, "password": "right"}) for address, user in batch]
            rounds.append(at_once(server, requests))
    passed = [statuses.count(200) for statuses in rounds]
    FIGURES.append(
        f"progressive {kind} per {counted}: {ROUNDS} rounds x {PARALLEL} parallel logins, threshold {THRESHOLD}: "
        f"unchallenged passes per round {passed}; statuses {tally([s for r in rounds for s in r])}; "
        f"{time.monotonic() - began:.0f} s"
    )
    assert all(set(statuses) <= {200, 400} for statuses in rounds), rounds
    assert all(1 <= n <= THRESHOLD for n in passed), passed


def test_failures_reported_by_the_view_bring_the_captcha_back(tmp_path: Path) -> None:
    with serve_site(tmp_path, kind="gthread", rate_limit_redis=SHARED_REDIS, progressive=PROGRESSIVE) as server:
        wrong = [
            post_from(server, "127.4.0.1", "/cost/login/", {"username": "ann", "password": "no"}) for _ in range(4)
        ]
        from_elsewhere = post_from(server, "127.4.0.2", "/cost/login/", {"username": "ANN", "password": "right"})
        other_user = post_from(server, "127.4.0.3", "/cost/login/", {"username": "bob", "password": "right"})
    assert wrong == [401, 401, 401, 400]  # the fourth must answer a captcha it did not send
    assert (from_elsewhere, other_user) == (400, 200)


@pytest.mark.parametrize("kind", ["sync", "gthread"])
def test_fifty_parallel_sms_for_one_number_send_one(tmp_path: Path, kind: str) -> None:
    began = time.monotonic()
    with serve_site(tmp_path, kind=kind, rate_limit_redis=SHARED_REDIS) as server:
        rounds = []
        for round_ in range(ROUNDS):
            challenges = [server.send("GET", "/captcha/new/?scope=sms").json()["key"] for _ in range(PARALLEL)]
            requests = [
                (f"127.5.{round_}.{n + 1}", "/cost/sms/", {"mobile": f"1380000{round_:04d}", **answer(server, key)})
                for n, key in enumerate(challenges)
            ]
            rounds.append(at_once(server, requests))
    sent = [statuses.count(200) for statuses in rounds]
    FIGURES.append(
        f"per-subject {kind}: {ROUNDS} rounds x {PARALLEL} parallel solved SMS requests for one number from "
        f"{PARALLEL} addresses, 1/m: sent per round {sent}; statuses {tally([s for r in rounds for s in r])}; "
        f"{time.monotonic() - began:.0f} s"
    )
    assert all(set(statuses) <= {200, 429} for statuses in rounds), rounds
    assert sent == [1] * ROUNDS


def answer(server: Server, key: str) -> dict[str, str]:
    from django.test import override_settings

    from django_captcha_guard.testing import solve

    with override_settings(SECRET_KEY=server.site.secret_key):
        return {"captcha_key": key, "captcha_answer": solve(key)}
