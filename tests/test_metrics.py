"""The one balanced accuracy that training, evaluation and data selection report."""

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score

from kwstiny.metrics import balanced_accuracy, per_class_recall


@pytest.mark.parametrize("seed", range(5))
def test_balanced_accuracy_is_scikit_learns(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, 200)
    labels[labels == 3] = 2              # class 3 never occurs in the labels...
    predicted = rng.integers(0, 4, 200)  # ...but is predicted
    assert balanced_accuracy(labels, predicted, 4) == pytest.approx(
        balanced_accuracy_score(labels, predicted))


def test_balanced_accuracy_weighs_classes_not_clips():
    labels = np.array([0] * 9 + [1])
    predicted = np.zeros(10, dtype=int)            # always the majority class
    assert per_class_recall(labels, predicted, 2) == {0: 1.0, 1: 0.0}
    assert balanced_accuracy(labels, predicted, 2) == 0.5
    assert balanced_accuracy(np.array([], dtype=int), np.array([], dtype=int), 2) == 0.0
