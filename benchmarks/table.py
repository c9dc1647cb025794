"""The one table ``make bench`` prints, and the rows it takes from render.py and stores.py.

render.py and stores.py configure Django for themselves (``settings.configure``) and
render.py pins itself to one CPU, so each runs in its own process; their printed figures
are parsed into rows here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass

INCUMBENT = "django-simple-captcha"
PARTS = ("render", "stores", "memory", "http")  # the (a), (b), (e), then (c) and (d)
HEADER = (
    "part",
    "measurement",
    "variant",
    "rate /s",
    "median ms",
    "p95 / p99 ms",
    "CPU ms",
    "bytes",
    "× rate",
    "× CPU",
)
STORE_LINE = re.compile(r"^(?P<store>\S+)\s+(?P<size>\d+) outstanding:\s+(?P<figure>.+)$")
STORE_RATE = re.compile(r"(?P<rate>[\d.]+) issue\+verify/s")


@dataclass(frozen=True)
class Row:
    part: str
    measurement: str
    variant: str
    rate: str = ""
    median_ms: str = ""
    tail_ms: str = ""
    cpu_ms: str = ""
    size: str = ""
    rate_ratio: str = ""
    cpu_ratio: str = ""


def render_rows(targets: list[str] | None = None) -> list[Row]:
    """Milliseconds (wall median, p95, CPU median) and bytes per picture for each variant.

    render.py judges its own targets (the picture issue's); its ``target:`` lines are
    appended to ``targets`` as they are.
    """
    command = [sys.executable, "-m", "benchmarks.render", "--images", "1000", "--reference-images", "50"]
    output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=300).stdout
    rows = []
    for line in output.splitlines():
        if line.startswith("target:") and targets is not None:
            targets.append(line.removeprefix("target:").strip())
        # | variant | median ms | p95 ms | CPU median ms | bytes | x faster than reference |
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 5 or not re.fullmatch(r"[\d.]+", cells[1]):
            continue  # the header, the separator and anything that is not a figure row
        rows.append(Row("render", "one picture (median, p95)", cells[0], "", *cells[1:5]))
    return rows


def store_rows() -> list[Row]:
    """Issue + verify operations per second, and bytes per outstanding challenge at 100,000.

    Two sizes show that the cost of an operation does not grow with the number of
    outstanding challenges.
    """
    command = [sys.executable, "-m", "benchmarks.stores", "--sizes", "1000,100000", "--ops", "2000"]
    command += ["--stores", "memory,cache-django-redis,session-db,session-cache"]
    output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=900).stdout
    rows = []
    for line in output.splitlines():
        match = STORE_LINE.match(line.strip())
        if not match:
            continue
        variant = f"{match['store']}, {int(match['size']):,} outstanding"
        rate = STORE_RATE.search(match["figure"])
        if rate:
            rows.append(Row("stores", "issue + verify in-process", variant, rate=f"{float(rate['rate']):,.0f}"))
        else:
            rows.append(Row("memory", "bytes per outstanding challenge", variant, size=match["figure"]))
    return rows


def render_table(rows: list[Row]) -> str:
    """A Markdown table, columns padded so it also reads well in a terminal."""
    ordered = sorted(rows, key=lambda row: PARTS.index(row.part))  # stable: keeps each part's order
    cells = [HEADER] + [
        (r.part, r.measurement, r.variant, r.rate, r.median_ms, r.tail_ms, r.cpu_ms, r.size, r.rate_ratio, r.cpu_ratio)
        for r in ordered
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER))]
    lines = ["| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths)) + " |" for line in cells]
    lines.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)
