"""Seed-to-seed spread of one spec's training: the test balanced accuracy (float and int8)
of finished runs that differ only in `train.seed`, as mean ± sample standard deviation.

    python benchmarks/seed_spread.py SPEC --seeds 42,1,2 [--out PATH]

The run of the spec's own seed is `kwstiny train SPEC` (run directory SPEC); the others
are `kwstiny train SPEC -m train.seed=1,2` (run directories SPEC.seed-1, SPEC.seed-2, as
the sweep names them). Only finished runs count: a seed whose run has no int8 test
evaluation is refused, not skipped. Writes benchmarks/results/seed_spread/SPEC.json.

A full training takes about an hour on 2 cores, so the seeds may be trained on different
days and machines: each finished run's row is kept in that JSON (with the commit that
recorded it: record a run right after training it), and a seed with no run here is taken
from it. Until every asked seed has a row, the JSON holds the rows and the missing seeds,
no spread, and the script exits with status 1.
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


def collect(spec, seeds: list[int], recorded: dict[int, dict], commit: str | None):
    """Each seed's row: from its finished run here (stamped with `commit`), else from the
    `recorded` rows; returns (rows of the asked seeds, all rows by seed, missing seeds)."""
    known = dict(recorded)
    for seed in seeds:
        run = seed_run(spec, seed)
        if (paths.run_dir(run) / "train_summary.json").is_file():
            known[seed] = {**run_row(run, seed), "recorded_at_commit": commit}
    missing = [seed for seed in seeds if seed not in known]
    return [known[s] for s in seeds if s in known], known, missing


def recorded_rows(path: Path) -> dict[int, dict]:
    """The rows an earlier run of this script kept, by seed."""
    if not path.is_file():
        return {}
    return {int(row["seed"]): row for row in json.loads(path.read_text()).get("rows", [])}


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
        out = args.out or OUT / f"{spec.name}.json"
        stamp = provenance()
        rows, known, missing = collect(spec, seeds, recorded_rows(out), stamp["commit"])
    except (KwstinyError, ValueError) as error:
        sys.exit(f"error: {error}")
    result = {"what": "test balanced accuracy of runs that differ only in train.seed",
              "seeds": seeds, "rows": [known[s] for s in sorted(known)],
              "missing_seeds": missing,
              "spread": None if missing else spread(rows), "provenance": stamp}
    paths.write_json(out, result)
    print(f"wrote {out}")
    if missing:
        have = ", ".join(str(s) for s in sorted(known)) or "none"
        sys.exit(f"no spread yet: seeds {', '.join(map(str, missing))} have no finished run "
                 f"here and no recorded row (recorded: {have})")
    for kind in METRICS:
        s = result["spread"][kind]
        std = "n/a" if s["std_points"] is None else f"{s['std_points']:.2f}"
        print(f"{kind}: {s['mean_percent']:.2f} % ± {std} points over {len(rows)} runs")


if __name__ == "__main__":
    main()
