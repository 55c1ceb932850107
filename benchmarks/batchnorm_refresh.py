"""Is the epoch-to-epoch swing of validation balanced accuracy batch-norm statistics?

    python benchmarks/batchnorm_refresh.py SPEC [--out PATH]

Loads SPEC's last checkpoint (a finished run), then measures its validation balanced
accuracy with the stored statistics, after each of six rounds of 10 more training-mode
batches at learning rate 0 (the momentum-0.9 refresh training does, weights untouched),
and with "precise" statistics averaged over 40 batches. If these stay close while the
training history swings by several points, the swing is in the weights.
Writes benchmarks/results/batchnorm_refresh.json (one entry per spec).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

OUT = ROOT / "benchmarks" / "results" / "batchnorm_refresh.json"


def measure(name: str) -> dict:
    import numpy as np

    from kwstiny import paths
    from kwstiny.data.pipeline import SpecData, steps_per_epoch, training_dataset
    from kwstiny.metrics import balanced_accuracy
    from kwstiny.spec import load_spec
    from kwstiny.training import tricks
    from kwstiny.training.checkpoints import RunState
    from kwstiny.training.runs import build_model

    import tensorflow as tf
    import tf_keras as keras

    spec = load_spec(name)
    data = SpecData(spec)
    try:
        x_val, y_val = data.features("validation")
        x_val = x_val.astype(np.float32)
        model = build_model(spec, total_steps=steps_per_epoch(data, spec.train.batch_size)
                            * spec.train.epochs)
        state = RunState(paths.run_dir(spec.name)).restore(model, model.optimizer)

        def accuracy() -> float:
            predicted = model.predict(x_val, batch_size=256, verbose=0).argmax(1)
            return round(balanced_accuracy(y_val, predicted, len(spec.classes)), 4)

        result = {"epoch": state["epoch"], "stored": accuracy(),
                  "history": [round(h["val_balanced_accuracy"], 4) for h in state["history"]]}
        batches = training_dataset(data, 0, spec.train.batch_size)
        transform = tricks.batch_transform(spec)
        if transform is not None:
            batches = batches.map(transform)
        batches = iter(batches)
        norms = [m for m in model.submodules if isinstance(m, keras.layers.BatchNormalization)]
        forward = tf.function(lambda x: model(x, training=True))
        result["refreshed_every_10_batches"] = []
        for _ in range(6):
            for _ in range(10):
                forward(next(batches)[0])
            result["refreshed_every_10_batches"].append(accuracy())
        sums = [[np.zeros(n.moving_mean.shape), np.zeros(n.moving_variance.shape)] for n in norms]
        momenta = [n.momentum for n in norms]
        for n in norms:
            n.momentum = 0.0          # each batch's own statistics
        forward = tf.function(lambda x: model(x, training=True))
        for _ in range(40):
            forward(next(batches)[0])
            for total, n in zip(sums, norms):
                total[0] += n.moving_mean.numpy()
                total[1] += n.moving_variance.numpy()
        for total, n, m in zip(sums, norms, momenta):
            n.moving_mean.assign(total[0] / 40)
            n.moving_variance.assign(total[1] / 40)
            n.momentum = m
        result["precise_over_40_batches"] = accuracy()
        result["batch_norm_layers"] = len(norms)
        return result
    finally:
        data.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("spec")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    from kwstiny.paths import write_json
    from provenance import provenance

    table = json.loads(args.out.read_text()) if args.out.is_file() else {}
    table[args.spec] = {**measure(args.spec), "provenance": provenance()}
    write_json(args.out, table)
    print(json.dumps({k: v for k, v in table[args.spec].items() if k != "provenance"}))


if __name__ == "__main__":
    main()
