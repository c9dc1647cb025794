"""Benchmarks, run by ``make bench`` (``python -m benchmarks.run``) or one by one.

They live beside the package, not in ``tests/``: pytest never collects them and the
package never imports them. Each prints ratios against references measured in the same run.
"""
