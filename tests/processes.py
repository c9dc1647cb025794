"""Stopping the servers that tests and benchmarks start as child processes."""

from __future__ import annotations

import subprocess
from typing import Any


def stop(process: subprocess.Popen[Any], timeout: float = 15) -> None:
    """Ask ``process`` to exit, and kill it if it has not within ``timeout`` seconds.

    A server left running would hold its port and skew the next test or benchmark phase.
    """
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
