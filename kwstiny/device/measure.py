"""Measuring a model on a board: the per-layer profile and invoke counts, through
the firmware's TFLM profiler (one event per operator)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kwstiny import tflite
from kwstiny.device import session
from kwstiny.device.boards import check_accelerator
from kwstiny.errors import KwstinyError

# What the board's counter means, for tables and JSON.
COUNTER_LABELS = {
    "cycles": ("CPU cycles", "cycles"),
    "emulated_instructions": ("emulated instructions (QEMU -icount, not cycles)", "instr."),
    "nanoseconds": ("host nanoseconds", "ns"),
}


def _op_names(model: bytes) -> list[str]:
    from ai_edge_litert import schema_py_generated as schema

    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    tree = tflite.load_model(model)
    codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in tree.operatorCodes]
    return [names.get(codes[op.opcodeIndex], "?") for op in tree.subgraphs[0].operators]


def measure_profile(model_path: str | Path, port: str | None = None,
                    accelerator: str | None = None, runs: int = 3, progress=None) -> dict:
    """Per-layer counts of MODEL measured on the board (the median of `runs` profiles)."""
    model = Path(model_path).read_bytes()
    ops = _op_names(model)
    with session.connect(port) as client:
        info = client.info()
        check_accelerator(accelerator, info)
        described = session.ensure_model(client, model, progress=progress)
        rng = np.random.default_rng(0)
        dtype = described.input.dtype or np.int8
        if np.issubdtype(dtype, np.integer):
            limits = np.iinfo(dtype)
            tensor = rng.integers(limits.min, limits.max + 1, size=described.input.shape, dtype=dtype)
        else:
            tensor = rng.normal(size=described.input.shape).astype(dtype)
        runs_events, totals = [], []
        for _ in range(max(1, runs)):
            total, events = client.profile(tensor, described)
            runs_events.append(events)
            totals.append(total)
    events = runs_events[0]
    if [e.op for e in events] != ops:
        raise KwstinyError(f"the board profiled {len(events)} operators "
                           f"({', '.join(e.op for e in events[:4])}...) but the model has "
                           f"{len(ops)} ({', '.join(ops[:4])}...): is the right model loaded?")
    per_layer = np.median([[e.ticks for e in evs] for evs in runs_events], axis=0)
    label, short = COUNTER_LABELS.get(info["counter"], (info["counter"], info["counter"]))
    clock = info["clock_hz"]
    layers = [{"index": i, "op": op, "ticks": int(t),
               "time_s": t / clock if info["counter"] == "cycles" else
               (t * 1e-9 if info["counter"] == "nanoseconds" else None)}
              for i, (op, t) in enumerate(zip(ops, per_layer))]
    total = int(np.median(totals))
    return {
        "board": info["board"],
        "port": client.port,
        "kernels": info["kernels"],
        "accelerator": info["accelerator"],
        "counter": info["counter"],
        "counter_label": label,
        "counter_short": short,
        "clock_hz": clock,
        "runs": max(1, runs),
        "total_ticks": total,
        "total_time_s": (total / clock if info["counter"] == "cycles" else
                         total * 1e-9 if info["counter"] == "nanoseconds" else None),
        "layers": layers,
    }


def add_measurement(result: dict, measured: dict) -> dict:
    """The estimate `result` of kwstiny.profile.report.profile() with the board's
    per-layer counts beside each layer (`measured_ticks`, `measured_time_s`) and the
    board's totals under "device"."""
    if len(measured["layers"]) != len(result["layers"]):
        raise KwstinyError(f"the board measured {len(measured['layers'])} layers, the model has "
                           f"{len(result['layers'])}")
    layers = [{**layer, "measured_ticks": m["ticks"], "measured_time_s": m["time_s"]}
              for layer, m in zip(result["layers"], measured["layers"])]
    device = {k: v for k, v in measured.items() if k != "layers"}
    return {**result, "layers": layers, "device": device}
