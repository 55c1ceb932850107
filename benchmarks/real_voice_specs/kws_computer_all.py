"""Real-voice ablation row "every ingredient" for "computer" (benchmarks/real_voice_ablation.py):
keyword_spotting_computer with every data ingredient on (see _every_ingredient.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _every_ingredient import every_ingredient  # noqa: E402

spec = every_ingredient("computer")
