"""The streaming alexa model against the window model on the project's stream evaluation:
FRR at equal false accepts per hour (the curve) and detection latency.

    python benchmarks/streaming_vs_window.py [--streaming keyword_spotting_alexa_streaming]
        [--window keyword_spotting_alexa] [--scale full] [--runtime litert] [--out PATH]

Both models run `kwstiny evaluate --stream` on the same long audio (the alexa_stream
recipe: keywords said by held-out voices, an hour of keyword-free audio at full scale),
each through its own detector settings. For every false-accept budget the table gives each
model's lowest FRR over the thresholds that stay within it, with its count, 95 % Wilson
interval, the threshold and the latency after the keyword's end (median, 90th percentile).
Writes benchmarks/results/streaming_vs_window.json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kwstiny.paths import write_json  # noqa: E402
from kwstiny.stats import poisson_rate, wilson  # noqa: E402
from provenance import provenance  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "streaming_vs_window.json"
BUDGETS_PER_HOUR = (0.0, 1.0, 2.0, 4.0, 8.0)


def best_within(curve: list[dict], budget: float, hours: float) -> dict | None:
    """The curve point with the fewest misses among those with <= budget FA/h (ties: the
    lower threshold, which detects sooner)."""
    allowed = [p for p in curve if p["false_accepts"] <= budget * hours + 1e-9]
    if not allowed:
        return None
    point = min(allowed, key=lambda p: (p["missed"], p["threshold"]))
    return {"threshold": point["threshold"],
            "frr": wilson(point["missed"], point["keywords"]),
            "false_accepts_per_hour": poisson_rate(point["false_accepts"], hours),
            "latency_ms": point["latency_ms"]}


def test_accuracy(model_path: str) -> dict | None:
    """The run's own test-split balanced accuracy (float, int8), when it has a summary."""
    import json

    summary_file = Path(model_path).parent / "train_summary.json"
    if not summary_file.is_file():
        return None
    evaluation = json.loads(summary_file.read_text()).get("evaluation") or {}
    return {kind: (evaluation.get(kind) or {}).get("balanced_accuracy")
            for kind in ("float", "tflite")}


def summary(report: dict) -> dict:
    hours = report["data"]["hours"]
    at = report["at_threshold"]
    return {
        "model": report["model"], "detection": report["detection"],
        "test_balanced_accuracy": test_accuracy(report["model"]),
        "at_own_threshold": {"threshold": at["threshold"],
                             "frr": wilson(at["missed"], at["keywords"]),
                             "false_accepts_per_hour": poisson_rate(at["false_accepts"], hours),
                             "latency_ms": at.get("latency_ms")},
        "at_budget": {f"{b:g}": best_within(report["curve"], b, hours)
                      for b in BUDGETS_PER_HOUR},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streaming", default="keyword_spotting_alexa_streaming")
    parser.add_argument("--window", default="keyword_spotting_alexa")
    parser.add_argument("--scale", default="full", choices=["full", "demo", "test"])
    parser.add_argument("--runtime", default="litert", choices=["tflm", "litert"])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    from kwstiny.stream.evaluation import evaluate_stream

    reports = {kind: evaluate_stream(model, runtime=args.runtime, scale=args.scale)
               for kind, model in (("streaming", args.streaming), ("window", args.window))}
    data = reports["window"]["data"]
    result = {"data": data, "runtime": args.runtime,
              "protocol": __doc__.split("\n\n")[2].strip(),
              **{kind: summary(r) for kind, r in reports.items()},
              "provenance": provenance()}
    write_json(args.out, result)
    print(f"{data['keywords']} keywords, {data['hours']:.2f} h ({args.runtime})")
    for budget in BUDGETS_PER_HOUR:
        cells = []
        for kind in ("streaming", "window"):
            p = result[kind]["at_budget"][f"{budget:g}"]
            cells.append(f"{kind} " + ("-" if p is None else
                         f"FRR {p['frr']['count']}/{p['frr']['of']} (thr {p['threshold']}, "
                         f"latency {p['latency_ms']['median']:.0f}/{p['latency_ms']['p90']:.0f} ms)"))
        print(f"<= {budget:g} FA/h: " + "; ".join(cells))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
