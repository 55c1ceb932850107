"""Real-voice ablation row "every ingredient, neighbours only, stronger perturbation" for
"computer" (benchmarks/real_voice_ablation.py): kws_computer_all_neighbours with every
clip's voice perturbed (not 70 %), over wider ranges (vocal tract 0.82-1.22 against
0.88-1.15, mean F0 0.75-1.35 against 0.85-1.2) and with speaking-rate changes (tempo
0.85-1.2, off before).
Question it answers at full scale: kws_computer_all_neighbours detects held-out espeak-ng
and flite validation voices (141/149, 61/64 at its threshold) but hardly held-out Pico,
festival and GnuSpeech ones (1/67, 5/33, 34/87; benchmarks/real_clip_scores.py): it knows
its training speakers, not the word. Do more speakers made from the same voices carry over
to held-out and real speakers?"""

import sys
from pathlib import Path

from kwstiny.data.perturb import VoicePerturbation

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _every_ingredient import every_ingredient  # noqa: E402

spec = every_ingredient(
    "computer", name="perturbed_neighbours", neighbours_only=True,
    perturbation=VoicePerturbation(probability=1.0, vtl_range=(0.82, 1.22),
                                   f0_scale_range=(0.75, 1.35), tempo_range=(0.85, 1.2)))
