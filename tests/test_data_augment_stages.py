"""Rooms, microphone/channel and real noise inside WaveAugmenter: off by default (samples
as before), exactly regenerable from a sample's seed when on, and wired to the workers."""

import dataclasses

import numpy as np
import pytest
import soundfile

from kwstiny.data import pipeline
from kwstiny.data.audio import write_wav
from kwstiny.data.noise import make_noise
from kwstiny.data.real_noise import SOURCES, Source
from kwstiny.data.rooms import RoomBankSettings, room_bank
from kwstiny.data.samples import (CLIP, SILENCE, SampleRecipe, WaveAugmenter, augment_files,
                                  build_sample)
from kwstiny.errors import KwstinyError
from kwstiny.spec import AugmentSpec, load_spec

RATE = 16000
ALL_ON = dict(room_probability=1.0, room_count=3, room_rt60_s=(0.2, 0.5),
              mic_eq_probability=1.0, band_limit_probability=1.0, agc_probability=1.0,
              clipping_probability=1.0, codec_probability=1.0, codecs=("opus", "gsm"),
              real_noise=("speech_en",), real_noise_share=0.5)


def _word(seed):
    t = np.arange(int(0.6 * RATE)) / RATE
    rng = np.random.default_rng(seed)
    voice = sum(np.sin(2 * np.pi * rng.uniform(100, 200) * k * t) / k for k in range(1, 20))
    return (voice * np.hanning(t.size) * 0.2).astype(np.float32)


@pytest.fixture
def inputs(tmp_path, monkeypatch):
    """Generated noise files, a fake speech package and a small room bank."""
    noise = [str(write_wav(tmp_path / f"{k}.wav", make_noise(k, 3, RATE, 1), RATE))
             for k in ("white", "pink")]
    speech = tmp_path / "speech"
    speech.mkdir()
    for k in range(4):
        soundfile.write(str(speech / f"{k}.wav"), _word(k), RATE)
    monkeypatch.setitem(SOURCES, "speech_en", Source(
        "p", str(speech), ("*.wav",), "speech", "x", "y"))
    return noise


def test_new_stages_are_off_by_default():
    spec = AugmentSpec()
    assert spec.room_probability == 0 and spec.codec_probability == 0
    assert spec.mic_eq_probability == spec.band_limit_probability == 0
    assert spec.agc_probability == spec.clipping_probability == 0
    assert spec.real_noise == ()
    assert augment_files(spec, RATE) == ([], None)  # nothing is built or cached


def test_off_stages_leave_samples_as_they_were(inputs):
    """The default spec's samples do not change when a room bank and real noise are
    handed to the augmenter: only the switches turn them on."""
    spec = load_spec("keyword_spotting_alexa")
    bank = str(room_bank(RoomBankSettings(count=2)))
    plain = WaveAugmenter(spec.augment, inputs, RATE)
    given = WaveAugmenter(spec.augment, inputs, RATE, real_noise_files=inputs, room_bank=bank)
    for seed in (3, 99):
        for kind in (CLIP, SILENCE):
            recipe = SampleRecipe(kind, 0, 0, seed, True)
            a = build_sample(recipe, _word(seed), spec.frontend, spec.augment, plain, (0.2, 0.5))
            b = build_sample(recipe, _word(seed), spec.frontend, spec.augment, given, (0.2, 0.5))
            assert np.array_equal(a, b)


def _augmenter(overrides, noise):
    spec = dataclasses.replace(AugmentSpec(), **overrides)
    files, bank = augment_files(spec, RATE)
    return spec, WaveAugmenter(spec, noise, RATE, files, bank)


def test_every_stage_on_is_regenerable_from_the_seed(inputs):
    spec, augmenter = _augmenter(ALL_ON, inputs)
    window = np.concatenate([np.zeros(RATE // 2, np.float32), _word(1), np.zeros(RATE // 4, np.float32)])
    first = augmenter.window(window.copy(), 11)
    augmenter.window(window.copy(), 12)  # other samples in between change nothing
    augmenter.clip(_word(2), 5)
    assert np.array_equal(augmenter.window(window.copy(), 11), first)
    assert first.shape == window.shape and first.dtype == np.float32
    assert not np.array_equal(augmenter.window(window.copy(), 12), first)
    # A fresh augmenter (another worker) gives the same sample too.
    _, other = _augmenter(ALL_ON, inputs)
    assert np.array_equal(other.window(window.copy(), 11), first)


def test_default_augmentation_is_regenerable_from_the_seed(inputs):
    spec = load_spec("keyword_spotting_alexa")
    augmenter = WaveAugmenter(spec.augment, inputs, RATE)
    recipe = SampleRecipe(CLIP, 0, 0, 42, True)
    samples = {build_sample(recipe, _word(0), spec.frontend, spec.augment, augmenter,
                            (0.2, 0.5)).tobytes() for _ in range(5)}
    assert len(samples) == 1


def test_a_stage_changes_the_window_only_when_switched_on(inputs):
    base = dict(gain_db=(0.0, 0.0), background_noise_probability=0.0,
                gaussian_noise_probability=0.0)
    window = np.concatenate([np.zeros(RATE // 4, np.float32), _word(1)])
    _, plain = _augmenter(base, inputs)
    dry = plain.window(window.copy(), 7)
    assert np.allclose(dry, window)
    for switch in ("room_probability", "mic_eq_probability", "band_limit_probability",
                   "agc_probability", "clipping_probability", "codec_probability"):
        _, augmenter = _augmenter({**base, "room_count": 2, switch: 1.0}, inputs)
        assert not np.allclose(augmenter.window(window.copy(), 7), dry), switch


def test_workers_get_the_room_bank_and_real_noise(inputs, tmp_path):
    spec = dataclasses.replace(AugmentSpec(), **ALL_ON)
    files, bank = augment_files(spec, RATE)
    assert bank and files and all(f.endswith(".wav") for f in files)
    assert {p.split("/")[-1].split("-")[0] for p in files} == {"talker", "babble"}
    assert augment_files(spec, RATE) == (files, bank)  # cached
    assert augment_files(dataclasses.replace(spec, enable=False), RATE) == ([], None)


def test_bad_augment_settings_are_named():
    with pytest.raises(KwstinyError, match="augment.codecs"):
        AugmentSpec(codecs=("amr",))
    with pytest.raises(KwstinyError, match="augment.real_noise"):
        AugmentSpec(real_noise=("radio",))
    with pytest.raises(KwstinyError, match="augment.room_probability"):
        AugmentSpec(room_probability=1.5)
    with pytest.raises(KwstinyError, match="augment.highpass_hz"):
        AugmentSpec(highpass_hz=(100.0, 5000.0))
    with pytest.raises(KwstinyError, match="augment.room_count"):
        AugmentSpec(room_count=0)
    spec = load_spec("keyword_spotting_alexa").with_overrides(
        {"augment.real_noise": ["music", "speech_en"], "augment.room_probability": 0.5})
    assert spec.augment.real_noise == ("music", "speech_en")


def test_training_samples_with_every_stage_are_regenerable(synthetic_test_dataset, inputs):
    """Through the worker entry points, as a training epoch builds them."""
    from kwstiny.data.pipeline import SpecData

    spec = load_spec("keyword_spotting_alexa-test").with_overrides(
        {f"augment.{k}": v for k, v in ALL_ON.items()})
    data = SpecData(spec)
    recipes = data.plan_epoch(0)[:3]
    try:
        pipeline._init_worker(*data.worker_settings())
        first = [pipeline._augmented(r) for r in recipes]
        pipeline._init_worker(*data.worker_settings())  # a fresh worker
        again = [pipeline._augmented(r) for r in reversed(recipes)][::-1]
    finally:
        pipeline._worker.clear()
    assert first[0].shape == spec.input_shape
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
