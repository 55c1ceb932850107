"""The cost models outside their fitting data: held-out shapes, the board's wider-TENet
measurement, and the layers `profile` marks as extrapolations."""

import json
from pathlib import Path

import pytest

from kwstiny import tflite
from kwstiny.profile.targets import MVP, CortexM33

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "profile_validation.json"


def _same(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9, abs=1e-12)
    return a == b


def test_published_leave_one_shape_out_errors_are_what_the_models_give():
    from kwstiny.profile.validation import (leave_one_shape_out_cortex_m33, leave_one_shape_out_mvp,
                                            leave_one_shape_out_state_ops)

    published = json.loads(RESULTS.read_text())["leave_one_shape_out"]
    mvp = leave_one_shape_out_mvp()
    assert _same(json.loads(json.dumps(mvp)), published["mvp"])
    m33 = leave_one_shape_out_cortex_m33()
    assert _same(json.loads(json.dumps(m33)), published["cortex_m33_instructions"])
    state = leave_one_shape_out_state_ops()
    assert _same(json.loads(json.dumps(state)), published["state_ops_instructions"])
    # what the README states about them
    assert mvp["depthwise_conv_2d"]["cpu"]["max_abs"] < 0.01
    assert mvp["conv_2d"]["time"]["max_abs"] < 0.10
    assert mvp["depthwise_conv_2d"]["time"]["max_abs"] < 0.05
    assert mvp["average_pool_2d"]["held_out"] == [] and "one measured shape" in mvp["average_pool_2d"]["note"]


def _tenet(channels: int) -> bytes:
    import numpy as np
    import tf_keras

    from kwstiny.models import tenet
    from kwstiny.quantize import convert_int8

    tf_keras.utils.set_random_seed(1)
    model = tenet.TENet((98, 1, 40), 2, blocks_per_stage=1, stages=3, channels=channels)
    calibration = np.random.default_rng(0).integers(-128, 128, size=(4, 98, 1, 40))
    return convert_int8(model, calibration.astype(np.float32), int8_features=True)


@pytest.fixture(scope="module")
def tenets():
    """The same 3-block TENet with 96- and 150-channel depthwise layers (expansion 3)."""
    models = {3 * c: _tenet(c) for c in (32, 50)}
    return {channels: (data, tflite.read_graph(data)) for channels, data in models.items()}


@pytest.mark.slow  # converts two TENets
def test_depthwise_cpu_cycles_do_not_grow_with_the_channel_count(tenets):
    from kwstiny.profile.reference import WIDER_TENET_DEPTHWISE

    layers = {}
    for channels, (_, graph) in tenets.items():
        ops = [op for op in graph.operators if op.opcode == "depthwise_conv_2d"]
        assert {op.inputs[0].shape[-1] for op in ops} == {channels}
        layers[channels] = [MVP().estimate(op) for op in ops]
    for narrow, wide in zip(layers[96], layers[150]):
        assert wide.cpu_cycles == narrow.cpu_cycles      # per output step, not per element
        assert wide.acc_cycles > 1.4 * narrow.acc_cycles  # the MVP does the per-channel work
        assert "150 channels" in wide.extrapolation and not narrow.extrapolation.startswith("96")
    # the board: ~78.5 k CPU cycles for 49 output steps at 96 and at 150 channels
    first = layers[150][0]
    assert tenets[150][1].operators[2].outputs[0].shape[1] == WIDER_TENET_DEPTHWISE["steps"]
    assert abs(first.cpu_cycles - WIDER_TENET_DEPTHWISE["cpu_cycles"]) < 0.10 * 78.5e3


@pytest.mark.slow
def test_profile_lists_extrapolations_in_table_and_json(tenets, tmp_path):
    from kwstiny.profile.report import format_profile, profile

    path = tmp_path / "wide.tflite"
    path.write_bytes(tenets[150][0])
    result = profile(path, "MVP", measure_memory=False)
    flagged = result["totals"]["extrapolated_layers"]
    depthwise = [layer["index"] for layer in result["layers"]
                 if layer["opcode"] == "depthwise_conv_2d"]
    assert set(depthwise) <= set(flagged)
    assert all("150 channels" in result["layers"][i]["extrapolation"] for i in depthwise)
    text = format_profile(result)
    assert "| Extrapolated |" in text and "Extrapolations (outside" in text
    assert f"  {depthwise[0]} depthwise_conv_2d: 150 channels" in text


def test_what_counts_as_an_extrapolation(conv_int8, tenet12_int8):
    ops = {}
    for op in tflite.read_graph(conv_int8).operators:
        ops.setdefault(op.opcode, op)
    mvp = MVP()
    conv = mvp.estimate(ops["conv_2d"])  # 3x3 kernel on 3 input channels
    assert "3x3 kernel" in conv.extrapolation and "odd channel count 3" in conv.extrapolation
    pool = mvp.estimate(ops["max_pool_2d"])
    assert "no measured max_pool_2d row" in pool.extrapolation
    # the alexa model lies inside the data on both targets
    for target in (mvp, CortexM33()):
        assert not [op.index for op in tflite.read_graph(tenet12_int8).operators
                    if target.estimate(op).extrapolation]
