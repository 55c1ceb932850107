"""keyword_spotting_alexa on the new data pipeline: every ingredient of the real-voice
ablation's "every ingredient" rows (see _every_ingredient.py), with alexa's own confusable
words and sound-alike sentences, model, training and detection settings. Trained at full
scale to check the alexa budget, its real_dev false fires and its own stream evaluation."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _every_ingredient import every_ingredient  # noqa: E402

spec = every_ingredient("alexa")
