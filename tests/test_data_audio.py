"""Audio I/O: reading any wav/flac/ogg as mono float32 at a rate, and clear errors."""

import numpy as np
import pytest
import soundfile

from kwstiny.data.audio import (AudioError, audio_problem, read_audio, resample, to_float32,
                                to_int16, write_wav)
from kwstiny.errors import KwstinyError


def tone(freq, seconds, rate, amplitude=0.5):
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def dominant_hz(audio, rate):
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
    return np.fft.rfftfreq(len(audio), 1 / rate)[np.argmax(spectrum)]


def test_wav_round_trip_is_int16_pcm(tmp_path):
    audio = tone(440, 0.5, 16000)
    path = write_wav(tmp_path / "a.wav", audio, 16000)
    info = soundfile.info(str(path))
    assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
    back = read_audio(path, 16000)
    assert back.dtype == np.float32 and back.shape == audio.shape
    assert np.max(np.abs(back - audio)) <= 1 / 32768 + 1e-7


def test_int16_conversion_saturates_and_round_trips():
    assert to_int16(np.array([1.5, -2.0, 0.0], np.float32)).tolist() == [32767, -32768, 0]
    ints = np.array([-32768, -1, 0, 1, 32767], np.int16)
    assert np.array_equal(to_int16(to_float32(ints)), ints)
    with pytest.raises(KwstinyError):
        to_int16(np.array([1, 2], np.int32))


def test_stereo_is_mixed_down(tmp_path):
    left, right = tone(300, 0.2, 16000, 0.6), tone(1000, 0.2, 16000, 0.2)
    soundfile.write(str(tmp_path / "s.wav"), np.stack([left, right], axis=1), 16000)
    mono = read_audio(tmp_path / "s.wav", 16000)
    assert np.allclose(mono, (left + right) / 2, atol=2 / 32768)


def test_resampled_once_to_the_requested_rate(tmp_path):
    soundfile.write(str(tmp_path / "low.wav"), tone(440, 1.0, 8000), 8000)
    audio = read_audio(tmp_path / "low.wav", 16000)
    assert len(audio) == 16000
    assert abs(dominant_hz(audio, 16000) - 440) < 2
    down = resample(tone(1000, 1.0, 44100), 44100, 16000)
    assert len(down) == 16000 and abs(dominant_hz(down, 16000) - 1000) < 2


@pytest.mark.parametrize("fmt,suffix", [("FLAC", ".flac"), ("OGG", ".ogg")])
def test_flac_and_ogg(tmp_path, fmt, suffix):
    path = tmp_path / f"x{suffix}"
    soundfile.write(str(path), tone(500, 0.5, 22050), 22050, format=fmt)
    audio = read_audio(path, 16000)
    assert len(audio) == 8000 and abs(dominant_hz(audio, 16000) - 500) < 3


def test_file_read_by_content_not_extension(tmp_path):
    path = tmp_path / "really_a_wav.flac"
    soundfile.write(str(path), tone(440, 0.25, 16000), 16000, format="WAV")
    assert len(read_audio(path, 16000)) == 4000


def test_float_file_beyond_full_scale_is_clipped(tmp_path):
    path = tmp_path / "loud.wav"
    soundfile.write(str(path), np.array([0.5, 1.7, -3.0], np.float32), 16000, subtype="FLOAT")
    assert read_audio(path, 16000).tolist() == [0.5, 1.0, -1.0]


@pytest.mark.parametrize("make,expected", [
    (lambda p: None, "not found"),
    (lambda p: p.write_bytes(b""), "empty file"),
    (lambda p: p.write_bytes(b"this is not audio at all, just some text" * 10),
     "not a readable audio file"),
    (lambda p: soundfile.write(str(p), np.zeros(0, np.float32), 16000), "zero length"),
    (lambda p: soundfile.write(str(p), np.array([0.1, np.nan], np.float32), 16000,
                               subtype="FLOAT"), "NaN"),
])
def test_bad_files_are_named_with_the_problem(tmp_path, make, expected):
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(AudioError) as caught:
        read_audio(path, 16000)
    assert str(path) in str(caught.value) and expected in str(caught.value)
    assert isinstance(caught.value, KwstinyError)
    if expected != "NaN":  # a NaN is only found by decoding
        assert expected in audio_problem(path)


def test_truncated_header_is_reported(tmp_path):
    path = tmp_path / "cut.wav"
    write_wav(path, tone(440, 0.5, 16000), 16000)
    path.write_bytes(path.read_bytes()[:30])
    with pytest.raises(AudioError, match="not a readable audio file"):
        read_audio(path, 16000)


def test_bad_sample_rate_is_refused(tmp_path):
    write_wav(tmp_path / "a.wav", tone(440, 0.1, 16000), 16000)
    with pytest.raises(KwstinyError, match="sample rate"):
        read_audio(tmp_path / "a.wav", 0)


def test_failed_write_leaves_the_old_file_whole(tmp_path):
    path = write_wav(tmp_path / "keep.wav", tone(440, 0.1, 16000), 16000)
    before = path.read_bytes()
    with pytest.raises(KwstinyError, match="mono"):
        write_wav(path, np.zeros((10, 2), np.float32), 16000)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.wav"]
