"""Real-voice ablation row "every ingredient + Kokoro, neighbours only, distilled from the
average of seeds 42 and 2" for "computer" (benchmarks/real_voice_ablation.py): one TENet12
(the alexa budget) trained from seed 4 on kws_computer_kokoro_neighbours' data against
`kwstiny ensemble kws_computer_kokoro_neighbours kws_computer_kokoro_neighbours.seed-2`
(soft distillation, temperature 4, half the loss).
Question it answers: the average of seeds detects more real keywords before its first real
false fire than any one seed (benchmarks/seed_ensemble.py), at twice the flash and MACs;
does one model trained to follow the average keep that, within the budget?"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _every_ingredient import distilled  # noqa: E402
from kws_computer_kokoro_neighbours import spec as members  # noqa: E402

TEACHER = "kws_computer_kokoro_neighbours.ensemble-2"

spec = distilled(members, "kws_computer_kokoro_distilled", TEACHER)
