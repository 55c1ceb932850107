"""The real-voice ablation table: each trained model on ../shared/real_dev.

    python benchmarks/real_voice_ablation.py ROW [ROW ...] [--out PATH]

ROW is LABEL=MODEL:WORD (MODEL a spec name, run directory or .tflite; WORD the real_dev
folder of its keyword, the other folder being its real negatives), e.g.
`baseline=keyword_spotting_computer-demo:computer`. For each row the model's threshold is
first chosen on long audio of its validation voices (`kwstiny calibrate`, target 0.5
false accepts per hour), then `kwstiny evaluate --clips` runs it on the recordings; the
recordings never choose anything. Rows already in the output are kept, so the table grows
one ingredient at a time. Writes benchmarks/results/real_voice_ablation.json.
The rows so far: "baseline" = kwstiny's keyword_spotting_computer / _jarvis at demo scale;
"every ingredient" = benchmarks/real_voice_specs/kws_WORD_all.py at demo scale
(KWSTINY_SPEC_PATH=benchmarks/real_voice_specs kwstiny train kws_computer_all-demo).
`--runtime litert` runs the same loop on LiteRT's kernels (about 20x faster than the
TFLM runtime; scores within one step of it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kwstiny.paths import write_json  # noqa: E402

REAL_DEV = ROOT.parent / "shared" / "real_dev"
OUT = ROOT / "benchmarks" / "results" / "real_voice_ablation.json"
TARGET_FA_PER_HOUR = 0.5


def row(label: str, model: str, word: str, target: float = TARGET_FA_PER_HOUR,
        runtime: str = "tflm") -> dict:
    from kwstiny.stream.calibrate import calibrate
    from kwstiny.stream.clip_evaluation import evaluate_clips

    others = [p for p in sorted(REAL_DEV.iterdir()) if p.is_dir() and p.name != word]
    calibration = calibrate(model, target_fa_per_hour=target, runtime=runtime)
    result = evaluate_clips(model, str(REAL_DEV / word), negatives=tuple(map(str, others)),
                            runtime=runtime)
    keep = ("count", "of", "rate", "low", "high")
    return {
        "label": label, "model": result["model"], "keyword": word, "runtime": runtime,
        "threshold": calibration["threshold"],
        "threshold_from": f"validation-voice streams ({calibration['data']['hours']:.2f} h, "
                          f"target {target} FA/h)",
        "validation_frr": calibration["frr"],
        "validation_false_accepts_per_hour": calibration["false_accepts_per_hour"],
        "detected": {name: {k: r["detection_rate"][k] for k in keep}
                     for name, r in result["positives"].items()},
        "false_fires": {Path(f).name: {k: r["false_fire_rate"][k] for k in keep}
                        for f, r in result["negative_sets"].items()},
        "stream_frr": result["stream"]["frr"],
        "stream_false_accepts_per_hour": result["stream"]["false_accepts_per_hour"],
    }


def main() -> None:
    import json

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rows", nargs="+", metavar="LABEL=MODEL:WORD")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--runtime", choices=["tflm", "litert"], default="tflm")
    args = parser.parse_args()
    table = json.loads(args.out.read_text()) if args.out.is_file() else {"rows": []}
    for spec in args.rows:
        label, rest = spec.split("=", 1)
        model, word = rest.rsplit(":", 1)
        new = row(label, model, word, runtime=args.runtime)
        table["rows"] = [r for r in table["rows"] if (r["label"], r["keyword"]) !=
                         (label, word)] + [new]
        table["protocol"] = __doc__.split("\n\n")[1].strip()
        write_json(args.out, table)
    for r in table["rows"]:
        d = r["detected"]
        print(f"{r['label']:<28} {r['keyword']:<9} thr {r['threshold']:3d}  "
              + "  ".join(f"{k} {v['count']}/{v['of']}" for k, v in d.items())
              + "  false fires " + ", ".join(f"{k} {v['count']}/{v['of']}"
                                             for k, v in r["false_fires"].items()))


if __name__ == "__main__":
    main()
