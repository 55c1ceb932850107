"""The room bank: simulated once, cached, the same from the same seed; and what a room
does to a sound (a longer tail, a changed spectrum)."""

import os

import numpy as np
import pytest

from kwstiny.data.rooms import RoomBank, RoomBankSettings, bank_path, reverberate, room_bank
from kwstiny.errors import KwstinyError

SMALL = RoomBankSettings(count=4, seed=3, rt60_s=(0.3, 0.6), distance_m=(1.0, 3.0))


@pytest.fixture(scope="module")
def bank():
    return RoomBank(room_bank(SMALL))


def test_bank_is_cached_and_deterministic(bank, tmp_path, monkeypatch):
    path = room_bank(SMALL)
    stamp = os.stat(path).st_mtime_ns
    assert room_bank(SMALL) == path and os.stat(path).st_mtime_ns == stamp  # not rebuilt
    # Simulated afresh in another home, from the same seed: the same responses.
    monkeypatch.setenv("KWSTINY_HOME", str(tmp_path))
    again = RoomBank(room_bank(SMALL))
    assert bank_path(SMALL) != path
    assert np.array_equal(again.rirs, bank.rirs) and again.info == bank.info
    other = RoomBank(room_bank(RoomBankSettings(count=4, seed=4, rt60_s=(0.3, 0.6),
                                                distance_m=(1.0, 3.0))))
    assert not np.array_equal(other.rirs[:, :100], bank.rirs[:, :100])
    assert not list(tmp_path.rglob("*.tmp*"))  # written atomically


def test_rooms_follow_their_settings(bank):
    assert len(bank) == 4
    for k, info in enumerate(bank.info):
        assert 0.3 <= info["rt60_s"] <= 0.6 and 1.0 <= info["distance_m"] <= 3.0
        rir = bank.response(k)
        assert np.argmax(np.abs(rir)) < 100  # starts at the direct sound
        assert np.abs(rir).max() == pytest.approx(1.0)
        assert rir.size > 0.15 * SMALL.sample_rate  # a reverberant tail, not one click


def _energy_after(audio, start):
    return float(np.sum(audio[start:] ** 2))


def test_reverb_lengthens_the_tail_and_keeps_the_level(bank):
    rate = SMALL.sample_rate
    t = np.arange(int(0.3 * rate)) / rate
    burst = (np.sin(2 * np.pi * 440 * t) * np.hanning(t.size)).astype(np.float32)
    window = np.zeros(rate, np.float32)
    window[1000:1000 + burst.size] = burst
    wet = reverberate(window, bank.response(0))
    assert wet.shape == window.shape and wet.dtype == np.float32
    end = 1000 + burst.size
    # Dry: nothing after the burst. Wet: the room keeps ringing for a while.
    assert _energy_after(window, end) == 0
    assert _energy_after(wet, end) > 0.01 * float(np.sum(wet ** 2))
    assert np.sqrt(np.mean(wet ** 2)) == pytest.approx(np.sqrt(np.mean(window ** 2)), rel=1e-3)


def test_reverb_colours_the_spectrum(bank):
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(SMALL.sample_rate).astype(np.float32) * 0.1
    wet = reverberate(noise, bank.response(1))
    ratio_db = 10 * np.log10(np.abs(np.fft.rfft(wet)) ** 2 / np.abs(np.fft.rfft(noise)) ** 2)
    # A room is a comb of peaks and notches, not a flat filter: its response swings by
    # several dB from one frequency to the next (a dry copy would give 0).
    assert np.std(ratio_db[50:-50]) > 3.0


def test_bad_settings_are_named():
    with pytest.raises(KwstinyError, match="room_rt60_s"):
        RoomBankSettings(rt60_s=(0.5, 0.2))
    with pytest.raises(KwstinyError, match="room_distance_m"):
        RoomBankSettings(distance_m=(0.0, 1.0))
