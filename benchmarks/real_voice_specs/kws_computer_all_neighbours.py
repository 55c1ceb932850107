"""Real-voice ablation row "every ingredient, neighbours only" for "computer"
(benchmarks/real_voice_ablation.py): kws_computer_all whose unknown class keeps only the
phoneme neighbours among the confusables that differ from the keyword before its last
phoneme: without the words that contain the keyword (computers, supercomputer ...), the
keyword's parts said alone (com, comput, puter) and words that start like it (compute,
computing).
Question it answers at full scale: do near-keyword negatives teach the model to reject
real speakers' pronunciations (77 of 411 real recordings never make kws_computer_all's
keyword the top class)?"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _every_ingredient import every_ingredient  # noqa: E402

spec = every_ingredient("computer", name="all_neighbours", neighbours_only=True)
