"""Clip metrics shared by training, evaluation and data selection (numpy only)."""

from __future__ import annotations

import numpy as np


def per_class_recall(labels: np.ndarray, predicted: np.ndarray, n_classes: int) -> dict[int, float]:
    """Each present class's share of clips predicted as that class."""
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    return {c: float(np.mean(predicted[labels == c] == c))
            for c in range(n_classes) if np.any(labels == c)}


def balanced_accuracy(labels: np.ndarray, predicted: np.ndarray, n_classes: int | None = None) -> float:
    """The mean recall over the classes present in `labels` (0 when there are none), as
    scikit-learn's balanced_accuracy_score defines it."""
    labels = np.asarray(labels)
    if n_classes is None:
        n_classes = int(max(labels.max(initial=-1), np.asarray(predicted).max(initial=-1))) + 1
    recalls = per_class_recall(labels, predicted, n_classes)
    return float(np.mean(list(recalls.values()))) if recalls else 0.0
