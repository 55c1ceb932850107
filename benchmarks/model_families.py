"""Model families at their published sizes: parameter counts against the papers, and
the int8 export of each int8-capable preset run on the TFLM runtime and on LiteRT's
reference kernels (BUILTIN_REF) side by side.

Each preset is fitted for one epoch on random inputs and labels (so batch-norm
statistics are real: at initialisation activations of deep stacks shrink to scales
around 1e-9, where the reference kernels abort on the requantization multiplier), then
calibrated and compared on random inputs: the comparison is about the kernels, not the
accuracy.
Writes benchmarks/model_families.json.

    python benchmarks/model_families.py [--only KWT1 BCResNet1 ...] [--samples 8]
"""

from __future__ import annotations

import argparse
import collections
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import kwstiny  # noqa: E402,F401
from kwstiny.paths import write_json  # noqa: E402
from provenance import provenance  # noqa: E402

OUT = Path(__file__).with_suffix(".json")

# (builder, input shape, published size, what the published number counts)
PRESETS = {
    "KWT1": ("kwt", (98, 1, 40), 607_000, "parameters, KWT paper Table 1"),
    "KWT2": ("kwt", (98, 1, 40), 2_394_000, "parameters, KWT paper Table 1"),
    "KWT3": ("kwt", (98, 1, 40), 5_361_000, "parameters, KWT paper Table 1 (README: 5.5M)"),
    "BCResNet1": ("bc_resnet", (101, 1, 40), 9_200, "parameters, BC-ResNet paper Table 2"),
    "BCResNet3": ("bc_resnet", (101, 1, 40), 54_200, "parameters, BC-ResNet paper Table 2"),
    "BCResNet8": ("bc_resnet", (101, 1, 40), 321_000, "parameters, BC-ResNet paper Table 2"),
    "DSCNNSmall": ("ds_cnn", (49, 1, 10), 38_600, "memory bytes (int8 weights + peak "
                   "activations), Hello Edge"),
    "DSCNNMedium": ("ds_cnn", (49, 1, 10), 189_200, "memory bytes, Hello Edge"),
    "DSCNNLarge": ("ds_cnn", (49, 1, 10), 497_600, "memory bytes, Hello Edge"),
    "Simple": ("simple", (101, 1, 40), 48_492, "parameters, Linear(40 x 101, 12)"),
}


def measure(name: str, samples: int) -> dict:
    import importlib

    import tf_keras as keras

    from kwstiny.quantize import convert_int8
    from runtimes import max_lsb_difference, op_names
    from test_model_sizes import folded_weights, peak_activations

    module, shape, published, counts = PRESETS[name]
    builder = getattr(importlib.import_module(f"kwstiny.models.{module}"), name)
    model = builder(shape, 12)
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    if module == "ds_cnn":
        ours = folded_weights(model) + peak_activations(model)
    elif module == "bc_resnet":
        ours = trainable
    else:
        ours = model.count_params()
    row = {"input_shape": shape, "classes": 12, "parameters": model.count_params(),
           "trainable_parameters": trainable, "compared": counts, "published": published,
           "ours": int(ours), "difference_percent": round(100 * (ours - published) / published, 2)}
    rng = np.random.default_rng(0)
    x = rng.normal(loc=0.0, scale=2.0, size=(16 + samples,) + shape).astype(np.float32)
    fit_x = rng.normal(loc=0.0, scale=2.0, size=(64,) + shape).astype(np.float32)
    model.compile(keras.optimizers.Adam(1e-3), "categorical_crossentropy")
    model.fit(fit_x, keras.utils.to_categorical(rng.integers(0, 12, len(fit_x)), 12),
              epochs=1, batch_size=16, verbose=0)
    began = time.perf_counter()
    data = convert_int8(model, x[:16])
    row["convert_seconds"] = round(time.perf_counter() - began, 1)
    row["int8_bytes"] = len(data)
    row["ops"] = dict(collections.Counter(op_names(data)))
    began = time.perf_counter()
    row["tflm_vs_reference_max_lsb"] = max_lsb_difference(data, x[16:])
    row["compare_seconds"] = round(time.perf_counter() - began, 1)
    row["compared_samples"] = samples
    keras.backend.clear_session()
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=list(PRESETS))
    parser.add_argument("--samples", type=int, default=8)
    args = parser.parse_args()
    results = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                           "load_average_1min": os.getloadavg()[0]},
               "presets": {}}
    if OUT.is_file():   # keep presets measured by an earlier --only run
        import json
        results["presets"] = json.loads(OUT.read_text()).get("presets", {})
    for name in args.only:
        print(f"{name} ...", flush=True)
        results["presets"][name] = measure(name, args.samples)
        print(f"  {results['presets'][name]}", flush=True)
        write_json(OUT, {**results, "provenance": provenance()})


if __name__ == "__main__":
    main()
