"""Pillow renderer (placeholder until the renderer lands)."""

from __future__ import annotations

import random
from typing import Any


def minimum_size(characters: int) -> tuple[int, int]:
    """Smallest (width, height) in which ``characters`` glyphs fit unclipped."""
    return (max(characters, 1) * 18 + 16, 40)


def render(
    display: str,
    rng: random.Random,
    *,
    scale: int = 1,
    image_format: str | None = None,
    config: dict[str, Any] | None = None,
) -> bytes:
    """Draw ``display`` with noise from ``rng``; return encoded image bytes."""
    raise NotImplementedError
