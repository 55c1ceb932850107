"""Data-centric selection on a spec's own data (issue 8's experiments), in four steps:

  embed   penultimate-layer vectors of every clip, from the spec's trained model
  sweep   every strategy x budgets 25..400 x 5 seeds: logistic regression trained on the
          selection from the train split, scored on the test split (table + plot)
  choose  the best strategy at a FRACTION (25 %) of the train split, judged on the
          validation split (so the test split never picks the winner)
  train   the spec trained on that subset and on a random subset of the same size, next to
          the spec's own full-data run: test accuracy (float and int8), and FRR and false
          accepts per hour on the keyword's long-audio streams (int8, spec threshold)

Everything lands in benchmarks/results/selection/<spec>/ (JSON, CSV, Markdown, PNG).
Each step skips what is already done, and trainings resume, so the script can be
interrupted and run again.

  # the dry run (trains its own tiny embedder first): about 10 minutes on 2 cores
  PYTHONPATH=. python benchmarks/selection_subsets.py --spec keyword_spotting_alexa-test \
      --train-embedder
  # demo scale, with the trained `keyword_spotting_alexa-demo` run as the embedder; the
  # train step fits two models on 25 % of the demo clips
  PYTHONPATH=. python benchmarks/selection_subsets.py --spec keyword_spotting_alexa-demo
  # full scale: `kwstiny train keyword_spotting_alexa` first, then
  PYTHONPATH=. python benchmarks/selection_subsets.py --spec keyword_spotting_alexa

`--steps embed,sweep,choose` stops before the trainings; `--steps train` does only them.
The subset runs are named SPEC.sel25_best and SPEC.sel25_random in KWSTINY_HOME/models/.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kwstiny import paths  # noqa: E402
from kwstiny.training.checkpoints import BEST_WEIGHTS  # noqa: E402
from kwstiny.data.selection import sweep  # noqa: E402
from kwstiny.data.selection.embeddings import read_npz  # noqa: E402
from kwstiny.data.selection.subset import select_subset, write_subset_list  # noqa: E402
from kwstiny.errors import KwstinyError  # noqa: E402
from kwstiny.spec import load_spec  # noqa: E402
from provenance import provenance  # noqa: E402

STEPS = ("embed", "sweep", "choose", "train")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", default="keyword_spotting_alexa")
    parser.add_argument("--steps", default=",".join(STEPS),
                        help="comma-separated subset of: " + ", ".join(STEPS))
    parser.add_argument("--fraction", type=float, default=0.25)
    parser.add_argument("--budgets", default="25,50,100,200,400")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--choose-seeds", type=int, default=3)
    parser.add_argument("--train-embedder", action="store_true",
                        help="train the spec first if it has no trained model (dry runs)")
    parser.add_argument("--match-steps", action="store_true",
                        help="train subsets for epochs / fraction, so they take as many "
                             "optimizer steps as the full run")
    parser.add_argument("--retrain-full", action="store_true",
                        help="train the full-data baseline afresh as SPEC.sel100_full instead "
                             "of reusing the spec's own run (same code as the subset runs)")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = set(steps) - set(STEPS)
    if unknown:
        parser.error(f"unknown steps {sorted(unknown)}")
    if not 0 < args.fraction < 1:
        parser.error("--fraction must be between 0 and 1")

    spec = load_spec(args.spec)
    out = Path(args.out) if args.out else ROOT / "benchmarks" / "results" / "selection" / spec.name
    emb_dir = out / "embeddings"
    try:
        if "embed" in steps:
            embed(spec, args.spec, emb_dir, args.train_embedder)
        if "sweep" in steps:
            run_budget_sweep(emb_dir, out / "sweep",
                             [int(b) for b in args.budgets.split(",")], args.seeds)
        if "choose" in steps:
            choose(emb_dir, out, args.fraction, args.choose_seeds)
        if "train" in steps:
            train_subsets(spec, out, args.match_steps, args.retrain_full)
    except KwstinyError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def embed(spec, spec_name: str, emb_dir: Path, train_embedder: bool) -> None:
    if all((emb_dir / f"{s}.npz").is_file() for s in ("train", "validation", "test")):
        print(f"embed: {emb_dir} already holds the embeddings")
        return
    if not (paths.run_dir(spec.name) / BEST_WEIGHTS).is_file():
        if not train_embedder:
            raise KwstinyError(f"{spec.name} has no trained model; train it first "
                               f"(`kwstiny train {spec_name}`) or pass --train-embedder")
        from kwstiny.training.train import train
        train(spec, resume=True, evaluate_after=True)
    from kwstiny.data.selection.embed import embed_dataset
    embed_dataset(spec.dataset.source, spec_name, emb_dir)


def run_budget_sweep(emb_dir: Path, out: Path, budgets: list[int], seeds: int) -> dict:
    """The done-when table: pool = train split, evaluation = test split."""
    pool, test = read_npz(emb_dir / "train.npz"), read_npz(emb_dir / "test.npz")
    result = sweep.run_sweep(pool, test, out, budgets=budgets, seeds=seeds)
    print((out / "summary.md").read_text())
    return result


def choose(emb_dir: Path, out: Path, fraction: float, seeds: int) -> dict:
    """Best strategy at the subset size on the validation split; write the subset lists."""
    pool = read_npz(emb_dir / "train.npz")
    validation = read_npz(emb_dir / "validation.npz")
    held_out = [str(i) for split in ("validation", "test")
                for i in read_npz(emb_dir / f"{split}.npz").ids]
    budget = max(2, int(round(fraction * len(pool))))
    result = sweep.run_sweep(pool, validation, out / "choose", budgets=[budget], seeds=seeds)
    best = sweep.best_strategy(result["summary"], budget)
    subsets = {}
    for tag, strategy in (("best", best), ("random", "random")):
        selection = select_subset(pool, strategy, budget, seed=0)
        # The list restricts training clips; validation and test clips stay listed so a
        # subset list that filters every split keeps the held-out splits whole.
        path = write_subset_list(out / "subsets" / f"{tag}.txt", selection.ids + held_out)
        subsets[tag] = {"strategy": strategy, "path": str(path.relative_to(out)),
                        "train_clips": len(selection.ids), "per_class": selection.counts()}
    choice = {"fraction": fraction, "budget": budget, "pool": len(pool),
              "validation_summary": result["summary"], "best": best, "subsets": subsets}
    paths.write_json(out / "choice.json", {**choice, "provenance": provenance()})
    print(f"choose: {best} is best at {budget} of {len(pool)} train clips (validation)")
    return choice


def train_subsets(spec, out: Path, match_steps: bool, retrain_full: bool = False) -> dict:
    """Full data, best-strategy subset and random subset: test and stream metrics."""
    from kwstiny.training.train import train

    choice = json.loads((out / "choice.json").read_text())
    results_path = out / "subset_training.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else {}
    runs = {"full": dataclasses.replace(spec, name=f"{spec.name}.sel100_full")
            if retrain_full else spec}
    for tag in ("best", "random"):
        overrides = {"dataset.subset_file": str(out / choice["subsets"][tag]["path"])}
        if match_steps:
            overrides["train.epochs"] = int(round(spec.train.epochs / choice["fraction"]))
        variant = spec.with_overrides(overrides)
        runs[tag] = dataclasses.replace(variant, name=f"{spec.name}.sel{int(choice['fraction'] * 100)}_{tag}")
    for tag, run_spec in runs.items():
        if tag not in results:
            results[tag] = clip_metrics(run_spec, choice, tag, train)
            paths.write_json(results_path, {**results, "provenance": provenance()})
        if results[tag].get("stream") is None:
            results[tag]["stream"] = stream_metrics(run_spec)
            paths.write_json(results_path, {**results, "provenance": provenance()})
    print(json.dumps(results, indent=2))
    return results


def clip_metrics(run_spec, choice: dict, tag: str, train) -> dict:
    """Train (or resume, or reuse a finished run) and read its test-split metrics."""
    summary_path = paths.run_dir(run_spec.name) / "train_summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    if "evaluation" not in summary:
        summary = train(run_spec, resume=True, evaluate_after=True)
    run = paths.run_dir(run_spec.name)
    counts = json.loads((run / "dataset.json").read_text())
    # The latest `kwstiny evaluate` of each model (a re-quantized model is re-evaluated
    # there), else what training evaluated.
    evaluation = {kind: json.loads((run / "evaluation" / f"{kind}.json").read_text())
                  if (run / "evaluation" / f"{kind}.json").is_file()
                  else summary["evaluation"][kind] for kind in ("float", "tflite")}
    return {
        "run": run_spec.name,
        "strategy": choice["subsets"][tag]["strategy"] if tag != "full" else None,
        "train_clips": counts["counts"]["train"],
        "epochs": summary.get("epochs"),
        "train_seconds": summary.get("train_seconds"),
        **{f"{kind}_{metric}": evaluation[kind][metric]
           for kind in ("float", "tflite") for metric in ("accuracy", "balanced_accuracy")},
        "tflite_per_class_accuracy": evaluation["tflite"]["per_class_accuracy"],
    }


def stream_metrics(run_spec) -> dict:
    """FRR and false accepts per hour of the int8 model on the keyword's long-audio
    recipe at the spec's scale, at the spec's detection threshold."""
    from kwstiny.quantize import tflite_path
    from kwstiny.stream.evaluation import evaluate_stream

    result = evaluate_stream(str(tflite_path(run_spec.name)), data=None,
                             scale=run_spec.dataset.scale)
    at = result["at_threshold"]
    return {"threshold": at["threshold"], "frr": at["frr"], "keywords": at["keywords"],
            "false_accepts_per_hour": at["false_accepts_per_hour"],
            "negative_false_accepts_per_hour": at["negative_false_accepts_per_hour"],
            "hours": result["data"]["hours"], "data": result["data"].get("recipe"),
            "scale": result["data"].get("scale")}


if __name__ == "__main__":
    sys.exit(main())
