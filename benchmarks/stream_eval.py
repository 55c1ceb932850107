"""FRR and false accepts per hour of the trained alexa model: `kwstiny evaluate --stream`
on the alexa_stream recipe (80 keywords of held-out voices, one hour of keyword-free
audio at full scale), summarized into benchmarks/results/stream_eval.json.

    python benchmarks/stream_eval.py [--model keyword_spotting_alexa] [--scale full]
                                     [--data RECIPE_OR_FOLDER] [--runtime tflm] [--out PATH]

MODEL is a spec name, run directory or .tflite, as for the command; --data names other
streams than the model's own (`--data alexa_stream` puts a model of another alexa recipe
on the shipped alexa streams, as `kwstiny evaluate --stream-data` does). The full report
(per-file detections, the whole curve) stays in the model's run directory under
evaluation/stream.json and stream.png; this keeps the headline numbers and the curve.
It refuses to run without a model rather than report anything made up.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kwstiny.errors import KwstinyError  # noqa: E402
from kwstiny.paths import write_json  # noqa: E402
from provenance import provenance  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "stream_eval.json"


def summary(report: dict) -> dict:
    keep = ("frr", "false_accepts_per_hour", "negative_false_accepts_per_hour")
    return {
        "model": report["model"], "runtime": report["runtime"], "data": report["data"],
        "protocol": report["protocol"], "detection": report["detection"],
        "inferences": report["inferences"], "seconds": report["seconds"],
        "at_threshold": report["at_threshold"],
        "curve": [{"threshold": p["threshold"], **{k: p[k] for k in keep},
                   "false_accepts": p["false_accepts"], "missed": p["missed"]}
                  for p in report["curve"]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="keyword_spotting_alexa")
    parser.add_argument("--scale", default="full", choices=["full", "demo", "test"])
    parser.add_argument("--data", default=None,
                        help="stream recipe or folder (default: the model's own streams)")
    parser.add_argument("--runtime", default="tflm", choices=["tflm", "litert"])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    from kwstiny.stream.evaluation import evaluate_stream
    try:
        report = evaluate_stream(args.model, runtime=args.runtime, data=args.data,
                                 scale=args.scale)
    except KwstinyError as error:
        sys.exit(f"error: {error}")
    write_json(args.out, {**summary(report), "provenance": provenance()})
    at = report["at_threshold"]
    print(f"threshold {at['threshold']}: FRR {at['frr']:.3f} ({at['missed']}/{at['keywords']} "
          f"missed), {at['false_accepts_per_hour']:.2f} FA/h over {report['data']['hours']:.2f} h "
          f"({at['negative_false_accepts_per_hour']:.2f} FA/h on "
          f"{report['data']['negative_hours']:.2f} h of keyword-free audio); wrote {args.out}")


if __name__ == "__main__":
    main()
