"""Helpers for ``benchmarks/solver_attack.py``: sample generation and the CTC solver."""
