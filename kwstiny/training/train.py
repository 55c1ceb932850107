"""`kwstiny train`: fit the spec's model, keep the best epoch, then quantize and evaluate.

Every epoch ends with a checkpoint (model + optimizer + history, see checkpoints.py),
so `--resume` continues an interrupted run from its last finished epoch with the same
data it would have seen.
"""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path

import numpy as np

from kwstiny import paths
from kwstiny.metrics import balanced_accuracy
from kwstiny.training.checkpoints import BEST_WEIGHTS, RunState
from kwstiny.errors import KwstinyError
from kwstiny.progress import console
from kwstiny.spec import ModelSpec
from kwstiny.training.runs import build_model, load_initial_weights
from kwstiny.training.tricks import averaged_weights


def _callbacks(spec, run_dir, state_store, validation, history, best):
    import tf_keras as keras

    monitor = spec.train.checkpoint_monitor
    higher_is_better = monitor != "val_loss"
    x_val, y_val = validation
    n_classes = len(spec.classes)

    class EpochEnd(keras.callbacks.Callback):
        """Validation metrics, history, the best weights and the resumable checkpoint."""

        def on_epoch_end(self, epoch, logs=None):
            with averaged_weights(self.model):
                self._validate(epoch, logs if logs is not None else {})
            state_store.save(self.model, self.model.optimizer,
                             {"epoch": epoch + 1, "best": best, "history": history})

        def _validate(self, epoch, logs):
            probs = self.model.predict(x_val.astype(np.float32), batch_size=256, verbose=0)
            predicted = probs.argmax(axis=1)
            logs["val_loss"] = float(keras.losses.categorical_crossentropy(
                np.eye(n_classes)[y_val], probs).numpy().mean())
            logs["val_accuracy"] = float(np.mean(predicted == y_val))
            logs["val_balanced_accuracy"] = balanced_accuracy(y_val, predicted, n_classes)
            logs["learning_rate"] = float(keras.backend.get_value(
                self.model.optimizer.learning_rate))
            row = {"epoch": epoch + 1, **{k: float(v) for k, v in logs.items()}}
            history.append(row)
            value = logs[monitor]
            improved = best["value"] is None or (
                value > best["value"] if higher_is_better else value < best["value"])
            if improved:
                best.update(value=value, epoch=epoch + 1)
                state_store.save_best(self.model)
            console.print(f"epoch {epoch + 1}: val_balanced_accuracy "
                          f"{logs['val_balanced_accuracy']:.4f} val_loss {logs['val_loss']:.4f}"
                          + ("  (best so far)" if improved else ""))

    class StopOnNaN(keras.callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            loss = (logs or {}).get("loss")
            if loss is not None and not math.isfinite(loss):
                self.model.stop_training = True
                self.model.kwstiny_nan = True

    return [StopOnNaN(), EpochEnd(),
            keras.callbacks.TensorBoard(log_dir=str(run_dir / "logs"), profile_batch=0,
                                        write_graph=False)]


def train(spec: ModelSpec, epochs: int | None = None, resume: bool = False,
          clean: bool = False, evaluate_after: bool = True) -> dict:
    """Train the spec's model; returns a summary. Also quantizes and evaluates."""
    import tf_keras as keras

    from kwstiny.training import tricks
    from kwstiny.data.index import source_name
    from kwstiny.data.pipeline import (SpecData, class_weights, steps_per_epoch,
                                       training_dataset, write_counts)

    if epochs is not None:
        spec = spec.with_overrides({"train.epochs": epochs})
    run_dir = paths.run_dir(spec.name)
    if clean and run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    state_store = RunState(run_dir)
    previous = state_store.load()
    if resume and previous is None:
        console.print(f"[yellow]no checkpoint in {run_dir}: starting from epoch 1[/]")
    keras.utils.set_random_seed(spec.train.seed)

    started = time.time()
    data = SpecData(spec)
    write_counts(data, run_dir / "dataset.json")
    for path, reason in data.unreadable:
        console.print(f"[yellow]skipped unreadable clip {path}: {reason}[/]")
    console.print(f"dataset {source_name(spec.dataset.source)} ({spec.dataset.scale}): {data.counts()}")

    try:
        validation = data.features("validation")
        steps = steps_per_epoch(data, spec.train.batch_size)
        model = build_model(spec, total_steps=steps * spec.train.epochs)
        if spec.train.initial_weights and not (resume and previous is not None):
            loaded = load_initial_weights(model, spec.train.initial_weights)
            console.print(f"started from {spec.train.initial_weights} "
                          f"({loaded}/{len(model.layers)} layers)")
        if spec.distill.teacher:
            from kwstiny.training.distill import attach_teacher
            model = attach_teacher(spec, model)
        if spec.distill.embedding_head:
            console.print(f"labels blended with the speech-embedding teacher "
                          f"{spec.distill.embedding_head} (alpha {spec.distill.alpha}, "
                          f"temperature {spec.distill.temperature})")
        weights = class_weights(data) if spec.train.class_weights == "balanced" else None
        invariant = spec.train.voice_invariance_weight > 0
        if invariant:
            from kwstiny.training.invariance import attach_domain_head
            model = attach_domain_head(spec, model, steps * spec.train.epochs, weights)
            weights = None      # applied by the model: the labels carry domain columns
        embedding_stats = None
        if spec.distill.embedding_weight > 0:
            from kwstiny.data.pipeline import embedding_statistics
            from kwstiny.teachers.embedding_pretrain import values_per_window
            from kwstiny.training.embedding_loss import attach_embedding_readout
            embedding_stats = embedding_statistics(data)
            model = attach_embedding_readout(model, spec.distill.embedding_weight,
                                             values_per_window(spec.frontend.sample_length),
                                             weights)
            weights = None      # applied by the model: the labels carry embedding columns
        history, best, initial_epoch = [], {"value": None, "epoch": 0}, 0
        if resume and previous is not None:
            state = state_store.restore(model, model.optimizer)
            history, best, initial_epoch = state["history"], state["best"], state["epoch"]
            console.print(f"resuming {spec.name} after epoch {initial_epoch}")
        if initial_epoch < spec.train.epochs:
            dataset = training_dataset(data, initial_epoch, spec.train.batch_size,
                                       domains=invariant, embedding_stats=embedding_stats)
            transform = tricks.batch_transform(spec)
            if transform is not None:   # SpecAugment masks, mixup
                dataset = dataset.map(transform)
            model.fit(dataset, epochs=spec.train.epochs, initial_epoch=initial_epoch,
                      steps_per_epoch=steps, class_weight=weights,
                      callbacks=_callbacks(spec, run_dir, state_store, validation, history, best),
                      verbose=1 if console.is_terminal else 2)
        if getattr(model, "kwstiny_nan", False):
            raise KwstinyError(f"training diverged (loss became NaN) in epoch "
                               f"{len(history) + 1}; the last finished epoch is kept in "
                               f"{state_store.folder} and the best in {run_dir / BEST_WEIGHTS}")
        plot_history(history, run_dir / "training_history.png")
        summary = {"spec": spec.name, "epochs": len(history), "best": best}
        if spec.train.hard_negative_rounds:
            from kwstiny.training.hard_negatives import run_rounds
            summary["hard_negatives"] = run_rounds(spec, model, run_dir)
        summary["train_seconds"] = round(time.time() - started, 1)
        paths.write_json(run_dir / "train_summary.json", summary)
        if evaluate_after:
            summary["evaluation"] = quantize_and_evaluate(spec, model, data)
            paths.write_json(run_dir / "train_summary.json", summary)
    finally:
        data.close()
    return summary


def quantize_and_evaluate(spec: ModelSpec, model, data) -> dict:
    """After fitting: the int8 .tflite (unless the model has float-only layers), then the
    float and int8 test metrics, from the already loaded data."""
    from kwstiny.evaluate import evaluate
    from kwstiny.models.layers import int8_problem
    from kwstiny.quantize import quantize

    problem = int8_problem(model)
    if problem:                 # a float-only model: no .tflite to make
        console.print(f"[yellow]no int8 model: {problem}[/]")
        return {"float": evaluate(spec, tflite=False, data=data), "tflite": None,
                "int8_skipped": problem}
    quantize(spec, data=data)
    return {"float": evaluate(spec, tflite=False, data=data),
            "tflite": evaluate(spec, tflite=True, data=data)}


def plot_history(history: list[dict], path: Path) -> None:
    if not history:
        return
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for key in ("loss", "val_loss"):
        axes[0].plot(epochs, [h.get(key, np.nan) for h in history], label=key)
    for key in ("accuracy", "val_accuracy", "val_balanced_accuracy"):
        axes[1].plot(epochs, [h.get(key, np.nan) for h in history], label=key)
    axes[2].plot(epochs, [h.get("learning_rate", np.nan) for h in history], label="learning rate")
    axes[2].set_yscale("log")
    for ax, title in zip(axes, ("loss", "accuracy", "learning rate")):
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.legend()
    fig.tight_layout()
    with paths.atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
