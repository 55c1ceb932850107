"""Detect "alexa" with a streaming model: the alexa spec's data and frontend, static int8
features and a dilated TCN that computes only what each new 80 ms of audio adds.

The reference spec (keyword_spotting_alexa) scales each 1.2 s window by its own maximum,
so it re-runs the whole window every 200 ms (about 23 M MACs a second). Here each frame
is quantized at a fixed scale (0..850 feature units: the 0th and 99.9th percentiles of
the synthetic alexa clips' frames, kwstiny.frontend.static_scale_from_frames), so the
model keeps each layer's recent inputs as state (kwstiny.models.streaming) and an
invoke takes 8 new frames. Training sees whole 1.2 s windows (120 frames, a multiple of
the model's stride), exactly what the streaming graph computes from a silent start.
"""

from kwstiny.frontend.settings import FrontendSettings
from kwstiny.models import tcn, tenet
from kwstiny.spec import (AugmentSpec, DatasetSpec, DetectionSettings, ModelChoice,
                          ModelSpec, QuantizeSpec, StreamingSpec, TrainSpec)

spec = ModelSpec(
    name="keyword_spotting_alexa_streaming",
    version=1,
    description='Streaming keyword spotting classifier to detect: "alexa"',
    frontend=FrontendSettings(
        sample_rate_hz=16000,
        sample_length_ms=1220,      # 120 frames
        window_size_ms=30,
        window_step_ms=10,
        filterbank_n_channels=108,
        filterbank_lower_band_limit=125.0,
        filterbank_upper_band_limit=7500.0,
        noise_reduction_enable=True,
        noise_reduction_smoothing_bits=10,
        noise_reduction_even_smoothing=0.025,
        noise_reduction_odd_smoothing=0.06,
        noise_reduction_min_signal_remaining=0.40,
        dc_notch_filter_enable=True,
        dc_notch_filter_coefficient=0.95,
        quantize_static_scale_enable=True,
        quantize_static_scale_low=0,
        quantize_static_scale_high=850,
    ),
    dataset=DatasetSpec(
        source="synthetic_alexa",
        classes=("alexa", "_unknown_"),
        unknown_class_multiplier=1.5,
    ),
    # As the alexa spec: pitch shifts reach the held-out female voice, speed varies tempo.
    augment=AugmentSpec(pitch_probability=0.5, pitch_semitones=(-2.0, 8.0),
                        speed_probability=0.3, speed_range=(0.85, 1.15)),
    model=ModelChoice(tcn.DilatedTCN, {"channels": 32, "kernel_size": 5,
                                       "dilations": (1, 2, 4, 8, 1, 2, 4, 8),
                                       "stem_stride": 2}),
    streaming=StreamingSpec(frames_per_invoke=8),
    train=TrainSpec(
        epochs=60,
        batch_size=100,
        learning_rate_steps=((100, 0.001), (100, 0.002), (100, 0.003), (100, 0.004),
                             (30000, 0.005), (30000, 0.002), (20000, 0.0005),
                             (10000, 1e-5), (5000, 1e-6), (5000, 1e-7)),
        class_weights="balanced",
        mixup_alpha=0.2,
    ),
    quantize=QuantizeSpec(representative_samples=2000),
    # One result every 80 ms: the average spans five of them.
    detection=DetectionSettings(
        latency_ms=80,
        minimum_count=3,
        average_window_duration_ms=400,
        detection_threshold=216,
        suppression_ms=900,
    ),
    variants={
        "demo": {"dataset.scale": "demo", "train.epochs": 20},
        # TENet12 (causal, stem stride 2: 16 frames per pooled position) instead.
        "tenet": {"model": ModelChoice(tenet.TENet12, {"causal": True, "stem_stride": 2}),
                  "frontend.sample_length_ms": 1300,   # 128 frames, a multiple of 16
                  "streaming.frames_per_invoke": 16, "detection.latency_ms": 160},
    },
)
