"""Real-voice ablation row "every ingredient + Kokoro, neighbours only, distilled from the
average of seeds 42, 2 and 3" for "computer" (benchmarks/real_voice_ablation.py):
kws_computer_kokoro_distilled (one TENet12, seed 4, soft, temperature 4, half the loss)
with a third member in its teacher,
`kwstiny ensemble kws_computer_kokoro_neighbours kws_computer_kokoro_neighbours.seed-2
kws_computer_kokoro_neighbours.seed-3`.
Question it answers: the three-seed average was no better than the best pair before its
first real false fire, but better by 10 fires (benchmarks/seed_ensemble.py); does a student
of three members follow more of it than a student of two?"""

import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kws_computer_kokoro_distilled import spec as two_members  # noqa: E402

TEACHER = "kws_computer_kokoro_neighbours.ensemble-3"

spec = dataclasses.replace(
    two_members, name="kws_computer_kokoro_distilled_three",
    distill=dataclasses.replace(two_members.distill, teacher=TEACHER))
