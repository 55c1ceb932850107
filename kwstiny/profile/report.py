"""`kwstiny summarize` and `kwstiny profile`: what a .tflite costs, as data and as text.

`summarize()` and `profile()` return plain JSON-ready dicts (what `--json` prints);
`format_summary()` and `format_profile()` lay them out like MLTK's reference page.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

from pathlib import Path

from kwstiny.profile import counts
from kwstiny.profile.memory import measure_arena, runtime_code
from kwstiny.profile.schedule import schedule, schedule_lines
from kwstiny.profile.targets import DEFAULT_CLOCK_HZ, MVP, CortexM33, state_op_kind, target
from kwstiny.tflite import Graph, Operator, Tensor, read_graph, read_metadata

FLOAT_NOTE = ("float model: the device path (TFLM int8 kernels, the MVP, kwstiny's cycle "
              "models) needs int8; quantize it first (kwstiny quantize)")
ESTIMATE_BASIS = {
    "none": "estimate: CMSIS-NN instruction counts measured under QEMU (Cortex-M33); each "
            "kernel shape predicted from the others: median error 0.3 % (1x1 convolutions) "
            "to 28 % (fully connected), benchmarks/results/profile_validation.json; x 1.50 "
            "cycles per instruction calibrated on one device-measured layer, an error not "
            "measured",
    "MVP": "estimate: MVP cost model fitted to a per-layer profile measured on an EFR32xG24 "
           "(kwstiny.profile.targets); each layer shape predicted from the others: time "
           "within 7.7 % (convolutions), 4.7 % (depthwise), 34 % (add, ~30 us timer); "
           "CPU layers as for --accelerator none",
}
# Appended where the model has streaming state ops (targets.state_op_kind).
STATE_OPS_BASIS = ("streaming state ops (variables, ring-buffer concatenation and slice): "
                   "TFLM reference-kernel instructions measured per layer under QEMU, each "
                   "shape predicted from the others within 8 % of the layer's instructions "
                   "(median 0.5-1.5 %), benchmarks/results/profile_validation.json; the "
                   "same cycles per instruction and per-layer overhead")


# -- data --------------------------------------------------------------------------------

def summarize(model: str | Path | bytes) -> dict:
    """Per-layer table, totals, metadata and the layers each target cannot run."""
    graph = read_graph(model)  # errors name the file
    data = bytes(model) if isinstance(model, (bytes, bytearray)) else Path(model).read_bytes()
    return _summary(graph, data, None if isinstance(model, (bytes, bytearray)) else Path(model))


def _summary(graph: Graph, data: bytes, path: Path | None) -> dict:
    layers, uncounted = [], []
    for op in graph.operators:
        counted = counts.count(op)
        if counted is None:
            uncounted.append({"index": op.index, "opcode": op.label})
        layers.append({
            "index": op.index,
            "opcode": op.label,
            "inputs": [_tensor(t) for t in op.inputs],
            "outputs": [_tensor(t) for t in op.outputs],
            "options": op.options,
            "config": config_text(op),
            "ops": counted.ops if counted else None,
            "macs": counted.macs if counted else None,
        })
    kind = _data_type(graph)
    metadata = read_metadata(data)
    return {
        "model": str(path) if path else None,
        "name": metadata.get("name") or (path.stem if path else ""),
        "data_type": kind,
        "note": FLOAT_NOTE if kind != "int8" else "",
        "inputs": [_tensor(t) for t in graph.inputs],
        "outputs": [_tensor(t) for t in graph.outputs],
        "layers": layers,
        "totals": {
            "layers": len(layers),
            "ops": sum(layer["ops"] or 0 for layer in layers),
            "macs": sum(layer["macs"] or 0 for layer in layers),
            "parameters": graph.parameter_count,
            "file_size": graph.file_size,
            "uncounted": uncounted,
        },
        "metadata": metadata,
        "cannot_run": _cannot_run(graph),
        "subgraphs": graph.subgraph_count,
        "schedule": schedule(metadata, sum(layer["macs"] or 0 for layer in layers)),
    }


def profile(model: str | Path, accelerator: str = "none", clock_hz: float = DEFAULT_CLOCK_HZ,
            measure_memory: bool = True) -> dict:
    """The summary plus per-layer cycles and time on the target, and RAM / flash."""
    cost = target(accelerator, clock_hz)
    graph = read_graph(model)
    data = Path(model).read_bytes()
    summary = _summary(graph, data, Path(model))
    rows, unsupported, missing = [], [], []
    for op, layer in zip(graph.operators, summary["layers"]):
        estimate = cost.estimate(op)
        if estimate.where == "unsupported":
            unsupported.append(op.index)
        elif not estimate.estimated:
            missing.append(op.index)
        rows.append({**layer, "where": estimate.where, "acc_cycles": estimate.acc_cycles,
                     "cpu_cycles": estimate.cpu_cycles, "time_s": estimate.time_s,
                     "note": estimate.note,
                     # why the layer lies outside the cost model's fitting data (None: inside)
                     "extrapolation": estimate.extrapolation or None})
    acc = sum(r["acc_cycles"] or 0 for r in rows)
    cpu = sum(r["cpu_cycles"] or 0 for r in rows)
    seconds = sum(r["time_s"] or 0 for r in rows)
    totals = summary["totals"]
    complete = not unsupported and not missing
    result = {
        **{k: summary[k] for k in ("model", "name", "data_type", "note", "inputs", "outputs",
                                   "metadata", "cannot_run")},
        "accelerator": cost.name,
        "target": cost.title,
        "clock_hz": cost.clock_hz,
        "basis": ESTIMATE_BASIS[cost.name] + (
            "; " + STATE_OPS_BASIS if any(state_op_kind(op) for op in graph.operators) else ""),
        "layers": rows,
        "totals": {
            **totals,
            "unsupported_layers": unsupported,
            "layers_without_estimate": missing,
            "extrapolated_layers": [r["index"] for r in rows if r["extrapolation"]],
            "complete": complete,  # False: time is a lower bound (layers left out)
            "acc_cycles": acc,
            "cpu_cycles": cpu,
            "time_s": seconds,
            "cpu_utilization": cpu / (seconds * cost.clock_hz) if seconds and complete else None,
            "inferences_per_s": 1.0 / seconds if seconds and complete else None,
            "ops_per_s": totals["ops"] / seconds if seconds and complete else None,
            "macs_per_s": totals["macs"] / seconds if seconds and complete else None,
        },
        "schedule": schedule(summary["metadata"], totals["macs"], seconds, complete),
        "memory": _memory(data, graph, cost.name) if measure_memory else None,
        "frontend": _frontend(summary["metadata"]),
        "flash": _flash(graph, totals["file_size"], cost.name),
    }
    return result


def _frontend(metadata: dict) -> dict:
    """RAM of the C frontend's state for the settings in the model's metadata."""
    from kwstiny.errors import KwstinyError

    if not any(key.startswith("fe.") for key in metadata):
        return {"state_bytes": None, "note": "the model's metadata has no frontend settings"}
    try:
        from kwstiny.frontend import state_bytes
        from kwstiny.frontend.settings import FrontendSettings

        size = state_bytes(FrontendSettings.from_metadata(metadata))
    except (KwstinyError, ImportError) as error:
        return {"state_bytes": None, "note": f"not measured: {error}"}
    return {"state_bytes": size,
            "note": "the C frontend's state for the model's settings, this host's build: its "
                    "few pointers are half as wide on a Cortex-M33"}


def _flash(graph: Graph, model_bytes: int, accelerator: str) -> dict:
    code = runtime_code(op.opcode for op in graph.operators if op.opcode != "custom")
    note = ("TFLM + CMSIS-NN for Cortex-M33, -Os: framework plus each kernel, linked and "
            "measured (benchmarks/tflm_code_size)")
    if code.unmeasured:
        note += "; not measured, left out: " + ", ".join(code.unmeasured)
    if accelerator == "MVP":
        note += "; the Silicon Labs MVP kernels add their own code (not measured)"
    return {"model_bytes": model_bytes, "runtime_code_bytes": code.bytes,
            "runtime_code_note": note if code.bytes is not None else "not measured",
            "total_bytes": model_bytes + code.bytes if code.bytes is not None else None}


def _memory(data: bytes, graph: Graph, accelerator: str) -> dict:
    """The arena the board needs (computed for its build where kwstiny can) and the
    arena the host's tflite-micro runtime measured."""
    from kwstiny.errors import KwstinyError
    from kwstiny.profile.arena import board_arena

    try:
        arena = measure_arena(data)
    except KwstinyError as error:
        return {"arena_bytes": None, "error": str(error)}
    board = board_arena(graph, arena.head, accelerator)
    host_note = ("tensor arena measured with the tflite-micro runtime (64-bit host, TFLM's "
                 f"reference kernels); {arena.bookkeeping_bytes} bytes of it are pointer-"
                 "holding records, half as wide on a Cortex-M33")
    return {
        # the figure `profile` prints: the board's build where computed, else the host's
        "arena_bytes": board["bytes"] if board["bytes"] is not None else arena.bytes,
        "arena_source": "computed" if board["bytes"] is not None else "host runtime",
        "board": board,
        "host_arena_bytes": arena.bytes,
        "runtime_reported_bytes": arena.reported,
        "host_head_bytes": arena.head,
        "fails_below": arena.below_error,
        "bookkeeping_bytes": arena.bookkeeping_bytes,
        "note": host_note,
    }


def _tensor(tensor: Tensor | None) -> dict | None:
    if tensor is None:
        return None
    return {"shape": list(tensor.shape), "dtype": tensor.dtype, "constant": tensor.constant}


def _data_type(graph: Graph) -> str:
    kinds = {t.dtype for t in graph.inputs + graph.outputs}
    compute = {op.inputs[0].dtype for op in graph.operators
               if op.opcode in ("conv_2d", "depthwise_conv_2d", "fully_connected", "batch_matmul")
               and op.inputs and op.inputs[0] is not None}
    kinds |= compute
    if kinds == {"int8"}:
        return "int8"
    if "float32" in kinds and len(kinds) == 1:
        return "float32"
    return "mixed (" + ", ".join(sorted(kinds)) + ")"


def _cannot_run(graph: Graph) -> dict:
    cpu, mvp = CortexM33(), MVP()
    result = {"none": [], "MVP": []}
    for op in graph.operators:
        reason = cpu.cannot_run(op)
        if reason:
            result["none"].append({"index": op.index, "opcode": op.label, "reason": reason})
            result["MVP"].append({"index": op.index, "opcode": op.label, "reason": reason,
                                  "on_cpu": False})
            continue
        why = mvp.not_accelerated(op)
        if why:
            result["MVP"].append({"index": op.index, "opcode": op.label, "reason": why,
                                  "on_cpu": True})
    return result


# -- text ---------------------------------------------------------------------------------

def config_text(op: Operator) -> str:
    """MLTK-style options column ('Padding:Same stride:2x1 activation:Relu'); strides and
    filters are height x width."""
    o = op.options
    parts = []
    if "depth_multiplier" in o:
        parts.append(f"Multiplier:{o['depth_multiplier']}")
    if "padding" in o:
        parts.append(f"padding:{str(o['padding']).capitalize()}")
    if "stride_h" in o:
        parts.append(f"stride:{o['stride_h']}x{o.get('stride_w', 1)}")
    if "filter_height" in o:
        parts.append(f"filter:{o['filter_height']}x{o.get('filter_width', 1)}")
    if o.get("dilation_h_factor", 1) != 1 or o.get("dilation_w_factor", 1) != 1:
        parts.append(f"dilation:{o['dilation_h_factor']}x{o['dilation_w_factor']}")
    if "fused_activation_function" in o:
        parts.append(f"activation:{_title(o['fused_activation_function'])}")
    shown = {"depth_multiplier", "padding", "stride_h", "stride_w", "filter_height",
             "filter_width", "dilation_h_factor", "dilation_w_factor",
             "fused_activation_function"}
    if not parts:
        parts = [f"{k}={v}" for k, v in o.items() if k not in shown and v not in (None, [], "")
                 and not isinstance(v, list)]
    text = " ".join(parts)
    return text[:1].upper() + text[1:]


def _title(value) -> str:
    return "None" if value in (None, "none") else str(value).replace("_", " ").title().replace(" ", "_")


def si(value: float | None, unit: str = "") -> str:
    """1234567 -> '1.2M', 0.0123 -> '12.3m' (MLTK's number style)."""
    if value is None:
        return "?"
    if value == 0:
        return "0"
    magnitude = abs(value)
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1, ""), (1e-3, "m"), (1e-6, "u"),
                           (1e-9, "n")):
        if magnitude >= factor * 0.9995:
            return f"{value / factor:.1f}{suffix}{unit}"
    return f"{value:.3g}{unit}"


def _shape(t: dict | None) -> str:
    if t is None:
        return "-"
    return "x".join(str(d) for d in t["shape"]) if t["shape"] else "scalar"


def table(headers: list[str], rows: list[list], right: set[int] = frozenset()) -> str:
    """ASCII table with MLTK's +---+ borders; a cell may hold several lines."""
    cells = [[str(c).split("\n") for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, lines in enumerate(row):
            widths[i] = max(widths[i], *(len(line) for line in lines))
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def line(values):
        return "| " + " | ".join(
            (v.rjust(w) if i in right else v.ljust(w)) for i, (v, w) in enumerate(zip(values, widths))
        ) + " |"

    out = [rule, line(headers), rule]
    for row in cells:
        height = max(len(lines) for lines in row)
        for k in range(height):
            out.append(line([lines[k] if k < len(lines) else "" for lines in row]))
    out.append(rule)
    return "\n".join(out)


def format_summary(summary: dict) -> str:
    rows = []
    for layer in summary["layers"]:
        rows.append([
            layer["index"],
            layer["opcode"],
            "\n".join(f"{_shape(t)} ({t['dtype']})" for t in layer["inputs"] if t is not None),
            "\n".join(f"{_shape(t)} ({t['dtype']})" for t in layer["outputs"]),
            layer["config"],
        ])
    out = [table(["Index", "OpCode", "Input(s)", "Output(s)", "Config"], rows, right={0})]
    totals = summary["totals"]
    out.append(f"Total MACs: {totals['macs'] / 1e6:.3f} M")
    out.append(f"Total OPs: {totals['ops'] / 1e6:.3f} M")
    if totals["uncounted"]:
        out.append("Not counted (kwstiny has no rule for them): " + ", ".join(
            f"{u['index']} {u['opcode']}" for u in totals["uncounted"]))
    out.append(f"Parameters: {totals['parameters']:,}")
    out.append(f"Layers: {totals['layers']}")
    out.extend(schedule_lines(summary.get("schedule")))
    out.append(f"Data type: {summary['data_type']}")
    if summary["note"]:
        out.append(f"Note: {summary['note']}")
    for key, value in summary["metadata"].items():
        out.append(f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}")
    out.append(f".tflite file size: {si(totals['file_size'], 'B')} ({totals['file_size']:,} bytes)")
    out.extend(_cannot_run_lines(summary["cannot_run"]))
    return "\n".join(out)


def _cannot_run_lines(cannot: dict) -> list[str]:
    out = []
    if not cannot["none"]:
        out.append("Layers the Cortex-M33 (TFLM) cannot run: none")
    else:
        out.append("Layers the Cortex-M33 (TFLM) cannot run:")
        out.extend(f"  {c['index']} {c['opcode']}: {c['reason']}" for c in cannot["none"])
    if not cannot["MVP"]:
        out.append("Layers the MVP accelerator does not run: none")
    else:
        out.append("Layers the MVP accelerator does not run:")
        out.extend(f"  {c['index']} {c['opcode']}: {c['reason']}"
                   + (" (runs on the CPU)" if c["on_cpu"] else "") for c in cannot["MVP"])
    return out


def format_profile(result: dict) -> str:
    totals, memory = result["totals"], result["memory"]
    inputs, outputs = result["inputs"], result["outputs"]
    lines = [
        "Profiling Summary",
        f"Name: {result['name']}",
        f"Accelerator: {result['accelerator']} ({result['target']})",
        f"Input Shape: {', '.join(_shape(t) for t in inputs)}",
        f"Input Data Type: {', '.join(t['dtype'] for t in inputs)}",
        f"Output Shape: {', '.join(_shape(t) for t in outputs)}",
        f"Output Data Type: {', '.join(t['dtype'] for t in outputs)}",
        f"Flash, Model File Size (bytes): {si(result['flash']['model_bytes'])}",
        f"Flash, Runtime Code Size (bytes): {si(result['flash']['runtime_code_bytes'])} "
        f"({result['flash']['runtime_code_note']})",
        f"Flash, Total (bytes): {si(result['flash']['total_bytes'])}",
    ]
    frontend = result["frontend"]
    if memory is not None:
        if memory.get("arena_bytes"):
            board = memory["board"]
            if board["bytes"] is not None:
                lines.append(f"RAM, Runtime Memory Size (bytes): {si(memory['arena_bytes'])} "
                             f"({memory['arena_bytes']:,}, TFLM tensor arena {board['basis']})")
                lines.append(f"RAM, Host Runtime Arena (bytes): "
                             f"{si(memory['host_arena_bytes'])} ({memory['host_arena_bytes']:,}, "
                             "measured with the 64-bit tflite-micro runtime; one byte less fails)")
            else:
                lines.append(f"RAM, Runtime Memory Size (bytes): {si(memory['arena_bytes'])} "
                             f"({memory['arena_bytes']:,}, TFLM tensor arena measured with the "
                             "64-bit tflite-micro runtime, one byte less fails; the board's "
                             f"build: {board['basis']})")
        else:
            lines.append(f"RAM, Runtime Memory Size (bytes): not measured: {memory['error']}")
    if frontend["state_bytes"] is not None:
        lines.append(f"RAM, Frontend State (bytes): {si(frontend['state_bytes'])} "
                     f"({frontend['state_bytes']:,}; {frontend['note']})")
        if memory is not None and memory.get("arena_bytes"):
            total = memory["arena_bytes"] + frontend["state_bytes"]
            lines.append(f"RAM, Total (bytes): {si(total)} ({total:,}: arena + frontend state)")
    else:
        lines.append(f"RAM, Frontend State (bytes): ? ({frontend['note']})")
    lines += [
        f"Operation Count: {si(totals['ops'])}",
        f"Multiply-Accumulate Count: {si(totals['macs'])}",
        f"Layer Count: {totals['layers']}",
        f"Unsupported Layer Count: {len(totals['unsupported_layers'])}",
        f"Accelerator Cycle Count: {si(totals['acc_cycles'])}",
        f"CPU Cycle Count: {si(totals['cpu_cycles'])}",
        "CPU Utilization (%): " + (f"{100 * totals['cpu_utilization']:.1f}"
                                   if totals["cpu_utilization"] is not None else "?"),
        f"Clock Rate (hz): {si(result['clock_hz'])}",
        (f"Time (s): {si(totals['time_s'])}" if totals["complete"] else
         f"Time (s): at least {si(totals['time_s'])} ({len(totals['layers_without_estimate'])} "
         f"layers without estimate, {len(totals['unsupported_layers'])} unsupported)"),
        f"Ops/s: {si(totals['ops_per_s'])}",
        f"MACs/s: {si(totals['macs_per_s'])}",
        "Inference/s: " + (f"{totals['inferences_per_s']:.1f}"
                           if totals["inferences_per_s"] is not None else "?"),
        f"Basis: {result['basis']}",
    ]
    lines += schedule_lines(result.get("schedule"))
    if result["note"]:
        lines.append(f"Note: {result['note']}")
    if totals["layers_without_estimate"]:
        lines.append("Layers without a cycle estimate (time left out): " + ", ".join(
            str(i) for i in totals["layers_without_estimate"]))
    if totals["uncounted"]:
        lines.append("Not counted (kwstiny has no rule for them): " + ", ".join(
            f"{u['index']} {u['opcode']}" for u in totals["uncounted"]))
    measured = result.get("device")
    if measured:
        lines += _measured_lines(measured)
    rows = []
    for layer in result["layers"]:
        row = [
            layer["index"], layer["opcode"], layer["where"], si(layer["ops"]), si(layer["macs"]),
            si(layer["acc_cycles"]), si(layer["cpu_cycles"]), si(layer["time_s"]),
            "yes" if layer.get("extrapolation") else "",
        ]
        if measured:
            row.append(si(layer["measured_ticks"]))
            if measured["total_time_s"] is not None:
                row.append(si(layer["measured_time_s"]))
        rows.append(row + [
            ",".join(_shape(t) for t in layer["inputs"] if t is not None),
            ",".join(_shape(t) for t in layer["outputs"]),
            layer["config"],
        ])
    headers = ["Index", "OpCode", "On", "# Ops", "# MACs", "Acc Cycles", "CPU Cycles", "Time (s)",
               "Extrapolated"]
    if measured:
        headers.append(f"Measured ({measured['counter_short']})")
        if measured["total_time_s"] is not None:
            headers.append("Measured Time (s)")
    right = set(range(len(headers))) - {1, 2, 8}
    lines.append("Model Layers")
    lines.append(table(headers + ["Input Shape", "Output Shape", "Options"], rows, right=right))
    notes = [f"  {layer['index']} {layer['opcode']}: {layer['note']}"
             for layer in result["layers"] if layer["note"]]
    if notes:
        lines.append("Notes:")
        lines.extend(notes)
    outside = [f"  {layer['index']} {layer['opcode']}: {layer['extrapolation']}"
               for layer in result["layers"] if layer.get("extrapolation")]
    if outside:
        lines.append("Extrapolations (outside the layers the cost model was fitted on; "
                     "the measured errors do not cover them):")
        lines.extend(outside)
    else:
        lines.append("Extrapolations: none among the estimated layers")
    return "\n".join(lines)


def _measured_lines(measured: dict) -> list[str]:
    """The board's side of `profile --device`: what was measured, where, in what unit."""
    lines = [
        f"Measured on: {measured['board']} ({measured['kernels']} kernels, accelerator "
        f"{measured['accelerator']}) via {measured['port']}, median of {measured['runs']} runs",
        f"Measured unit: {measured['counter_label']}",
        f"Measured total: {si(measured['total_ticks'])} {measured['counter_short']}"
        f" ({measured['total_ticks']:,})",
    ]
    if measured["total_time_s"] is not None:
        lines.append(f"Measured time (s): {si(measured['total_time_s'])}")
    return lines


# -- commands -----------------------------------------------------------------------------

def summarize_command(model: str, as_json: bool = False) -> str:
    """What `kwstiny summarize MODEL` prints (MODEL as `paths.resolve_tflite` reads it)."""
    from kwstiny.paths import resolve_tflite

    result = summarize(resolve_tflite(model))
    return _json(result) if as_json else format_summary(result)


def profile_command(model: str, accelerator: str = "none", clock_hz: float = DEFAULT_CLOCK_HZ,
                    as_json: bool = False, device: bool = False, port: str | None = None) -> str:
    """What `kwstiny profile MODEL` prints; with `device`, the per-layer counts measured
    on the board at `port` stand beside the estimate."""
    from kwstiny.paths import resolve_tflite

    path = resolve_tflite(model)
    if device:
        from kwstiny.device.measure import add_measurement, measure_profile
        measured = measure_profile(path, port, accelerator=accelerator)  # fails before estimating
        result = add_measurement(profile(path, accelerator, clock_hz), measured)
    else:
        result = profile(path, accelerator, clock_hz)
    return _json(result) if as_json else format_profile(result)


def _json(result: dict) -> str:
    import json

    from kwstiny.paths import _jsonable

    return json.dumps(result, indent=2, default=_jsonable)
