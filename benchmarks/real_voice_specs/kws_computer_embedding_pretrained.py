"""Real-voice ablation row: kws_computer_kokoro_neighbours (the same data, model and
training, seed 4 like kws_computer_embedding_taught) starting from a trunk pre-trained to
reproduce the speech embedding of real and synthetic speech (train.initial_weights; the
trunk benchmarks/embedding_pretrain.py kws_computer_kokoro_neighbours writes).
Question: does a representation that follows an embedding learned from real people,
learned on real speech without any keyword label, carry real-voice robustness into the
board model where label distillation on synthetic windows did not?"""

import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _every_ingredient import KOKORO_ENGINES, every_ingredient  # noqa: E402

from kwstiny.paths import home  # noqa: E402

members = every_ingredient("computer", engines=KOKORO_ENGINES, name="kokoro_neighbours",
                           neighbours_only=True)
spec = dataclasses.replace(
    members, name="kws_computer_embedding_pretrained",
    train=dataclasses.replace(
        members.train, seed=4,
        initial_weights=str(home() / "teachers" / "kws_computer_kokoro_neighbours.trunk.h5")))
