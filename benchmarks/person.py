"""What a person pays on the attacked site, measured in Chromium (``/usr/bin/chromium``).

- extra requests: everything the form page makes the browser fetch besides the page itself
  (pictures, scripts, the worker), on a first visit with an empty cache;
- wait: with proof of work, how long after navigation starts the stamp is ready (the
  widget's ``captcha-guard:solved`` event); a person typing for longer never waits;
- the browser's own solve times: the worker on fresh puzzles from ``captcha/new/``, with
  Web Crypto and with the bundled SHA-256, beside the CPU time Python's ``solve_work``
  takes for the very same puzzles.
"""

from __future__ import annotations

import json
import statistics
import time
import urllib.request
from dataclasses import dataclass

from playwright.sync_api import Browser

from django_captcha_guard.testing import solve_work

SOLVED = """() => new Promise((resolve) => {
    const input = document.querySelector("[data-captcha-guard-pow]");
    if (!input) { resolve(null); return; }
    if (input.value) { resolve(performance.now()); return; }
    document.addEventListener("captcha-guard:solved", () => resolve(performance.now()), { once: true });
})"""
WORKER = """async ([puzzle, engine]) => new Promise((resolve) => {
    const worker = new Worker("/static/captcha_guard/pow_worker.js");
    worker.onmessage = (event) => { worker.terminate(); resolve(event.data.ms); };
    worker.postMessage({ ...puzzle, engine });
})"""


@dataclass(frozen=True)
class PersonCost:
    extra_requests: int
    picture: bool
    stamp_ready_ms: float | None  # median, from navigation start
    webcrypto_ms: float | None = None  # median worker time per puzzle
    js_ms: float | None = None
    python_cpu_ms: float | None = None  # median solve_work CPU time on the same puzzles


def measure(browser: Browser, url: str, runs: int) -> PersonCost:
    """Load the form page ``runs`` times (fresh contexts); with a puzzle, time the solvers too."""
    requests, ready, picture = 0, [], False
    for _ in range(runs):
        context = browser.new_context(base_url=url)
        page = context.new_page()
        seen: list[str] = []
        page.on("request", lambda request, seen=seen: seen.append(request.url))
        page.goto("/page/")
        page.wait_for_load_state("load")
        solved = page.evaluate(SOLVED)
        picture = page.locator("img").count() > 0
        requests = len([u for u in seen if not u.endswith(("/page/", "favicon.ico"))])
        if solved is not None:
            ready.append(solved)
        context.close()
    if not ready:
        return PersonCost(requests, picture, None)
    return PersonCost(requests, picture, statistics.median(ready), *_solvers(browser, url, runs))


def _solvers(browser: Browser, url: str, runs: int) -> tuple[float, float, float]:
    context = browser.new_context(base_url=url)
    page = context.new_page()
    page.goto("/page/")
    times: dict[str, list[float]] = {"webcrypto": [], "js": [], "python": []}
    for _ in range(runs):
        with urllib.request.urlopen(f"{url}/captcha/new/?scope=sms") as response:
            puzzle = json.loads(response.read())["pow"]
        for engine in ("webcrypto", "js"):
            times[engine].append(page.evaluate(WORKER, [puzzle, engine]))
        began = time.process_time()
        solve_work(puzzle)
        times["python"].append((time.process_time() - began) * 1000)
    context.close()
    return statistics.median(times["webcrypto"]), statistics.median(times["js"]), statistics.median(times["python"])
