"""Model specs: what a model is, as frozen dataclasses, and how a spec file is found.

A spec file is a short Python file that builds one `ModelSpec` and binds it to the
name `spec`. It is found by name in `kwstiny/model_specs/` (or a directory on
`KWSTINY_SPEC_PATH`), or by file path. `NAME-VARIANT` loads NAME and applies one of its
variants; every spec has `test` (a dry run: a tiny subset, two epochs), and may declare
more (the alexa spec declares `demo`).
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import os
import re
import traceback
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Callable

from kwstiny.errors import KwstinyError, check
from kwstiny.frontend.settings import FrontendSettings
from kwstiny.pyfiles import FileCatalog, run_file

SPEC_DIR = Path(__file__).resolve().parent / "model_specs"


@dataclass(frozen=True)
class DatasetSpec:
    """Where clips come from and how the classes are filled."""
    # A recipe name in kwstiny/datasets/ (synthetic_alexa ...), a folder of class
    # subfolders, or a recipe object (kwstiny.data.keyword_recipe.keyword_recipe(...)).
    source: object = "synthetic_alexa"
    classes: tuple[str, ...] = ("alexa", "_unknown_")
    # Recipe scale: "full", "demo" or "test"; folders ignore it.
    scale: str = "full"
    # 0 keeps every clip; otherwise at most this many clips per class and split.
    max_clips_per_class: int = 0
    validation_fraction: float = 0.1
    test_fraction: float = 0.1
    # Unknown clips per keyword clip in each training epoch (drawn afresh each epoch).
    unknown_class_multiplier: float = 1.5
    # Share of unknown slots filled with silence / with a cropped 20-50 % of a keyword.
    silence_as_unknown: float = 0.08
    cropped_keyword_as_unknown: float = 0.07
    cropped_keyword_range: tuple[float, float] = (0.2, 0.5)
    # Subset list (one sample id per line) written by `kwstiny dataset select`; "" = all.
    subset_file: str = ""
    # Folders of class subfolders whose clips join the train split only (hard negatives).
    extra_folders: tuple[str, ...] = ()
    # The same for real recordings (not synthesized), e.g. real speech as unknown clips:
    # train.voice_invariance_weight teaches the model not to tell them from synthetic ones.
    real_folders: tuple[str, ...] = ()

    def __post_init__(self):
        own = "dataset"
        check(isinstance(self.source, str) or (callable(getattr(self.source, "prepare", None))
                                                and isinstance(getattr(self.source, "name", None), str)),
              own, "source", self.source, "a recipe name, a folder, or a recipe object")
        check(len(self.classes) >= 2 and len(set(self.classes)) == len(self.classes), own,
              "classes", self.classes, "two or more distinct class names")
        check(self.scale in ("full", "demo", "test"), own, "scale", self.scale,
              "'full', 'demo' or 'test'")
        check(self.max_clips_per_class >= 0, own, "max_clips_per_class",
              self.max_clips_per_class, ">= 0 (0 = all)")
        for name in ("validation_fraction", "test_fraction"):
            check(0.0 < getattr(self, name) < 0.5, own, name, getattr(self, name), "0.0 to 0.5")
        check(self.unknown_class_multiplier > 0, own, "unknown_class_multiplier",
              self.unknown_class_multiplier, "> 0")
        check(0 <= self.silence_as_unknown + self.cropped_keyword_as_unknown <= 1, own,
              "silence_as_unknown", self.silence_as_unknown,
              "a share that, with cropped_keyword_as_unknown, stays within 0..1")
        low, high = self.cropped_keyword_range
        check(0 < low <= high < 1, own, "cropped_keyword_range", self.cropped_keyword_range,
              "0 < low <= high < 1")

    @property
    def unknown_class(self) -> str | None:
        return "_unknown_" if "_unknown_" in self.classes else None


@dataclass(frozen=True)
class AugmentSpec:
    """Waveform augmentation applied to training clips (audiomentations)."""
    enable: bool = True
    gain_db: tuple[float, float] = (-6.0, 6.0)
    background_noise_probability: float = 0.95
    background_noise_snr_db: tuple[float, float] = (-2.0, 35.0)
    gaussian_noise_probability: float = 0.25
    gaussian_noise_snr_db: tuple[float, float] = (30.0, 60.0)
    speed_probability: float = 0.3
    speed_range: tuple[float, float] = (0.9, 1.1)
    pitch_probability: float = 0.0
    pitch_semitones: tuple[float, float] = (-2.0, 2.0)
    # Audio before the clip that warms up the frontend's noise reduction, then dropped.
    warmup_ms: int = 1000
    # A microphone never records digital silence: every sample, clean ones included, gets
    # white noise at an absolute level drawn from this range (dBFS RMS).
    noise_floor_db: tuple[float, float] = (-75.0, -60.0)
    # SpecAugment on each training batch's features (not the waveform): this many time
    # masks of 0..spec_time_mask_frames frames and frequency masks of
    # 0..spec_freq_mask_channels channels, filled with the sample's mean. 0 = off
    # (enable=False turns these off too).
    spec_time_masks: int = 0
    spec_time_mask_frames: int = 0
    spec_freq_masks: int = 0
    spec_freq_mask_channels: int = 0
    # Rooms (kwstiny.data.rooms): this share of training windows is reverberated by one of
    # room_count simulated rooms (a bank made once from room_seed and cached), with
    # reverberation times and talker-to-microphone distances drawn from these ranges.
    room_probability: float = 0.0
    room_count: int = 200
    room_rt60_s: tuple[float, float] = (0.15, 0.8)
    room_distance_m: tuple[float, float] = (0.3, 4.0)
    room_seed: int = 0
    # Microphone and channel (kwstiny.data.channel), after the background noise (the
    # microphone hears the room's noise too), each on its own share of windows: a random
    # EQ, a small microphone's band (high-pass and low-pass cutoffs drawn from ranges),
    # automatic gain control toward a target level (dBFS), clipping this far below the
    # peak, and a low-bitrate codec round trip (kwstiny.data.channel.CODECS: the default
    # ones run in libsndfile, 1-50 ms a window; speex and g726 need ffmpeg, ~0.14 s).
    mic_eq_probability: float = 0.0
    mic_eq_gain_db: tuple[float, float] = (-8.0, 8.0)
    band_limit_probability: float = 0.0
    highpass_hz: tuple[float, float] = (60.0, 400.0)
    lowpass_hz: tuple[float, float] = (3400.0, 7500.0)
    agc_probability: float = 0.0
    agc_target_db: tuple[float, float] = (-28.0, -14.0)
    clipping_probability: float = 0.0
    clipping_headroom_db: tuple[float, float] = (1.0, 10.0)
    codec_probability: float = 0.0
    codecs: tuple[str, ...] = ("opus", "mp3", "gsm", "g721", "ulaw")
    # Real recordings from Debian packages (kwstiny.data.real_noise: speech_en, speech_fr,
    # speech_it, speech_ru, letters, dialog_cs, music, alerts) as background noise beside the
    # dataset's own: real_noise_share of the noised windows get a real one.
    real_noise: tuple[str, ...] = ()
    real_noise_share: float = 0.5

    def __post_init__(self):
        own = "augment"
        from kwstiny.data.channel import CODECS
        from kwstiny.data.real_noise import training_sources

        check(isinstance(self.room_count, int) and self.room_count >= 1, own, "room_count",
              self.room_count, "an integer >= 1")
        check(bool(self.codecs) and set(self.codecs) <= set(CODECS), own, "codecs",
              self.codecs, "one or more of " + ", ".join(CODECS))
        trainable = training_sources()
        check(set(self.real_noise) <= set(trainable), own, "real_noise", self.real_noise,
              "names from " + ", ".join(trainable) + " (the others are held out for "
              "evaluation)")
        check(0 < self.room_rt60_s[0] and 0 < self.room_distance_m[0], own, "room_rt60_s",
              (self.room_rt60_s, self.room_distance_m), "positive times and distances")
        check(0 < self.highpass_hz[0] and self.highpass_hz[1] < self.lowpass_hz[0], own,
              "highpass_hz", (self.highpass_hz, self.lowpass_hz),
              "positive high-pass cutoffs all below the low-pass cutoffs")
        check(self.clipping_headroom_db[0] >= 0, own, "clipping_headroom_db",
              self.clipping_headroom_db, "dB below the peak, >= 0")
        for name in ("spec_time_masks", "spec_time_mask_frames", "spec_freq_masks",
                     "spec_freq_mask_channels"):
            check(isinstance(getattr(self, name), int) and getattr(self, name) >= 0, own, name,
                  getattr(self, name), "an integer >= 0")
        for name in ("background_noise_probability", "gaussian_noise_probability",
                     "speed_probability", "pitch_probability", "room_probability",
                     "mic_eq_probability", "band_limit_probability", "agc_probability",
                     "clipping_probability", "codec_probability", "real_noise_share"):
            value = getattr(self, name)
            check(0.0 <= value <= 1.0, own, name, value, "a probability 0.0 to 1.0")
        for name in ("gain_db", "background_noise_snr_db", "gaussian_noise_snr_db",
                     "speed_range", "pitch_semitones", "noise_floor_db", "room_rt60_s",
                     "room_distance_m", "mic_eq_gain_db", "highpass_hz", "lowpass_hz",
                     "agc_target_db", "clipping_headroom_db"):
            low, high = getattr(self, name)
            check(low <= high, own, name, getattr(self, name), "(low, high) with low <= high")
        check(self.speed_range[0] > 0, own, "speed_range", self.speed_range, "positive rates")
        check(self.warmup_ms >= 0, own, "warmup_ms", self.warmup_ms, ">= 0")
        check(self.noise_floor_db[1] < 0, own, "noise_floor_db", self.noise_floor_db,
              "levels below 0 dBFS")


@dataclass(frozen=True)
class ModelChoice:
    """A model builder from `kwstiny.models` and the options it is called with."""
    builder: Callable
    options: dict = field(default_factory=dict)

    def __post_init__(self):
        check(callable(self.builder), "model", "builder", self.builder, "a builder function")
        params = inspect.signature(self.builder).parameters
        takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
        if takes_any:
            return
        for key in self.options:
            if key not in params or key in ("input_shape", "n_classes"):
                close = difflib.get_close_matches(key, list(params), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise KwstinyError(
                    f"model.options has an unknown setting {key!r} for "
                    f"{self.builder.__module__}.{self.builder.__name__}{hint}")

    @property
    def name(self) -> str:
        return self.builder.__name__

    def build(self, input_shape: tuple[int, ...], n_classes: int):
        return self.builder(input_shape=input_shape, n_classes=n_classes, **self.options)


@dataclass(frozen=True)
class TrainSpec:
    epochs: int = 60
    batch_size: int = 100
    optimizer: str = "adam"
    # Stepped schedule: (weight, learning rate) pieces; each lasts weight / sum(weights)
    # of all training steps, so the shape holds whatever the dataset size.
    learning_rate_steps: tuple[tuple[float, float], ...] = ((1.0, 0.001),)
    adam_epsilon: float = 1e-8
    class_weights: str = "balanced"
    checkpoint_monitor: str = "val_balanced_accuracy"
    seed: int = 42
    # "steps": learning_rate_steps. "cosine": linear warm-up from 0 to learning_rate over
    # warmup_epochs (at most all but the last step of a short run), then cosine decay to
    # min_learning_rate at the last step.
    learning_rate_schedule: str = "steps"
    learning_rate: float = 0.001
    warmup_epochs: float = 0.0
    min_learning_rate: float = 0.0
    # Decoupled weight decay (AdamW) when > 0. Biases and normalization parameters are
    # exempt ("no bias decay") unless decay_biases_and_norms.
    weight_decay: float = 0.0
    decay_biases_and_norms: bool = False
    # Targets (1 - e) for the true class and e / (classes - 1) for the others.
    label_smoothing: float = 0.0
    # mixup: each batch is blended with a shuffled copy of itself, inputs and labels, by
    # a weight drawn from Beta(alpha, alpha). 0 = off.
    mixup_alpha: float = 0.0
    # Start each residual block as the identity: the norm that ends a residual branch
    # starts with gamma 0.
    zero_gamma_residual: bool = False
    # Hard negatives (kwstiny.training.hard_negatives): after the fit, this many rounds of mining
    # the model's own high-scoring windows on keyword-free audio of the training voices
    # (at hard_negative_scale, "" = the dataset's), each adding at most
    # hard_negative_clips windows scoring >= hard_negative_score (0-255) to the unknown
    # class, then hard_negative_epochs epochs at hard_negative_learning_rate.
    hard_negative_rounds: int = 0
    hard_negative_epochs: int = 3
    hard_negative_learning_rate: float = 2e-4
    hard_negative_score: int = 128
    hard_negative_clips: int = 1000
    hard_negative_scale: str = ""
    # > 0: the optimizer also keeps an exponential moving average of the weights over
    # about this many epochs (decay per step 1 - 1 / (epochs x steps per epoch)); each
    # epoch is validated, and the run's best model kept, with the averaged weights. It damps
    # the epoch-to-epoch swings that a high learning-rate plateau gives on held-out voices.
    weight_average_epochs: float = 0.0
    # > 0: voice invariance (kwstiny.training.invariance): a domain head on the model's
    # pooled features learns to tell real unknown clips (dataset.real_folders) from
    # synthetic ones, and the model is trained against it with this weight (ramped up
    # over training), so that "sounds synthesized" stops being a cue for the keyword.
    voice_invariance_weight: float = 0.0
    # A .h5 of weights to start from, loaded by layer name (layers it lacks keep their
    # initial values), e.g. a trunk pre-trained on the speech embedding
    # (benchmarks/embedding_pretrain.py); "" = start from random weights.
    initial_weights: str = ""

    def __post_init__(self):
        own = "train"
        check(not self.initial_weights or self.initial_weights.endswith(".h5"), own,
              "initial_weights", self.initial_weights, "'' or a path to a .h5 weights file")
        check(self.voice_invariance_weight >= 0.0, own, "voice_invariance_weight",
              self.voice_invariance_weight, "0 (off) or a weight > 0")
        check(self.weight_average_epochs >= 0.0, own, "weight_average_epochs",
              self.weight_average_epochs, "0 (off) or a number of epochs > 0")
        check(self.epochs >= 1, own, "epochs", self.epochs, ">= 1")
        check(self.batch_size >= 1, own, "batch_size", self.batch_size, ">= 1")
        check(self.optimizer in ("adam",), own, "optimizer", self.optimizer,
              "'adam' (with weight_decay > 0 it is AdamW)")
        check(self.learning_rate_schedule in ("steps", "cosine"), own, "learning_rate_schedule",
              self.learning_rate_schedule, "'steps' or 'cosine'")
        check(self.learning_rate > 0, own, "learning_rate", self.learning_rate, "> 0")
        check(0 <= self.min_learning_rate <= self.learning_rate, own, "min_learning_rate",
              self.min_learning_rate, "0 <= min_learning_rate <= learning_rate")
        check(self.warmup_epochs >= 0, own, "warmup_epochs", self.warmup_epochs, ">= 0")
        check(self.weight_decay >= 0, own, "weight_decay", self.weight_decay, ">= 0")
        check(0 <= self.label_smoothing < 1, own, "label_smoothing", self.label_smoothing,
              "0 <= label_smoothing < 1")
        for name in ("hard_negative_rounds", "hard_negative_epochs", "hard_negative_clips"):
            check(isinstance(getattr(self, name), int) and getattr(self, name) >= 0, own, name,
                  getattr(self, name), "an integer >= 0")
        check(0 <= self.hard_negative_score <= 255, own, "hard_negative_score",
              self.hard_negative_score, "a score 0 to 255")
        check(self.hard_negative_learning_rate > 0, own, "hard_negative_learning_rate",
              self.hard_negative_learning_rate, "> 0")
        check(self.hard_negative_scale in ("", "full", "demo", "test"), own,
              "hard_negative_scale", self.hard_negative_scale, "'', 'full', 'demo' or 'test'")
        check(self.mixup_alpha >= 0, own, "mixup_alpha", self.mixup_alpha, ">= 0 (0 = off)")
        check(len(self.learning_rate_steps) >= 1 and all(
            w > 0 and lr > 0 for w, lr in self.learning_rate_steps), own,
            "learning_rate_steps", self.learning_rate_steps, "(weight > 0, rate > 0) pairs")
        check(self.class_weights in ("balanced", "none"), own, "class_weights",
              self.class_weights, "'balanced' or 'none'")
        check(self.checkpoint_monitor in ("val_balanced_accuracy", "val_accuracy", "val_loss"),
              own, "checkpoint_monitor", self.checkpoint_monitor,
              "'val_balanced_accuracy', 'val_accuracy' or 'val_loss'")


@dataclass(frozen=True)
class DistillSpec:
    """Knowledge distillation from a trained teacher spec (kwstiny.training.distill)."""
    # Name or path of a spec whose run has finished training, a sweep run (SPEC.seed-2) or
    # a `kwstiny ensemble` run; "" = no distillation.
    teacher: str = ""
    # "hard": the teacher's top class is the label of the student's distillation head
    # (DeiT; the student needs a distillation token, e.g. KWT distill_token=True).
    # "soft": KL divergence to the teacher's probabilities at `temperature`.
    mode: str = "hard"
    temperature: float = 4.0
    # Weight of the distillation loss; the true labels get 1 - alpha.
    alpha: float = 0.5
    # Instead of `teacher`: a speech-embedding keyword head (.npz, kwstiny.teachers;
    # benchmarks/embedding_teacher.py writes one), a teacher trained on real speech that
    # runs on the host only. Each augmented training window's label becomes
    # (1 - alpha) x its own + alpha x [p, 1 - p], p = sigmoid(head logit / temperature) on
    # that window's audio. For a keyword spec: classes (keyword, _unknown_).
    embedding_head: str = ""
    # Weight of an auxiliary loss through keyword training: the model's trunk (its last
    # time x channel map), read out linearly by a head held outside the model, reproduces
    # the speech embedding of each training window's audio (standardized), so the trunk
    # keeps a representation learned from real people (kwstiny.training.embedding_loss).
    # 0 = off. Works with or without embedding_head, not with `teacher`.
    embedding_weight: float = 0.0

    def __post_init__(self):
        own = "distill"
        check(not (self.teacher and self.embedding_head), own, "embedding_head",
              self.embedding_head, "empty when distill.teacher is set (one teacher)")
        check(self.embedding_weight >= 0, own, "embedding_weight", self.embedding_weight,
              ">= 0")
        check(not (self.teacher and self.embedding_weight), own, "embedding_weight",
              self.embedding_weight, "0 when distill.teacher is set (one teacher)")
        check(self.mode in ("hard", "soft"), own, "mode", self.mode, "'hard' or 'soft'")
        check(self.temperature > 0, own, "temperature", self.temperature, "> 0")
        check(0.0 <= self.alpha <= 1.0, own, "alpha", self.alpha, "0.0 to 1.0")


@dataclass(frozen=True)
class QuantizeSpec:
    representative_samples: int = 500
    qat: bool = False
    qat_epochs: int = 3
    qat_learning_rate: float = 1e-4

    def __post_init__(self):
        check(self.representative_samples >= 1, "quantize", "representative_samples",
              self.representative_samples, ">= 1")
        check(self.qat_epochs >= 1, "quantize", "qat_epochs", self.qat_epochs, ">= 1")


@dataclass(frozen=True)
class StreamingSpec:
    """Streaming inference (kwstiny.models.streaming): a model built with Stream layers
    is exported as a graph that keeps its state and takes frames_per_invoke new frames
    per call. 0 = the usual whole-window model."""
    frames_per_invoke: int = 0

    def __post_init__(self):
        check(self.frames_per_invoke >= 0, "streaming", "frames_per_invoke",
              self.frames_per_invoke, ">= 0 (0 = not streaming)")

    @property
    def enabled(self) -> bool:
        return self.frames_per_invoke > 0


@dataclass(frozen=True)
class DetectionSettings:
    """Streaming post-processing; names match the keys stored in the .tflite metadata."""
    latency_ms: int = 200
    minimum_count: int = 2
    average_window_duration_ms: int = 440
    detection_threshold: int = 216
    suppression_ms: int = 900
    # Per-class thresholds (0-255) that replace detection_threshold for those classes.
    class_thresholds: dict = field(default_factory=dict)
    volume_gain: float = 0.0

    def __post_init__(self):
        own = "detection"
        check(self.latency_ms > 0, own, "latency_ms", self.latency_ms, "> 0")
        check(self.minimum_count >= 1, own, "minimum_count", self.minimum_count, ">= 1")
        check(self.average_window_duration_ms > 0, own, "average_window_duration_ms",
              self.average_window_duration_ms, "> 0")
        check(0 <= self.detection_threshold <= 255, own, "detection_threshold",
              self.detection_threshold, "0 to 255")
        check(self.suppression_ms >= 0, own, "suppression_ms", self.suppression_ms, ">= 0")
        for name, value in self.class_thresholds.items():
            check(0 <= value <= 255, own, f"class_thresholds[{name!r}]", value, "0 to 255")

    def to_metadata(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_metadata(cls, metadata: dict) -> "DetectionSettings":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in metadata.items() if k in names})


@dataclass(frozen=True)
class ModelSpec:
    name: str
    frontend: FrontendSettings
    model: ModelChoice
    dataset: DatasetSpec = field(default_factory=DatasetSpec)
    augment: AugmentSpec = field(default_factory=AugmentSpec)
    train: TrainSpec = field(default_factory=TrainSpec)
    quantize: QuantizeSpec = field(default_factory=QuantizeSpec)
    detection: DetectionSettings = field(default_factory=DetectionSettings)
    distill: DistillSpec = field(default_factory=DistillSpec)
    streaming: StreamingSpec = field(default_factory=StreamingSpec)
    # What the model eats: "features" from the C frontend (everything on the int8 path),
    # or the "waveform" itself (models with their own float frontend layers).
    model_input: str = "features"
    version: int = 1
    description: str = ""
    # Named variants, each a set of dotted overrides ("train.epochs": 2, ...).
    variants: dict = field(default_factory=dict)
    # Where the spec was loaded from; filled in by load_spec.
    path: str = ""

    def __post_init__(self):
        check(bool(re.fullmatch(r"[A-Za-z0-9_.-]+", self.name)), "spec", "name", self.name,
              "letters, digits, '_', '.', '-'")
        check(self.model_input in ("features", "waveform"), "spec", "model_input",
              self.model_input, "'features' or 'waveform'")
        if self.train.voice_invariance_weight > 0:
            check(bool(self.dataset.real_folders) and "_unknown_" in self.dataset.classes,
                  "train", "voice_invariance_weight", self.train.voice_invariance_weight,
                  "0 unless dataset.real_folders holds real unknown clips (and the classes "
                  "have '_unknown_')")
            check(not self.distill.teacher, "train", "voice_invariance_weight",
                  self.train.voice_invariance_weight, "0 when distilling (distill.teacher)")
            check(not self.distill.embedding_weight, "train", "voice_invariance_weight",
                  self.train.voice_invariance_weight,
                  "0 when distill.embedding_weight is set (one auxiliary head)")
        if self.streaming.enabled:
            check(self.frontend.quantize_static_scale_enable, "streaming", "frames_per_invoke",
                  self.streaming.frames_per_invoke, "0 unless frontend.quantize_static_scale_"
                  "enable is on (a dynamic window scale cannot stream)")
            check(self.streaming.frames_per_invoke <= self.frontend.n_frames, "streaming",
                  "frames_per_invoke", self.streaming.frames_per_invoke,
                  f"at most the window ({self.frontend.n_frames} frames)")

    @property
    def classes(self) -> tuple[str, ...]:
        return self.dataset.classes

    @property
    def input_shape(self) -> tuple[int, ...]:
        """time x 1 x channels: the layout TENet and the MVP want; or (samples,) for a
        model that takes the waveform."""
        if self.model_input == "waveform":
            return (self.frontend.sample_length,)
        frames, channels = self.frontend.spectrogram_shape
        return (frames, 1, channels)

    def metadata(self) -> dict:
        """What rides in the .tflite: enough for any consumer to run the model."""
        data = {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "classes": list(self.classes),
            "model": self.model.name,
        }
        data.update(self.frontend.to_metadata())
        data.update(self.detection.to_metadata())
        if self.streaming.enabled:
            data.update({"streaming": True,
                         "frames_per_invoke": self.streaming.frames_per_invoke})
        return data

    def with_overrides(self, overrides: dict) -> "ModelSpec":
        """A copy with dotted settings replaced: {"train.epochs": 3, "model.options.x": 1}."""
        spec = self
        for key, value in overrides.items():
            spec = _replace_dotted(spec, key.split("."), value, key)
        return spec

    def variant(self, name: str) -> "ModelSpec":
        variants = {"test": _TEST_VARIANT, **self.variants}
        if name not in variants:
            raise KwstinyError(f"spec {self.name} has no variant {name!r}; it has: "
                               + ", ".join(sorted(variants)))
        spec = self.with_overrides(variants[name])
        return dataclasses.replace(spec, name=f"{self.name}-{name}")


# A dry run: a tiny subset and two epochs, enough to prove the whole path works.
_TEST_VARIANT = {
    "dataset.scale": "test",
    "dataset.max_clips_per_class": 40,
    "train.epochs": 2,
    "train.batch_size": 16,
    "quantize.representative_samples": 20,
    "quantize.qat_epochs": 1,
}


def _replace_dotted(obj, parts: list[str], value, full_key: str):
    head, rest = parts[0], parts[1:]
    if isinstance(obj, dict):
        if not rest:
            return {**obj, head: value}
        if head not in obj:
            raise KwstinyError(f"setting {full_key!r}: no key {head!r}")
        return {**obj, head: _replace_dotted(obj[head], rest, value, full_key)}
    if not dataclasses.is_dataclass(obj):
        raise KwstinyError(f"setting {full_key!r}: {head!r} is inside a plain value")
    names = [f.name for f in fields(obj)]
    if head not in names:
        close = difflib.get_close_matches(head, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise KwstinyError(f"setting {full_key!r}: {type(obj).__name__} has no {head!r}{hint}")
    current = getattr(obj, head)
    if rest:
        value = _replace_dotted(current, rest, value, full_key)
    elif isinstance(current, tuple) and isinstance(value, list):
        value = tuple(value)
    new = dataclasses.replace(obj, **{head: value})
    if isinstance(new, ModelChoice):
        ModelChoice(new.builder, new.options)  # re-validate option names
    return new


# Loading ---------------------------------------------------------------------------------

SPEC_FILES = FileCatalog("KWSTINY_SPEC_PATH", SPEC_DIR)


def available_specs() -> list[str]:
    return SPEC_FILES.names()


def load_spec(name_or_path: str) -> ModelSpec:
    """Load a spec by name, `NAME-VARIANT`, path to a .py file, or `PATH.py-VARIANT`."""
    text = str(name_or_path)
    variant = None
    path = Path(text)
    file_variant = re.fullmatch(r"(.+\.py)-([A-Za-z0-9_]+)", text)
    if file_variant and Path(file_variant.group(1)).is_file():   # path/to/spec.py-demo
        path, variant = Path(file_variant.group(1)), file_variant.group(2)
    elif text.endswith(".py") or os.sep in text:
        if not path.is_file():
            raise KwstinyError(f"spec file not found: {text}")
    else:
        found = SPEC_FILES.find(text)
        if found is None and "-" in text:
            base, variant = text.rsplit("-", 1)
            found = SPEC_FILES.find(base)
        if found is None:
            close = difflib.get_close_matches(text, available_specs(), n=3)
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            raise KwstinyError(f"no model spec named {text!r} in "
                               + ", ".join(str(p) for p in SPEC_FILES.search_path()) + "." + hint)
        path = found
    spec = _exec_spec_file(path)
    return spec.variant(variant) if variant else spec


# A sweep run's folder records the spec and overrides it was trained from: its name
# (SPEC.key-value...) is no spec file, yet calibrate and evaluate need its spec.
SWEEP_POINT_FILE = "sweep_point.json"


def load_run_spec(name: str) -> ModelSpec:
    """The spec of the model named `name` in its metadata: a sweep run's spec rebuilt from
    the base spec and overrides its run folder records, else `load_spec(name)`."""
    import json

    from kwstiny import paths

    point = paths.run_dir(name) / SWEEP_POINT_FILE if name else None
    if point is None or not point.is_file():
        return load_spec(name)
    try:
        saved = json.loads(point.read_text())
        base_name, file, overrides = saved["spec"], saved.get("file", ""), saved["overrides"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise KwstinyError(f"{point}: unreadable sweep record ({error}); run the sweep "
                           f"command again to rewrite it") from error
    if file and Path(file).is_file():   # the file it trained from, wherever it lies
        base = load_spec(file)
        if base_name.startswith(base.name + "-"):          # swept a variant of it
            base = base.variant(base_name[len(base.name) + 1:])
    else:
        base = load_spec(base_name)
    return dataclasses.replace(base.with_overrides(overrides), name=name)


def _exec_spec_file(path: Path) -> ModelSpec:
    try:
        module = run_file(path, "spec")
    except (TypeError, ValueError, KwstinyError, NameError, AttributeError) as error:
        raise KwstinyError(f"spec {path.stem} ({path}{_spec_line(error, path)}): "
                           f"{_explain(error)}") from error
    spec = getattr(module, "spec", None)
    if not isinstance(spec, ModelSpec):
        raise KwstinyError(f"spec file {path} must bind a ModelSpec to the name 'spec'")
    if spec.name != path.stem:
        raise KwstinyError(f"spec file {path} names its spec {spec.name!r}; "
                           f"the name must match the file name {path.stem!r}")
    return dataclasses.replace(spec, path=str(path))


def _spec_line(error: BaseException, path: Path) -> str:
    lines = [f.lineno for f in traceback.extract_tb(error.__traceback__)
             if Path(f.filename).resolve() == path.resolve()]
    return f", line {lines[-1]}" if lines else ""


def _explain(error: BaseException) -> str:
    """Turn dataclass constructor errors into 'X has no setting Y; did you mean Z?'."""
    match = re.search(r"(\w+)\.__init__\(\) got an unexpected keyword argument '(\w+)'",
                      str(error))
    if match:
        cls_name, arg = match.groups()
        cls = globals().get(cls_name) or (FrontendSettings if cls_name == "FrontendSettings"
                                          else None)
        hint = ""
        if cls is not None and dataclasses.is_dataclass(cls):
            close = difflib.get_close_matches(arg, [f.name for f in fields(cls)], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{cls_name} has no setting {arg!r}{hint}"
    return str(error)
