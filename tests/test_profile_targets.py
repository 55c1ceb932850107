"""Target cost models: their fits, their rules, and (labelled so) how they reproduce the
measurements they were fitted on. What they predict outside their fitting data is in
tests/test_profile_validation.py."""

import collections
import dataclasses

import pytest

from kwstiny import tflite
from kwstiny.errors import KwstinyError
from kwstiny.profile import targets
from kwstiny.profile.fit import calibrate_cpi, fit_cortex_m33, fit_mvp
from kwstiny.profile.reference import (TOTAL_CPU_CYCLES, TOTAL_TIME_S, measured_kernels,
                                       measured_layers)
from kwstiny.profile.targets import MVP, CortexM33, target


def _close(a: float, b: float, rel: float = 2e-3) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-9)


def test_stored_coefficients_are_the_fit_of_the_measurements():
    for kind, fitted in fit_mvp().items():
        for name, value in fitted.items():
            assert _close(targets.MVP_COEFFICIENTS[kind][name], value), (kind, name)
    instructions = fit_cortex_m33()
    for kernel, fitted in instructions.items():
        for name, value in fitted.items():
            assert _close(targets.M33_INSTRUCTIONS[kernel][name], value, 5e-3) or value < 1e-6
    cpi, overhead = calibrate_cpi(instructions)
    assert _close(targets.M33_CPI, cpi) and targets.M33_LAYER_OVERHEAD == overhead
    assert all(v >= 0 for rates in targets.M33_INSTRUCTIONS.values() for v in rates.values())


def test_in_sample_mvp_estimate_of_tenet12_reproduces_the_profile_it_was_fitted_on(tenet12_int8):
    """In-sample: the MVP model was fitted on these rows. This checks that the stored fit
    is what the estimate uses, not that the model predicts."""
    graph = tflite.read_graph(tenet12_int8)
    estimates = [MVP().estimate(op) for op in graph.operators]
    total = sum(e.time_s for e in estimates)
    assert abs(total - TOTAL_TIME_S) <= 0.05 * TOTAL_TIME_S
    assert abs(sum(e.cpu_cycles for e in estimates) - TOTAL_CPU_CYCLES) <= 0.10 * TOTAL_CPU_CYCLES
    estimated, measured = collections.Counter(), collections.Counter()
    for op, estimate, layer in zip(graph.operators, estimates, measured_layers()):
        estimated[op.opcode] += estimate.time_s
        measured[layer.opcode] += layer.time_s
    measured_total = sum(measured.values())
    for kind in ("conv_2d", "depthwise_conv_2d", "add", "average_pool_2d", "fully_connected"):
        share, reference = estimated[kind] / total, measured[kind] / measured_total
        assert abs(share - reference) <= 0.25 * reference, kind
    assert [e.where for e in estimates].count("CPU") == 2  # reshape and softmax
    cpu = sum(e.cpu_cycles for e in estimates)
    assert 0.8 < (cpu / (total * 78e6)) / 0.186 < 1.25  # the measured CPU utilisation


def test_in_sample_cortex_m33_instruction_model_reproduces_the_qemu_counts():
    """In-sample (the counts it was fitted on); held-out errors: test_profile_validation."""
    errors = []
    for kernel in measured_kernels():
        cycles = CortexM33().cpu_cycles(kernel.op)
        instructions = (cycles - targets.M33_LAYER_OVERHEAD) / targets.M33_CPI
        errors.append(abs(instructions - kernel.instructions) / kernel.instructions)
    assert max(errors) < 0.25  # the im2col convolution is the loosest fit
    assert sorted(errors)[len(errors) // 2] < 0.02


def test_in_sample_cpu_only_layers_match_the_device(tenet12_int8):
    """In-sample: reshape and softmax are the rows the cycles per instruction and the
    per-layer overhead were calibrated on."""
    graph = tflite.read_graph(tenet12_int8)
    for op, layer in zip(graph.operators, measured_layers()):
        if layer.opcode in ("reshape", "softmax"):
            assert abs(CortexM33().cpu_cycles(op) - layer.cpu_cycles) <= 0.1 * layer.cpu_cycles


def test_clock_scales_time_not_cycles(conv_int8):
    op = tflite.read_graph(conv_int8).operators[0]
    slow, fast = target("MVP", 39e6).estimate(op), target("mvp", 78e6).estimate(op)
    assert slow.acc_cycles == fast.acc_cycles and slow.cpu_cycles == fast.cpu_cycles
    assert slow.time_s == pytest.approx(2 * fast.time_s)
    with pytest.raises(KwstinyError, match="accelerator"):
        target("npu")
    with pytest.raises(KwstinyError, match="clock"):
        target("none", 0)


def test_what_the_mvp_runs(conv_int8, conv_float, custom_op_model):
    mvp = MVP()
    ops = {}
    for op in tflite.read_graph(conv_int8).operators:
        ops.setdefault(op.opcode, op)  # the first of each kind
    assert mvp.estimate(ops["conv_2d"]).where == "MVP"
    assert mvp.estimate(ops["mul"]).where == "CPU"  # not an MVP kernel
    softmax = mvp.estimate(ops["softmax"])
    assert softmax.where == "CPU" and softmax.acc_cycles == 0
    # float layers stay on the CPU, and kwstiny has no float cycle model
    float_conv = tflite.read_graph(conv_float).operators[0]
    estimate = mvp.estimate(float_conv)
    assert estimate.where == "CPU" and estimate.time_s is None and "int8" in estimate.note
    # a tensor wider than the MVP's arrays
    conv = ops["conv_2d"]
    huge = dataclasses.replace(conv.outputs[0], shape=(1, 4000, 1, 8))
    assert "exceeds" in mvp.not_accelerated(dataclasses.replace(conv, outputs=(huge,)))
    # odd channel counts: accelerated at the assumed half rate
    odd = mvp.estimate(ops["conv_2d"])  # 3 input channels
    assert "odd channel" in odd.note
    custom = [op for op in tflite.read_graph(custom_op_model).operators if op.opcode == "custom"]
    for model in (mvp, CortexM33()):
        assert model.estimate(custom[0]).where == "unsupported"


def test_kernel_model_adds_up_to_a_whole_tflm_inference(tenet12_int8):
    """The instruction model against TFLM + CMSIS-NN running TENet12 under QEMU."""
    from kwstiny.profile.reference import (TFLM_TENET12_INVOKE_INSTRUCTIONS,
                                           TFLM_TENET12_LAYER_INSTRUCTIONS)

    graph = tflite.read_graph(tenet12_int8)
    predicted = [(CortexM33().cpu_cycles(op) - targets.M33_LAYER_OVERHEAD) / targets.M33_CPI
                 for op in graph.operators]
    assert len(predicted) == len(TFLM_TENET12_LAYER_INSTRUCTIONS)
    total = sum(predicted)
    assert abs(total - TFLM_TENET12_INVOKE_INSTRUCTIONS) <= 0.03 * TFLM_TENET12_INVOKE_INSTRUCTIONS
    for index, (guess, measured) in enumerate(zip(predicted, TFLM_TENET12_LAYER_INSTRUCTIONS)):
        if measured > 100_000:
            assert abs(guess - measured) <= 0.08 * measured, index


def test_the_profilers_measured_tables_are_the_benchmarks_json():
    """The instruction counts the Cortex-M33 model is fitted to ship as package data; they
    must be exactly what the benchmarks that measured them wrote."""
    import json
    from pathlib import Path

    from kwstiny.profile.reference import DATA_DIR

    benchmarks = Path(__file__).resolve().parent.parent / "benchmarks"
    for shipped, measured in (("cmsis_nn_instructions.json", "cmsis_nn_icount/instructions.json"),
                              ("tflm_qemu_layers_tenet12.json",
                               "tflm_qemu_layers/layers_tenet12.json"),
                              ("tflm_state_ops_qemu.json", "results/tflm_state_ops_qemu.json")):
        assert json.loads((DATA_DIR / shipped).read_text()) == \
            json.loads((benchmarks / measured).read_text()), shipped
