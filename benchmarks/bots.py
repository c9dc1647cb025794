"""``python -m benchmarks.bots``: what a perfect solver gets through each cost layer, and what a person pays.

    python -m benchmarks.bots [--seconds 60] [--browser-runs 11]

For each site (django-simple-captcha 0.7.0, and ours with the defaults, progressive mode,
proof of work, and all three: progressive, proof of work and one code per number a minute),
a bot (``benchmarks/bot.py``) attacks a "send SMS code" API for ``--seconds`` from one
loopback address and then from sixteen (127.0.x.y), aiming at four phone numbers. Before the
attack, Chromium loads the site's form page (``benchmarks/person.py``). Both sites run under
gunicorn with two sync workers, on SQLite; our counters are in Redis (database 11, under a
prefix of this run, deleted afterwards). Ratios compare with simple-captcha in the same run.
Targets are reported, never asserted.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

import redis
from playwright.sync_api import sync_playwright

from benchmarks import servers
from benchmarks.bot import Bot, Outcome
from benchmarks.person import PersonCost, measure

CHROMIUM = "/usr/bin/chromium"
RATE_LIMIT = 60  # bots_site.settings


@dataclass(frozen=True)
class Target:
    label: str
    kind: str  # "ours" or "incumbent"
    layers: str = ""


TARGETS = [
    Target("django-simple-captcha 0.7.0", "incumbent"),
    Target("ours: defaults", "ours"),
    Target("ours: progressive", "ours", "progressive"),
    Target("ours: proof of work", "ours", "pow"),
    Target("ours: all three", "ours", "progressive,pow,subject"),
]
PHASES = {1: ["127.0.0.2"], 16: [f"127.0.1.{n}" for n in range(1, 17)]}


def run_target(target: Target, seconds: float, runs: int, browser: object) -> tuple[PersonCost, dict[int, Outcome]]:
    prefix = f"bots-{secrets.token_hex(6)}"
    if target.kind == "incumbent":
        python = servers.ensure_incumbent_venv()
        env = servers.site_env("incumbent.bots_settings", "bots-incumbent.sqlite3")
    else:
        python = Path(sys.executable)
        env = servers.site_env("bots_site.settings", "bots-ours.sqlite3", store="cache")  # STORE: the default
        env.update(BOTS_LAYERS=target.layers, BOTS_SECRET_KEY=secrets.token_urlsafe(32), BOTS_PREFIX=prefix)
    servers.migrate(python, env)
    try:
        with servers.serve(python, env) as site:
            person = measure(browser, site.url, runs)  # type: ignore[arg-type]
            outcomes = {}
            for count, addresses in PHASES.items():
                numbers = [f"13{count:02d}{target.layers.count(',')}{n:07d}" for n in range(4)]
                bot = Bot(site.url, target.kind, numbers, tries_without="progressive" in target.layers)
                outcomes[count] = bot.attack(addresses, seconds)
    finally:
        client = redis.Redis.from_url(servers.REDIS_URL)
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
    return person, outcomes


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}" if theirs else "n/a"


def render(results: dict[str, tuple[PersonCost, dict[int, Outcome]]]) -> list[str]:
    header = (
        "| site | addresses | accepted /min /address | most per address in 60 s | most per address in a clock minute "
        "| accepted /min /number "
        "| most per number in 60 s | bot CPU ms /accepted | statuses | person: extra requests | picture "
        "| stamp ready ms | × accepted /address | × bot CPU /accepted |"
    )
    lines = [header, "|" + " --- |" * 14]
    base = results[TARGETS[0].label][1]
    for label, (person, outcomes) in results.items():
        for count, outcome in outcomes.items():
            reference = base[count]
            statuses = ", ".join(f"{s} x{n}" for s, n in sorted(outcome.statuses.items()))
            ready = f"{person.stamp_ready_ms:.0f}" if person.stamp_ready_ms is not None else "none"
            lines.append(
                f"| {label} | {count} | {outcome.per_address():.1f} | {outcome.most_in_a_minute(1)} "
                f"| {outcome.most_in_a_window()} "
                f"| {outcome.per_subject():.1f} | {outcome.most_in_a_minute(2)} | {outcome.cpu_ms_per_action():.1f} "
                f"| {statuses} | {person.extra_requests} | {'yes' if person.picture else 'no'} | {ready} "
                f"| {ratio(outcome.per_address(), reference.per_address())} "
                f"| {ratio(outcome.cpu_ms_per_action(), reference.cpu_ms_per_action())} |"
            )
    return lines


def targets(results: dict[str, tuple[PersonCost, dict[int, Outcome]]]) -> list[str]:
    defaults = results["ours: defaults"][1]
    all_three = results["ours: all three"][1]
    work = results["ours: proof of work"]
    per_number = max(outcome.most_in_a_minute(2) for outcome in all_three.values())
    per_window = max(outcome.most_in_a_window() for outcome in defaults.values())
    per_address = max(outcome.most_in_a_minute(1) for outcome in defaults.values())
    cpu = min(outcome.cpu_ms_per_action() for outcome in work[1].values())
    progressive = results["ours: progressive"][0]
    met = {True: "met", False: "NOT met"}
    return [
        f"per subject: at most 1 accepted SMS per number in any 60 s with the 1/m limit: {per_number} "
        f"({met[per_number <= 1]})",
        f"per address: at most RATE_LIMIT={RATE_LIMIT} accepted per address per minute with the defaults: "
        f"{per_window} in one clock minute, RATE_LIMIT's window ({met[per_window <= RATE_LIMIT]}); {per_address} in "
        f"any 60 s, across a window boundary ({met[per_address <= RATE_LIMIT]})",
        f"CPU: proof of work costs the bot at least 50 ms per accepted action: {cpu:.1f} ms ({met[cpu >= 50]}); "
        f"one puzzle: Python {work[0].python_cpu_ms:.0f} ms CPU, Chromium Web Crypto {work[0].webcrypto_ms:.0f} ms, "
        f"Chromium bundled SHA-256 {work[0].js_ms:.0f} ms (medians)",
        f"people: progressive mode shows a person who has not failed no picture: "
        f"{'no picture' if not progressive.picture else 'a picture'} ({met[not progressive.picture]})",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--browser-runs", type=int, default=11)
    args = parser.parse_args()
    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        for target in TARGETS:
            print(f"{target.label}: attacking for {args.seconds:.0f} s from 1 and 16 addresses ...", flush=True)
            results[target.label] = run_target(target, args.seconds, args.browser_runs, browser)
        browser.close()
    print(f"\nbots: {args.seconds:.0f} s per phase, {args.browser_runs} browser page loads per site\n")
    print("\n".join(render(results)))
    print()
    print("\n".join(targets(results)))


if __name__ == "__main__":
    main()
