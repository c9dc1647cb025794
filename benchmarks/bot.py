"""The perfect-solver bot of ``python -m benchmarks.bots``: one thread per loopback address.

It never misreads a picture (the site's bench-only middleware hands it the answer, as a
network trained on our pictures would nearly always read it), pays the proof of work in
Python with ``django_captcha_guard.testing.solve_work``, tries without a captcha first
where progressive mode may let it, backs off as ``Retry-After`` says, and leaves a number
alone while the site says that number had its share. Everything it spends is measured:
its process's CPU time, divided by the actions the site accepted.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from django_captcha_guard.testing import solve_work


@dataclass
class Outcome:
    seconds: float
    addresses: int
    subjects: int
    accepted: list[tuple[float, str, str]] = field(default_factory=list)  # (wall time, address, number)
    statuses: Counter[int] = field(default_factory=Counter)
    cpu_seconds: float = 0.0

    def per_minute(self, count: float) -> float:
        return count * 60 / self.seconds

    def per_address(self) -> float:
        return self.per_minute(len(self.accepted) / self.addresses)

    def per_subject(self) -> float:
        return self.per_minute(len(self.accepted) / self.subjects)

    def most_in_a_minute(self, by: int) -> int:
        """The most actions accepted for one address (by=1) or one number (by=2) in any 60 s."""
        most = 0
        for who in {event[by] for event in self.accepted}:
            times = sorted(event[0] for event in self.accepted if event[by] == who)
            start = 0
            for end, moment in enumerate(times):
                while moment - times[start] >= 60:
                    start += 1
                most = max(most, end - start + 1)
        return most

    def most_in_a_window(self) -> int:
        """The most actions accepted for one address within one of RATE_LIMIT's windows (a clock minute)."""
        counts = Counter((event[1], int(event[0] // 60)) for event in self.accepted)
        return max(counts.values(), default=0)

    def cpu_ms_per_action(self) -> float:
        return self.cpu_seconds * 1000 / max(1, len(self.accepted))


class Bot:
    def __init__(self, url: str, kind: str, numbers: list[str], tries_without: bool = False) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port
        self.kind = kind  # "ours" or "incumbent"
        self.tries_without = tries_without  # progressive mode: first try without a captcha
        self.numbers = numbers
        self.resting: dict[str, float] = {}  # number -> when the site will take it again
        self.lock = threading.Lock()

    def request(self, address: str, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60, source_address=(address, 0))
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def attack(self, addresses: list[str], seconds: float) -> Outcome:
        outcome = Outcome(seconds, len(addresses), len(self.numbers))
        deadline = time.monotonic() + seconds
        began = time.process_time()
        threads = [threading.Thread(target=self._run, args=(a, i, deadline, outcome)) for i, a in enumerate(addresses)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        outcome.cpu_seconds = time.process_time() - began
        return outcome

    def _run(self, address: str, index: int, deadline: float, outcome: Outcome) -> None:
        turn = index
        while time.monotonic() < deadline:
            number = self._next_number(turn)
            turn += 1
            if number is None:
                time.sleep(0.2)
                continue
            status, wait = self._act(address, number)
            with self.lock:
                outcome.statuses[status] += 1
                if status == 200:
                    outcome.accepted.append((time.time(), address, number))
            if wait:
                time.sleep(max(0.0, min(wait, deadline - time.monotonic())))

    def _next_number(self, turn: int) -> str | None:
        now = time.monotonic()
        for offset in range(len(self.numbers)):
            number = self.numbers[(turn + offset) % len(self.numbers)]
            if self.resting.get(number, 0) <= now:
                return number
        return None

    def _act(self, address: str, number: str) -> tuple[int, float]:
        """One attempt at the action; (status, seconds to wait before the next)."""
        if self.kind == "incumbent":
            return self._act_incumbent(address, number)
        fields = {"mobile": number}
        if self.tries_without:
            status, headers, body = self._post(address, fields)
            if status != 400 or json.loads(body).get("reason") != "missing":
                return self._result(status, headers, number)  # let through unchallenged, or refused otherwise
        status, headers, body = self.request(address, "GET", "/captcha/new/?scope=sms", None, {"X-Bench-Solve": "1"})
        if status != 200:
            return status, float(headers.get("Retry-After", "1"))
        challenge = json.loads(body)
        fields.update(captcha_key=challenge["key"], captcha_answer=headers["X-Bench-Answer"])
        if "pow" in challenge:
            fields["captcha_pow"] = solve_work(challenge["pow"])
        status, headers, _body = self._post(address, fields)
        return self._result(status, headers, number)

    def _post(self, address: str, fields: dict[str, str]) -> tuple:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        return self.request(address, "POST", "/sms/", json.dumps(fields).encode(), headers)

    def _result(self, status: int, headers: http.client.HTTPMessage, number: str) -> tuple[int, float]:
        if status == 429:  # this number had its share: leave it alone until the site takes it again
            self.resting[number] = time.monotonic() + float(headers.get("Retry-After", "60"))
        return status, 0.0

    def _act_incumbent(self, address: str, number: str) -> tuple[int, float]:
        ajax = {"X-Requested-With": "XMLHttpRequest", "X-Bench-Solve": "1"}
        status, headers, body = self.request(address, "GET", "/captcha/refresh/", None, ajax)
        if status != 200:
            return status, 1.0
        fields = {"mobile": number, "captcha_0": json.loads(body)["key"], "captcha_1": headers["X-Bench-Answer"]}
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        status, _headers, _body = self.request(address, "POST", "/sms/", urlencode(fields).encode(), form)
        return status, 0.0
