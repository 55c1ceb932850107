"""Ablation row "natural voices + real dialogue" for "jarvis" (see _every_ingredient.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _every_ingredient import NATURAL_ENGINES, every_ingredient  # noqa: E402

spec = every_ingredient("jarvis", engines=NATURAL_ENGINES, name="dialogue", dialogue=True,
                       data="natural")
