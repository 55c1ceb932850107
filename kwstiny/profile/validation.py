"""How well the cost models predict layers they were not fitted on.

Leave-one-shape-out: for each distinct layer shape of an op kind, refit the model
without the rows of that shape and predict them. The errors say how far the models
are off on a shape they have not seen but whose kind, kernel and size lie among the
measured ones; they say nothing about extrapolations (`domain`). A kind measured in
one shape only has no such check (its entry says so).

`benchmarks/profile_validation.py` writes these errors to
`benchmarks/results/profile_validation.json`; the README quotes them.
"""

from __future__ import annotations

import dataclasses
import statistics


def shape_key(op) -> tuple:
    return (op.opcode, tuple(t.shape for t in op.inputs if t is not None),
            tuple(t.shape for t in op.outputs), tuple(sorted(op.options.items())))


def _relative(predicted: float, measured: float) -> float | None:
    return None if not measured else (predicted - measured) / measured


def _summary(errors: list[float | None]) -> dict:
    values = [abs(e) for e in errors if e is not None]
    if not values:
        return {"median_abs": None, "max_abs": None}
    return {"median_abs": statistics.median(values), "max_abs": max(values)}


# opcode of the reference rows -> the MVP kind its coefficients belong to
_MVP_KIND = {"conv_2d": "conv_2d", "depthwise_conv_2d": "depthwise_conv_2d", "add": "add",
             "average_pool_2d": "pool", "fully_connected": "fully_connected"}


def leave_one_shape_out_mvp() -> dict:
    """Per MVP kind: each held-out shape's relative error in accelerator cycles, CPU
    cycles and time (predicted - measured) / measured, and their median / max."""
    from kwstiny.profile.fit import fit_mvp
    from kwstiny.profile.reference import measured_layers
    from kwstiny.profile.targets import MVP

    layers = [layer for layer in measured_layers() if layer.opcode in _MVP_KIND]
    result = {}
    for opcode, kind in _MVP_KIND.items():
        rows = [layer for layer in layers if layer.opcode == opcode]
        shapes = sorted({shape_key(layer.op) for layer in rows}, key=str)
        entry = {"kind": kind, "rows": len(rows), "shapes": len(shapes), "held_out": []}
        if len(shapes) < 2:
            entry["note"] = "one measured shape: no held-out check possible"
            result[opcode] = entry
            continue
        for shape in shapes:
            kept = [layer for layer in layers if shape_key(layer.op) != shape]
            model = MVP(coefficients=fit_mvp(kept))
            for layer in (layer for layer in rows if shape_key(layer.op) == shape):
                estimate = model.estimate(layer.op)
                entry["held_out"].append({
                    "index": layer.index,
                    "acc": _relative(estimate.acc_cycles, layer.acc_cycles),
                    "cpu": _relative(estimate.cpu_cycles, layer.cpu_cycles),
                    "time": _relative(estimate.time_s, layer.time_s),
                })
                break  # one row per shape: the other rows of a shape are repeats
        for quantity in ("acc", "cpu", "time"):
            entry[quantity] = _summary([row[quantity] for row in entry["held_out"]])
        result[opcode] = entry
    return result


def leave_one_shape_out_cortex_m33() -> dict:
    """Per CMSIS-NN kernel class: relative instruction error of each measured kernel
    shape predicted by the model fitted on the other shapes."""
    from kwstiny.profile.fit import fit_cortex_m33
    from kwstiny.profile.reference import measured_kernels
    from kwstiny.profile.features import features
    from kwstiny.profile.targets import cmsis_nn_kernel, feature_value

    kernels = measured_kernels()
    groups: dict[str, list] = {}
    for kernel in kernels:
        groups.setdefault(cmsis_nn_kernel(kernel.op), []).append(kernel)
    result = {}
    for name, members in sorted(groups.items()):
        entry = {"shapes": len(members), "held_out": []}
        if len(members) < 2:
            entry["note"] = "one measured shape: no held-out check possible"
            result[name] = entry
            continue
        for held in members:
            rates = fit_cortex_m33([k for k in kernels if k is not held])[name]
            f = features(held.op)
            predicted = sum(rate * feature_value(f, feature) for feature, rate in rates.items())
            entry["held_out"].append(_relative(predicted, held.instructions))
        entry["instructions"] = _summary(entry["held_out"])
        result[name] = entry
    return result


def leave_one_shape_out_state_ops() -> dict:
    """Per streaming state-op kind: relative error of each measured layer shape's
    instructions (beyond the reshape layer, as the cost model uses them) and of its
    whole-layer instructions, predicted by the model fitted on the other shapes."""
    from kwstiny.profile.features import features
    from kwstiny.profile.fit import fit_state_ops
    from kwstiny.profile.reference import measured_state_ops
    from kwstiny.profile.targets import feature_value

    def key(op):  # a variable's name is no part of its shape
        return shape_key(dataclasses.replace(op, options={
            k: v for k, v in op.options.items() if k not in ("shared_name", "container")}))

    rows = measured_state_ops()
    result = {}
    for kind in sorted({r.op.opcode for r in rows}):
        members = [r for r in rows if r.op.opcode == kind]
        shapes = sorted({key(r.op) for r in members}, key=str)
        entry = {"rows": len(members), "shapes": len(shapes), "held_out": []}
        if len(shapes) < 2:
            # no sizes to vary: how far single layers lie from the fitted constant
            rates = fit_state_ops(members)[kind]
            entry["note"] = "one shape (nothing to vary): no held-out check possible"
            entry["layer_spread"] = _summary([_relative(rates["one"] + r.baseline, r.instructions)
                                              for r in members])
            result[kind] = entry
            continue
        for shape in shapes:
            rates = fit_state_ops([r for r in rows if key(r.op) != shape])[kind]
            for r in (r for r in members if key(r.op) == shape):
                f = features(r.op)
                predicted = sum(rate * feature_value(f, name) for name, rate in rates.items())
                entry["held_out"].append({
                    "model": r.model, "index": r.op.index,
                    "beyond_reshape": _relative(predicted, r.instructions - r.baseline),
                    "layer": _relative(predicted + r.baseline, r.instructions)})
                break  # one row per shape: the other rows of a shape are repeats
        for quantity in ("beyond_reshape", "layer"):
            entry[quantity] = _summary([row[quantity] for row in entry["held_out"]])
        result[kind] = entry
    return result
