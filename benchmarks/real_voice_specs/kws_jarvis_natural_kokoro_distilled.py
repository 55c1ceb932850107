"""Real-voice ablation row "natural voices + Kokoro, distilled from the average of seeds 42
and 2" for "jarvis" (benchmarks/real_voice_ablation.py): one TENet12 (the alexa budget)
trained from seed 4 on kws_jarvis_natural_kokoro's data against
`kwstiny ensemble kws_jarvis_natural_kokoro kws_jarvis_natural_kokoro.seed-2`
(soft distillation, temperature 4, half the loss), the settings of
kws_computer_kokoro_distilled.
Question it answers: for computer, a student of two seeds' average detected more real
keywords before its first real false fire than any single seed; does that hold for a
second word?"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _every_ingredient import distilled  # noqa: E402
from kws_jarvis_natural_kokoro import spec as members  # noqa: E402

TEACHER = "kws_jarvis_natural_kokoro.ensemble-2"

spec = distilled(members, "kws_jarvis_natural_kokoro_distilled", TEACHER)
