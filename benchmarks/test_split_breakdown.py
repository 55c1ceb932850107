"""Per-voice and per-engine breakdown of a trained model's voice-held-out test split.

    python benchmarks/test_split_breakdown.py SPEC [--runtime tflm] [--out PATH]

The int8 model (SPEC's run directory .tflite) runs on the same clean test features that
`kwstiny evaluate --tflite` uses; every clip is attributed to its voice (the split group:
engine.voice[.variant]) and engine, and each class's recall is given per voice and per
engine with its count and Wilson 95 % interval. Writes
benchmarks/results/test_split_breakdown/SPEC.json. The test split is only read here and by
`kwstiny evaluate`: no setting is chosen from it.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kwstiny.paths import write_json  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "test_split_breakdown"


def breakdown(spec_name: str, runtime: str = "tflm") -> dict:
    from kwstiny.data.pipeline import SpecData
    from kwstiny.evaluate import predict_tflite
    from kwstiny.quantize import tflite_path
    from kwstiny.spec import load_spec
    from kwstiny.stats import wilson

    spec = load_spec(spec_name)
    classes = list(spec.classes)
    with SpecData(spec) as data:
        recipes = data.plan_split("test")
        x, y = data.features("test")
        groups = [data.clips[r.clip].group for r in recipes]
    predicted = predict_tflite(tflite_path(spec.name), x, runtime).argmax(axis=1)
    tallies = {"voice": defaultdict(lambda: defaultdict(lambda: [0, 0])),
               "engine": defaultdict(lambda: defaultdict(lambda: [0, 0]))}
    for group, label, guess in zip(groups, y, predicted):
        for kind, key in (("voice", group), ("engine", group.split(".")[0])):
            tally = tallies[kind][key][classes[label]]
            tally[0] += int(guess == label)
            tally[1] += 1
    result = {"spec": spec.name, "runtime": runtime, "clips": int(len(y)), "classes": classes}
    for kind, table in tallies.items():
        result[f"per_{kind}"] = {
            key: {name: wilson(*counts) for name, counts in sorted(per_class.items())}
            for key, per_class in sorted(table.items())}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("spec")
    parser.add_argument("--runtime", default="tflm", choices=["tflm", "litert"])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    result = breakdown(args.spec, args.runtime)
    out = args.out or OUT / f"{result['spec']}.json"
    write_json(out, result)
    for engine, per_class in result["per_engine"].items():
        print(engine, {c: f"{r['count']}/{r['of']}" for c, r in per_class.items()})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
