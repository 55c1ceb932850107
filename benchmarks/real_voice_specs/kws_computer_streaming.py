"""Detect the keyword "computer": DilatedTCN on the frontend of keyword_spotting_alexa_streaming.

Written by `kwstiny new kws_computer_streaming --keyword "computer" --base keyword_spotting_alexa_streaming`.
Frontend, augmentation, model, streaming, training, quantization and detection settings are
keyword_spotting_alexa_streaming's; the data is kwstiny's generic keyword recipe (synthesized offline, split
by voice), whose unknown class holds the confusable words below.
"""

from kwstiny.data.keyword_recipe import keyword_recipe
from kwstiny.frontend.settings import FrontendSettings
from kwstiny.models.tcn import DilatedTCN
from kwstiny.models.tenet import TENet12
from kwstiny.spec import (AugmentSpec, DatasetSpec, DetectionSettings, DistillSpec,
                          ModelChoice, ModelSpec, QuantizeSpec, StreamingSpec, TrainSpec)

KEYWORD = 'computer'
# Generated from the keyword's phonemes (k @ m p j u: t 3) by
# kwstiny.data.confusables: the nearest frequent English words by phoneme edit
# distance, words that contain the keyword, and its first and last parts. Edit freely.
CONFUSABLE = (
    'computers', 'commuter', 'compute', 'computing', 'commute', 'computed', 'commuters',
    'commutes', 'complete', 'compete', 'compact', 'composite', 'composer', 'competitor',
    'communal', 'completes', 'compressor', 'compiler', 'commuting', 'competes',
    'composure', 'cuter', 'commuted', 'pewter', 'community', 'committee', 'completely',
    'compared', 'completed', 'cute', 'consumer', 'deputy', 'commander', 'confused',
    'compare', 'commissioner', 'commit', 'complaint', 'composed', 'dispute', 'complain',
    'complaints', 'competing', 'compliance', 'companion', 'comparing', 'competitors',
    'supporter', 'completing', 'comply', 'semester', 'complained', 'compelling',
    'compiled', 'disputes', 'compassion', 'collector', 'commodity', 'comprised',
    'carpenter', 'computerized', 'supercomputer', 'com', 'comput', 'puter',
)

spec = ModelSpec(
    name='kws_computer_streaming',
    version=1,
    description='Keyword spotting classifier to detect: "computer"',
    dataset=DatasetSpec(
        source=keyword_recipe(KEYWORD, confusable=CONFUSABLE),
        classes=('computer', '_unknown_'),
    ),
    model=ModelChoice(DilatedTCN, {'channels': 32,
         'kernel_size': 5,
         'dilations': (1, 2, 4, 8, 1, 2, 4, 8),
         'stem_stride': 2}),
    frontend=FrontendSettings(
        sample_length_ms=1220,
        filterbank_n_channels=108,
        noise_reduction_enable=True,
        noise_reduction_min_signal_remaining=0.4,
        dc_notch_filter_enable=True,
        quantize_static_scale_enable=True,
        quantize_static_scale_high=850,
    ),
    augment=AugmentSpec(
        speed_range=(0.85, 1.15),
        pitch_probability=0.5,
        pitch_semitones=(-2.0, 8.0),
    ),
    streaming=StreamingSpec(
        frames_per_invoke=8,
    ),
    train=TrainSpec(
        learning_rate_steps=(
            (100, 0.001),
            (100, 0.002),
            (100, 0.003),
            (100, 0.004),
            (30000, 0.005),
            (30000, 0.002),
            (20000, 0.0005),
            (10000, 1e-05),
            (5000, 1e-06),
            (5000, 1e-07),
        ),
        mixup_alpha=0.2,
    ),
    quantize=QuantizeSpec(
        representative_samples=2000,
    ),
    detection=DetectionSettings(
        latency_ms=80,
        minimum_count=3,
        average_window_duration_ms=400,
        detection_threshold=216,
        suppression_ms=900,
        class_thresholds={},
        volume_gain=0.0,
    ),
    variants={
        'demo': {
            'dataset.scale': 'demo',
            'train.epochs': 20,
        },
        'tenet': {
            'model': ModelChoice(TENet12, {'causal': True, 'stem_stride': 2}),
            'frontend.sample_length_ms': 1300,
            'streaming.frames_per_invoke': 16,
            'detection.latency_ms': 160,
        },
    },
)
