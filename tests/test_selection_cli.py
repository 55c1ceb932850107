"""`kwstiny dataset select / score / sweep`, and the sweep's table, plot and resume."""

import csv
import json

import numpy as np
import pytest
from click.testing import CliRunner

from kwstiny.cli import main
from kwstiny.data.selection import strategies, sweep
from kwstiny.data.selection.embeddings import Embeddings, read_npz, write_npz
from kwstiny.errors import KwstinyError


def modes_data(n, seed, dim=12):
    """Keyword and non-target classes, each three modes; the same modes for every seed."""
    centres = np.random.default_rng(99).normal(size=(6, dim)) * 1.2
    rng = np.random.default_rng(seed)
    mode = rng.integers(0, 6, n)
    labels = mode % 2
    vectors = centres[mode] + rng.normal(size=(n, dim))
    ids = [f"s{seed}_{i}" for i in range(n)]
    return Embeddings.build(ids, labels, vectors, ("_unknown_", "alexa"))


@pytest.fixture
def files(tmp_path):
    return (write_npz(tmp_path / "pool.npz", modes_data(300, 1)),
            write_npz(tmp_path / "eval.npz", modes_data(200, 2)))


def test_cli_select_then_score(tmp_path, files):
    pool, evaluation = files
    runner = CliRunner()
    out = tmp_path / "pick"
    result = runner.invoke(main, ["dataset", "select", str(pool), "--budget", "24",
                                  "--strategy", "k_center", "--seed", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "selected 24 of 300 samples (_unknown_ 12, alexa 12)" in result.output
    lines = (out / "subset.txt").read_text().splitlines()
    assert len(lines) == 24 and set(lines) <= set(read_npz(pool).ids.tolist())
    info = json.loads((out / "selection.json").read_text())
    assert info["strategy"] == "k_center" and info["budget"] == 24 and info["seed"] == 1

    result = runner.invoke(main, ["dataset", "score", str(out / "train.npz"), "--eval",
                                  str(evaluation), "--json", str(out / "score.json")])
    assert result.exit_code == 0, result.output
    assert "macro F1" in result.output and "(24 training, 200 evaluation samples)" in result.output
    scores = json.loads((out / "score.json").read_text())
    assert 0.5 < scores["macro_f1"] <= 1.0 and scores["n_train"] == 24


def test_cli_select_keeps_held_out_ids_in_the_subset_list(tmp_path, files):
    pool, evaluation = files
    out = tmp_path / "pick"
    result = CliRunner().invoke(main, ["dataset", "select", str(pool), "-n", "10",
                                       "--keep", str(evaluation), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = (out / "subset.txt").read_text().splitlines()
    assert len(lines) == 10 + 200
    assert lines[10:] == read_npz(evaluation).ids.tolist()
    with np.load(out / "train.npz") as data:
        assert len(data["train_y"]) == 10  # only the selection trains the classifier
    assert json.loads((out / "selection.json").read_text())["kept_beside"] == 200


def test_cli_reports_a_malformed_file_in_one_line(tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, ids=np.array(["a", "b"]), vectors=np.ones((2, 3)))
    result = CliRunner().invoke(main, ["dataset", "select", str(bad), "--budget", "1"])
    assert result.exit_code == 1
    message = result.output.strip()
    assert "\n" not in message and "Traceback" not in message
    assert str(bad) in message and "no labels array" in message


def test_cli_rejects_unknown_strategy(files):
    result = CliRunner().invoke(main, ["dataset", "select", str(files[0]), "-n", "5",
                                       "--strategy", "kcenter"])
    assert result.exit_code == 2 and "kcenter" in result.output


def test_cli_strategy_choices_are_the_strategy_table():
    result = CliRunner().invoke(main, ["dataset", "select", "--help"])
    for name in strategies.STRATEGIES:
        assert name in result.output


def test_cli_sweep_writes_table_plot_and_runs(tmp_path, files):
    pool, evaluation = files
    out = tmp_path / "sweep"
    result = CliRunner().invoke(main, [
        "dataset", "sweep", str(pool), "--eval", str(evaluation), "-o", str(out),
        "--budgets", "10,40", "--strategies", "random,cluster_sample", "--seeds", "3"])
    assert result.exit_code == 0, result.output
    runs = list(csv.DictReader((out / "runs.csv").open()))
    assert len(runs) == 2 * 2 * 3
    summary = list(csv.DictReader((out / "summary.csv").open()))
    assert {(r["strategy"], r["budget"]) for r in summary} == {
        ("random", "10"), ("random", "40"), ("cluster_sample", "10"), ("cluster_sample", "40")}
    # The summary is the mean and spread of the runs it came from.
    for row in summary:
        values = [float(r["macro_f1"]) for r in runs
                  if r["strategy"] == row["strategy"] and r["budget"] == row["budget"]]
        assert float(row["macro_f1_mean"]) == pytest.approx(np.mean(values))
        assert float(row["macro_f1_std"]) == pytest.approx(np.std(values, ddof=1))
    table = (out / "summary.md").read_text()
    assert "| cluster_sample |" in table and " ± " in table and "**" in table
    assert (out / "score_vs_budget.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "summary.json").read_text())["seeds"] == 3


def test_sweep_resumes_without_redoing_finished_runs(tmp_path, files, monkeypatch):
    pool, evaluation = read_npz(files[0]), read_npz(files[1])
    out = tmp_path / "sweep"
    sweep.run_sweep(pool, evaluation, out, strategies=("random",), budgets=(10, 20),
                    seeds=2, progress=False)
    calls = []
    real = strategies.select

    def counting(name, *args, **kwargs):
        calls.append((name, args[2], args[3]))
        return real(name, *args, **kwargs)

    monkeypatch.setattr(strategies, "select", counting)
    # Same inputs, one more budget: only the new budget's runs are done.
    result = sweep.run_sweep(pool, evaluation, out, strategies=("random",),
                             budgets=(10, 20, 30), seeds=2, progress=False)
    assert calls == [("random", 30, 0), ("random", 30, 1)]
    assert len(result["summary"]) == 3
    # Different pool: nothing is reused.
    calls.clear()
    sweep.run_sweep(pool.take(np.arange(250)), evaluation, out, strategies=("random",),
                    budgets=(10,), seeds=1, progress=False)
    assert calls == [("random", 10, 0)]


def test_sweep_refuses_mismatched_spaces(tmp_path, files):
    pool = read_npz(files[0])
    other = modes_data(50, 3, dim=7)
    with pytest.raises(KwstinyError, match="7-dimensional.*12"):
        sweep.run_sweep(pool, other, tmp_path / "s", strategies=("random",), budgets=(5,),
                        seeds=1, progress=False)


def test_best_strategy_is_the_highest_mean_at_that_budget():
    summary = [{"strategy": "random", "budget": 10, "macro_f1_mean": 0.7},
               {"strategy": "k_center", "budget": 10, "macro_f1_mean": 0.8},
               {"strategy": "random", "budget": 20, "macro_f1_mean": 0.9},
               {"strategy": "k_center", "budget": 20, "macro_f1_mean": 0.85}]
    assert sweep.best_strategy(summary, 10) == "k_center"
    assert sweep.best_strategy(summary, 20) == "random"
    with pytest.raises(KwstinyError, match="budget 30"):
        sweep.best_strategy(summary, 30)
