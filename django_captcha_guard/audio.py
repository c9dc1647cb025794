"""The audio challenge: the picture's characters, spoken, mixed in pure Python.

No Django import and no external program: the voices are bundled clips (``voices/``, built
once with eSpeak NG, see its README), 8,000 Hz 8-bit mono WAV. :func:`mix` strings together
a spoken instruction and one clip per character, with random gaps, a random speed (and so
pitch) and loudness per character, and white noise under the whole clip. Every random choice
comes from the generator it is given, which the view seeds from the key and the secret as
the picture's is: a replayed URL gives the same bytes, so fetching it many times averages
no noise away.

The audio says what the picture shows, so one key keeps one answer: letters by name, digits
one by one, and a calculation as whole numbers ("twelve plus seven"). A challenge with
anything else (a custom challenge function's question) has no audio: :func:`words` is None.

All the per-sample work runs in C: ``bytes.translate`` scales loudness, slicing and
``bytes.join`` change the speed, and the noise is added to the whole clip at once as one
big-integer addition (each byte is a lane: speech peaks at ``128 ± PEAK`` and noise stays
below ``2 * NOISE_HALF``, so no lane ever carries into the next).
"""

from __future__ import annotations

import functools
import io
import random
import wave
from importlib import resources

__all__ = [
    "DIGITS",
    "GAIN",
    "GAP",
    "LETTERS",
    "NOISE_HALF",
    "OPERATORS",
    "PEAK",
    "RATE",
    "STRETCH",
    "VOICES",
    "clips",
    "mix",
    "words",
]

RATE = 8000  # samples a second: telephone quality, clear speech in small clips
PEAK = 114  # the bundled clips peak at 128 ± PEAK, leaving room for the noise
NOISE_HALF = 6  # uniform noise of ±6: its peaks 25.6 dB and its RMS 30.4 dB below the speech peaks of ±114
VOICES = ("en", "zh_Hans")
OPERATORS = {"+": "plus", "-": "minus", "×": "times"}
LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
DIGITS = frozenset("0123456789")

# Seconds of silence (before the noise is laid over it): fixed around the instruction,
# random between characters, so a solver cannot cut the clip at known offsets.
LEAD, AFTER_INSTRUCTION, TAIL = 0.1, 0.4, 0.1
GAP = (0.2, 0.4)
GAIN = (0.7, 1.0)  # loudness of each character
STRETCH = (12, 25)  # one sample in every 12 to 25 dropped or doubled: 4 to 8 % faster or slower

_NOISE_TABLE = bytes(value * (2 * NOISE_HALF + 1) // 256 for value in range(256))


def words(display: str) -> list[str] | None:
    """The clip names that speak ``display``, instruction first; None if it cannot be spoken.

    ``"AK3M4"`` is ``intro-text, A, K, 3, M, 4``; ``"12 + 7 ="`` is ``intro-sum, 12, plus, 7``
    (the arithmetic challenge's numbers are at most 20, and ``=`` needs no word).
    """
    parts = display.split()
    if len(parts) == 4 and parts[1] in OPERATORS and parts[3] == "=" and all(_number(p) for p in parts[::2]):
        return ["intro-sum", parts[0], OPERATORS[parts[1]], parts[2]]
    characters = display.upper()
    if not characters or not set(characters) <= LETTERS | DIGITS:
        return None
    return ["intro-text", *characters]


def _number(text: str) -> bool:
    return text.isdecimal() and text.isascii() and int(text) <= 20 and str(int(text)) == text


@functools.cache
def clips(voice: str) -> dict[str, bytes]:
    """Every bundled clip of ``voice`` as 8-bit samples, read once per process."""
    folder = resources.files("django_captcha_guard.voices") / voice
    found = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".wav"):
            with entry.open("rb") as file, wave.open(file, "rb") as clip:
                found[entry.name.removesuffix(".wav")] = clip.readframes(clip.getnframes())
    return found


def mix(display: str, rng: random.Random, voice: str = "en") -> bytes | None:
    """The WAV file speaking ``display`` in ``voice``, every random choice drawn from ``rng``."""
    names = words(display)
    if names is None:
        return None
    voice_clips = clips(voice)
    parts = [_silence(LEAD), voice_clips[names[0]], _silence(AFTER_INSTRUCTION)]
    for name in names[1:]:
        parts.append(_vary(voice_clips[name], rng))
        parts.append(_silence(rng.uniform(*GAP)))
    parts[-1] = _silence(TAIL)
    speech = b"".join(parts)
    return _wav(_add_noise(speech, rng))


def _silence(seconds: float) -> bytes:
    return b"\x80" * round(seconds * RATE)


def _vary(clip: bytes, rng: random.Random) -> bytes:
    """One character at a random loudness and speed: quieter via a lookup table, faster or slower by whole samples."""
    gain = rng.uniform(*GAIN)
    louder = bytes(128 + round((value - 128) * gain) for value in range(256))
    clip = clip.translate(louder)
    every = rng.randint(*STRETCH)
    chunks = [clip[i : i + every] for i in range(0, len(clip), every)]
    if rng.random() < 0.5:
        return b"".join(chunk[:-1] for chunk in chunks)  # faster and higher
    return b"".join(chunk + chunk[-1:] for chunk in chunks)  # slower and lower


def _add_noise(speech: bytes, rng: random.Random) -> bytes:
    """Speech plus white noise of ±NOISE_HALF, byte by byte, as one big-integer sum (see the module docstring)."""
    size = len(speech)
    noise = rng.randbytes(size).translate(_NOISE_TABLE)
    total = int.from_bytes(speech) + int.from_bytes(noise) - int.from_bytes(bytes([NOISE_HALF]) * size)
    return total.to_bytes(size)


def _wav(samples: bytes) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(1)
        clip.setframerate(RATE)
        clip.writeframes(samples)
    return out.getvalue()
