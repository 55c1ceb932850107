"""Dynamic int8 quantization of a window of frames (model_input)."""

from __future__ import annotations

import numpy as np
import pytest

from kwstiny.errors import KwstinyError
from kwstiny.frontend import FrontendSettings, model_input
from kwstiny.frontend import _cfrontend

QUANTIZED = FrontendSettings(filterbank_n_channels=4, quantize_dynamic_scale_enable=True,
                             quantize_dynamic_scale_range_db=40.0)


def reference(window: np.ndarray, quant_range: int) -> np.ndarray:
    """The documented formula, in numpy: max -> +127, range below it -> -128."""
    top = int(window.max())
    low = max(top - quant_range, 0)
    span = max(top - low, 1)
    scaled = (window.astype(np.int64) - low) * 255
    q = np.trunc(scaled / span).astype(np.int64) - 128  # C division truncates toward zero
    return np.clip(q, -128, 127).astype(np.int8)


def test_range_in_feature_units():
    # 40 dB at log_scale_shift 6: 40 * 64 * ln(10) / 20 = 294.7 -> 294 units.
    assert QUANTIZED.quantize_range == 294
    assert _cfrontend.quantize_range(40.0, 6) == 294
    for db in (1.0, 12.5, 40.0, 60.0, 96.0, 120.0):
        for shift in (4, 6, 10):
            assert _cfrontend.quantize_range(db, shift) == QUANTIZED.replace(
                quantize_dynamic_scale_range_db=db, log_scale_shift=shift).quantize_range


def test_window_maximum_maps_to_127_and_range_below_to_minus_128():
    window = np.array([[1000, 999, 853, 706], [705, 500, 0, 1000]], np.uint16)
    q = model_input(window, QUANTIZED)
    assert q.dtype == np.int8 and q.shape == window.shape
    assert q[0, 0] == 127 and q[1, 3] == 127          # the maximum
    assert q[1, 0] == -128 and q[1, 1] == -128 and q[1, 2] == -128  # 294+ below it
    assert q[0, 3] == -128 + (706 - 706) * 255 // 294  # exactly at the bottom of the range
    assert q[0, 2] == (853 - 706) * 255 // 294 - 128
    np.testing.assert_array_equal(q, reference(window, 294))


def test_quantization_is_monotonic_and_matches_the_formula():
    rng = np.random.default_rng(3)
    for trial in range(20):
        window = rng.integers(0, rng.integers(1, 2000), size=(118, 4)).astype(np.uint16)
        q = model_input(window, QUANTIZED)
        np.testing.assert_array_equal(q, reference(window, 294))
        order = np.argsort(window, axis=None, kind="stable")
        assert np.all(np.diff(q.reshape(-1)[order].astype(int)) >= 0)


def test_each_window_of_a_batch_is_quantized_on_its_own():
    rng = np.random.default_rng(4)
    batch = rng.integers(0, 1500, size=(5, 20, 4)).astype(np.uint16)
    batch[2] //= 10  # a quiet window still spans the full int8 range
    q = model_input(batch, QUANTIZED)
    for window, quantized in zip(batch, q):
        np.testing.assert_array_equal(quantized, model_input(window, QUANTIZED))
    assert q[2].max() == 127


def test_flat_and_silent_windows():
    assert (model_input(np.zeros((3, 4), np.uint16), QUANTIZED) == -128).all()
    assert (model_input(np.full((3, 4), 200, np.uint16), QUANTIZED) == 127).all()


def test_without_quantization_the_model_reads_float32_features():
    plain = QUANTIZED.replace(quantize_dynamic_scale_enable=False)
    window = np.array([[0, 1, 65535, 300]], np.uint16)
    x = model_input(window, plain)
    assert x.dtype == np.float32
    np.testing.assert_array_equal(x, window.astype(np.float32))


@pytest.mark.parametrize("bad, message", [
    (np.zeros((3, 4), np.int16), "uint16"),
    (np.zeros((3, 5), np.uint16), r"shaped \(frames, 4\)"),
    (np.zeros(4, np.uint16), "shaped"),
])
def test_model_input_rejects_what_the_frontend_never_makes(bad, message):
    with pytest.raises(KwstinyError, match=message):
        model_input(bad, QUANTIZED)
