"""Speech synthesis with espeak-ng and flite: voices, speed, pitch, missing engines."""

import numpy as np
import pytest

from kwstiny.data import synth
from kwstiny.data.synth import Voice, synthesize
from kwstiny.errors import KwstinyError


def median_f0(audio, rate):
    """Median pitch of the voiced 40 ms frames, by autocorrelation (70-400 Hz)."""
    frame, estimates = int(0.04 * rate), []
    loudest = max(np.mean(audio[i:i + frame] ** 2) for i in range(0, len(audio) - frame, frame))
    for i in range(0, len(audio) - frame, frame):
        x = audio[i:i + frame] - audio[i:i + frame].mean()
        if np.mean(x ** 2) < 0.1 * loudest:
            continue
        ac = np.correlate(x, x, "full")[frame - 1:]
        low, high = rate // 400, rate // 70
        lag = low + int(np.argmax(ac[low:high]))
        if ac[lag] > 0.5 * ac[0]:
            estimates.append(rate / lag)
    return float(np.median(estimates))


def test_voice_lists():
    bases = {v.name for v in synth.espeak_base_voices()}
    assert {"en-us", "en-gb"} <= bases
    assert {"klatt", "f3", "whisper", "Mr serious"} <= set(synth.espeak_variants())
    every = synth.voices()
    assert len(every["espeak-ng"]) == len(bases) * (1 + len(synth.espeak_variants()))
    flite = {v.name for v in every["flite"]}
    assert {"kal", "slt", "awb", "rms"} <= flite
    assert "awb_time" not in flite  # it can only say clock times


def test_voice_identity_is_engine_voice_variant():
    assert Voice("espeak-ng", "en-us", "Mr serious", "gmw/en-US").id == "espeak-ng.en-us.Mr_serious"
    assert Voice("flite", "slt").id == "flite.slt"
    ids = [v.id for v in synth.voices()["espeak-ng"]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("voice", [Voice("espeak-ng", "en-us", "klatt", "gmw/en-US"),
                                   Voice("espeak-ng", "en-gb", "", "gmw/en"),
                                   Voice("flite", "slt"), Voice("flite", "kal")])
def test_synthesize_at_the_target_rate(voice):
    audio = synthesize("hey alexa", voice, 16000)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert 0.3 < len(audio) / 16000 < 3.0
    assert 0.05 < np.abs(audio).max() <= 1.0
    # kal speaks at 8 kHz; it is resampled, so the same words take the same time at 8 kHz.
    assert abs(len(synthesize("hey alexa", voice, 8000)) * 2 - len(audio)) <= 2


@pytest.mark.parametrize("voice", [Voice("espeak-ng", "en-us", "", "gmw/en-US"),
                                   Voice("flite", "awb")])
def test_speed_changes_duration(voice):
    text = "the quick brown fox jumps over the lazy dog"
    slow = synthesize(text, voice, 16000, speed=0.7)
    fast = synthesize(text, voice, 16000, speed=1.4)
    assert len(slow) > 1.5 * len(fast)


@pytest.mark.parametrize("voice", [Voice("espeak-ng", "en-us", "", "gmw/en-US"),
                                   Voice("flite", "slt")])
def test_pitch_changes_f0(voice):
    text = "this is a test of the pitch of my voice"
    low = median_f0(synthesize(text, voice, 16000, pitch=0.75), 16000)
    high = median_f0(synthesize(text, voice, 16000, pitch=1.35), 16000)
    assert high > 1.25 * low


def test_rms_has_no_pitch_control():
    assert not Voice("flite", "rms").pitch_adjustable
    assert Voice("flite", "slt").pitch_adjustable and Voice("espeak-ng", "en-us").pitch_adjustable


def test_text_is_never_read_as_an_option():
    audio = synthesize("--help me", Voice("espeak-ng", "en-us", "", "gmw/en-US"), 16000)
    assert len(audio) > 1600


@pytest.mark.parametrize("engine,voice", [("espeak-ng", Voice("espeak-ng", "en-us")),
                                          ("flite", Voice("flite", "slt"))])
def test_missing_engine_names_the_apt_package(tmp_path, monkeypatch, engine, voice):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no engines on PATH
    with pytest.raises(KwstinyError, match=rf"sudo apt-get install {engine}"):
        synthesize("alexa", voice, 16000)
    with pytest.raises(KwstinyError, match=rf"sudo apt-get install {engine}"):
        synth.voices((engine,))


def test_engine_failure_is_a_clear_error(tmp_path, monkeypatch):
    # A broken flite on PATH: its failure is reported, not a wav decoding traceback.
    fake = tmp_path / "flite"
    fake.write_text("#!/bin/sh\necho 'voice exploded' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    with pytest.raises(KwstinyError, match="voice exploded"):
        synthesize("alexa", Voice("flite", "slt"), 16000)

