"""How far `kwstiny profile`'s numbers are from measurements they were not fitted on.

Writes benchmarks/results/profile_validation.json:
  - leave_one_shape_out: per op kind, each layer shape of the board profile predicted
    by the MVP cost model refitted without it (accelerator cycles, CPU cycles, time),
    each CMSIS-NN kernel shape by the instruction model refitted without it, and each
    streaming state-op shape (benchmarks/tflm_state_ops.py) likewise;
  - board_facts: measurements from outside the fitting data (the issue's wider TENet:
    a depthwise layer with 49 output steps took ~78.5 k CPU cycles at 96 and at 150
    channels) against the model's prediction for those layers;
  - alexa: the MVP estimate of TENet12 (random int8 weights, the alexa shapes) against
    the board's totals (in-sample: that profile is what the model was fitted on);
  - arena: the computed arenas against what was measured (host runtime, firmware under
    QEMU, the board's report).

usage: PYTHONPATH=. python benchmarks/profile_validation.py [--out PATH]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "profile_validation.json"


def depthwise_layer(steps_in: int, steps_out: int, channels: int):
    """A TENet depthwise layer (9x1, 'same') rebuilt from its shapes."""
    from kwstiny.tflite import Operator, Tensor

    def tensor(index, shape, dtype="int8", constant=False):
        size = 1
        for d in shape:
            size *= d
        return Tensor(index, f"t{index}", shape, dtype, constant, size * (4 if dtype == "int32" else 1))

    stride = 2 if steps_out < steps_in else 1
    return Operator(index=0, opcode="depthwise_conv_2d",
                    inputs=(tensor(0, (1, steps_in, 1, channels)),
                            tensor(1, (1, 9, 1, channels), constant=True),
                            tensor(2, (channels,), "int32", True)),
                    outputs=(tensor(3, (1, steps_out, 1, channels)),),
                    options={"padding": "same", "stride_h": stride, "stride_w": 1,
                             "depth_multiplier": 1})


def board_facts() -> list[dict]:
    from kwstiny.profile.reference import WIDER_TENET_DEPTHWISE
    from kwstiny.profile.targets import MVP

    facts = []
    for channels in WIDER_TENET_DEPTHWISE["channels"]:
        steps = WIDER_TENET_DEPTHWISE["steps"]
        estimate = MVP().estimate(depthwise_layer(steps, steps, channels))
        measured = WIDER_TENET_DEPTHWISE["cpu_cycles"]
        facts.append({"layer": f"depthwise 9x1, {steps} output steps, {channels} channels",
                      "measured_cpu_cycles": measured, "predicted_cpu_cycles": estimate.cpu_cycles,
                      "error": (estimate.cpu_cycles - measured) / measured,
                      "extrapolation": estimate.extrapolation or None})
    return facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    from kwstiny.models.random_int8 import random_tenet12_int8
    from kwstiny.paths import write_json
    from kwstiny.profile import reference
    from kwstiny.profile.arena import arena
    from kwstiny.profile.memory import measure_arena
    from kwstiny.profile.targets import MVP
    from kwstiny.profile.validation import (leave_one_shape_out_cortex_m33,
                                            leave_one_shape_out_mvp,
                                            leave_one_shape_out_state_ops)
    from kwstiny.spec import load_spec
    from kwstiny.tflite import read_graph

    model = random_tenet12_int8(load_spec("keyword_spotting_alexa"), seed=1)
    graph = read_graph(model)
    estimates = [MVP().estimate(op) for op in graph.operators]
    total = sum(e.time_s for e in estimates)
    cpu = sum(e.cpu_cycles for e in estimates)
    acc = sum(e.acc_cycles for e in estimates)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tenet12.tflite"
        path.write_bytes(model)
        host = measure_arena(path)
    alexa = reference.with_fc_bias(graph)
    result = {
        "what": "kwstiny profile's cost models and computed arenas against measurements",
        "leave_one_shape_out": {"mvp": leave_one_shape_out_mvp(),
                                "cortex_m33_instructions": leave_one_shape_out_cortex_m33(),
                                "state_ops_instructions": leave_one_shape_out_state_ops()},
        "board_facts": board_facts(),
        "alexa": {
            "note": "in-sample: the MVP model was fitted on this very profile",
            "time_s": total, "board_time_s": reference.TOTAL_TIME_S,
            "cpu_cycles": cpu, "board_cpu_cycles": reference.TOTAL_CPU_CYCLES,
            "acc_cycles": acc, "board_acc_cycles": reference.TOTAL_ACC_CYCLES,
            "extrapolated_layers": [op.index for op, e in zip(graph.operators, estimates)
                                    if e.extrapolation],
        },
        "arena": {
            "model": "TENet12 for the alexa input, random int8 weights (190,256 B .tflite)",
            "host_runtime_measured": host.bytes, "host_runtime_head": host.head,
            "computed_plan_head": arena(graph).head,
            "host64_computed_tail": arena(graph, "host64", recording=True).tail,
            "cortex_m33_computed": arena(graph).total,
            "cortex_m33_firmware_qemu": 51780,
            "cortex_m33_cmsis_nn_computed": arena(graph, kernels="cmsis_nn").total,
            "cortex_m33_cmsis_nn_firmware_qemu": 53604,
            "with_fc_bias_as_trained_alexa": {
                "cortex_m33_computed": arena(alexa).total,
                "cortex_m33_firmware_qemu": 51796,
                "cortex_m33_cmsis_nn_computed": arena(alexa, kernels="cmsis_nn").total,
                "cortex_m33_cmsis_nn_firmware_qemu": 53620,
                "mvp_computed": arena(alexa, kernels="mvp").total,
                "mvp_board_reported": 65.1e3,
                "mvp_computed_without_optimize_speed": arena(
                    alexa, kernels="mvp", mvp_optimize_speed=False).total,
            },
            "firmware_source": "firmware/README.md (random weights: 51,780 B reference "
                               "kernels, 53,604 B CMSIS-NN) and benchmarks/results/"
                               "firmware_qemu.json (trained alexa: 51,796 B, 53,620 B), "
                               "under QEMU",
        },
    }
    write_json(args.out, result)
    print(args.out)


if __name__ == "__main__":
    main()
