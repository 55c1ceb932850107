"""kws_computer_all with voice invariance: the same data (synthetic_computer_all and the
same real speech in the unknown class, flagged as real), trained against a real-vs-
synthetic head on the unknown clips (train.voice_invariance_weight=1.0), so that
sounding recorded stops telling the model "not the keyword"."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _every_ingredient import every_ingredient  # noqa: E402

spec = every_ingredient("computer", name="invariant", data="all", invariance=1.0)
