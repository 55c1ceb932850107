"""Are the real-voice errors seed noise or the recipe? Separability of each model and of
their average, on ../shared/real_dev.

    python benchmarks/seed_ensemble.py --word computer MODEL MODEL [MODEL ...]
        [--real-negatives dialog_nl,dialog_en] [--out PATH]

MODELs are runs of one spec with different seeds (spec names, run directories or .tflite).
Each recording is scored as `kwstiny evaluate` scores it (same padding, noise floor, LiteRT
runtime, detector); the ensemble's window scores are the models' uint8 scores averaged
before the detector. For each model and the ensemble: real clean keywords detected at the
lowest threshold where the real negatives (the other word's recordings and the held-out
dialogue of benchmarks/real_voice_ablation.py) fire at most 0 and at most 1 time, and the
median keyword score. The thresholds are chosen on the evaluation recordings themselves:
these numbers rank, they are no operating point. If the average separates far better than
each model, their false fires on real speech are seed noise that averaging (or distilling
an average) can remove; if not, the recipe itself puts real speech where real keywords are.
Writes benchmarks/results/seed_ensemble/FIRST+REST.json (output_name).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from kwstiny.paths import write_json  # noqa: E402
from provenance import provenance  # noqa: E402

REAL_DEV = ROOT.parent / "shared" / "real_dev"
OUT = ROOT / "benchmarks" / "results" / "seed_ensemble"


def scored_sets(model: str, positives, negative_sets, keyword: str):
    """(classes, detection settings, positive StreamScores, {folder: negative StreamScores})."""
    from kwstiny.inference import open_tflite
    from kwstiny.progress import progress_bar
    from kwstiny.stream.clip_evaluation import NoiseBank, score_recordings
    from kwstiny.stream.loop import StreamClassifier

    classifier = StreamClassifier(open_tflite(model, "litert")[0])
    noise = NoiseBank(classifier.sample_rate)
    total = len(positives) + sum(len(r) for _, r in negative_sets)
    with progress_bar() as bar:
        task = bar.add_task(f"{Path(model).name}: {total} recordings (litert)", total=total)
        pos = score_recordings(classifier, positives, keyword, "keyword", None, noise, bar, task)
        neg = {folder: score_recordings(classifier, recordings, keyword, "negative", None,
                                        noise, bar, task)
               for folder, recordings in negative_sets}
    return classifier.classes, classifier.detection, pos, neg


def averaged(runs: list[list]) -> list:
    """StreamScores whose scores are the runs' uint8 scores averaged, rounded."""
    out = []
    for streams in zip(*runs):
        mean = np.mean([s.scores.astype(np.float32) for s in streams], axis=0)
        out.append(dataclasses.replace(streams[0], scores=np.rint(mean).astype(np.uint8)))
    return out


def separability(classes, settings, positives, negatives: dict) -> dict:
    """Clean keywords detected at the lowest threshold with at most 0 and 1 real fires."""
    from kwstiny.stream.clip_evaluation import _rate_curve

    detected = _rate_curve(classes, settings, positives, "detected")
    fired = np.sum([_rate_curve(classes, settings, s, "false_accepts")
                    for s in negatives.values()], axis=0)
    keyword = classes.index(positives[0].keyword)
    result = {"median_keyword_score": float(np.median([s.scores[:, keyword].max()
                                                       for s in positives])),
              "of": len(positives), "negatives": int(sum(len(s) for s in negatives.values()))}
    for fires in (0, 1):
        threshold = int(min(t for t in range(len(fired)) if fired[t] <= fires))
        result[f"at_most_{fires}_fires"] = {"detected": int(detected[threshold]),
                                            "threshold": threshold}
    result["detected_by_threshold"] = [int(d) for d in detected]
    result["fired_by_threshold"] = [int(f) for f in fired]
    return result


def output_name(models: list[str]) -> str:
    """FIRST+REST, each later run without the first's name where it extends it:
    kws_x+.seed-2+.seed-3 for kws_x, kws_x.seed-2 and kws_x.seed-3."""
    names = [Path(m).name for m in models]
    rest = [n[len(names[0]):] if n.startswith(names[0]) else n for n in names[1:]]
    return "+".join([names[0]] + rest)


def main() -> None:
    from real_voice_ablation import held_out_speech
    from kwstiny.stream.clip_evaluation import load_recordings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--word", required=True, choices=("computer", "jarvis"))
    parser.add_argument("--real-negatives", default="dialog_nl,dialog_en")
    parser.add_argument("--out")
    args = parser.parse_args()
    if len(args.models) < 2:
        parser.error("give at least two models to average")

    rate = 16000
    positives, _ = load_recordings(REAL_DEV / args.word, rate)
    folders = [p for p in sorted(REAL_DEV.iterdir()) if p.is_dir() and p.name != args.word]
    folders += [held_out_speech(n, args.word) for n in args.real_negatives.split(",") if n]
    negative_sets = [(str(f), load_recordings(f, rate)[0]) for f in folders]

    runs = [scored_sets(m, positives, negative_sets, args.word) for m in args.models]
    classes, settings = runs[0][0], runs[0][1]
    result = {"word": args.word, "models": args.models,
              "negative_folders": [Path(f).name for f, _ in negative_sets], "each": {}}
    for model, (_, _, pos, neg) in zip(args.models, runs):
        result["each"][model] = separability(classes, settings, pos, neg)
    ensemble_negatives = {f: averaged([r[3][f] for r in runs]) for f, _ in negative_sets}
    result["average"] = separability(classes, settings, averaged([r[2] for r in runs]),
                                     ensemble_negatives)
    for name, r in list(result["each"].items()) + [("average", result["average"])]:
        print(f"{name}: median {r['median_keyword_score']:.0f}; "
              f"{r['at_most_0_fires']['detected']}/{r['of']} at {r['at_most_0_fires']['threshold']}"
              f" (0 fires), {r['at_most_1_fires']['detected']}/{r['of']} at "
              f"{r['at_most_1_fires']['threshold']} (1 fire)")
    result["provenance"] = provenance()
    out = Path(args.out) if args.out else OUT / f"{output_name(args.models)}.json"
    write_json(out, result)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
