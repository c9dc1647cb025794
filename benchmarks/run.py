"""``make bench``: every benchmark in one run, printed as one table.

    python -m benchmarks.run [--seconds 10] [--connections 16] [--parts render,stores,http]
    python -m benchmarks.run --parts asgi --seconds 5   # only the ASGI vs WSGI block

Parts: rendering (render.py), store operations and bytes per outstanding challenge
(stores.py), and HTTP load with wrk against gunicorn for each store and for
django-simple-captcha side by side (load.py, servers.py), floods of refusals (400, 410,
429) next to the empty view on one server, and the cache store under gunicorn (WSGI),
uvicorn with the sync views and uvicorn with the async views (ASGI), side by side; the
``http`` part includes that block, and ``asgi`` runs it alone.
Everything runs on 127.0.0.1; each load phase lasts ``--seconds`` and the whole run stays
under ten minutes. "× rate" is our requests/s over theirs, "× CPU" their server CPU per
request over ours: above 1, ours is faster or cheaper. After the table, a second one
states each performance target as a ratio to its reference in the same run, met or
missed. Targets are reported, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
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
CEILING = "empty Django view (no captcha): the ceiling (mean of 2 runs)"
UNQUEUED = f"{LABELS[PAIRED_STORE]}, {servers.WORKERS} connections (no queueing)"
REFUSALS = "refusals, cache store, RATE_LIMIT 1 (own server)"
ASGI = "cache (Redis): WSGI, ASGI sync views, ASGI async views"
# The servers of the ASGI block, all running at once: label, ASGI or not, the async URLconf or not.
ASGI_SERVERS = {
    "wsgi": ("gunicorn (WSGI), sync views", False, False),
    "asgi-sync": ("uvicorn (ASGI), sync views (urls.py)", True, False),
    "asgi-async": ("uvicorn (ASGI), async views (urls_async.py)", True, True),
}
# Refusal phases, in the order run (A B C D E A around the empty view): path, label. The
# spent key's path is filled in by measure_refusals, which issues and consumes that key.
SPENT = "/captcha/{key}.png"
REFUSAL_PHASES = {
    "400": ("/captcha/not-a-key.png", "400 malformed key (picture URL)"),
    "410": (f"/captcha/{'A' * 22}.png", "410 made-up key, no store asked (picture URL)"),
    "410-spent": (SPENT, "410 spent key, one round trip (picture URL)"),
    "429": ("/captcha/new/", "429 rate limited (captcha/new/)"),
}
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
                first_ceiling = load.ceiling(site, **shared)
                with servers.serve(incumbent_python, incumbent_env) as theirs:
                    results[store], results[INCUMBENT] = alternate(site, theirs, **shared)
                results[CEILING] = {"issue": load.Phase.mean(first_ceiling, load.ceiling(site, **shared))}
                # As many connections as workers: the flow's own latency, without queueing.
                results[UNQUEUED] = {"flow": load.flow(site, seconds=seconds, connections=servers.WORKERS)}
            else:
                results[store] = {"issue": load.issue(site, **shared)}
                # Issued after the issuing phase, which may push older keys out of a bounded store.
                keys = load.prepare_images(site, "/captcha/new/", store, count=seconds * load.KEYS_PER_SECOND)
                results[store]["image"] = load.images(site, keys, **shared)
            results[store]["flow"] = load.flow(site, **shared)
    servers.flush_redis()
    results[REFUSALS] = measure_refusals(python, shared)
    servers.flush_redis()
    results[ASGI] = measure_asgi(python, shared)
    servers.flush_redis()
    return results


def measure_refusals(python: Path, shared: dict[str, int]) -> dict[str, load.Phase]:
    """Floods of each refusal on one cache-store server, between two runs of its empty view.

    ``RATE_LIMIT`` 1: after the first challenge of each minute, ``captcha/new/`` only refuses.
    """
    env = servers.site_env("bench_site.settings", "bench.sqlite3", "cache", BENCH_RATE_LIMIT="1")
    with servers.serve(python, env, uses_redis=True) as site:
        spent = SPENT.format(key=load.spent_key(site))
        first = load.ceiling(site, **shared)
        phases = {
            name: load.refusals(site, spent if path == SPENT else path, **shared)
            for name, (path, _label) in REFUSAL_PHASES.items()
        }
        phases["empty"] = load.Phase.mean(first, load.ceiling(site, **shared))
    return phases


def measure_asgi(python: Path, shared: dict[str, int]) -> dict[str, load.Phase]:
    """Issuing and pictures on gunicorn, on uvicorn with the sync views and on uvicorn with the
    async views, all three servers running at once (two workers each, one Redis).

    Each phase runs in the order A B C C B A and each server's mean is reported, so a busy
    spell on a shared machine weighs on all three alike. The empty view under uvicorn, sync
    and async, gives the ASGI ceilings.
    """
    env = servers.site_env("bench_site.settings", "bench.sqlite3", "cache")
    servers.migrate(python, env)
    seconds = shared["seconds"]
    with contextlib.ExitStack() as running:
        sites: dict[str, servers.Site] = {}
        for name, (_label, asgi, async_urls) in ASGI_SERVERS.items():
            site_env = {**env, "BENCH_ASYNC_URLS": "1"} if async_urls else env
            sites[name] = running.enter_context(servers.serve(python, site_env, uses_redis=True, asgi=asgi))
        phases = {
            "empty": load.ceiling(sites["asgi-sync"], **shared),
            "empty-async": load.ceiling(sites["asgi-async"], **shared, path="/empty-async/"),
        }
        # Enough keys for both image phases of each server (each key may be drawn six times).
        keys = {
            name: load.prepare_images(site, "/captcha/new/", name, count=2 * seconds * load.KEYS_PER_SECOND)
            for name, site in sites.items()
        }
        runs: dict[str, Callable[[str], load.Phase]] = {
            "issue": lambda name: load.issue(sites[name], **shared),
            "image": lambda name: load.images(sites[name], keys[name], **shared),
        }
        for phase, run in runs.items():
            measured: dict[str, list[load.Phase]] = {name: [] for name in sites}
            for name in [*sites, *reversed(sites)]:
                measured[name].append(run(name))
            for name, (first, second) in measured.items():
                phases[f"{phase} {name}"] = load.Phase.mean(first, second)
    return phases


def alternate(ours: servers.Site, theirs: servers.Site, **shared: int) -> tuple[dict[str, load.Phase], ...]:
    """Issuing and image phases, ours and theirs in the order A B B A; each side's mean."""
    # Ours: enough keys for both image phases (each key may be drawn six times); theirs has no such limit.
    our_keys = load.prepare_images(ours, "/captcha/new/", "ours", count=2 * shared["seconds"] * load.KEYS_PER_SECOND)
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
    rows = incumbent_rows(results) if INCUMBENT in results else []
    if REFUSALS in results:
        refusals = results[REFUSALS]
        rows.append(http_row("refusals, one server", "empty Django view (mean of 2 runs)", refusals["empty"], None))
        for name, (_path, label) in REFUSAL_PHASES.items():
            phase = refusals[name]
            answered = f" ({phase.failures} answered 2xx)" if phase.failures else ""
            clean = load.Phase(phase.rate, phase.p50_ms, phase.p99_ms, phase.cpu_ms, 0)
            rows.append(http_row("refusals, one server", label + answered, clean, None))
    if ASGI in results:
        asgi = results[ASGI]
        title = "ASGI vs WSGI, cache store (3 servers at once)"
        rows.append(http_row(title, "uvicorn, empty sync view", asgi["empty"], None))
        rows.append(http_row(title, "uvicorn, empty async view", asgi["empty-async"], None))
        for phase in ("issue", "image"):
            reference = asgi[f"{phase} wsgi"]
            for name, (label, _asgi, _async_urls) in ASGI_SERVERS.items():
                variant = f"{TITLES[phase]}: {label} (mean of 2 runs)"
                rows.append(http_row(title, variant, asgi[f"{phase} {name}"], reference))
    return rows


def incumbent_rows(results: Results) -> list[Row]:
    """Each store's phases, the cache store's next to django-simple-captcha's."""
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


@dataclass(frozen=True)
class Target:
    """One performance target: our figure, its reference in the same run, and the bound."""

    what: str
    ours: str
    reference: str
    value: float  # the ratio (or the figure itself, for absolute targets)
    bound: float
    at_least: bool  # True: value >= bound is met; False: value <= bound

    @property
    def met(self) -> bool:
        return self.value >= self.bound if self.at_least else self.value <= self.bound


def targets(rows: list[Row], results: Results, connections: int) -> list[Target]:
    """The issue's targets, each as a ratio to a reference measured in the same run."""
    found = []
    for row in rows:
        rss = re.search(r"RSS Δ (\d+) B", row.size)
        if row.part == "memory" and row.variant.startswith("memory,") and rss:
            found.append(
                Target(
                    "memory store, bytes per outstanding challenge (RSS)", f"{rss[1]} B", "", float(rss[1]), 260, False
                )
            )
    if ASGI in results:
        asgi = results[ASGI]
        found += [
            Target(
                f"ASGI issuing req/s (uvicorn, {label}) vs WSGI issuing (gunicorn), cache store",
                f"{asgi[f'issue {name}'].rate:,.0f}/s, {asgi[f'issue {name}'].cpu_ms:.2f} ms CPU",
                f"{asgi['issue wsgi'].rate:,.0f}/s, {asgi['issue wsgi'].cpu_ms:.2f} ms CPU",
                asgi[f"issue {name}"].rate / asgi["issue wsgi"].rate,
                1.0,
                True,
            )
            for name, label in (("asgi-async", "async views"), ("asgi-sync", "sync views"))
        ]
    if "cache" not in results:
        return found
    ours, theirs, ceiling = results["cache"], results[INCUMBENT], results[CEILING]["issue"]
    found += [
        Target(
            "JSON issuing, cache store, req/s vs the empty view",
            f"{ours['issue'].rate:,.0f}/s",
            f"empty view {ceiling.rate:,.0f}/s",
            ours["issue"].rate / ceiling.rate,
            0.75,
            True,
        ),
        Target(
            "image endpoint, cache store, req/s vs django-simple-captcha's image",
            f"{ours['image'].rate:,.0f}/s",
            f"{theirs['image'].rate:,.0f}/s",
            ours["image"].rate / theirs["image"].rate,
            1.25,
            True,
        ),
    ]
    if REFUSALS in results:
        refusals = results[REFUSALS]
        empty = refusals["empty"]
        for name, (_path, label) in REFUSAL_PHASES.items():
            found.append(
                Target(
                    f"CPU per refusal: {label}, vs the empty view",
                    f"{refusals[name].cpu_ms:.3f} ms",
                    f"empty view {empty.cpu_ms:.3f} ms",
                    refusals[name].cpu_ms / empty.cpu_ms,
                    1.2,
                    False,
                )
            )
    found.append(
        Target(
            f"whole flow p99, Redis, {connections} connections (ms)",
            f"{ours['flow'].p99_ms:.1f} ms",
            "",
            ours["flow"].p99_ms,
            40,
            False,
        )
    )
    return found


def render_targets(found: list[Target], render_lines: list[str]) -> str:
    """The targets as one Markdown table: figure, reference, ratio, bound, met or missed."""
    lines = ["| target | ours | reference (same run) | ratio or figure | bound | |", "|---|---|---|---|---|---|"]
    for target in found:
        bound = f"{'>=' if target.at_least else '<='} {target.bound:g}"
        verdict = "met" if target.met else "**missed**"
        lines.append(
            f"| {target.what} | {target.ours} | {target.reference} | {target.value:.2f} | {bound} | {verdict} |"
        )
    for line in render_lines:  # render.py's own verdicts, on the picture issue's targets
        figure, _, verdict = line.rpartition(", ")
        lines.append(
            f"| render: {figure} | | (render.py, same process) | | | {verdict.replace('MISSED', '**missed**')} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="length of each load phase (10-20 s for the README)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--parts", default="render,stores,http", help="any of render, stores, http, asgi")
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    if parts & {"http", "asgi"} and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk; `make bench` does it)")

    started = time.monotonic()
    rows: list[Row] = []
    results: Results = {}
    render_lines: list[str] = []
    if "render" in parts:
        rows += render_rows(render_lines)
    if "stores" in parts:
        rows += store_rows()
    if "http" in parts:
        results = measure_http(args.seconds, args.connections)
        rows += http_rows(results)
    elif "asgi" in parts:  # the ASGI block alone (http includes it)
        results = {ASGI: measure_asgi(Path(sys.executable), {"seconds": args.seconds, "connections": args.connections})}
        servers.flush_redis()
        rows += http_rows(results)
    print(render_table(rows))
    print()
    print(render_targets(targets(rows, results, args.connections), render_lines))
    load_average = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    elapsed = time.monotonic() - started
    print(f"whole run: {elapsed:.0f} s; load average at the end {load_average} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
