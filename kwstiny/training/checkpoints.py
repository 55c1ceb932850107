"""A run's training state on disk, safe against Ctrl-C and kill at any instant.

`state.json` names the last finished epoch and the checkpoint directory holding the
model and optimizer after it. A new checkpoint is written to its own directory first;
only then does `state.json` move to it (atomic rename), and older directories go.
So the state on disk is always one complete epoch, never half of one.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from kwstiny import paths

STATE = "state.json"
BEST_WEIGHTS = "best.weights.h5"


class RunState:
    def __init__(self, run_dir: Path):
        self.run_dir = Path(run_dir)
        self.folder = self.run_dir / "checkpoints"

    def load(self) -> dict | None:
        path = self.folder / STATE
        return json.loads(path.read_text()) if path.is_file() else None

    def save(self, model, optimizer, state: dict) -> None:
        """Write the model+optimizer after epoch `state['epoch']`, then point state at it."""
        import tensorflow as tf

        name = f"epoch-{state['epoch']:04d}"
        target = self.folder / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        tf.train.Checkpoint(model=model, optimizer=optimizer).write(str(target / "ckpt"))
        paths.write_json(self.folder / STATE, {**state, "checkpoint": name})
        for old in self.folder.glob("epoch-*"):
            if old.name != name:
                shutil.rmtree(old, ignore_errors=True)

    def restore(self, model, optimizer) -> dict:
        import tensorflow as tf

        state = self.load()
        checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
        checkpoint.read(str(self.folder / state["checkpoint"] / "ckpt")).expect_partial()
        return state

    def save_best(self, model) -> None:
        with paths.atomic_path(self.run_dir / BEST_WEIGHTS) as tmp:
            model.save_weights(str(tmp))
