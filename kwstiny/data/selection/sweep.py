"""Budget sweep: every strategy at every budget with several seeds, scored on one
evaluation set; a table (CSV + Markdown, mean and spread) and a score-vs-budget plot.

Runs are written to `runs.csv` as they finish; a sweep started again with the same
inputs into the same folder skips the runs it already has (interrupt and resume).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import time
from pathlib import Path

import numpy as np

from kwstiny.errors import KwstinyError
from kwstiny.paths import write_bytes, write_json, write_text

from kwstiny.data.selection import strategies as strategy_table
from kwstiny.data.selection.embeddings import Embeddings, check_same_space
from kwstiny.data.selection.score import score_selection

DEFAULT_BUDGETS = (25, 50, 100, 200, 400)
METRICS = ("macro_f1", "accuracy", "balanced_accuracy")
RUN_FIELDS = ("strategy", "budget", "seed", "selected", *METRICS, "seconds")


def run_sweep(pool: Embeddings, evaluation: Embeddings, out_dir: str | Path,
              strategies=tuple(strategy_table.STRATEGIES), budgets=DEFAULT_BUDGETS,
              seeds: int = 5, options: dict | None = None, progress: bool = True) -> dict:
    """Run (or finish) the sweep; returns the summary also written to summary.json."""
    for name in strategies:
        strategy_table.get(name)
    if seeds < 1:
        raise KwstinyError(f"seeds {seeds} must be at least 1")
    if not budgets or min(budgets) < 1:
        raise KwstinyError(f"budgets {list(budgets)} must be one or more positive sizes")
    check_same_space(pool, evaluation)
    out_dir = Path(out_dir)
    options = options or {}
    config = {
        "pool": pool.source, "pool_fingerprint": _fingerprint(pool),
        "eval": evaluation.source, "eval_fingerprint": _fingerprint(evaluation),
        "options": options,
    }
    runs = _load_finished(out_dir, config)
    write_json(out_dir / "sweep_config.json", config)

    labels, eval_labels = pool.dataperf_labels(), evaluation.dataperf_labels()
    todo = [(s, b, seed) for s in strategies for b in budgets for seed in range(seeds)
            if (s, int(b), seed) not in runs]
    with _progress(progress, len(todo)) as advance:
        for name, budget, seed in todo:
            start = time.perf_counter()
            chosen = strategy_table.select(name, pool.vectors, labels, budget, seed,
                                           **options.get(name, {}))
            scores = score_selection(pool.vectors[chosen], labels[chosen],
                                     evaluation.vectors, eval_labels, seed=seed)
            runs[(name, int(budget), seed)] = {
                "strategy": name, "budget": int(budget), "seed": seed,
                "selected": len(chosen), **{m: scores[m] for m in METRICS},
                "seconds": round(time.perf_counter() - start, 3)}
            _write_runs(out_dir, runs)
            advance()

    wanted = [runs[(s, int(b), seed)] for s in strategies for b in budgets
              for seed in range(seeds)]
    summary = summarize(wanted)
    result = {"pool": pool.source, "pool_size": len(pool), "eval": evaluation.source,
              "eval_size": len(evaluation), "seeds": seeds, "budgets": [int(b) for b in budgets],
              "classes": list(pool.classes), "options": options, "summary": summary}
    write_json(out_dir / "summary.json", result)
    write_text(out_dir / "summary.csv", _summary_csv(summary))
    write_text(out_dir / "summary.md", summary_markdown(result))
    plot_sweep(summary, out_dir / "score_vs_budget.png")
    return result


def summarize(runs: list[dict]) -> list[dict]:
    """Mean, standard deviation (over seeds), min and max per strategy and budget."""
    groups: dict[tuple[str, int], list[dict]] = {}
    for run in runs:
        groups.setdefault((run["strategy"], int(run["budget"])), []).append(run)
    rows = []
    for (name, budget), members in groups.items():
        row = {"strategy": name, "budget": budget, "seeds": len(members),
               "selected": int(np.mean([r["selected"] for r in members]))}
        for metric in METRICS:
            values = np.array([r[metric] for r in members], dtype=float)
            row[f"{metric}_mean"] = float(values.mean())
            row[f"{metric}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
            row[f"{metric}_min"] = float(values.min())
            row[f"{metric}_max"] = float(values.max())
        rows.append(row)
    return rows


def best_strategy(summary: list[dict], budget: int, metric: str = "macro_f1") -> str:
    """The strategy with the highest mean `metric` at `budget` (ties: the first listed)."""
    rows = [r for r in summary if r["budget"] == budget]
    if not rows:
        raise KwstinyError(f"the sweep has no runs at budget {budget}")
    return max(rows, key=lambda r: r[f"{metric}_mean"])["strategy"]


def summary_markdown(result: dict) -> str:
    summary = result["summary"]
    names = list(dict.fromkeys(r["strategy"] for r in summary))
    budgets = sorted({r["budget"] for r in summary})
    cell = {(r["strategy"], r["budget"]): r for r in summary}
    lines = [f"Pool: {result['pool']} ({result['pool_size']} samples); evaluation: "
             f"{result['eval']} ({result['eval_size']} samples); {result['seeds']} seeds; "
             f"mean ± standard deviation over seeds; best mean per budget in bold.", ""]
    for metric in ("macro_f1", "accuracy"):
        lines += [f"### {metric.replace('_', ' ')}", "",
                  "| strategy | " + " | ".join(str(b) for b in budgets) + " |",
                  "|---|" + "---|" * len(budgets)]
        best = {b: max(names, key=lambda n: cell[(n, b)][f"{metric}_mean"]) for b in budgets}
        for name in names:
            parts = []
            for b in budgets:
                row = cell[(name, b)]
                text = f"{row[f'{metric}_mean']:.3f} ± {row[f'{metric}_std']:.3f}"
                parts.append(f"**{text}**" if best[b] == name else text)
            lines.append(f"| {name} | " + " | ".join(parts) + " |")
        lines.append("")
    return "\n".join(lines)


def plot_sweep(summary: list[dict], path: str | Path) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    names = list(dict.fromkeys(r["strategy"] for r in summary))
    for axis, metric in zip(axes, ("macro_f1", "accuracy")):
        for name in names:
            rows = sorted((r for r in summary if r["strategy"] == name), key=lambda r: r["budget"])
            axis.errorbar([r["budget"] for r in rows], [r[f"{metric}_mean"] for r in rows],
                          yerr=[r[f"{metric}_std"] for r in rows], marker="o", capsize=3,
                          label=name)
        axis.set_xscale("log", base=2)
        budgets = sorted({r["budget"] for r in summary})
        axis.set_xticks(budgets, [str(b) for b in budgets])
        axis.minorticks_off()
        axis.set_xlabel("budget (training samples)")
        axis.set_ylabel(metric.replace("_", " "))
        axis.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    figure.suptitle("logistic regression on the selection: mean ± std over seeds")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return write_bytes(path, buffer.getvalue())


def _summary_csv(summary: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(summary[0]))
    writer.writeheader()
    writer.writerows(summary)
    return buffer.getvalue()


def _write_runs(out_dir: Path, runs: dict) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=RUN_FIELDS)
    writer.writeheader()
    writer.writerows(runs.values())
    write_text(out_dir / "runs.csv", buffer.getvalue())


def _load_finished(out_dir: Path, config: dict) -> dict:
    """Runs already in the folder, if they were made from the same inputs."""
    try:
        previous = json.loads((out_dir / "sweep_config.json").read_text())
        rows = list(csv.DictReader((out_dir / "runs.csv").open()))
    except (OSError, ValueError):
        return {}
    if previous != json.loads(json.dumps(config)):
        return {}
    finished = {}
    for row in rows:
        try:
            run = {"strategy": row["strategy"], "budget": int(row["budget"]),
                   "seed": int(row["seed"]), "selected": int(row["selected"]),
                   **{m: float(row[m]) for m in METRICS}, "seconds": float(row["seconds"])}
        except (KeyError, ValueError, TypeError):
            return {}
        finished[(run["strategy"], run["budget"], run["seed"])] = run
    return finished


def _fingerprint(embeddings: Embeddings) -> str:
    digest = hashlib.sha1()
    digest.update(np.ascontiguousarray(embeddings.vectors).tobytes())
    digest.update(embeddings.labels.tobytes())
    digest.update("\n".join(embeddings.ids.tolist()).encode())
    return digest.hexdigest()


@contextlib.contextmanager
def _progress(show: bool, total: int):
    """Yields `advance()`: a progress bar over the runs still to do, or nothing."""
    if not show or total == 0:
        yield lambda: None
        return
    from kwstiny.progress import progress_bar
    with progress_bar() as bar:
        task = bar.add_task("selection sweep", total=total)
        yield lambda: bar.advance(task)
