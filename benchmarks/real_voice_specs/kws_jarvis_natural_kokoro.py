"""Real-voice ablation row "natural voices + Kokoro" for "jarvis"
(benchmarks/real_voice_ablation.py): kws_jarvis_natural with a fifth of its clips from
Kokoro-82M (kwstiny.data.kokoro), taken from espeak-ng, flite and Pico.
Question it answers at full scale: for computer, Kokoro voices moved real keywords' scores up
to where the synthetic validation keywords score (median 244 against 246) without making
real keywords easier to tell from real speech; does the same hold for a second word, on top
of the recipe that is best for it (natural voices)?"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _every_ingredient import NATURAL_KOKORO_ENGINES, every_ingredient  # noqa: E402

spec = every_ingredient("jarvis", engines=NATURAL_KOKORO_ENGINES, name="natural_kokoro")
