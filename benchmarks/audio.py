"""Audio benchmark: bytes and milliseconds per spoken challenge, next to two references.

    python -m benchmarks.audio [--clips 1000] [--cpu 0]

One process, one thread, pinned to one CPU. The clips are loaded first (as in a running
server); then each clip is mixed from a fresh key's seeded generator and timed with
``time.perf_counter`` (CPU time is printed too: on a shared machine the wall clock also
counts waiting for the CPU). References, measured in the same run:

- the same mix with the noise added sample by sample in a Python loop (what the big-integer
  addition in ``audio._add_noise`` replaces);
- drawing the default picture for the same keys (``views.picture``), the cost the audio sits beside.

Targets: under 50 KB and under 5 ms per clip. Reported, never asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable

CASES = [
    ("text, English", {}, "en"),
    ("text, Mandarin", {}, "zh_Hans"),
    ("arithmetic, English", {"CHALLENGE": "arithmetic"}, "en"),
    ("arithmetic, Mandarin", {"CHALLENGE": "arithmetic"}, "zh_Hans"),
]


def configure() -> None:
    import django
    from django.conf import settings

    settings.configure(SECRET_KEY="benchmark-only", INSTALLED_APPS=["django_captcha_guard"], CAPTCHA_GUARD={})
    django.setup()


def naive_mix(display: str, rng: random.Random, voice: str) -> bytes | None:
    """``audio.mix`` with the noise added in a per-sample Python loop."""
    from django_captcha_guard import audio

    original = audio._add_noise

    def per_sample(speech: bytes, rng: random.Random) -> bytes:
        noise = rng.randbytes(len(speech)).translate(audio._NOISE_TABLE)
        return bytes([s + n - audio.NOISE_HALF for s, n in zip(speech, noise, strict=True)])

    audio._add_noise = per_sample
    try:
        return audio.mix(display, rng, voice)
    finally:
        audio._add_noise = original


def timed(function: Callable[[], object], count: int) -> tuple[list[float], float]:
    """Milliseconds per call (wall clock) and CPU milliseconds per call."""
    times = []
    cpu = time.process_time()
    for _ in range(count):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times, (time.process_time() - cpu) * 1000 / count


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95)]
    return f"median {statistics.median(ordered):6.3f} ms  p95 {p95:6.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=1000)
    parser.add_argument("--cpu", type=int, default=0, help="CPU to pin to (-1: do not pin)")
    args = parser.parse_args()
    if args.cpu >= 0:
        os.sched_setaffinity(0, {args.cpu})
    configure()
    from django.test import override_settings

    from django_captcha_guard import audio, core, views
    from django_captcha_guard.challenges import challenge_for

    for voice in audio.VOICES:
        audio.clips(voice)
    print(f"audio benchmark: {args.clips} clips per case, 8,000 Hz 8-bit mono WAV")
    for label, options, voice in CASES:
        with override_settings(CAPTCHA_GUARD=options):
            keys = iter([core.new_key() for _ in range(args.clips * 3 + 1)])
            sizes = []

            def ours() -> None:
                challenge, rng = challenge_for(next(keys))
                body = audio.mix(challenge.display, rng, voice)
                assert body is not None
                sizes.append(len(body))

            def reference() -> None:
                challenge, rng = challenge_for(next(keys))
                naive_mix(challenge.display, rng, voice)

            def picture() -> None:
                views.picture(next(keys))

            ours()  # warm
            mixed, mixed_cpu = timed(ours, args.clips)
            naive, naive_cpu = timed(reference, args.clips)
            drawn, drawn_cpu = timed(picture, args.clips)
        sizes.sort()
        print(f"\n{label}")
        print(
            f"  clip size       min {sizes[0] / 1000:.1f} KB  median {statistics.median(sizes) / 1000:.1f} KB  "
            f"max {sizes[-1] / 1000:.1f} KB  (target < 50 KB)"
        )
        print(f"  mix (ours)      {summary(mixed)}  CPU {mixed_cpu:.3f} ms  (target < 5 ms)")
        faster = naive_cpu / mixed_cpu
        print(f"  mix, per-sample {summary(naive)}  CPU {naive_cpu:.3f} ms  ours is {faster:.1f}x faster")
        share = mixed_cpu / drawn_cpu
        print(f"  picture         {summary(drawn)}  CPU {drawn_cpu:.3f} ms  audio/picture CPU {share:.2f}")


if __name__ == "__main__":
    main()
