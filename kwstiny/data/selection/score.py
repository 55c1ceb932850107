"""The task's yardstick: a logistic regression trained on a selection, scored on a
separate evaluation set (macro F1 over the classes, and accuracy)."""

from __future__ import annotations

import warnings

import numpy as np

from kwstiny.errors import KwstinyError
from kwstiny.metrics import balanced_accuracy


def score_selection(train_x, train_y, eval_x, eval_y, seed: int = 0) -> dict:
    """Fit scikit-learn's LogisticRegression on (train_x, train_y), score on the eval set.

    Labels follow DataPerf's convention (0 = non-target, 1..K = keywords) on both sides.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score

    train_x, eval_x = np.asarray(train_x), np.asarray(eval_x)
    train_y, eval_y = np.asarray(train_y), np.asarray(eval_y)
    if train_x.shape[1] != eval_x.shape[1]:
        raise KwstinyError(f"the selection has {train_x.shape[1]}-dimensional vectors but the "
                           f"evaluation set has {eval_x.shape[1]}")
    present = np.unique(train_y)
    if len(present) < 2:
        raise KwstinyError(f"the selection holds only class {present.tolist()}; the "
                           f"classifier needs samples of at least two classes")
    # The task's classifier, with enough iterations that unscaled embeddings converge.
    model = LogisticRegression(random_state=seed, max_iter=2000)
    labels = np.union1d(np.unique(eval_y), present)
    with warnings.catch_warnings():
        # A selection without some eval class (or the reverse) is scored, not refused.
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        model.fit(train_x, train_y)
        predicted = model.predict(eval_x)
        return {
            "macro_f1": float(f1_score(eval_y, predicted, labels=labels, average="macro",
                                       zero_division=0)),
            "accuracy": float(accuracy_score(eval_y, predicted)),
            "balanced_accuracy": balanced_accuracy(eval_y, predicted),
            "n_train": int(len(train_y)),
            "n_eval": int(len(eval_y)),
        }
