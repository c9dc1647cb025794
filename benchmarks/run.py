"""``make bench``: every benchmark in one run, printed as one table.

    python -m benchmarks.run [--seconds 10] [--connections 16] [--parts render,stores,http]

Parts: rendering (render.py), store operations and bytes per outstanding challenge
(stores.py), and HTTP load with wrk against gunicorn for each store and for
django-simple-captcha side by side (load.py, servers.py). Everything runs on 127.0.0.1;
each load phase lasts ``--seconds`` and the whole run stays under ten minutes. "× rate"
is our requests/s over theirs, "× CPU" their server CPU per request over ours: above 1,
ours is faster or cheaper. Targets are reported, never asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import load, servers
from benchmarks.table import INCUMBENT, Row, render_rows, render_table, store_rows

STORES = ("memory", "session-db", "session-cache", "cache")
LABELS = {
    "memory": "memory (1 worker)",
    "session-db": "session, db engine (SQLite)",
    "session-cache": "session, cache engine (Redis)",
    "cache": "cache (Redis)",
}
PAIRED_STORE = "cache"  # the store the targets name; measured alternating with the incumbent
CEILING = "empty Django view (no captcha): the ceiling"
UNQUEUED = f"{LABELS[PAIRED_STORE]}, {servers.WORKERS} connections (no queueing)"
TITLES = {
    "issue": "JSON issuing endpoint",
    "image": "image endpoint",
    "flow": "whole flow: issue, image, POST (per flow)",
}

Results = dict[str, dict[str, load.Phase]]


def measure_http(seconds: int, connections: int) -> Results:
    """Load each store's site; the cache store's side by side with the incumbent's.

    The targets compare the cache store on Redis with django-simple-captcha, so those two
    sites run at the same time and their phases alternate (ours, theirs, theirs, ours):
    on a shared machine a busy spell then weighs on both sides alike.
    """
    shared = {"seconds": seconds, "connections": connections}
    incumbent_python = servers.ensure_incumbent_venv()
    incumbent_env = servers.site_env("incumbent.settings", "incumbent.sqlite3")
    servers.migrate(incumbent_python, incumbent_env)
    python = Path(sys.executable)
    results: Results = {}
    for store in STORES:
        servers.flush_redis()
        env = servers.site_env("bench_site.settings", "bench.sqlite3", store)
        servers.migrate(python, env)
        # The memory store lives in one process: with two workers a key issued by one
        # is unknown to the other, so it is measured as the single-process server it is for.
        workers = 1 if store == "memory" else servers.WORKERS
        with servers.serve(python, env, workers=workers, uses_redis=store in {"cache", "session-cache"}) as site:
            if store == PAIRED_STORE:
                with servers.serve(incumbent_python, incumbent_env) as theirs:
                    results[store], results[INCUMBENT] = alternate(site, theirs, **shared)
                results[CEILING] = {"issue": load.ceiling(site, **shared)}
                # As many connections as workers: the flow's own latency, without queueing.
                results[UNQUEUED] = {"flow": load.flow(site, seconds=seconds, connections=servers.WORKERS)}
            else:
                results[store] = {"issue": load.issue(site, **shared)}
                # Issued after the issuing phase, which may push older keys out of a bounded store.
                keys = load.prepare_images(site, "/captcha/new/", store)
                results[store]["image"] = load.images(site, keys, **shared)
            results[store]["flow"] = load.flow(site, **shared)
    servers.flush_redis()
    return results


def alternate(ours: servers.Site, theirs: servers.Site, **shared: int) -> tuple[dict[str, load.Phase], ...]:
    """Issuing and image phases, ours and theirs in the order A B B A; each side's mean."""
    our_keys = load.prepare_images(ours, "/captcha/new/", "ours")
    their_keys = load.prepare_images(theirs, "/captcha/refresh/", "incumbent", dict([load.AJAX.split(": ")]))
    pairs: dict[str, tuple[Callable[[], load.Phase], Callable[[], load.Phase]]] = {
        "issue": (lambda: load.issue(ours, **shared), lambda: load.refresh(theirs, **shared)),
        "image": (lambda: load.images(ours, our_keys, **shared), lambda: load.images(theirs, their_keys, **shared)),
    }
    mine, other = {}, {}
    for phase, (run_ours, run_theirs) in pairs.items():
        first_ours, first_theirs, second_theirs, second_ours = run_ours(), run_theirs(), run_theirs(), run_ours()
        mine[phase] = load.Phase.mean(first_ours, second_ours)
        other[phase] = load.Phase.mean(first_theirs, second_theirs)
    return mine, other


def http_rows(results: Results) -> list[Row]:
    theirs = results[INCUMBENT]
    version = servers.incumbent_version()
    rows = []
    for phase, title in TITLES.items():
        extra = {"issue": (CEILING,), "flow": (UNQUEUED,)}.get(phase, ())
        for store in (*STORES, *extra):
            label = LABELS.get(store, store) + (
                " (mean of 2 runs)" if store == PAIRED_STORE and phase in theirs else ""
            )
            rows.append(http_row(title, label, results[store][phase], theirs.get(phase)))
        if phase in theirs:
            endpoint = "refresh" if phase == "issue" else "image"
            label = f"{INCUMBENT} {version} {endpoint} (mean of 2 runs)"
            rows.append(http_row(title, label, theirs[phase], theirs[phase]))
    return rows


def http_row(title: str, variant: str, ours: load.Phase, theirs: load.Phase | None) -> Row:
    failed = f" ({ours.failures} failed)" if ours.failures else ""
    return Row(
        "http",
        title,
        variant + failed,
        f"{ours.rate:,.0f}",
        f"{ours.p50_ms:.1f}",
        f"{ours.p99_ms:.1f}",
        f"{ours.cpu_ms:.2f}",
        rate_ratio=f"{ours.rate / theirs.rate:.2f}" if theirs else "",
        cpu_ratio=f"{theirs.cpu_ms / ours.cpu_ms:.2f}" if theirs and ours.cpu_ms else "",
    )


def targets(rows: list[Row], results: Results, connections: int) -> list[str]:
    """The issue's targets, as met/missed lines under the table."""
    checks = []
    for row in rows:
        rss = re.search(r"RSS Δ (\d+) B", row.size)
        if row.part == "memory" and row.variant.startswith("memory,") and rss:
            checks.append(("memory store <= 300 B per outstanding challenge (RSS)", float(rss[1]), 300.0, "<="))
    if "cache" in results:
        ours, theirs = results["cache"], results[INCUMBENT]
        checks += [
            ("JSON issuing >= 3x refresh req/s (cache store)", ours["issue"].rate / theirs["issue"].rate, 3.0, ">="),
            ("image >= 1.25x image req/s (cache store)", ours["image"].rate / theirs["image"].rate, 1.25, ">="),
            (f"whole-flow p99 on Redis, {connections} connections <= 50 ms", ours["flow"].p99_ms, 50.0, "<="),
        ]
    lines = []
    for label, value, bound, sense in checks:
        met = value >= bound if sense == ">=" else value <= bound
        lines.append(f"target {'met   ' if met else 'MISSED'} {label}: {value:.2f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="length of each load phase (10-20 s for the README)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--parts", default="render,stores,http")
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    if "http" in parts and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk; `make bench` does it)")

    started = time.monotonic()
    rows: list[Row] = []
    results: Results = {}
    if "render" in parts:
        rows += render_rows()
    if "stores" in parts:
        rows += store_rows()
    if "http" in parts:
        results = measure_http(args.seconds, args.connections)
        rows += http_rows(results)
    print(render_table(rows))
    for line in targets(rows, results, args.connections):
        print(line)
    load_average = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    elapsed = time.monotonic() - started
    print(f"whole run: {elapsed:.0f} s; load average at the end {load_average} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
