"""``make bench``: every benchmark in one run, printed as one table.

    python -m tests.benchmarks.run [--seconds 10] [--connections 16] [--parts render,stores,http]

Parts: rendering (tests/benchmarks/render.py), store operations and bytes per outstanding
challenge (tests/benchmarks/stores.py), and HTTP load with wrk against gunicorn for each
store and for django-simple-captcha side by side (load.py, servers.py). Everything runs on
127.0.0.1; each load phase lasts ``--seconds`` and the whole run stays under ten minutes.
Targets are reported, never asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.benchmarks import load, servers

STORES = ("memory", "session-db", "session-cache", "cache")
INCUMBENT = "django-simple-captcha"
CEILING, CEILING_STORE = "empty Django view (no captcha): the ceiling", "cache"
PARTS = ("render", "stores", "memory", "http")  # the (a), (b), (e), then (c) and (d)


@dataclass(frozen=True)
class Row:
    part: str
    measurement: str
    variant: str
    rate: str = ""
    median_ms: str = ""
    tail_ms: str = ""
    size: str = ""
    ratio: str = ""


HEADER = ("part", "measurement", "variant", "rate /s", "median ms", "p95 / p99 ms", "bytes", f"× {INCUMBENT}")


def measure_http(seconds: int, connections: int) -> dict[str, dict[str, load.Phase]]:
    """Load the incumbent's site, each store's site, then the incumbent's again.

    The machine may be shared: measuring the incumbent before and after ours and taking
    the mean keeps a slow spell from landing on one side of the ratio only.
    """
    incumbent_python = servers.ensure_incumbent_venv()
    incumbent_env = servers.site_env("incumbent.settings", "incumbent.sqlite3")

    def incumbent() -> dict[str, load.Phase]:
        servers.migrate(incumbent_python, incumbent_env)
        with servers.serve(incumbent_python, incumbent_env) as base_url:
            return load.measure_incumbent(base_url, seconds=seconds, connections=connections)

    before = incumbent()
    results: dict[str, dict[str, load.Phase]] = {}
    python = Path(sys.executable)
    for store in STORES:
        servers.flush_redis()
        env = servers.site_env("bench_site.settings", "bench.sqlite3", store)
        servers.migrate(python, env)
        # The memory store lives in one process: with two workers a key issued by one
        # is unknown to the other, so it is measured as the single-process server it is for.
        workers = 1 if store == "memory" else servers.WORKERS
        with servers.serve(python, env, workers=workers) as base_url:
            results[store] = load.measure_ours(base_url, store, seconds=seconds, connections=connections)
            if store == CEILING_STORE:
                results[CEILING] = {"issue": load.measure_ceiling(base_url, seconds=seconds, connections=connections)}
    servers.flush_redis()
    after = incumbent()
    results[INCUMBENT] = {phase: load.Phase.mean(before[phase], after[phase]) for phase in before}
    return results


def http_rows(results: dict[str, dict[str, load.Phase]]) -> list[Row]:
    titles = {
        "issue": "JSON issuing endpoint (req/s, p50, p99)",
        "image": "image endpoint (req/s, p50, p99)",
        "flow": "whole flow: issue, image, POST (flows/s, p50, p99)",
    }
    theirs = results[INCUMBENT]
    version = servers.incumbent_version()
    rows = []
    for phase, title in titles.items():
        for store in (*STORES, CEILING) if phase == "issue" else STORES:
            result = results[store][phase]
            ratio = f"{result.rate / theirs[phase].rate:.2f}" if phase in theirs else ""
            variant = {"memory": "memory (1 worker)"}.get(store, store)
            rows.append(Row("http", title, variant, *result.cells(), ratio=ratio + failures(result)))
        if phase in theirs:
            endpoint = "refresh" if phase == "issue" else "image"
            label = f"{INCUMBENT} {version} {endpoint} (mean of 2 runs)"
            rows.append(Row("http", title, label, *theirs[phase].cells(), ratio="1.00" + failures(theirs[phase])))
    return rows


def render_rows() -> list[Row]:
    """Milliseconds and bytes per picture for each variant (render.py, in its own process).

    render.py configures Django itself and pins itself to one CPU; its markdown rows
    (variant, median, p95, CPU median, bytes, x faster than a tutorial renderer) are parsed.
    """
    command = [sys.executable, "-m", "tests.benchmarks.render", "--images", "1000", "--reference-images", "50"]
    output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=300).stdout
    rows = []
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 5 or not re.fullmatch(r"[\d.]+", cells[1]):
            continue  # the header, the separator and anything that is not a figure row
        rows.append(
            Row("render", "ms per picture (median, p95)", cells[0], median_ms=cells[1], tail_ms=cells[2], size=cells[4])
        )
    return rows


STORE_LINE = re.compile(r"^(?P<store>\S+)\s+(?P<size>\d+) outstanding:\s+(?P<figure>.+)$")
STORE_RATE = re.compile(r"(?P<rate>[\d.]+) issue\+verify/s")


def store_rows() -> list[Row]:
    """Issue + verify operations per second and bytes per outstanding challenge (stores.py).

    stores.py configures Django for itself (settings.configure), so it runs in its own process;
    its lines are parsed into rows. Two sizes show that cost does not grow with the number
    of outstanding challenges.
    """
    command = [sys.executable, "-m", "tests.benchmarks.stores", "--sizes", "1000,100000", "--ops", "2000"]
    command += ["--stores", "memory,cache-django-redis,session-db,session-cache"]
    output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=400).stdout
    rows = []
    for line in output.splitlines():
        match = STORE_LINE.match(line.strip())
        if not match:
            continue
        variant = f"{match['store']}, {int(match['size']):,} outstanding"
        rate = STORE_RATE.search(match["figure"])
        if rate:
            rows.append(Row("stores", "issue + verify in-process (ops/s)", variant, rate=f"{float(rate['rate']):,.0f}"))
        else:
            rows.append(Row("memory", "bytes per outstanding challenge", variant, size=match["figure"]))
    return rows


def failures(phase: load.Phase) -> str:
    return f" ({phase.failures} failed)" if phase.failures else ""


def render_table(rows: list[Row]) -> str:
    ordered = sorted(rows, key=lambda row: PARTS.index(row.part))  # stable: keeps each part's order
    cells = [HEADER] + [
        (r.part, r.measurement, r.variant, r.rate, r.median_ms, r.tail_ms, r.size, r.ratio) for r in ordered
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER))]
    lines = ["| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths)) + " |" for line in cells]
    lines.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)


def targets(rows: list[Row], results: dict[str, dict[str, load.Phase]], connections: int) -> list[str]:
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
    results: dict[str, dict[str, load.Phase]] = {}
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
    print(
        f"whole run: {time.monotonic() - started:.0f} s; load average at the end {load_average} ({os.cpu_count()} CPUs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
