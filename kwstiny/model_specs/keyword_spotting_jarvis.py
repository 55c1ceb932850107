"""Detect the keyword "jarvis": TENet12 on the frontend of keyword_spotting_alexa.

Written by `kwstiny new keyword_spotting_jarvis --keyword "jarvis" --base keyword_spotting_alexa`.
Frontend, augmentation, model, training, quantization and detection settings are
keyword_spotting_alexa's; the data is kwstiny's generic keyword recipe (synthesized offline, split
by voice), whose unknown class holds the confusable words below.
"""

from kwstiny.data.keyword_recipe import keyword_recipe
from kwstiny.frontend.settings import FrontendSettings
from kwstiny.models.tenet import TENet12
from kwstiny.spec import (AugmentSpec, DatasetSpec, DetectionSettings, DistillSpec,
                          ModelChoice, ModelSpec, QuantizeSpec, TrainSpec)

KEYWORD = 'jarvis'
# Generated from the keyword's phonemes (dZ A@ v I s) by
# kwstiny.data.confusables: the nearest frequent English words by phoneme edit
# distance, words that contain the keyword, and its first and last parts. Edit freely.
CONFUSABLE = (
    'service', 'davis', 'harvest', 'elvis', 'harness', 'marvin', 'carving', 'vis',
    'novice', 'janice', 'gis', 'tardis', 'jarring', 'rbis', 'avis', 'mavis', 'givin',
    'nevis', 'juris', 'jardin', 'this', 'having', 'office', 'living', 'market', 'miss',
    'giving', 'david', 'parts', 'voice', 'moving', 'jesus', 'leaving', 'justice',
    'largest', 'notice', 'advice', 'surface', 'paris', 'target', 'basis', 'chris',
    'artist', 'movies', 'martin', 'promise', 'purchase', 'vice', 'arts', 'charges',
    'device', 'obvious', 'jim', 'serving', 'jewish', 'markets', 'saving', 'kiss', 'kevin',
    'marks', 'jar',
)

spec = ModelSpec(
    name='keyword_spotting_jarvis',
    version=1,
    description='Keyword spotting classifier to detect: "jarvis"',
    dataset=DatasetSpec(
        source=keyword_recipe(KEYWORD, confusable=CONFUSABLE),
        classes=('jarvis', '_unknown_'),
    ),
    model=ModelChoice(TENet12),
    frontend=FrontendSettings(
        sample_length_ms=1200,
        filterbank_n_channels=108,
        noise_reduction_enable=True,
        noise_reduction_min_signal_remaining=0.4,
        dc_notch_filter_enable=True,
        quantize_dynamic_scale_enable=True,
    ),
    augment=AugmentSpec(
        speed_range=(0.85, 1.15),
        pitch_probability=0.5,
        pitch_semitones=(-2.0, 8.0),
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
        weight_average_epochs=2.0,
    ),
    quantize=QuantizeSpec(
        representative_samples=2000,
    ),
    detection=DetectionSettings(
        latency_ms=200,
        minimum_count=2,
        average_window_duration_ms=440,
        detection_threshold=216,
        suppression_ms=900,
        class_thresholds={},
        volume_gain=0.0,
    ),
    variants={'demo': {'dataset.scale': 'demo', 'train.epochs': 20}},
)
