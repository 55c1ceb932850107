"""Real-voice ablation row "every ingredient + Kokoro, neighbours only" for "computer"
(benchmarks/real_voice_ablation.py): kws_computer_all_neighbours with a fifth of its clips
from Kokoro-82M (kwstiny.data.kokoro), a neural voice model trained on recorded people,
taken from espeak-ng's share.
Question it answers at full scale: the models detect held-out espeak-ng and flite voices
but hardly Pico, festival or GnuSpeech ones (benchmarks/real_clip_scores.py), so they learn
their training speakers; do voices from a model of real speech carry over to real speakers?"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _every_ingredient import KOKORO_ENGINES, every_ingredient  # noqa: E402

spec = every_ingredient("computer", engines=KOKORO_ENGINES, name="kokoro_neighbours",
                        neighbours_only=True)
