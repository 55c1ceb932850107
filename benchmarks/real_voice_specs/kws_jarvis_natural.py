"""Real-voice ablation row "natural voices" for "jarvis" (benchmarks/real_voice_ablation.py):
every ingredient, with most clips from the engines whose voices come from recorded people
(see _every_ingredient.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _every_ingredient import NATURAL_ENGINES, every_ingredient  # noqa: E402

spec = every_ingredient("jarvis", engines=NATURAL_ENGINES, name="natural")
