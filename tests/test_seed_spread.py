"""benchmarks/seed_spread.py: the seed-to-seed spread the alexa stability target is judged by."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import seed_spread  # noqa: E402

from kwstiny import paths  # noqa: E402
from kwstiny.errors import KwstinyError  # noqa: E402
from kwstiny.spec import load_spec  # noqa: E402


def _finished(run: str, float_ba: float, int8_ba: float) -> None:
    folder = paths.run_dir(run)
    folder.mkdir(parents=True, exist_ok=True)
    paths.write_json(folder / "train_summary.json", {
        "epochs": 3, "best": {"value": 0.9, "epoch": 2}, "train_seconds": 1.0,
        "evaluation": {"float": {"balanced_accuracy": float_ba},
                       "tflite": {"balanced_accuracy": int8_ba}}})


def test_spread_is_mean_and_sample_std_in_points():
    rows = [{"float_balanced_accuracy": a, "tflite_balanced_accuracy": b}
            for a, b in ((0.97, 0.96), (0.95, 0.97), (0.96, 0.95))]
    spread = seed_spread.spread(rows)
    assert spread["float"]["mean_percent"] == pytest.approx(96.0)
    assert spread["float"]["std_points"] == pytest.approx(1.0)     # n - 1, not n
    assert spread["tflite"]["min_percent"] == pytest.approx(95.0)
    assert seed_spread.spread(rows[:1])["float"]["std_points"] is None


def test_seed_runs_are_named_as_the_sweep_names_them_and_unfinished_ones_refused(
        tmp_path, monkeypatch):
    monkeypatch.setenv("KWSTINY_HOME", str(tmp_path))
    spec = load_spec("keyword_spotting_alexa-test")
    own = seed_spread.seed_run(spec, spec.train.seed)
    other = seed_spread.seed_run(spec, 7)
    assert own == spec.name and other == f"{spec.name}.seed-7"
    _finished(other, 0.9, 0.8)
    row = seed_spread.run_row(other, 7)
    assert row["seed"] == 7 and row["tflite_balanced_accuracy"] == 0.8
    paths.write_json(paths.run_dir(other) / "train_summary.json", {"epochs": 3})
    with pytest.raises(KwstinyError, match="has no float and int8 test evaluation"):
        seed_spread.run_row(other, 7)
    with pytest.raises(KwstinyError, match="train it first"):
        seed_spread.run_row(f"{spec.name}.seed-8", 8)
    json.dumps(row)


def test_rows_recorded_on_another_day_fill_seeds_with_no_run_here(tmp_path, monkeypatch):
    monkeypatch.setenv("KWSTINY_HOME", str(tmp_path / "home"))
    spec = load_spec("keyword_spotting_alexa-test")
    out = tmp_path / "spread.json"
    _finished(seed_spread.seed_run(spec, 1), 0.96, 0.95)
    rows, known, missing = seed_spread.collect(spec, [42, 1, 2], {}, "abc")
    assert missing == [42, 2] and [r["seed"] for r in rows] == [1]
    assert known[1]["recorded_at_commit"] == "abc"
    paths.write_json(out, {"rows": list(known.values())})
    # Another machine: seed 1's run is gone, 42 and 2 are trained there.
    monkeypatch.setenv("KWSTINY_HOME", str(tmp_path / "other"))
    _finished(seed_spread.seed_run(spec, 42), 0.97, 0.97)
    _finished(seed_spread.seed_run(spec, 2), 0.95, 0.93)
    rows, known, missing = seed_spread.collect(spec, [42, 1, 2], seed_spread.recorded_rows(out),
                                               "def")
    assert missing == [] and [r["seed"] for r in rows] == [42, 1, 2]
    assert [r["recorded_at_commit"] for r in rows] == ["def", "abc", "def"]
    assert seed_spread.spread(rows)["tflite"]["mean_percent"] == pytest.approx(95.0)
