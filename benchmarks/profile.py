"""Profile one endpoint of the benchmark site in-process, through Django's WSGI handler.

    python -m benchmarks.profile [--path /captcha/new/] [--requests 5000] [--top 25]

The site is benchmarks/bench_site with the cache store on a private ``redis-server``
started for the run (nothing else shares it), so the profile holds the whole request:
middleware, URL resolving, the view, the Redis round trips and the response. It prints
the CPU microseconds per request of the endpoint next to the empty view's, measured in
this run, then cProfile's busiest functions by CPU time (own time) for the endpoint. The closing
performance notes quote this output before and after the changes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from collections.abc import Callable
from typing import Any

from tests.processes import PrivateRedis

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))  # where bench_site is importable from, as servers.py runs it


def wsgi_caller(path: str) -> Callable[[], int]:
    """A function that sends one GET ``path`` through the WSGI handler and returns the status."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    handler = WSGIHandler()
    base, _, query = path.partition("?")
    statuses: list[int] = []

    def start_response(status: str, headers: list[Any]) -> None:
        statuses.append(int(status[:3]))

    def call() -> int:
        environ = RequestFactory()._base_environ(PATH_INFO=base, QUERY_STRING=query, REQUEST_METHOD="GET")
        environ.update(REMOTE_ADDR="127.0.0.1", SERVER_NAME="127.0.0.1")  # the site's ALLOWED_HOSTS
        for chunk in handler(environ, start_response):
            del chunk
        return statuses.pop()

    return call


def cpu_us_per_request(calls: list[Callable[[], int]], requests: int, batches: int = 10) -> list[float]:
    """Each call's CPU µs per request: the best of ``batches`` interleaved batches.

    Interleaved and best-of, because on a shared machine a busy spell inflates whatever
    runs during it; the best batch is the closest to the code's own cost.
    """
    best = [float("inf")] * len(calls)
    for _ in range(batches):
        for index, call in enumerate(calls):
            started = time.process_time()
            for _ in range(requests // batches):
                call()
            best[index] = min(best[index], (time.process_time() - started) * 1e6 / (requests // batches))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", default="/captcha/new/")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", help="pstats sort key: tottime, cumulative, ...")
    args = parser.parse_args(argv)

    server = PrivateRedis()
    server.start()
    try:
        sys.path.insert(0, BENCH_DIR)
        os.environ.update(DJANGO_SETTINGS_MODULE="bench_site.settings", BENCH_STORE="cache")
        os.environ["BENCH_REDIS_URL"] = server.url(0)
        import django

        django.setup()
        endpoint, empty = wsgi_caller(args.path), wsgi_caller("/empty/")
        statuses = endpoint(), empty()
        print(f"{args.path} answers {statuses[0]}; /empty/ answers {statuses[1]}")
        for _ in range(200):  # warm both paths (imports, connections, URL caches)
            endpoint()
            empty()
        ours, ceiling = cpu_us_per_request([endpoint, empty], args.requests)
        print(
            f"CPU per request (best of 10 batches): {args.path} {ours:.0f} µs, /empty/ {ceiling:.0f} µs,"
            f" ratio {ours / ceiling:.2f}"
        )
        profile = cProfile.Profile(time.process_time)  # CPU time: waiting for Redis or the CPU is not cost
        profile.runcall(lambda: [endpoint() for _ in range(args.requests)])
        text = io.StringIO()
        stats = pstats.Stats(profile, stream=text).strip_dirs().sort_stats(args.sort)
        stats.print_stats(args.top)
        print(text.getvalue().split("\n", 3)[-1].strip("\n"))
        print(f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
