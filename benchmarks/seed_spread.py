"""Seed-to-seed spread of one spec's training: the test balanced accuracy (float and int8)
of finished runs that differ only in `train.seed`, as mean ± sample standard deviation.

    python benchmarks/seed_spread.py SPEC --seeds 42,1,2 [--out PATH]

The run of the spec's own seed is `kwstiny train SPEC` (run directory SPEC); the others
are `kwstiny train SPEC -m train.seed=1,2` (run directories SPEC.seed-1, SPEC.seed-2, as
the sweep names them). Only finished runs count: a seed whose run has no int8 test
evaluation is refused, not skipped. Writes benchmarks/results/seed_spread/SPEC.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from kwstiny import paths  # noqa: E402
from kwstiny.errors import KwstinyError  # noqa: E402
from provenance import provenance  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "seed_spread"
METRICS = ("float", "tflite")


def seed_run(spec, seed: int) -> str:
    """The run directory name of SPEC trained with `seed`."""
    from kwstiny.training.sweep import run_name

    return spec.name if seed == spec.train.seed else run_name(spec.name, {"train.seed": seed})


def run_row(run: str, seed: int) -> dict:
    """What one finished run measured on its test split."""
    folder = paths.run_dir(run)
    summary_path = folder / "train_summary.json"
    if not summary_path.is_file():
        raise KwstinyError(f"run {run}: no {summary_path} (train it first)")
    summary = json.loads(summary_path.read_text())
    evaluation = summary.get("evaluation") or {}
    if not all(evaluation.get(kind) for kind in METRICS):
        raise KwstinyError(f"run {run} has no float and int8 test evaluation yet "
                           f"(its training has not finished)")
    return {
        "run": run,
        "seed": seed,
        "epochs": summary.get("epochs"),
        "best_epoch": (summary.get("best") or {}).get("epoch"),
        "best_validation": (summary.get("best") or {}).get("value"),
        "train_seconds": summary.get("train_seconds"),
        **{f"{kind}_balanced_accuracy": evaluation[kind]["balanced_accuracy"] for kind in METRICS},
    }


def spread(rows: list[dict]) -> dict:
    """Mean and sample standard deviation (n - 1) in percentage points, per metric."""
    out = {"runs": len(rows)}
    for kind in METRICS:
        values = [100.0 * r[f"{kind}_balanced_accuracy"] for r in rows]
        out[kind] = {"mean_percent": round(statistics.fmean(values), 3),
                     "std_points": round(statistics.stdev(values), 3) if len(values) > 1 else None,
                     "min_percent": round(min(values), 3), "max_percent": round(max(values), 3)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("spec")
    parser.add_argument("--seeds", required=True,
                        help="comma-separated seeds, e.g. 42,1,2 (42: the spec's own)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    from kwstiny.spec import load_spec
    try:
        spec = load_spec(args.spec)
        seeds = [int(s) for s in args.seeds.split(",")]
        rows = [run_row(seed_run(spec, seed), seed) for seed in seeds]
    except (KwstinyError, ValueError) as error:
        sys.exit(f"error: {error}")
    out = args.out or OUT / f"{spec.name}.json"
    result = {"what": "test balanced accuracy of runs that differ only in train.seed",
              "rows": rows, "spread": spread(rows), "provenance": provenance()}
    paths.write_json(out, result)
    for kind in METRICS:
        s = result["spread"][kind]
        std = "n/a" if s["std_points"] is None else f"{s['std_points']:.2f}"
        print(f"{kind}: {s['mean_percent']:.2f} % ± {std} points over {len(rows)} runs")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
