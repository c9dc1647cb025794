"""HTTP load phases driven by wrk (Debian's ``/usr/bin/wrk``) and its Lua scripts.

Each phase runs for a fixed time with a fixed number of connections. wrk reports
requests/s and per-request latency; the whole-flow script also times each flow
(issue, image, POST) itself, since a flow's latency is not the sum of three percentiles.
"""

from __future__ import annotations

import http.cookies
import json
import os
import statistics
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.benchmarks.servers import BENCH_DIR, WORK_DIR

LUA_DIR = BENCH_DIR / "lua"
PREPARED_IMAGES = 200  # keys issued before an image phase; each is fetched many times


@dataclass(frozen=True)
class Phase:
    """One load phase's figures: rate is requests/s, or completed flows/s for the flow."""

    rate: float
    p50_ms: float
    p99_ms: float
    failures: int  # non-2xx answers, socket errors and flows that did not complete

    @classmethod
    def mean(cls, first: Phase, second: Phase) -> Phase:
        """Two runs of the same phase averaged (percentiles too: a summary, not a merged histogram)."""
        return cls(
            rate=(first.rate + second.rate) / 2,
            p50_ms=(first.p50_ms + second.p50_ms) / 2,
            p99_ms=(first.p99_ms + second.p99_ms) / 2,
            failures=first.failures + second.failures,
        )

    def cells(self) -> tuple[str, str, str]:
        return f"{self.rate:,.0f}", f"{self.p50_ms:.1f}", f"{self.p99_ms:.1f}"


def wrk(
    url: str,
    script: str,
    *,
    seconds: int,
    connections: int,
    threads: int,
    env: dict[str, str] | None = None,
    headers: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Run wrk once and return the JSON line lua/report.lua prints."""
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s"]
    for header in headers:
        command += ["-H", header]
    command += ["-s", str(LUA_DIR / script), url]
    run_env = {**os.environ, "BENCH_LUA": str(LUA_DIR), **(env or {})}
    done = subprocess.run(command, env=run_env, capture_output=True, text=True, check=True, timeout=seconds + 60)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH "):
            result: dict[str, Any] = json.loads(line.removeprefix("BENCH "))
            return result
    raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")


def requests_phase(result: dict[str, Any]) -> Phase:
    seconds = int(result["duration_us"]) / 1e6
    return Phase(
        rate=int(result["requests"]) / seconds,
        p50_ms=int(result["p50_us"]) / 1000,
        p99_ms=int(result["p99_us"]) / 1000,
        failures=int(result["non_2xx"]) + int(result["socket_errors"]),
    )


def flow_phase(result: dict[str, Any]) -> Phase:
    seconds = int(result["duration_us"]) / 1e6
    flow_ms = sorted(float(ms) for ms in result["flow_ms"])
    if len(flow_ms) < 2:
        raise RuntimeError(f"no whole flow completed: {result['flows_failed']} failed")
    percentiles = statistics.quantiles(flow_ms, n=100, method="inclusive")
    return Phase(
        rate=len(flow_ms) / seconds,
        p50_ms=statistics.median(flow_ms),
        p99_ms=percentiles[98],
        failures=int(result["flows_failed"]) + int(result["socket_errors"]),
    )


def prepare_images(base_url: str, issue_path: str, name: str, headers: dict[str, str] | None = None) -> Path:
    """Issue keys through the JSON endpoint; write "image path<TAB>session cookie" lines for wrk.

    Each key gets a fresh client (no cookie sent), as a crowd of visitors would; with the
    session store the image must then be fetched with that visitor's session cookie.
    """
    lines = []
    for _ in range(PREPARED_IMAGES):
        request = urllib.request.Request(base_url + issue_path, headers=headers or {})
        with urllib.request.urlopen(request, timeout=10) as response:
            image_path = json.loads(response.read())["image_url"]
            cookie = http.cookies.SimpleCookie(response.headers.get("Set-Cookie", ""))
        session = f"sessionid={cookie['sessionid'].value}" if "sessionid" in cookie else ""
        lines.append(f"{image_path}\t{session}\n")
    for line in lines[:20]:  # warm both workers' image path (fonts load on first use)
        image_path, session = line.rstrip("\n").split("\t")
        request = urllib.request.Request(base_url + image_path, headers={"Cookie": session} if session else {})
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    keys_file = WORK_DIR / f"{name}-images.tsv"
    keys_file.write_text("".join(lines))
    return keys_file


def measure_ours(base_url: str, name: str, *, seconds: int, connections: int) -> dict[str, Phase]:
    """Issuing endpoint, image endpoint and whole flow for one store."""
    shared = {"seconds": seconds, "connections": connections}
    issue = requests_phase(wrk(base_url + "/captcha/new/", "report.lua", threads=2, **shared))
    # Issued after the issuing phase, which may have pushed older keys out of a bounded store.
    keys_file = prepare_images(base_url, "/captcha/new/", name)
    return {
        "issue": issue,
        "image": requests_phase(wrk(base_url, "images.lua", threads=2, env={"BENCH_KEYS": str(keys_file)}, **shared)),
        # One connection per thread: each thread walks its own flow step by step.
        "flow": flow_phase(wrk(base_url, "flow.lua", threads=connections, **shared)),
    }


def measure_ceiling(base_url: str, *, seconds: int, connections: int) -> Phase:
    """An empty Django view on the same server: no captcha endpoint can be faster than this."""
    return requests_phase(wrk(base_url + "/empty/", "report.lua", seconds=seconds, connections=connections, threads=2))


def measure_incumbent(base_url: str, *, seconds: int, connections: int) -> dict[str, Phase]:
    """django-simple-captcha's refresh endpoint (it demands X-Requested-With) and image endpoint."""
    ajax = "X-Requested-With: XMLHttpRequest"
    keys_file = prepare_images(base_url, "/captcha/refresh/", "incumbent", headers=dict([ajax.split(": ")]))
    shared = {"seconds": seconds, "connections": connections, "threads": 2}
    refresh = wrk(base_url + "/captcha/refresh/", "report.lua", headers=(ajax,), **shared)
    image = wrk(base_url, "images.lua", env={"BENCH_KEYS": str(keys_file)}, **shared)
    return {"issue": requests_phase(refresh), "image": requests_phase(image)}
