"""False fires of a keyword model on real recordings that do not hold its keyword: the
whole of ../shared/real_dev for an alexa model (every "computer" and "jarvis" recording is
a negative for it), and the held-out real speech (kwstiny.data.real_noise, evaluation only).

    python benchmarks/real_false_fires.py LABEL=MODEL [LABEL=MODEL ...]
        [--real-negatives dialog_nl,dialog_en] [--runtime litert] [--out PATH]

Each recording runs alone through what `kwstiny detect` runs, with `kwstiny evaluate
--clips`'s padding and noise floor (kwstiny.stream.clip_evaluation), at the model's own
threshold; a recording false-fires when any keyword class fires in it. Per folder: the
false-fire rate with its 95 % Wilson interval, and false accepts per hour of that audio
with its exact Poisson interval. Writes benchmarks/results/real_false_fires.json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from kwstiny.paths import write_json  # noqa: E402
from provenance import provenance  # noqa: E402
from real_voice_ablation import REAL_DEV, held_out_speech  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "real_false_fires.json"


def false_fires(model: str, folders: list[Path], runtime: str) -> dict:
    from kwstiny.inference import open_tflite
    from kwstiny.progress import progress_bar
    from kwstiny.stats import poisson_rate, wilson
    from kwstiny.stream.clip_evaluation import NoiseBank, load_recordings, score_recordings
    from kwstiny.stream.detector import run_detector
    from kwstiny.stream.loop import StreamClassifier

    tflite, path = open_tflite(model, runtime)
    classifier = StreamClassifier(tflite)
    classes, settings = classifier.classes, classifier.detection
    keyword = next(c for c in classes if not c.startswith("_"))
    sets = {str(f): load_recordings(f, classifier.sample_rate)[0] for f in folders}
    out = {"model": str(path), "runtime": runtime, "threshold": settings.detection_threshold,
           "folders": {}}
    with progress_bar() as bar:
        task = bar.add_task(f"{sum(map(len, sets.values()))} recordings ({runtime})",
                            total=sum(map(len, sets.values())))
        for folder, recordings in sets.items():
            scored = score_recordings(classifier, recordings, keyword, "negative", None,
                                      NoiseBank(classifier.sample_rate), bar, task)
            fires = [len(run_detector(classes, settings, s.times_ms, s.scores)) for s in scored]
            hours = sum(s.duration_s for s in scored) / 3600
            out["folders"][folder] = {
                "recordings": len(scored), "hours": hours,
                "false_fire_rate": wilson(sum(f > 0 for f in fires), len(fires)),
                "false_accepts_per_hour": poisson_rate(sum(fires), hours),
                "fired": [s.file for s, f in zip(scored, fires) if f],
            }
    return out


def main() -> None:
    import json

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rows", nargs="+", metavar="LABEL=MODEL")
    parser.add_argument("--real-negatives", default="dialog_nl,dialog_en")
    parser.add_argument("--runtime", choices=["tflm", "litert"], default="litert")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    folders = sorted(p for p in REAL_DEV.iterdir() if p.is_dir())
    folders += [held_out_speech(n) for n in args.real_negatives.split(",") if n]
    table = json.loads(args.out.read_text()) if args.out.is_file() else {"rows": {}}
    for item in args.rows:
        label, model = item.split("=", 1)
        table["rows"][label] = false_fires(model, folders, args.runtime)
        table["protocol"] = __doc__.split("\n\n")[2].strip()
        table["provenance"] = provenance()
        write_json(args.out, table)
        for folder, r in table["rows"][label]["folders"].items():
            f, a = r["false_fire_rate"], r["false_accepts_per_hour"]
            print(f"{label}: {Path(folder).name}: {f['count']}/{f['of']} recordings fired, "
                  f"{a['count']} in {r['hours']:.2f} h = {a['rate']:.2f} FA/h "
                  f"[{a['low']:.2f}, {a['high']:.2f}]")


if __name__ == "__main__":
    main()
