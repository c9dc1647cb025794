"""HTTP load phases driven by wrk (Debian's ``/usr/bin/wrk``) and its Lua scripts.

Each phase runs for a fixed time with a fixed number of connections. wrk reports
requests/s and per-request latency; the whole-flow script also times each flow
(issue, image, POST) itself, since a flow's latency is not the sum of three percentiles.
Around each phase the site's CPU time is read, giving the server's cost per request.
"""

from __future__ import annotations

import http.cookies
import json
import os
import statistics
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.servers import BENCH_DIR, WORK_DIR, Site

LUA_DIR = BENCH_DIR / "lua"
AJAX = "X-Requested-With: XMLHttpRequest"
PREPARED_IMAGES = 200  # keys issued before an image phase; each is fetched many times
# Each of our pictures may be drawn RENDERS_PER_KEY (6) times, and the limit counts in Redis:
# an image phase needs enough keys that it measures drawing, not the 429 after the sixth.
KEYS_PER_SECOND = 250


@dataclass(frozen=True)
class Phase:
    """One load phase: rate and cpu_ms are per request, or per completed flow for the flow."""

    rate: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # server CPU time (gunicorn, plus Redis where used) per request or flow
    failures: int  # non-2xx answers, socket errors and flows that did not complete

    @classmethod
    def mean(cls, first: Phase, second: Phase) -> Phase:
        """Two runs of the same phase averaged (percentiles too: a summary, not a merged histogram)."""
        return cls(
            rate=(first.rate + second.rate) / 2,
            p50_ms=(first.p50_ms + second.p50_ms) / 2,
            p99_ms=(first.p99_ms + second.p99_ms) / 2,
            cpu_ms=(first.cpu_ms + second.cpu_ms) / 2,
            failures=first.failures + second.failures,
        )


def wrk(
    site: Site,
    path: str,
    script: str,
    *,
    seconds: int,
    connections: int,
    threads: int = 2,
    env: dict[str, str] | None = None,
    headers: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Run wrk once; return the JSON line lua/report.lua prints, plus the site's CPU seconds."""
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s"]
    for header in headers:
        command += ["-H", header]
    command += ["-s", str(LUA_DIR / script), site.url + path]
    run_env = {**os.environ, "BENCH_LUA": str(LUA_DIR), **(env or {})}
    cpu_before = site.cpu_seconds()
    done = subprocess.run(command, env=run_env, capture_output=True, text=True, check=True, timeout=seconds + 60)
    cpu_seconds = site.cpu_seconds() - cpu_before
    for line in done.stdout.splitlines():
        if line.startswith("BENCH "):
            result: dict[str, Any] = json.loads(line.removeprefix("BENCH "))
            return {**result, "cpu_seconds": cpu_seconds}
    raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")


def requests_phase(result: dict[str, Any]) -> Phase:
    requests = int(result["requests"])
    return Phase(
        rate=requests / (int(result["duration_us"]) / 1e6),
        p50_ms=int(result["p50_us"]) / 1000,
        p99_ms=int(result["p99_us"]) / 1000,
        cpu_ms=result["cpu_seconds"] * 1000 / max(requests, 1),
        failures=int(result["non_2xx"]) + int(result["socket_errors"]),
    )


def flow_phase(result: dict[str, Any]) -> Phase:
    flow_ms = sorted(float(ms) for ms in result["flow_ms"])
    if len(flow_ms) < 2:
        raise RuntimeError(f"no whole flow completed: {result['flows_failed']} failed")
    return Phase(
        rate=len(flow_ms) / (int(result["duration_us"]) / 1e6),
        p50_ms=statistics.median(flow_ms),
        p99_ms=statistics.quantiles(flow_ms, n=100, method="inclusive")[98],
        cpu_ms=result["cpu_seconds"] * 1000 / len(flow_ms),
        failures=int(result["flows_failed"]) + int(result["socket_errors"]),
    )


def prepare_images(
    site: Site, issue_path: str, name: str, headers: dict[str, str] | None = None, count: int = PREPARED_IMAGES
) -> Path:
    """Issue keys through the JSON endpoint; write "image path<TAB>session cookie" lines for wrk.

    Each key gets a fresh client (no cookie sent), as a crowd of visitors would; with the
    session store the image must then be fetched with that visitor's session cookie.
    """
    lines = []
    for _ in range(count):
        request = urllib.request.Request(site.url + issue_path, headers=headers or {})
        with urllib.request.urlopen(request, timeout=10) as response:
            image_path = json.loads(response.read())["image_url"]
            cookie = http.cookies.SimpleCookie(response.headers.get("Set-Cookie", ""))
        session = f"sessionid={cookie['sessionid'].value}" if "sessionid" in cookie else ""
        lines.append(f"{image_path}\t{session}\n")
    for line in lines[:20]:  # warm both workers' image path (fonts load on first use)
        image_path, session = line.rstrip("\n").split("\t")
        request = urllib.request.Request(site.url + image_path, headers={"Cookie": session} if session else {})
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    keys_file = WORK_DIR / f"{name}-images.tsv"
    keys_file.write_text("".join(lines))
    return keys_file


def issue(site: Site, *, seconds: int, connections: int) -> Phase:
    """Our JSON issuing endpoint, each request from a fresh visitor (no cookie)."""
    return requests_phase(wrk(site, "/captcha/new/", "report.lua", seconds=seconds, connections=connections))


def refresh(site: Site, *, seconds: int, connections: int) -> Phase:
    """django-simple-captcha's refresh endpoint: one new database row per request."""
    headers = (AJAX,)  # it answers 404 without X-Requested-With
    return requests_phase(
        wrk(site, "/captcha/refresh/", "report.lua", seconds=seconds, connections=connections, headers=headers)
    )


def images(site: Site, keys_file: Path, *, seconds: int, connections: int) -> Phase:
    """The image endpoint, round-robin over pictures issued by :func:`prepare_images`."""
    env = {"BENCH_KEYS": str(keys_file)}
    return requests_phase(wrk(site, "", "images.lua", seconds=seconds, connections=connections, env=env))


def flow(site: Site, *, seconds: int, connections: int) -> Phase:
    """Issue, image, POST the answer; one connection per thread, so each thread walks its own flow."""
    return flow_phase(wrk(site, "", "flow.lua", seconds=seconds, connections=connections, threads=connections))


def ceiling(site: Site, *, seconds: int, connections: int, path: str = "/empty/") -> Phase:
    """An empty Django view on the same server: no captcha endpoint can be faster than this."""
    return requests_phase(wrk(site, path, "report.lua", seconds=seconds, connections=connections))


def spent_key(site: Site) -> str:
    """A key the site issued and then consumed (a wrong answer posted to its protected view)."""
    with urllib.request.urlopen(site.url + "/captcha/new/", timeout=10) as response:
        key: str = json.loads(response.read())["key"]
    body = urllib.parse.urlencode({"captcha_key": key, "captcha_answer": "wrong"}).encode()
    try:
        urllib.request.urlopen(urllib.request.Request(site.url + "/protected/", data=body), timeout=10)
    except urllib.error.HTTPError as refused:  # 403: wrong, and the key is spent
        if refused.code != 403:
            raise
    return key


def refusals(site: Site, path: str, *, seconds: int, connections: int) -> Phase:
    """One refused request over and over (a 400, 410 or 429): what a flood of them costs.

    Every answer is meant to be a refusal, so ``failures`` counts the answers that were not
    (2xx), the opposite of the other phases.
    """
    result = wrk(site, path, "report.lua", seconds=seconds, connections=connections)
    phase = requests_phase(result)
    return Phase(phase.rate, phase.p50_ms, phase.p99_ms, phase.cpu_ms, int(result["requests"]) - int(result["non_2xx"]))
