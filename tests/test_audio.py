"""The audio challenge: the bundled clips, the pure-Python mixer, and ``captcha/<key>.wav``."""

from __future__ import annotations

import io
import logging
import random
import wave
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from django_captcha_guard import audio, core, ratelimit
from django_captcha_guard.challenges import Challenge, challenge_for
from django_captcha_guard.conf import DEFAULTS, Config
from django_captcha_guard.core import Reason
from django_captcha_guard.testing import solve, solved_fields
from django_captcha_guard.views_audio import audio_url, captcha_audio
from tests.outage import DOWN
from tests.stores import Harness

pytestmark = pytest.mark.usefixtures("memory_store")

ARITHMETIC = {"+": int.__add__, "-": int.__sub__, "times": int.__mul__, "plus": int.__add__, "minus": int.__sub__}


def configure(settings: Any, **options: Any) -> None:
    settings.CAPTCHA_GUARD = {**settings.CAPTCHA_GUARD, **options}


def parse(body: bytes) -> tuple[tuple[int, int, int, int], bytes]:
    """(channels, bytes a sample, rate, frames) and the samples of a WAV file."""
    with wave.open(io.BytesIO(body), "rb") as clip:
        shape = (clip.getnchannels(), clip.getsampwidth(), clip.getframerate(), clip.getnframes())
        return shape, clip.readframes(clip.getnframes())


def duration_bounds(names: list[str], voice: str) -> tuple[float, float]:
    """The shortest and longest clip ``mix`` can make of these words: every gap and stretch at its limits."""
    clips = audio.clips(voice)
    intro = len(clips[names[0]])
    spoken = sum(len(clips[name]) for name in names[1:])
    most = 1 / audio.STRETCH[0]  # one sample in every STRETCH[0] dropped or doubled
    fixed = (audio.LEAD + audio.AFTER_INSTRUCTION + audio.TAIL) * audio.RATE + intro
    gaps = len(names) - 2
    shortest = fixed + spoken * (1 - most) - len(names) + gaps * audio.GAP[0] * audio.RATE
    longest = fixed + spoken * (1 + most) + len(names) + gaps * audio.GAP[1] * audio.RATE
    return shortest / audio.RATE, longest / audio.RATE


def spoken_answer(names: list[str]) -> str:
    """What a listener types for these words: the characters, or the calculation's result."""
    if names[0] == "intro-sum":
        return str(ARITHMETIC[names[2]](int(names[1]), int(names[3])))
    return "".join(names[1:])


# --- the words ---------------------------------------------------------------------------


def test_text_is_spoken_character_by_character() -> None:
    assert audio.words("AK3M4") == ["intro-text", "A", "K", "3", "M", "4"]
    assert audio.words("ak3") == ["intro-text", "A", "K", "3"]  # answers are case-insensitive


def test_a_calculation_is_spoken_as_whole_numbers() -> None:
    assert audio.words("12 + 7 =") == ["intro-sum", "12", "plus", "7"]
    assert audio.words("9 × 3 =") == ["intro-sum", "9", "times", "3"]
    assert audio.words("20 - 1 =") == ["intro-sum", "20", "minus", "1"]


@pytest.mark.parametrize("display", ["", "A-B", "What is 2?", "21 + 1 =", "07 + 1 =", "١٢", "ÄB"])
def test_anything_else_has_no_audio(display: str) -> None:
    assert audio.words(display) is None
    assert audio.mix(display, random.Random(1)) is None


@pytest.mark.parametrize("voice", audio.VOICES)
def test_every_voice_has_every_word_with_headroom_for_the_noise(voice: str) -> None:
    clips = audio.clips(voice)
    expected = {*audio.LETTERS, *map(str, range(21)), "plus", "minus", "times", "intro-text", "intro-sum"}
    assert set(clips) == expected
    for name, samples in clips.items():
        assert 0.15 * audio.RATE < len(samples) < 4 * audio.RATE, name
        assert min(samples) >= 128 - audio.PEAK and max(samples) <= 128 + audio.PEAK, name


# --- the mixer ---------------------------------------------------------------------------


@pytest.mark.parametrize("voice", audio.VOICES)
@pytest.mark.parametrize("display", ["AK3M4", "WXY34", "12 + 7 =", "9 × 9 =", "3 - 2 ="])
def test_the_clip_is_valid_wav_of_the_expected_duration(display: str, voice: str) -> None:
    body = audio.mix(display, random.Random(display), voice)
    assert body is not None
    (channels, width, rate, count), frames = parse(body)
    assert (channels, width, rate) == (1, 1, audio.RATE)
    assert len(frames) == count and len(body) == 44 + len(frames)
    shortest, longest = duration_bounds(audio.words(display) or [], voice)
    assert shortest <= count / audio.RATE <= longest
    assert len(body) < 50_000, len(body)


@pytest.mark.parametrize("voice", audio.VOICES)
def test_even_the_longest_clip_is_under_50_kb(voice: str) -> None:
    """Five of the default alphabet's longest characters, every gap and stretch at its longest."""
    clips = audio.clips(voice)
    longest_five = sorted(DEFAULTS["ALPHABET"], key=lambda c: len(clips[c]))[-5:]
    sums = [["intro-sum", "20", name, "18"] for name in ("plus", "minus", "times")]
    for names in [["intro-text", *longest_five], *sums]:
        assert 44 + duration_bounds(names, voice)[1] * audio.RATE < 50_000, names


def test_the_clip_is_a_pure_function_of_the_generator() -> None:
    first = audio.mix("AK3M4", random.Random(7))
    assert first == audio.mix("AK3M4", random.Random(7))
    assert first != audio.mix("AK3M4", random.Random(8))
    assert audio.mix("AK3M4", random.Random(7), "zh_Hans") != first


def test_there_is_noise_under_the_silence_but_not_much() -> None:
    body = audio.mix("AK3M4", random.Random(3))
    assert body is not None
    lead = parse(body)[1][: int(audio.LEAD * audio.RATE)]
    assert len(set(lead)) > 5  # not digital silence, which would mark where the words are
    assert all(abs(sample - 128) <= audio.NOISE_HALF for sample in lead)


@given(st.binary(min_size=1, max_size=400).map(lambda b: bytes(128 - audio.PEAK + v % (2 * audio.PEAK + 1) for v in b)))
def test_the_big_integer_noise_equals_adding_sample_by_sample(speech: bytes) -> None:
    mixed = audio._add_noise(speech, random.Random(1))
    noise = random.Random(1).randbytes(len(speech)).translate(audio._NOISE_TABLE)
    assert list(mixed) == [s + n - audio.NOISE_HALF for s, n in zip(speech, noise, strict=True)]


# --- the endpoint ------------------------------------------------------------------------


def test_the_clip_speaks_the_answer_that_verifies(client: Client) -> None:
    page = client.get("/captcha/new/").json()
    key = page["key"]
    response = client.get(page["audio_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Language"] == "en"
    (channels, width, rate, count), _frames = parse(response.content)
    assert (channels, width, rate) == (1, 1, audio.RATE)
    names = audio.words(challenge_for(key)[0].display)
    assert names is not None
    shortest, longest = duration_bounds(names, "en")
    assert shortest <= count / audio.RATE <= longest
    assert spoken_answer(names) == solve(key)
    assert core.verify(client.get("/").wsgi_request, key, spoken_answer(names)).ok
    assert client.get(page["audio_url"]).status_code == 410


def test_a_spoken_calculation_verifies_too(client: Client, settings: Any) -> None:
    configure(settings, CHALLENGE="arithmetic")
    for _ in range(5):
        key = client.get("/captcha/new/").json()["key"]
        names = audio.words(challenge_for(key)[0].display)
        assert names is not None and names[0] == "intro-sum"
        assert client.get(f"/captcha/{key}.wav").status_code == 200
        assert core.verify(client.get("/").wsgi_request, key, spoken_answer(names)).ok


def test_the_same_url_gives_the_same_bytes_and_chinese_its_own(client: Client) -> None:
    url = client.get("/captcha/new/").json()["audio_url"]
    english = client.get(url).content
    assert client.get(url).content == english
    chinese = client.get(url, headers={"accept-language": "zh-hans"})
    assert chinese["Content-Language"] == "zh-Hans"
    assert chinese.content != english


def test_audio_works_with_every_store(any_store: Harness) -> None:
    """Issued in one request, spoken in a later one (as by another worker), for each store."""
    issuing = any_store.request()
    key = core.issue(issuing)
    any_store.finish(issuing)

    def listen() -> Any:
        request = any_store.request()
        request.method = "GET"
        return captcha_audio(request, key=key)

    assert listen().status_code == 200
    any_store.clock.advance(301)
    assert listen().status_code == 410


def test_a_bad_key_is_400_and_an_unknown_one_410(client: Client) -> None:
    assert client.get("/captcha/not-a-key.wav").status_code == 400
    response = client.get(f"/captcha/{core.new_key()}.wav")
    assert response.status_code == 410
    assert response.content.decode() == str(core.MESSAGES[Reason.EXPIRED])


def test_only_safe_methods(client: Client) -> None:
    url = client.get("/captcha/new/").json()["audio_url"]
    assert client.post(url).status_code == 405
    assert client.head(url).status_code == 200


def test_each_key_is_spoken_a_few_times_only(client: Client) -> None:
    url = client.get("/captcha/new/").json()["audio_url"]
    statuses = [client.get(url).status_code for _ in range(ratelimit.RENDERS_PER_KEY + 1)]
    assert statuses == [200] * ratelimit.RENDERS_PER_KEY + [429]
    # The picture's budget is its own.
    assert client.get(url.replace(".wav", ".png")).status_code == 200


def test_each_fetch_counts_towards_the_rate_limit(client: Client, settings: Any) -> None:
    configure(settings, RATE_LIMIT=3)
    url = client.get("/captcha/new/").json()["audio_url"]
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    limited = client.get(url)
    assert int(limited["Retry-After"]) > 0
    assert client.get("/captcha/new/").status_code == 429


def test_503_and_a_log_line_when_the_store_is_down(client: Client, settings: Any, caplog: Any) -> None:
    configure(settings, STORE=DOWN)
    with caplog.at_level(logging.ERROR, logger="django_captcha_guard"):
        response = client.get(f"/captcha/{core.new_key()}.wav")
    assert response.status_code == 503
    assert response.content.decode() == str(core.MESSAGES[Reason.UNAVAILABLE])
    assert "serving audio" in caplog.text


def test_no_audio_when_switched_off_or_unspeakable(client: Client, settings: Any) -> None:
    configure(settings, AUDIO=False)
    data = client.get("/captcha/new/").json()
    assert data["audio_url"] is None
    assert client.get(f"/captcha/{data['key']}.wav").status_code == 404
    configure(settings, AUDIO=True, CHALLENGE="tests.test_audio.question")
    key = client.get("/captcha/new/").json()["key"]
    assert audio_url(key) is None
    assert client.get(f"/captcha/{key}.wav").status_code == 404


def question(rng: random.Random, config: Config) -> Challenge:
    """A custom challenge the bundled voices cannot say."""
    return Challenge(display="Capital of France?", answer="paris")


def test_the_form_page_answer_from_the_helper_passes(client: Client, settings: Any) -> None:
    """solved_fields, the test helper, answers what the clip says."""
    settings.ROOT_URLCONF = "tests.test_forms"
    page = client.get("/login/")
    fields = solved_fields(page)
    names = audio.words(challenge_for(fields["captcha_key"])[0].display)
    assert names is not None and spoken_answer(names) == fields["captcha_answer"]
    assert client.get(f"/captcha/{fields['captcha_key']}.wav").status_code == 200


def test_every_text_in_a_lower_case_alphabet_is_spoken(client: Client, settings: Any) -> None:
    """The settings decide for the built-in text challenge: letters are spoken by name in either case."""
    configure(settings, ALPHABET="abcdefghjk", CASE_SENSITIVE=False)
    for _ in range(3):
        key = client.get("/captcha/new/").json()["key"]
        assert audio_url(key) == f"/captcha/{key}.wav"
        response = client.get(f"/captcha/{key}.wav")
        assert response.status_code == 200 and response["Content-Type"] == "audio/wav"
