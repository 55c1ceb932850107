"""How exactly kwstiny's C frontend matches TensorFlow's audio_microfrontend op: the
uint16 features of every clip of the frontend test set (speech from espeak-ng and flite,
noise, tones, silence, clipping, speech in noise) under each of the oracle test's five
settings (tests/test_frontend_oracle.py), compared value by value.
Writes benchmarks/results/frontend_exactness.json.

    python benchmarks/frontend_exactness.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from frontend_audio import clip_set  # noqa: E402
from kwstiny.frontend import compute_frames  # noqa: E402
from kwstiny.paths import write_json  # noqa: E402
from provenance import provenance  # noqa: E402
from test_frontend_oracle import SETTINGS, oracle  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "frontend_exactness.json"


def main():
    results = {"what": "C frontend features against TensorFlow's audio_microfrontend op, value by value",
               "settings": {}}
    with tempfile.TemporaryDirectory() as work:
        clips = {rate: clip_set(rate, Path(work)) for rate in (16000, 8000)}
        for name, make in SETTINGS.items():
            settings = make()
            set_ = clips[settings.sample_rate_hz]
            ours = compute_frames([pcm for _, pcm in set_], settings)
            values = equal = worst = identical_clips = 0
            for (_, pcm), frames in zip(set_, ours):
                difference = np.abs(frames.astype(np.int32) - oracle(pcm, settings).astype(np.int32))
                values += difference.size
                equal += int((difference == 0).sum())
                worst = max(worst, int(difference.max()))
                identical_clips += int(not difference.any())
            results["settings"][name] = {"sample_rate_hz": settings.sample_rate_hz, "clips": len(set_),
                                         "values": values, "equal_values": equal,
                                         "identical_clips": identical_clips, "max_abs_difference": worst}
            print(name, results["settings"][name])
    counts = {s["clips"] for s in results["settings"].values()}
    results["clips_per_setting"] = counts.pop() if len(counts) == 1 else sorted(counts)
    results["bit_exact"] = all(s["equal_values"] == s["values"] for s in results["settings"].values())
    write_json(OUT, {**results, "provenance": provenance()})
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
