"""A small CRNN (convolutions, then a bidirectional GRU) trained with CTC loss on the CPU.

This is the standard recipe for reading text captchas: it needs no segmentation, so
crowded or touching glyphs do not stop it, and CTC handles answers of any length. The
learning rate follows a one-cycle shape keyed on the wall clock rather than on a step
count, because the budget is minutes on a shared machine, not a number of steps.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F


def _block(inputs: int, outputs: int) -> list[nn.Module]:
    return [nn.Conv2d(inputs, outputs, 3, padding=1, bias=False), nn.BatchNorm2d(outputs), nn.ReLU(inplace=True)]


class Solver(nn.Module):
    """Pixels (N, C, H, W) in, per-column class scores (N, W/4, classes) out; class 0 is the CTC blank.

    Four convolution stages (``widths`` channels) halve the height each time and the width
    twice, so each output column sees a strip a quarter glyph wide with full context in
    height; a bidirectional GRU then reads the columns left to right and right to left.
    """

    def __init__(self, classes: int, channels: int, height: int, widths: Sequence[int] = (32, 64, 96, 128)) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        pools = [(2, 2), (2, 2), (2, 1), (2, 1)]
        for inputs, outputs, pool in zip([channels, *widths], widths, pools, strict=False):
            layers += [*_block(inputs, outputs), nn.MaxPool2d(pool)]
        self.features = nn.Sequential(*layers)
        rows = height // 16
        self.project = nn.Sequential(nn.Linear(widths[-1] * rows, 256), nn.ReLU(inplace=True), nn.Dropout(0.2))
        self.rnn = nn.GRU(256, 128, bidirectional=True, batch_first=True)
        self.head = nn.Linear(256, classes)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        features = self.features(pixels)
        n, c, h, t = features.shape
        columns = self.project(features.permute(0, 3, 1, 2).reshape(n, t, c * h))
        sequence, _ = self.rnn(columns)
        return self.head(sequence)


class Codec:
    """Maps answers to class indices (1..n; 0 is the blank) and greedy CTC output back to text."""

    def __init__(self, answers: Sequence[str]) -> None:
        self.symbols = sorted(set("".join(answers)))
        self.index = {symbol: i + 1 for i, symbol in enumerate(self.symbols)}

    @property
    def classes(self) -> int:
        return len(self.symbols) + 1

    def encode(self, answers: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Padded targets (N, longest) and their lengths, as ``nn.CTCLoss`` takes them."""
        longest = max(len(answer) for answer in answers)
        targets = torch.zeros(len(answers), longest, dtype=torch.long)
        for row, answer in enumerate(answers):
            targets[row, : len(answer)] = torch.tensor([self.index[symbol] for symbol in answer])
        return targets, torch.tensor([len(answer) for answer in answers])

    def decode(self, scores: torch.Tensor) -> list[str]:
        """Greedy CTC decoding: best class per column, repeats merged, blanks dropped."""
        texts = []
        for row in scores.argmax(dim=2).tolist():
            kept = [c for i, c in enumerate(row) if c and (i == 0 or c != row[i - 1])]
            texts.append("".join(self.symbols[c - 1] for c in kept))
        return texts


def prepare(pixels: torch.Tensor, augment: bool) -> torch.Tensor:
    """uint8 batch -> float batch, lightly jittered when training, normalised per picture.

    Per-picture normalisation makes random palettes and contrast irrelevant to the network;
    the jitter (small rotation, scale, shear, shift, pixel noise) stops it memorising pictures.
    """
    x = pixels.float() / 255
    n = x.shape[0]
    if augment:
        angle = (torch.rand(n) - 0.5) * math.radians(8)
        scale = 1 + (torch.rand(n) - 0.5) * 0.16
        shear = (torch.rand(n) - 0.5) * 0.2
        theta = torch.zeros(n, 2, 3)
        theta[:, 0, 0] = torch.cos(angle) / scale
        theta[:, 0, 1] = -torch.sin(angle) / scale + shear
        theta[:, 1, 0] = torch.sin(angle) / scale
        theta[:, 1, 1] = torch.cos(angle) / scale
        theta[:, 0, 2] = (torch.rand(n) - 0.5) * 0.08
        theta[:, 1, 2] = (torch.rand(n) - 0.5) * 0.16
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        x = F.grid_sample(x, grid, padding_mode="border", align_corners=False)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    std = x.std(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) / (std + 1e-3)
    if augment:
        x = x + torch.randn_like(x) * 0.1
    return x


def one_cycle(fraction: float, peak: float) -> float:
    """Learning rate at ``fraction`` of the budget: warm up over 15%, then cosine down to peak/1000."""
    warm = 0.15
    if fraction < warm:
        return peak * (0.04 + 0.96 * fraction / warm)
    progress = min(1.0, (fraction - warm) / (1 - warm))
    return peak / 1000 + (peak - peak / 1000) * 0.5 * (1 + math.cos(math.pi * progress))


@dataclass
class Progress:
    epochs: float
    steps: int
    seconds: float
    loss: float


def train(
    model: Solver,
    pixels: torch.Tensor,
    targets: torch.Tensor,
    lengths: torch.Tensor,
    *,
    seconds: float,
    batch: int,
    peak_lr: float,
    report: Callable[[Progress], None],
    report_every: float = 60.0,
) -> Progress:
    """AdamW on CTC loss until ``seconds`` of wall clock have passed, calling ``report`` every ``report_every`` s."""
    optimiser = torch.optim.AdamW(model.parameters(), lr=peak_lr, weight_decay=0.01)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    count = pixels.shape[0]
    started = last_report = time.monotonic()
    steps, seen, running = 0, 0, 0.0
    model.train()
    while True:
        order = torch.randperm(count)
        for start in range(0, count - batch + 1, batch):
            elapsed = time.monotonic() - started
            if elapsed >= seconds:
                return Progress(seen / count, steps, elapsed, running)
            for group in optimiser.param_groups:
                group["lr"] = one_cycle(elapsed / seconds, peak_lr)
            chosen = order[start : start + batch]
            scores = model(prepare(pixels[chosen], augment=True))
            log_probs = scores.log_softmax(2).permute(1, 0, 2)
            columns = torch.full((len(chosen),), log_probs.shape[0], dtype=torch.long)
            loss = ctc(log_probs, targets[chosen], columns, lengths[chosen])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimiser.step()
            steps += 1
            seen += len(chosen)
            running = loss.item() if steps == 1 else 0.98 * running + 0.02 * loss.item()
            if time.monotonic() - last_report >= report_every:
                report(Progress(seen / count, steps, time.monotonic() - started, running))
                model.train()
                last_report = time.monotonic()


@torch.no_grad()
def predict(model: Solver, codec: Codec, pixels: torch.Tensor, batch: int = 256) -> list[str]:
    """Greedy readings of every picture in ``pixels``."""
    model.eval()
    texts: list[str] = []
    for start in range(0, pixels.shape[0], batch):
        texts.extend(codec.decode(model(prepare(pixels[start : start + batch], augment=False))))
    return texts


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions each cost one."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def score(truths: Sequence[str], guesses: Sequence[str]) -> tuple[float, float]:
    """(exact-match rate, per-character rate); a character counts as read unless an edit was needed for it."""
    exact = sum(t == g for t, g in zip(truths, guesses, strict=True)) / len(truths)
    chars = sum(len(t) for t in truths)
    read = sum(max(0, len(t) - edit_distance(t, g)) for t, g in zip(truths, guesses, strict=True))
    return exact, read / chars
