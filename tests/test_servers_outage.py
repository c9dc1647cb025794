"""Outages over HTTP against gunicorn: nothing passes, every entry point answers 503, translated.

A store that cannot write fails closed: a PostgreSQL database made read-only after a
challenge was issued (``default_transaction_read_only``; the site opens a connection per
request, as Django does by default), and a full Redis (``maxmemory`` with ``noeviction``)
holding the sessions. The solved challenge is posted ten times: ten 503s, no pass, and an
ERROR line from the app in the server's log.

Then every entry point during an outage, in English and in Chinese: the widget page (503
from the middleware, the notice in the page), ``captcha/new/``, the picture,
``@require_captcha``, ``PROTECTED_ROUTES``, a ``CaptchaField`` form and both DRF classes.
The outages: Redis stopped under the cache store, Redis stopped under cache-backed
sessions with the session store, PostgreSQL unreachable under the database store, and the
rate-limit counter's Redis stopped under the memory store (a 500 from a TypeError on the
code before issue 11). Redis servers here are private ones, never the shared one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import translation

from django_captcha_guard.core import MESSAGES, Reason
from tests.processes import PrivateRedis, free_port
from tests.servers import FIGURES, Reply, Server, Visitor, make_read_only, serve_site, tally

pytestmark = [pytest.mark.slow, pytest.mark.redis]

REPLAYS = 10
VERIFY_ERROR = "ERROR django_captcha_guard: Captcha store unavailable while verifying a challenge"
LANGUAGES = ["en", "zh-hans"]

EntryPoint = Callable[[Visitor, dict[str, str]], Reply]
# The entry points that issue a challenge, and those that check one.
ISSUING: dict[str, EntryPoint] = {
    "widget page": lambda visitor, fields: visitor.get("/"),
    "captcha/new/": lambda visitor, fields: visitor.get("/captcha/new/"),
    "picture": lambda visitor, fields: visitor.get(f"/captcha/{fields['captcha_key']}.png"),
}
CHECKING: dict[str, EntryPoint] = {
    "@require_captcha": lambda visitor, fields: visitor.post("/protected/", fields),
    "PROTECTED_ROUTES": lambda visitor, fields: visitor.post("/route/", fields),
    "CaptchaField": lambda visitor, fields: visitor.post("/form/", fields),
    "DRF CaptchaRequired": lambda visitor, fields: visitor.post("/api/permission/", fields, as_json=True),
    "DRF CaptchaSerializerMixin": lambda visitor, fields: visitor.post("/api/serializer/", fields, as_json=True),
}


def unavailable(language: str) -> str:
    """The outage message as the server should say it in ``language``."""
    with translation.override(language):
        return str(MESSAGES[Reason.UNAVAILABLE])


def says(reply: Reply, message: str) -> bool:
    """Whether ``reply`` tells the user ``message``: in its page, its text, or its JSON."""
    if reply.headers.get_content_type() == "application/json":
        return message in str(reply.json())
    return message in reply.text


def test_the_outage_message_is_translated() -> None:
    """The Chinese checks below would prove nothing if the catalogue fell back to English."""
    assert unavailable("zh-hans") != unavailable("en")


def post_solved_challenge(server: Server, break_store: Callable[[], None], label: str) -> list[Reply]:
    """Issue a challenge, break the store, then post the right answer REPLAYS times."""
    visitor = Visitor(server)
    fields = visitor.challenge()
    break_store()
    replies = [visitor.post("/protected/", fields) for _ in range(REPLAYS)]
    errors = server.log_text().count(VERIFY_ERROR)
    FIGURES.append(
        f"outage {label}: {REPLAYS} posts of one answer: {tally([r.status for r in replies])}; {errors} ERROR lines"
    )
    return replies


@pytest.mark.parametrize("store", ["database", "session"])
def test_a_read_only_postgresql_fails_closed(tmp_path: Path, store: str) -> None:
    with serve_site(tmp_path, "postgresql", store=store) as server:
        replies = post_solved_challenge(server, lambda: make_read_only(server.site.database), f"read-only {store}")
        assert [reply.status for reply in replies] == [503] * REPLAYS
        assert all(says(reply, unavailable("en")) for reply in replies)
        log = server.log_text()
        assert log.count(VERIFY_ERROR) == REPLAYS
        assert "read-only transaction" in log  # refused for the reason under test


def test_a_full_redis_holding_the_sessions_fails_closed(tmp_path: Path, private_redis: PrivateRedis) -> None:
    def fill() -> None:
        client = private_redis.client()
        client.config_set("maxmemory-policy", "noeviction")
        client.config_set("maxmemory", 1)  # below what an empty server uses: every write is refused
        client.close()

    with serve_site(tmp_path, store="session", sessions="cache", redis=private_redis.url()) as server:
        replies = post_solved_challenge(server, fill, "full Redis session-cache")
        assert [reply.status for reply in replies] == [503] * REPLAYS
        log = server.log_text()
        assert log.count(VERIFY_ERROR) == REPLAYS
        assert "used memory > 'maxmemory'" in log  # refused for the reason under test


def assert_every_entry_point_answers_503(visitor: Visitor, fields: dict[str, str], checking: bool = True) -> None:
    """In each language, each entry point answers 503 and says that the service is unavailable."""
    entry_points = {**ISSUING, **(CHECKING if checking else {})}
    seen: dict[tuple[str, str], tuple[int, bool]] = {}
    replies: dict[tuple[str, str], Reply] = {}
    for language in LANGUAGES:
        visitor.language = language
        for name, entry_point in entry_points.items():
            reply = replies[name, language] = entry_point(visitor, fields)
            seen[name, language] = (reply.status, says(reply, unavailable(language)))
    # The whole table at once, so a failure shows every entry point that is wrong, and what it said.
    wrong = {k: replies[k].text[:200] for k, v in seen.items() if v != (503, True)}
    assert seen == dict.fromkeys(seen, (503, True)), wrong


def assert_no_server_error(server: Server) -> None:
    assert "Internal Server Error" not in server.log_text()


@pytest.mark.parametrize("sessions", ["db", "cache"], ids=["cache-store", "session-store-on-cache-sessions"])
def test_redis_stopped_every_entry_point_answers_503(
    tmp_path: Path, private_redis: PrivateRedis, sessions: str
) -> None:
    store = "cache" if sessions == "db" else "session"
    with serve_site(tmp_path, store=store, sessions=sessions, redis=private_redis.url()) as server:
        visitor = Visitor(server)
        fields = visitor.challenge()  # live when Redis stops: the picture must not be a 410
        private_redis.stop()
        assert_every_entry_point_answers_503(visitor, fields)
        assert_no_server_error(server)


def test_postgresql_unreachable_every_entry_point_answers_503(tmp_path: Path) -> None:
    closed = f"postgresql://127.0.0.1:{free_port()}/nothing_listens_here"
    with serve_site(tmp_path, store="database", store_database=closed) as server:
        fields = {"captcha_key": server.new_key(), "captcha_answer": "ACE34"}
        assert_every_entry_point_answers_503(Visitor(server), fields)
        assert_no_server_error(server)


def test_rate_limit_redis_stopped_issuing_answers_503_and_checking_still_works(
    tmp_path: Path, private_redis: PrivateRedis
) -> None:
    """The counter's cache is down, the store (memory, one process) is not.

    Nothing can be issued: the page, ``captcha/new/``, the picture (its renders are counted
    too) answer 503. Checking needs no counter, so challenges issued before the outage are
    still answered, once, at every checking entry point.
    """
    options = {"store": "memory", "rate_limit": 1000, "rate_limit_redis": private_redis.url()}
    with serve_site(tmp_path, kind="gthread", **options) as server:
        visitor = Visitor(server)
        issued = [visitor.challenge() for _ in CHECKING]
        picture = visitor.challenge()
        private_redis.stop()
        assert_every_entry_point_answers_503(visitor, picture, checking=False)
        for (name, entry_point), fields in zip(CHECKING.items(), issued, strict=True):
            assert (name, entry_point(visitor, fields).status) == (name, 200)
            assert (name, entry_point(visitor, fields).status) != (name, 200)  # and only once
        assert_no_server_error(server)
