"""Real-voice ablation row "natural voices + real dialogue" for "computer"
(benchmarks/real_voice_ablation.py): the natural-voices row plus half of the Czech game
dialogue (dialog_cs_train) as unknown speech; its other half chooses the threshold
(see _every_ingredient.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _every_ingredient import NATURAL_ENGINES, every_ingredient  # noqa: E402

spec = every_ingredient("computer", engines=NATURAL_ENGINES, name="dialogue", dialogue=True,
                       data="natural")
