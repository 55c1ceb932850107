"""Static int8 quantization: a fixed scale, so each frame's features are its own."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kwstiny.errors import KwstinyError
from kwstiny.frontend import (Frontend, FrontendSettings, model_input, quantize_static,
                              static_scale_from_frames)
from kwstiny.frontend import _cfrontend

STATIC = FrontendSettings(filterbank_n_channels=4, quantize_static_scale_enable=True,
                          quantize_static_scale_low=100, quantize_static_scale_high=394)


def reference(values: np.ndarray, low: int, high: int) -> np.ndarray:
    """The documented formula in numpy: low -> -128, high -> +127, C truncation."""
    span = max(high - low, 1)
    q = np.trunc((values.astype(np.int64) - low) * 255 / span).astype(np.int64) - 128
    return np.clip(q, -128, 127).astype(np.int8)


def test_fixed_low_and_high_map_to_the_int8_ends():
    frames = np.array([[100, 394, 0, 65535], [247, 101, 393, 99]], np.uint16)
    q = model_input(frames, STATIC)
    assert q.dtype == np.int8 and q.shape == frames.shape
    assert q[0].tolist() == [-128, 127, -128, 127]
    np.testing.assert_array_equal(q, reference(frames, 100, 394))


def test_a_frame_is_quantized_the_same_whatever_surrounds_it():
    # What streaming needs: unlike the dynamic scale, a loud later frame changes nothing.
    rng = np.random.default_rng(5)
    window = rng.integers(0, 600, size=(40, 4)).astype(np.uint16)
    whole = model_input(window, STATIC)
    louder = window.copy()
    louder[-1] = 5000
    np.testing.assert_array_equal(model_input(louder, STATIC)[:-1], whole[:-1])
    for i in range(len(window)):
        np.testing.assert_array_equal(model_input(window[i:i + 1], STATIC)[0], whole[i])


def test_matches_the_formula_and_the_dynamic_quantizer_at_the_same_scale():
    rng = np.random.default_rng(6)
    dynamic = FrontendSettings(filterbank_n_channels=4, quantize_dynamic_scale_enable=True)
    for _ in range(20):
        window = rng.integers(0, rng.integers(2, 3000), size=(50, 4)).astype(np.uint16)
        low, high = sorted(int(v) for v in rng.choice(3000, 2, replace=False))
        settings = STATIC.replace(quantize_static_scale_low=low, quantize_static_scale_high=high)
        np.testing.assert_array_equal(model_input(window, settings), reference(window, low, high))
        # Where the dynamic quantizer picks the same low and high, the two agree bit for bit.
        top = int(window.max())
        span = dynamic.quantize_range
        if top - span > 0:
            same = STATIC.replace(quantize_static_scale_low=top - span,
                                  quantize_static_scale_high=top)
            np.testing.assert_array_equal(model_input(window, same), model_input(window, dynamic))


def test_batches_and_streams_quantize_frame_by_frame():
    rng = np.random.default_rng(7)
    audio = (rng.standard_normal(16000) * 3000).astype(np.int16)
    settings = FrontendSettings(quantize_static_scale_enable=True, quantize_static_scale_low=0,
                                quantize_static_scale_high=800)
    frontend = Frontend(settings)
    frames = frontend.push(audio)
    pieces = [quantize_static(frames[i:i + 3], settings) for i in range(0, len(frames), 3)]
    np.testing.assert_array_equal(np.concatenate(pieces), model_input(frames, settings))
    assert model_input(frames[None].repeat(2, 0), settings).shape == (2,) + frames.shape


def test_scale_from_training_frames_uses_percentiles():
    frames = [np.arange(1000, dtype=np.uint16).reshape(250, 4)]
    low, high = static_scale_from_frames(frames, low_percentile=1.0, high_percentile=99.0)
    assert (low, high) == (9, 990)
    assert static_scale_from_frames([np.zeros((3, 4), np.uint16)]) == (0, 1)
    with pytest.raises(KwstinyError, match="at least one frame"):
        static_scale_from_frames([np.zeros((0, 4), np.uint16)])


def test_settings_round_trip_through_metadata_and_reject_bad_scales():
    metadata = json.loads(json.dumps(STATIC.to_metadata()))
    assert metadata["fe.quantize_static_scale_low"] == 100
    assert FrontendSettings.from_metadata(metadata) == STATIC
    assert STATIC.output_dtype == "int8" and STATIC.int8_features
    with pytest.raises(KwstinyError, match="quantize_static_scale_high"):
        STATIC.replace(quantize_static_scale_high=100)
    with pytest.raises(KwstinyError, match="quantize_static_scale_enable"):
        STATIC.replace(quantize_dynamic_scale_enable=True)
    with pytest.raises(ValueError, match="low < high"):
        _cfrontend.quantize_static(np.zeros(4, np.uint16), np.zeros(4, np.int8), 5, 5)
