"""The cost model of a streaming model's state ops (resource variables, the ring
buffer's concatenation and strided slice): fitted to per-layer instruction counts of
TFLM's reference kernels under QEMU (benchmarks/tflm_state_ops.py), used on the
Cortex-M33 and, as CPU layers, on the MVP target."""

import dataclasses

import pytest

from kwstiny.profile import targets
from kwstiny.profile.fit import fit_state_ops
from kwstiny.profile.reference import measured_state_ops
from kwstiny.profile.targets import MVP, CortexM33, state_op_kind

KINDS = {"var_handle", "read_variable", "assign_variable", "concatenation", "strided_slice",
         "call_once"}


def test_stored_state_op_rates_are_the_fit_of_the_measurements():
    fitted = fit_state_ops()
    assert set(fitted) == KINDS == set(targets.M33_STATE_OP_INSTRUCTIONS)
    for kind, rates in fitted.items():
        assert set(rates) == set(targets.M33_STATE_OP_INSTRUCTIONS[kind])
        for name, value in rates.items():
            stored = targets.M33_STATE_OP_INSTRUCTIONS[kind][name]
            assert abs(stored - value) <= 5e-3 * max(abs(value), 1.0), (kind, name)
    # copying costs about half an instruction per byte (word copies), whatever the op
    for kind, feature in (("read_variable", "outputs"), ("assign_variable", "inputs"),
                          ("concatenation", "outputs"), ("strided_slice", "outputs")):
        assert 0.3 < fitted[kind][feature] < 1.0, kind


def test_every_measured_state_op_gets_an_estimate_in_sample():
    """In-sample (the rows the rates were fitted on): each layer's whole instructions
    come back within 10 % (25 instructions for the ~100-instruction layers: the counter
    steps in 50), on both targets, always as CPU work."""
    rows = measured_state_ops()
    assert {r.op.opcode for r in rows} == KINDS and len(rows) > 100
    cpu, mvp = CortexM33(), MVP()
    for r in rows:
        estimate = cpu.estimate(r.op)
        assert estimate.estimated and estimate.where == "CPU" and not estimate.extrapolation
        beyond = (estimate.cpu_cycles - targets.M33_LAYER_OVERHEAD) / targets.M33_CPI
        assert abs(beyond + r.baseline - r.instructions) <= max(0.10 * r.instructions, 25), r.op
        on_mvp = mvp.estimate(r.op)
        assert on_mvp.where == "CPU" and on_mvp.cpu_cycles == estimate.cpu_cycles
        assert on_mvp.acc_cycles == 0.0


def test_bigger_state_costs_more_and_other_types_get_no_estimate():
    by_size = sorted((r for r in measured_state_ops() if r.op.opcode == "read_variable"),
                     key=lambda r: r.op.outputs[0].size)
    small, big = by_size[0].op, by_size[-1].op
    assert CortexM33().cpu_cycles(big) > CortexM33().cpu_cycles(small)
    # int8 state was measured; a float state's copies are four times the bytes
    output = dataclasses.replace(big.outputs[0], dtype="float32")
    floating = dataclasses.replace(big, outputs=(output,))
    assert state_op_kind(floating) is None and CortexM33().cpu_cycles(floating) is None
    assert "no cycle model" in CortexM33().estimate(floating).note
    # outside the measured sizes the estimate says it extrapolates
    huge = dataclasses.replace(big, outputs=(dataclasses.replace(
        big.outputs[0], shape=(1, 1000, 1, 64)),))
    assert "elements moved" in CortexM33().estimate(huge).extrapolation


def test_held_out_state_op_errors_are_what_the_basis_line_states():
    """Each layer shape predicted by the rates fitted without it (the published figures
    are checked equal in test_profile_validation.py)."""
    from kwstiny.profile.validation import leave_one_shape_out_state_ops

    errors = leave_one_shape_out_state_ops()
    # what the profile's basis line states: within 8 % of a held-out layer's instructions
    for kind in ("read_variable", "assign_variable", "concatenation", "strided_slice"):
        assert errors[kind]["shapes"] >= 10 and errors[kind]["layer"]["max_abs"] < 0.08, kind
    assert "no held-out check" in errors["var_handle"]["note"]


@pytest.fixture(scope="module")
def streaming_tflite(tmp_path_factory):
    from test_stream_streaming_model import make_streaming_tflite

    path = tmp_path_factory.mktemp("models") / "tiny_streaming.tflite"
    path.write_bytes(make_streaming_tflite())
    return path


@pytest.mark.parametrize("accelerator", ["none", "MVP"])
def test_streaming_model_profile_is_complete(streaming_tflite, accelerator):
    from kwstiny.profile.report import STATE_OPS_BASIS, profile

    result = profile(streaming_tflite, accelerator=accelerator, measure_memory=False)
    kinds = {layer["opcode"] for layer in result["layers"]} & KINDS
    assert kinds >= {"var_handle", "read_variable", "assign_variable"}
    assert result["totals"]["complete"] and result["totals"]["layers_without_estimate"] == []
    assert not result["schedule"]["duty_cycle_is_lower_bound"]
    assert result["schedule"]["duty_cycle"] > 0
    assert STATE_OPS_BASIS in result["basis"]


def test_non_streaming_basis_has_no_state_op_line(conv_int8):
    from kwstiny.profile.report import STATE_OPS_BASIS, profile

    assert STATE_OPS_BASIS not in profile(conv_int8, measure_memory=False)["basis"]
