"""Real-voice ablation row: kws_computer_kokoro_neighbours (the same data, model and
training, seed 4 like kws_computer_embedding_pretrained) with the embedding objective kept
through keyword training: the trunk, read out linearly, reproduces the speech embedding of
every training window's audio at weight 1.0 beside the keyword loss
(distill.embedding_weight). Question: pre-training the trunk on the embedding and then
training on keywords gave nothing beyond the seed spread; does the representation learned
from real people carry over when keyword training cannot overwrite it?"""

import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _every_ingredient import KOKORO_ENGINES, every_ingredient  # noqa: E402

from kwstiny.spec import DistillSpec  # noqa: E402

members = every_ingredient("computer", engines=KOKORO_ENGINES, name="kokoro_neighbours",
                           neighbours_only=True)
spec = dataclasses.replace(
    members, name="kws_computer_embedding_loss",
    distill=DistillSpec(embedding_weight=1.0),
    train=dataclasses.replace(members.train, seed=4))
