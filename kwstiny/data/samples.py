"""One model input from one clip: place the clip in the window, prepend the frontend's
warm-up, augment the waveform, run the frontend, keep the window's frames.

Numpy and the C frontend only (no TensorFlow): evaluation, calibration data and the
training workers all build samples here, so features are computed one way.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from kwstiny.frontend import Frontend, model_input
from kwstiny.frontend.settings import FrontendSettings
from kwstiny.spec import AugmentSpec

# Kinds of training sample: a clip as it is, digital silence, or the first part of a
# keyword clip (the model must not fire before the keyword is complete).
CLIP, SILENCE, CROPPED = "clip", "silence", "cropped"


@dataclass(frozen=True)
class SampleRecipe:
    kind: str
    clip: int          # index into the audio bank (-1 for silence)
    label: int         # class index the sample trains
    seed: int
    keep_start: bool = False   # long clips of known classes keep their start


def trim_silence(audio: np.ndarray, top_db: float = 30.0, frame: int = 160) -> np.ndarray:
    """Drop leading and trailing frames quieter than `top_db` below the loudest frame."""
    if audio.size < frame:
        return audio
    n = audio.size // frame
    rms = np.sqrt(np.mean(audio[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    loud = np.nonzero(rms >= rms.max() * 10 ** (-top_db / 20))[0]
    return audio[loud[0] * frame: (loud[-1] + 1) * frame]


def place(audio: np.ndarray, length: int, rng: np.random.Generator, keep_start: bool) -> np.ndarray:
    """Put the trimmed clip at a random offset in a window of `length` samples. A clip
    longer than the window is cropped: from its start when `keep_start` (keyword
    phrases begin with the keyword), else at a random place."""
    clip = trim_silence(audio)
    out = np.zeros(length, np.float32)
    if clip.size <= length:
        start = int(rng.integers(0, length - clip.size + 1))
        out[start:start + clip.size] = clip
    else:
        begin = 0 if keep_start else int(rng.integers(0, clip.size - length + 1))
        out[:] = clip[begin:begin + length]
    return out


def crop_keyword(audio: np.ndarray, length: int, rng: np.random.Generator,
                 fraction: tuple[float, float]) -> np.ndarray:
    """The first 20-50 % (by default) of a keyword, ending at the window's end: what the
    model sees while the keyword is still arriving."""
    clip = trim_silence(audio)[:length]
    keep = max(1, int(clip.size * rng.uniform(*fraction)))
    out = np.zeros(length, np.float32)
    out[-keep:] = clip[:keep]
    return out


def augment_files(augment, sample_rate: int) -> tuple[list[str], str | None]:
    """The real background tracks and the room bank the augmentation asks for, made and
    cached on first use. The pipeline calls this once before its workers start, so they
    never race to build them."""
    if not augment.enable:
        return [], None
    real_noise = []
    if augment.real_noise and augment.real_noise_share > 0:
        from kwstiny.data.real_noise import noise_files
        real_noise = [str(p) for p in noise_files(augment.real_noise, sample_rate)]
    room_bank = None
    if augment.room_probability > 0:
        from kwstiny.data.rooms import RoomBankSettings, room_bank as make_bank
        room_bank = str(make_bank(RoomBankSettings(
            augment.room_count, augment.room_seed, augment.room_rt60_s,
            augment.room_distance_m, sample_rate)))
    return real_noise, room_bank


def seed_globals(seed: int) -> None:
    """Seed the generators audiomentations draws from: numpy's global one (signals,
    some parameters) and Python's `random` (whether a transform applies, SNRs, which
    noise file and where in it). Seeding numpy's alone left the rest to each worker's
    history, so augmented samples were not regenerable."""
    np.random.seed(seed % (2 ** 32))
    random.seed(seed)


class WaveAugmenter:
    """audiomentations transforms driven by AugmentSpec; randomness from a seed per
    sample, so an epoch can be regenerated exactly (audiomentations draws from numpy's
    global generator and from Python's `random`: both are seeded).

    A window goes through: the room (a response from `room_bank`), gain and background
    noise (generated `noise_files`, and `real_noise_files` from kwstiny.data.real_noise),
    then the microphone and channel (kwstiny.data.channel). Each room and channel stage
    draws from its own generator seeded by (sample seed, stage), so turning one on or off
    leaves every other stage's draws as they were."""

    def __init__(self, spec: AugmentSpec, noise_files: list[str], sample_rate: int,
                 real_noise_files: list[str] | None = None, room_bank: str | None = None):
        """`real_noise_files` and `room_bank` None: made from the spec (augment_files)."""
        import audiomentations as am

        self.sample_rate = sample_rate
        self.spec = spec
        if real_noise_files is None or (room_bank is None and spec.room_probability > 0):
            made_noise, made_bank = augment_files(spec, sample_rate)
            real_noise_files = made_noise if real_noise_files is None else real_noise_files
            room_bank = room_bank or made_bank
        self.rooms = None
        if room_bank and spec.room_probability > 0:
            from kwstiny.data.rooms import RoomBank
            self.rooms = RoomBank(room_bank)
        real_noise_files = (list(real_noise_files) if spec.real_noise and spec.real_noise_share > 0
                            else [])
        self.clip_transforms = am.Compose([
            am.TimeStretch(min_rate=spec.speed_range[0], max_rate=spec.speed_range[1],
                           leave_length_unchanged=False, p=spec.speed_probability),
            am.PitchShift(min_semitones=spec.pitch_semitones[0],
                          max_semitones=spec.pitch_semitones[1], p=spec.pitch_probability),
        ])
        window = [am.Gain(min_gain_db=spec.gain_db[0], max_gain_db=spec.gain_db[1], p=1.0)]
        if real_noise_files:
            def background(files):
                return am.AddBackgroundNoise(
                    sounds_path=list(files), min_snr_db=spec.background_noise_snr_db[0],
                    max_snr_db=spec.background_noise_snr_db[1], p=1.0)
            share = spec.real_noise_share
            window.append(am.OneOf([background(noise_files), background(real_noise_files)],
                                   weights=[1 - share, share],
                                   p=spec.background_noise_probability)
                          if noise_files and share < 1 else
                          am.Compose([background(real_noise_files)],
                                     p=spec.background_noise_probability))
            self.silence_noise = am.AddBackgroundNoise(
                sounds_path=list(noise_files) + list(real_noise_files), noise_rms="absolute",
                min_absolute_rms_db=-70.0, max_absolute_rms_db=-30.0, p=1.0)
        elif noise_files:
            window.append(am.AddBackgroundNoise(
                sounds_path=list(noise_files), min_snr_db=spec.background_noise_snr_db[0],
                max_snr_db=spec.background_noise_snr_db[1], p=spec.background_noise_probability))
            # A silent window has no level to set an SNR against: give it quiet noise.
            self.silence_noise = am.AddBackgroundNoise(
                sounds_path=list(noise_files), noise_rms="absolute",
                min_absolute_rms_db=-70.0, max_absolute_rms_db=-30.0, p=1.0)
        else:
            self.silence_noise = None
        window.append(am.AddGaussianSNR(min_snr_db=spec.gaussian_noise_snr_db[0],
                                        max_snr_db=spec.gaussian_noise_snr_db[1],
                                        p=spec.gaussian_noise_probability))
        self.window_transforms = am.Compose(window)

    def clip(self, audio: np.ndarray, seed: int) -> np.ndarray:
        seed_globals(seed)
        return self.clip_transforms(samples=audio, sample_rate=self.sample_rate)

    def window(self, audio: np.ndarray, seed: int) -> np.ndarray:
        seed_globals(seed + 1)
        if not np.any(audio) and self.silence_noise is not None:
            audio = self.silence_noise(samples=audio, sample_rate=self.sample_rate)
        else:
            if self.rooms is not None:
                rng = np.random.default_rng([seed, 11])
                if rng.random() < self.spec.room_probability:
                    audio = self.rooms.apply(audio, rng)
            audio = self.window_transforms(samples=audio, sample_rate=self.sample_rate)
        return self.channel(audio, seed)

    def channel(self, audio: np.ndarray, seed: int) -> np.ndarray:
        """The microphone and the path after it, each stage on its share of windows."""
        from kwstiny.data import channel

        spec, rate = self.spec, self.sample_rate
        stages = (
            (spec.mic_eq_probability,
             lambda a, r: channel.equalize(a, r, rate, spec.mic_eq_gain_db)),
            (spec.band_limit_probability,
             lambda a, r: channel.band_limit(a, r, rate, spec.highpass_hz, spec.lowpass_hz)),
            (spec.clipping_probability,
             lambda a, r: channel.clip(a, r, spec.clipping_headroom_db)),
            (spec.agc_probability,
             lambda a, r: channel.automatic_gain(a, r, rate, spec.agc_target_db)),
            (spec.codec_probability,
             lambda a, r: channel.random_codec(a, r, rate, spec.codecs)),
        )
        for k, (probability, stage) in enumerate(stages):
            if probability > 0:
                rng = np.random.default_rng([seed, 20 + k])
                if rng.random() < probability:
                    audio = stage(audio, rng)
        return audio


_frontends: dict[FrontendSettings, Frontend] = {}


def window_features(window: np.ndarray, settings: FrontendSettings,
                    warmup: np.ndarray | None = None) -> np.ndarray:
    """Model input (frames, 1, channels) for one window of audio, after running the
    frontend over `warmup` first so its noise estimate has settled."""
    # Building a frontend's tables costs more than a short clip; reset() is enough.
    frontend = _frontends.get(settings)
    if frontend is None:
        frontend = _frontends[settings] = Frontend(settings)
    frontend.reset()
    audio = window if warmup is None or warmup.size == 0 else np.concatenate([warmup, window])
    frames = frontend.push(np.clip(audio, -1.0, 1.0).astype(np.float32))
    frames = frames[-settings.n_frames:]
    return model_input(frames, settings)[:, None, :]


def build_sample(recipe: SampleRecipe, audio: np.ndarray | None, settings: FrontendSettings,
                 augment: AugmentSpec, augmenter: WaveAugmenter | None,
                 crop_fraction: tuple[float, float], waveform: bool = False,
                 with_window: bool = False):
    """Features for one recipe. `augmenter` None gives the clean, deterministic sample
    used for validation, test and calibration. With `waveform` the (augmented) window
    itself is the sample, for models that compute their own spectrogram. With `with_window`
    the features come with that window, for a teacher that hears the same audio."""
    rng = np.random.default_rng(recipe.seed)
    length = settings.sample_length
    warmup_len = augment.warmup_ms * settings.sample_rate_hz // 1000
    if recipe.kind == SILENCE:
        window = np.zeros(length, np.float32)
    else:
        if augmenter is not None:
            audio = augmenter.clip(audio, recipe.seed)
        if recipe.kind == CROPPED:
            window = crop_keyword(audio, length, rng, crop_fraction)
        else:
            window = place(audio, length, rng, recipe.keep_start)
    padded = np.concatenate([np.zeros(warmup_len, np.float32), window])
    if augmenter is not None:
        padded = augmenter.window(padded, recipe.seed)
    level = 10 ** (rng.uniform(*augment.noise_floor_db) / 20)
    padded = padded + rng.normal(0.0, level, padded.size).astype(np.float32)
    if waveform or with_window:
        window = np.clip(padded[warmup_len:], -1.0, 1.0).astype(np.float32)
        if waveform:
            return window
    features = window_features(padded[warmup_len:], settings, padded[:warmup_len])
    return (features, window) if with_window else features
