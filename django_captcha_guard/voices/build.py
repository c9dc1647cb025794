"""Build the bundled voice clips beside this file with eSpeak NG (a development tool, run once).

    apt-get install espeak-ng
    .venv/bin/python -m django_captcha_guard.voices.build

It ships with the clips so that anyone can see, and redo, how they were made.

Each word is synthesised on its own (``espeak-ng -w``, 22,050 Hz 16-bit), its leading and
trailing silence trimmed, resampled to 8,000 Hz through a windowed-sinc low-pass (telephone
quality: speech stays clear and every clip stays small), peak-normalised to
``audio.PEAK`` around the 8-bit midpoint and written as 8-bit mono WAV. The headroom
left above and below ``PEAK`` is what lets the mixer add noise without clipping.

English uses the ``en-us`` voice; Mandarin uses ``cmn-latn-pinyin`` (its character
dictionary lacks words such as 加, so words are written in pinyin) and ``cmn`` for Latin
letters, which that voice reads as English letter names, as Chinese speakers do.
"""

from __future__ import annotations

import array
import math
import subprocess
import tempfile
import wave
from pathlib import Path

from django_captcha_guard.audio import PEAK, RATE

VOICES = Path(__file__).resolve().parent

LETTERS = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
PINYIN_DIGITS = ["ling2", "yi1", "er4", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3", "shi2"]


def pinyin_number(n: int) -> str:
    """0 to 20 in pinyin: shi2 yi1 is 11, er4 shi2 is 20."""
    if n <= 10:
        return PINYIN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return " ".join(([PINYIN_DIGITS[tens]] if tens > 1 else []) + ["shi2"] + ([PINYIN_DIGITS[ones]] if ones else []))


# (voice, text) for every clip name: letters, the numbers 0-20, three operators, two instructions.
WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        **{letter: ("en-us", letter) for letter in LETTERS},
        **{str(n): ("en-us", str(n)) for n in range(21)},
        "plus": ("en-us", "plus"),
        "minus": ("en-us", "minus"),
        "times": ("en-us", "times"),
        "intro-text": ("en-us", "Type the characters you hear."),
        "intro-sum": ("en-us", "Type the result of the calculation you hear."),
    },
    "zh_Hans": {
        **{letter: ("cmn", letter) for letter in LETTERS},
        **{str(n): ("cmn-latn-pinyin", pinyin_number(n)) for n in range(21)},
        "plus": ("cmn-latn-pinyin", "jia1"),
        "minus": ("cmn-latn-pinyin", "jian3"),
        "times": ("cmn-latn-pinyin", "cheng2 yi3"),
        # 请输入听到的字符 / 请输入听到的算式的结果
        "intro-text": ("cmn-latn-pinyin", "qing3 shu1ru4 ting1dao4 de zi4fu2"),
        "intro-sum": ("cmn-latn-pinyin", "qing3 shu1ru4 ting1dao4 de suan4shi4 de jie2guo3"),
    },
}


def synthesise(voice: str, text: str, speed: int) -> tuple[array.array[int], int]:
    with tempfile.NamedTemporaryFile(suffix=".wav") as out:
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", out.name, text], check=True)
        with wave.open(out.name, "rb") as clip:
            assert clip.getsampwidth() == 2 and clip.getnchannels() == 1
            samples = array.array("h", clip.readframes(clip.getnframes()))
            return samples, clip.getframerate()


def trim(samples: array.array[int], threshold: int = 300) -> list[int]:
    loud = [i for i, s in enumerate(samples) if abs(s) > threshold]
    return list(samples[loud[0] : loud[-1] + 1])


def resample(samples: list[int], source: int, target: int, taps: int = 16) -> list[float]:
    """Windowed-sinc resampling with the cut-off just below the target's Nyquist frequency."""
    ratio = source / target
    cutoff = 0.9 / ratio  # of the source's Nyquist frequency
    out = []
    for i in range(int(len(samples) / ratio)):
        centre = i * ratio
        first = math.floor(centre) - taps * math.ceil(ratio)
        total = 0.0
        for j in range(max(0, first), min(len(samples), first + 2 * taps * math.ceil(ratio) + 1)):
            x = j - centre
            window = 0.5 + 0.5 * math.cos(math.pi * x / (taps * ratio)) if abs(x) < taps * ratio else 0.0
            sinc = cutoff if x == 0 else math.sin(math.pi * cutoff * x) / (math.pi * x)
            total += samples[j] * sinc * window
        out.append(total)
    return out


def to_8bit(samples: list[float]) -> bytes:
    peak = max(abs(s) for s in samples) or 1.0
    return bytes(128 + round(s * PEAK / peak) for s in samples)


def main() -> None:
    for language, words in WORDS.items():
        folder = VOICES / language
        folder.mkdir(parents=True, exist_ok=True)
        for name, (voice, text) in words.items():
            # Characters at 150 words a minute (eSpeak's default is 175) to be clear; the
            # instruction, which is no secret, at 170 to keep the clip under 50 KB.
            samples, rate = synthesise(voice, text, 170 if name.startswith("intro") else 150)
            data = to_8bit(resample(trim(samples), rate, RATE))
            with wave.open(str(folder / f"{name}.wav"), "wb") as clip:
                clip.setnchannels(1)
                clip.setsampwidth(1)
                clip.setframerate(RATE)
                clip.writeframes(data)
            print(f"{language}/{name}.wav {len(data) / RATE:.2f} s")


if __name__ == "__main__":
    main()
