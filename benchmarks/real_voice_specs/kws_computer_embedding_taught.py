"""Real-voice ablation row: kws_computer_kokoro_neighbours (the same data, model and
training) with every augmented training window's label blended half and half with the
speech-embedding teacher's probability on that window's audio (distill.embedding_head;
the head benchmarks/embedding_teacher.py computer writes). Question: does a teacher that
has heard real people (327/411 real keywords at 0 FA in 1.61 h) carry over to the board
model through the synthetic windows alone?"""

import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _every_ingredient import KOKORO_ENGINES, every_ingredient  # noqa: E402

from kwstiny.paths import home  # noqa: E402
from kwstiny.spec import DistillSpec  # noqa: E402

members = every_ingredient("computer", engines=KOKORO_ENGINES, name="kokoro_neighbours",
                           neighbours_only=True)
spec = dataclasses.replace(
    members, name="kws_computer_embedding_taught",
    distill=DistillSpec(embedding_head=str(home() / "teachers"
                                           / "kws_computer_kokoro_neighbours.head.npz"),
                        temperature=1.0, alpha=0.5),
    train=dataclasses.replace(members.train, seed=4))
