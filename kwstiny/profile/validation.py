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
