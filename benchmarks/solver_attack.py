"""Attacker benchmark: how often does a small neural network trained on our own pictures solve them?

The package is open source, so an attacker can render unlimited labelled pictures with
our renderer. This script plays that attacker on the CPU: it renders ``--images`` fresh
pictures at the current settings on every core, trains a small CRNN with CTC loss for
``--minutes`` of wall clock on two threads, and reports the exact-match and per-character
solve rates on ``--test-images`` fresh pictures, next to Tesseract's rate on the same ones.

Run by hand, never in CI (it needs the ``bench`` extra, i.e. torch, and about a quarter
of an hour)::

    pip install -e '.[bench]'
    python -m benchmarks.solver_attack                     # the default settings
    python -m benchmarks.solver_attack --difficulty hard --minutes 6

The figures are a floor on what an attacker can do, not a ceiling: more data, more time,
a GPU or a better network all do better.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

# torch warns at import when numpy is absent; the benchmark does not need numpy.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
# On a shared machine, OpenMP threads that spin while waiting for a descheduled peer made
# two-thread training up to ten times slower than one thread; passive waiting avoids that.
# It must be set before torch loads its OpenMP runtime.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402

from benchmarks.solver import data, model  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=20_000, help="training pictures (default 20000)")
    parser.add_argument("--minutes", type=float, default=12.0, help="training wall clock (default 12)")
    parser.add_argument("--test-images", type=int, default=1_000, help="fresh pictures scored (default 1000)")
    parser.add_argument("--difficulty", help='CAPTCHA_GUARD["DIFFICULTY"], e.g. easy, normal or hard')
    parser.add_argument(
        "--setting", action="append", default=[], metavar="KEY=JSON", help="any other CAPTCHA_GUARD key, e.g. LENGTH=4"
    )
    parser.add_argument("--seed", type=int, help="seeds the network, shuffling and jitter (pictures are always fresh)")
    parser.add_argument("--height", type=int, default=32, help="pixel rows the network reads (multiple of 16)")
    parser.add_argument("--color", action="store_true", help="read RGB instead of grey")
    parser.add_argument("--widths", default="32,64,96,128", help="channels of the four convolution stages")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3, help="peak learning rate of the one-cycle schedule")
    parser.add_argument("--threads", type=int, default=2, help="torch threads for training (default 2)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="rendering processes")
    parser.add_argument("--no-tesseract", action="store_true", help="skip the Tesseract baseline")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--samples", type=Path, help="write a few test pictures, named truth_guess, into this folder")
    args = parser.parse_args(argv)
    if args.height % 16:
        parser.error("--height must be a multiple of 16")
    if len(args.widths.split(",")) != 4:
        parser.error("--widths takes four channel counts")
    return args


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The ``CAPTCHA_GUARD`` dict the pictures are rendered with."""
    chosen: dict[str, Any] = {}
    for item in args.setting:
        key, _, value = item.partition("=")
        chosen[key] = json.loads(value)
    if args.difficulty:
        chosen["DIFFICULTY"] = args.difficulty
    return chosen


def tesseract_rate(encoded: list[bytes], answers: list[str], config: dict[str, Any], workers: int) -> float:
    """Tesseract's exact-match rate on the very same test pictures, read by ``ocr_attack``'s own runner.

    A picture counts as solved when either page-segmentation mode (one line, one word) reads it.
    """
    from benchmarks import ocr_attack

    alphabet = config["ALPHABET"]
    whitelist = alphabet if config["CASE_SENSITIVE"] else "".join(sorted(set(alphabet.upper() + alphabet.lower())))
    suffix = config["FORMAT"].lower()
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / f"{n}.{suffix}" for n in range(len(encoded))]
        for path, picture in zip(paths, encoded, strict=True):
            path.write_bytes(picture)
        jobs = [(n, mode) for n in range(len(paths)) for mode in ocr_attack.MODES]
        with ThreadPoolExecutor(workers) as pool:
            readings = list(pool.map(lambda job: ocr_attack.read(paths[job[0]], job[1], whitelist), jobs))
    solved = {n for (n, _mode), text in zip(jobs, readings, strict=True) if text.casefold() == answers[n].casefold()}
    return len(solved) / len(answers)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    if args.seed is not None:
        torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    config = data.configure_django(overrides(args))
    normalise = (lambda text: text) if config["CASE_SENSITIVE"] else str.upper
    shape = data.fit_shape(3 if args.color else 1, args.height)
    log(f"settings {overrides(args) or 'default'}; the network reads {shape}")

    started = time.monotonic()
    answers, pixels, _ = data.generate(args.images, shape, args.workers)
    val_answers, val_pixels, _ = data.generate(min(500, args.test_images), shape, args.workers)
    test_answers, test_pixels, encoded = data.generate(args.test_images, shape, args.workers, keep_encoded=True)
    counts = f"{args.images} + {len(val_answers)} + {args.test_images}"
    log(f"rendered {counts} (training + validation + test) pictures in {time.monotonic() - started:.0f} s")

    def tensor(raw: bytes, count: int) -> torch.Tensor:
        return torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(
            count, shape.channels, shape.height, shape.width
        )

    answers = [normalise(a) for a in answers]
    val_answers = [normalise(a) for a in val_answers]
    test_answers = [normalise(a) for a in test_answers]
    codec = model.Codec(answers)
    targets, lengths = codec.encode(answers)
    widths = [int(w) for w in args.widths.split(",")]
    solver = model.Solver(codec.classes, shape.channels, shape.height, widths)
    val = tensor(val_pixels, len(val_answers))

    def report(progress: model.Progress) -> None:
        exact, per_char = model.score(val_answers, model.predict(solver, codec, val))
        log(
            f"{progress.seconds / 60:4.1f} min, epoch {progress.epochs:5.2f}, loss {progress.loss:6.3f}: "
            f"validation exact {exact:6.1%}, per character {per_char:6.1%}"
        )

    final = model.train(
        solver,
        tensor(pixels, len(answers)),
        targets,
        lengths,
        seconds=args.minutes * 60,
        batch=args.batch,
        peak_lr=args.lr,
        report=report,
    )
    guesses = model.predict(solver, codec, tensor(test_pixels, len(test_answers)))
    exact, per_char = model.score(test_answers, guesses)
    tesseract = None if args.no_tesseract else tesseract_rate(encoded, test_answers, config, args.workers)
    figures = {
        "settings": overrides(args),
        "images": args.images,
        "test_images": args.test_images,
        "minutes": args.minutes,
        "epochs": round(final.epochs, 2),
        "steps": final.steps,
        "exact": exact,
        "per_char": per_char,
        "tesseract_exact": tesseract,
        # The machine is shared: the load average says how much of the budget the attacker really had.
        "load_average": os.getloadavg()[0],
        "command": "python -m benchmarks.solver_attack " + " ".join(sys.argv[1:] if argv is None else argv),
    }
    tesseract_text = "not run" if tesseract is None else f"{tesseract:.1%}"
    log(
        f"RESULT: CNN+CTC exact {exact:.1%}, per character {per_char:.1%}; Tesseract exact {tesseract_text} "
        f"({args.test_images} fresh pictures; {args.images} training pictures, {args.minutes:g} min, "
        f"{final.epochs:.1f} epochs, load average {figures['load_average']:.1f})"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if args.samples:
        write_samples(args.samples, test_answers, guesses, encoded, config["FORMAT"].lower())
    return figures


def write_samples(folder: Path, truths: list[str], guesses: list[str], encoded: list[bytes], suffix: str) -> None:
    """A dozen test pictures named ``<n>_<answer>_<guess>``, to see what the solver gets wrong."""
    folder.mkdir(parents=True, exist_ok=True)
    for n, (truth, guess, picture) in enumerate(zip(truths[:12], guesses, encoded, strict=False)):
        (folder / f"{n:02d}_{truth}_{guess or '-'}.{suffix}").write_bytes(picture)


if __name__ == "__main__":
    main()
