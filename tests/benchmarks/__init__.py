"""Load and micro benchmarks, run by ``make bench`` (``python -m tests.benchmarks.run``).

Nothing here is named ``test_*``, so pytest never collects it; the package never imports it.
"""
