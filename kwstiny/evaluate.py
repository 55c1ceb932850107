"""`kwstiny evaluate`: clip metrics on the voice-held-out test split, for the float
model (TensorFlow) or the int8 .tflite (TFLM runtime, no TensorFlow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kwstiny import paths
from kwstiny.errors import KwstinyError
from kwstiny.metrics import balanced_accuracy, per_class_recall
from kwstiny.progress import console, track
from kwstiny.spec import ModelSpec


def classification_metrics(labels: np.ndarray, probs: np.ndarray, classes: list[str]) -> dict:
    """Accuracy, balanced accuracy, per-class accuracy, confusion matrix, and one-vs-rest
    ROC/AUC and precision-recall for every class present."""
    from sklearn.metrics import (auc, average_precision_score, confusion_matrix,
                                 precision_recall_curve, roc_curve)

    n = len(classes)
    predicted = probs.argmax(axis=1)
    recalls = per_class_recall(labels, predicted, n)
    present = list(recalls)
    result = {
        "samples": int(len(labels)),
        "accuracy": float(np.mean(predicted == labels)),
        "balanced_accuracy": balanced_accuracy(labels, predicted, n),
        "per_class_accuracy": {classes[c]: r for c, r in recalls.items()},
        "confusion_matrix": confusion_matrix(labels, predicted, labels=list(range(n))).tolist(),
        "classes": classes,
        "roc": {}, "precision_recall": {},
    }
    for c in present:
        target = (labels == c).astype(int)
        if target.min() == target.max():
            continue
        fpr, tpr, _ = roc_curve(target, probs[:, c])
        precision, recall, _ = precision_recall_curve(target, probs[:, c])
        result["roc"][classes[c]] = {"auc": float(auc(fpr, tpr)), "fpr": _thin(fpr),
                                     "tpr": _thin(tpr)}
        result["precision_recall"][classes[c]] = {
            "average_precision": float(average_precision_score(target, probs[:, c])),
            "precision": _thin(precision), "recall": _thin(recall)}
    return result


def _thin(values: np.ndarray, most: int = 400) -> list[float]:
    """Curves keep at most `most` points so the JSON stays readable."""
    idx = np.unique(np.linspace(0, len(values) - 1, min(len(values), most)).astype(int))
    return [round(float(v), 6) for v in np.asarray(values)[idx]]


def predict_tflite(path: Path, x: np.ndarray, runtime: str = "tflm") -> np.ndarray:
    from kwstiny.inference import TfliteModel

    model = TfliteModel(path, runtime=runtime)
    return np.stack([model.predict(row) for row in track(x, f"int8 inference ({runtime})")])


def evaluate(spec: ModelSpec, tflite: bool = False, data=None) -> dict:
    """Evaluate on the test split; writes evaluation/<float|tflite>.json and plots."""
    from kwstiny.data.pipeline import SpecData
    from kwstiny.quantize import tflite_path

    run_dir = paths.run_dir(spec.name)
    if data is None:
        with SpecData(spec) as data:
            return evaluate(spec, tflite, data)
    x, y = data.features("test")
    if tflite:
        model_path = tflite_path(spec.name)
        if not model_path.is_file():
            raise KwstinyError(f"{model_path} does not exist: run `kwstiny quantize {spec.name}`")
        probs = predict_tflite(model_path, x)
        kind = "tflite"
    else:
        from kwstiny.training.runs import load_trained_model
        probs = load_trained_model(spec).predict(x.astype(np.float32), batch_size=256, verbose=0)
        kind = "float"
    result = classification_metrics(y, probs, list(spec.classes))
    result["model"] = kind
    out = run_dir / "evaluation"
    paths.write_json(out / f"{kind}.json", result)
    plot_metrics(result, out, kind)
    console.print(f"{spec.name} {kind}: accuracy {result['accuracy']:.4f}, balanced accuracy "
                  f"{result['balanced_accuracy']:.4f} on {result['samples']} test clips; "
                  + ", ".join(f"{k} {v:.4f}" for k, v in result["per_class_accuracy"].items()))
    return result


def plot_metrics(result: dict, folder: Path, kind: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(16, 5))
    matrix = np.array(result["confusion_matrix"])
    axes[0].imshow(matrix, cmap="Blues")
    axes[0].set_xticks(range(len(result["classes"])), result["classes"], rotation=45)
    axes[0].set_yticks(range(len(result["classes"])), result["classes"])
    for (i, j), v in np.ndenumerate(matrix):
        axes[0].text(j, i, str(v), ha="center", va="center")
    axes[0].set_xlabel("predicted")
    axes[0].set_ylabel("true")
    axes[0].set_title(f"confusion matrix ({kind})")
    for name, roc in result["roc"].items():
        axes[1].plot(roc["fpr"], roc["tpr"], label=f"{name} AUC {roc['auc']:.4f}")
    axes[1].set_xlabel("false positive rate")
    axes[1].set_ylabel("true positive rate")
    axes[1].set_title("ROC")
    axes[1].legend()
    for name, pr in result["precision_recall"].items():
        axes[2].plot(pr["recall"], pr["precision"],
                     label=f"{name} AP {pr['average_precision']:.4f}")
    axes[2].set_xlabel("recall")
    axes[2].set_ylabel("precision")
    axes[2].set_title("precision-recall")
    axes[2].legend()
    fig.tight_layout()
    with paths.atomic_path(folder / f"{kind}.png") as tmp:
        fig.savefig(tmp, format="png", dpi=90)
    plt.close(fig)
