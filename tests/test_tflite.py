"""The .tflite carries kwstiny's settings; reading junk fails clearly."""

import numpy as np
import pytest
from ai_edge_litert import schema_py_generated as schema

from kwstiny import tflite
from kwstiny.errors import KwstinyError
from kwstiny.inference import TfliteModel


def test_metadata_round_trip_and_replacement(tenet12_int8):
    data = tenet12_int8.read_bytes()
    meta = tflite.read_metadata(data)
    assert meta["classes"] == ["alexa", "_unknown_"] and meta["fe.sample_rate_hz"] == 16000
    replaced = tflite.write_metadata(data, {"name": "other"})
    assert tflite.read_metadata(replaced) == {"name": "other"}
    names = [m.name for m in tflite.load_model(replaced).metadata]
    assert names.count(b"kwstiny") == 1


def test_rewritten_model_keeps_buffers_aligned_and_runs_the_same(tenet12_int8):
    data = tenet12_int8.read_bytes()
    rewritten = tflite.write_metadata(data, {"name": "x", "classes": ["a", "b"]})
    base = np.frombuffer(rewritten, np.uint8).ctypes.data
    root = schema.Model.GetRootAs(rewritten, 0)
    for i in range(root.BuffersLength()):
        buffer = root.Buffers(i)
        if buffer.DataLength():
            assert (buffer.DataAsNumpy().ctypes.data - base) % 16 == 0
    x = np.random.default_rng(1).integers(-128, 128, (118, 1, 108)).astype(np.int8)
    assert np.array_equal(TfliteModel(data).invoke_raw(x), TfliteModel(rewritten).invoke_raw(x))


def test_identity_input_quantization_for_int8_features(tenet12_int8):
    model = tflite.load_model(tenet12_int8)
    graph = model.subgraphs[0]
    q = graph.tensors[graph.inputs[0]].quantization
    assert (float(q.scale[0]), int(q.zeroPoint[0])) == (1.0, 0)


@pytest.mark.parametrize("blob, message", [
    (b"", "not a TFLite model"),
    (b"definitely not a model, just text", "not a TFLite model"),
])
def test_junk_is_rejected(blob, message):
    with pytest.raises(KwstinyError, match=message):
        tflite.read_metadata(blob)


def test_truncated_model_is_rejected(tenet12_int8, tmp_path):
    path = tmp_path / "cut.tflite"
    path.write_bytes(tenet12_int8.read_bytes()[:4000])
    with pytest.raises(KwstinyError, match="truncated or corrupt"):
        tflite.load_model(path)


def test_missing_file(tmp_path):
    with pytest.raises(KwstinyError, match="not found"):
        tflite.load_model(tmp_path / "nope.tflite")


def test_tflm_and_litert_agree_on_int8_model(tenet12_int8):
    tflm, litert = TfliteModel(tenet12_int8, "tflm"), TfliteModel(tenet12_int8, "litert")
    rng = np.random.default_rng(2)
    for _ in range(3):
        x = rng.integers(-128, 128, (118, 1, 108)).astype(np.int8)
        a, b = tflm.invoke_raw(x).astype(int), litert.invoke_raw(x).astype(int)
        assert np.max(np.abs(a - b)) <= 1
    probs = tflm.predict(rng.integers(-128, 128, (4, 118, 1, 108)).astype(np.int8))
    assert probs.shape == (4, 2) and np.allclose(probs.sum(axis=1), 1.0, atol=0.02)
