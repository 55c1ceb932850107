"""Sweeps: `kwstiny train SPEC -m key=a,b other.key=c,d` trains every combination.

Each override is a dotted spec setting (`train.label_smoothing`, `model.options.setting`)
with one or more comma-separated values; values are Python literals (3, 0.1, True,
(1, 40), 'A') or plain words. The grid is trained point by point, each point as its
own run (`SPEC.key-value...` in the models folder), and after every run the results
table is rewritten as CSV and Markdown. Finished runs are not trained again, so an
interrupted sweep continues where it stopped.
"""

from __future__ import annotations

import ast
import csv
import dataclasses
import io
import itertools
import json
import re
from pathlib import Path

from kwstiny import paths
from kwstiny.training.checkpoints import RunState
from kwstiny.errors import KwstinyError
from kwstiny.progress import console
from kwstiny.spec import SWEEP_POINT_FILE, ModelSpec


def parse_override(text: str) -> tuple[str, list]:
    """'key=a,b' -> ('key', [a, b])."""
    if "=" not in text:
        raise KwstinyError(f"override {text!r} is not KEY=VALUE[,VALUE...] "
                           "(e.g. train.label_smoothing=0.0,0.1)")
    key, _, values = text.partition("=")
    key = key.strip()
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", key):
        raise KwstinyError(f"override {text!r}: {key!r} is not a dotted setting name")
    parts = _split_top_level(values)
    if not parts or any(p == "" for p in parts):
        raise KwstinyError(f"override {text!r} has an empty value")
    return key, [_value(p) for p in parts]


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside brackets and quotes: '(1,40),(2,20)' -> two values."""
    parts, depth, quote, current = [], 0, "", []
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return parts


def _value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        return text


def grid(overrides: list[str]) -> list[dict]:
    """Every combination of the overrides' values, first key slowest."""
    parsed = [parse_override(o) for o in overrides]
    keys = [k for k, _ in parsed]
    if len(set(keys)) != len(keys):
        raise KwstinyError(f"a setting is swept twice: {', '.join(keys)}")
    return [dict(zip(keys, combo)) for combo in itertools.product(*(v for _, v in parsed))]


def run_name(base: str, point: dict) -> str:
    """SPEC.key-value.key-value with the last part of each key (the full key where two
    would collide) and values reduced to letters, digits, '_', '.'."""
    short = [k.rsplit(".", 1)[-1] for k in point]
    labels = [s if short.count(s) == 1 else k.replace(".", "_") for s, k in zip(short, point)]
    pieces = []
    for label, value in zip(labels, point.values()):
        text = re.sub(r"[^A-Za-z0-9_.]+", "_", str(value)).strip("_") or "none"
        pieces.append(f"{label}-{text}")
    return ".".join([base] + pieces)


def apply_overrides(spec: ModelSpec, overrides: list[str]) -> ModelSpec:
    """Single-valued overrides applied to the spec (its name unchanged)."""
    point = {}
    for text in overrides:
        key, values = parse_override(text)
        if len(values) != 1:
            raise KwstinyError(f"override {text!r} has several values: add -m to sweep them")
        point[key] = values[0]
    return spec.with_overrides(point)


def sweep(spec: ModelSpec, overrides: list[str], epochs: int | None = None,
          evaluate_after: bool = True, clean: bool = False) -> dict:
    """Train the grid sequentially; returns {"runs": [...], "csv": path, "markdown": path}."""
    from kwstiny.training.train import train

    points = grid(overrides)
    # Every point is checked before the first run, so a typo fails now, not hours in.
    specs, recorded = [], []
    for point in points:
        applied = dict(point, **({"train.epochs": epochs} if epochs is not None else {}))
        specs.append(dataclasses.replace(spec.with_overrides(applied),
                                         name=run_name(spec.name, point)))
        recorded.append({"spec": spec.name, "file": spec.path, "overrides": applied})
    folder = paths.run_dir(spec.name) / "sweeps" / "+".join(points[0].keys())
    rows = []
    console.print(f"sweep over {len(points)} runs: " + ", ".join(points[0].keys()))
    for number, (point, run_spec, record) in enumerate(zip(points, specs, recorded), 1):
        console.rule(f"run {number}/{len(points)}: {run_spec.name}")
        summary = None if clean else _finished(run_spec, evaluate_after)
        if summary is None:
            started = RunState(paths.run_dir(run_spec.name)).load() is not None
            summary = train(run_spec, resume=started and not clean, clean=clean,
                            evaluate_after=evaluate_after)
        else:
            console.print(f"{run_spec.name} already trained: kept")
        # What load_run_spec rebuilds the run's spec from (calibrate, evaluate); written
        # after training (a clean run starts from an empty folder) and for kept runs, so
        # running the sweep again equips runs trained before it.
        paths.write_json(paths.run_dir(run_spec.name) / SWEEP_POINT_FILE, record)
        rows.append(_row(run_spec, point, summary))
        tables = write_tables(rows, folder)
    console.print(f"results: {tables['markdown']}")
    return {"runs": rows, **tables}


def _finished(spec: ModelSpec, evaluate_after: bool) -> dict | None:
    path = paths.run_dir(spec.name) / "train_summary.json"
    if not path.is_file():
        return None
    summary = json.loads(path.read_text())
    if summary.get("epochs") != spec.train.epochs:
        return None
    if evaluate_after and "evaluation" not in summary:
        return None
    return summary


def _row(spec: ModelSpec, point: dict, summary: dict) -> dict:
    row = {"run": spec.name, **{k: _text(v) for k, v in point.items()},
           "epochs": summary.get("epochs"), "best_epoch": summary["best"]["epoch"],
           f"best_{spec.train.checkpoint_monitor}": _number(summary["best"]["value"])}
    evaluation = summary.get("evaluation") or {}
    for kind, label in (("float", "test"), ("tflite", "int8_test")):
        result = evaluation.get(kind)
        for metric in ("accuracy", "balanced_accuracy"):
            row[f"{label}_{metric}"] = _number(result[metric]) if result else ""
    row["train_seconds"] = summary.get("train_seconds")
    return row


def _text(value) -> str:
    return value if isinstance(value, str) else repr(value)


def _number(value):
    return "" if value is None else round(float(value), 4)


def write_tables(rows: list[dict], folder: Path) -> dict:
    """results.csv and results.md in `folder`, written atomically."""
    columns = list(rows[0].keys())
    for row in rows[1:]:
        columns += [c for c in row if c not in columns]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    csv_path = paths.write_text(folder / "results.csv", buffer.getvalue())
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |")
    md_path = paths.write_text(folder / "results.md", "\n".join(lines) + "\n")
    return {"csv": csv_path, "markdown": md_path}
