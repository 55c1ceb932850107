"""Real-voice ablation row "natural voices, neighbours only" for "computer"
(benchmarks/real_voice_ablation.py): kws_computer_all_neighbours with most clips from the
engines whose voices come from recorded people (NATURAL_ENGINES, as kws_jarvis_natural).
Question it answers at full scale: kws_computer_all_neighbours detects its held-out
espeak-ng and flite validation voices (141/149 and 61/64 clean clips at its threshold) but
hardly its held-out Pico, festival and GnuSpeech ones (1/67, 5/33, 34/87;
benchmarks/real_clip_scores.py); does a larger share of those engines carry over to real
speakers, as it did for jarvis at full scale?"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _every_ingredient import NATURAL_ENGINES, every_ingredient  # noqa: E402

spec = every_ingredient("computer", engines=NATURAL_ENGINES, name="natural_neighbours",
                        neighbours_only=True)
