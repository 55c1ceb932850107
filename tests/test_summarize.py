"""`kwstiny summarize` and `kwstiny profile` from the command line."""

import json

import pytest
from click.testing import CliRunner

from kwstiny import tflite
from kwstiny.cli import main
from kwstiny.profile.counts import count


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def with_metadata(tmp_path_factory, conv_int8):
    data = tflite.write_metadata(conv_int8.read_bytes(), {"name": "tiny_conv", "version": 3,
                                                          "classes": ["yes", "no", "_unknown_"],
                                                          "fe.sample_rate_hz": 16000})
    run = tmp_path_factory.mktemp("home") / "models" / "tiny_conv"
    run.mkdir(parents=True)
    (run / "tiny_conv.tflite").write_bytes(data)
    return run / "tiny_conv.tflite"


def test_summarize_text(with_metadata):
    result = _run("summarize", with_metadata, "--tflite")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "| Index | OpCode" in out and "| Config" in out
    assert "depthwise_conv_2d" in out and "16x4x3 (int8)" in out
    assert "Padding:Same stride:1x1 activation:Relu6" in out
    graph = tflite.read_graph(with_metadata)
    macs = sum(count(op).macs for op in graph.operators)
    assert f"Total MACs: {macs / 1e6:.3f} M" in out
    assert "classes: yes, no, _unknown_" in out and "fe.sample_rate_hz: 16000" in out
    assert f"({with_metadata.stat().st_size:,} bytes)" in out
    assert "Layers the Cortex-M33 (TFLM) cannot run: none" in out
    assert "mul: the MVP does not run mul (runs on the CPU)" in out


def test_summarize_json_by_spec_name_and_run_directory(with_metadata, monkeypatch):
    monkeypatch.setenv("KWSTINY_HOME", str(with_metadata.parent.parent.parent))
    by_name = json.loads(_run("summarize", "tiny_conv", "--json").output)
    by_dir = json.loads(_run("summarize", with_metadata.parent, "--json").output)
    assert by_name == by_dir
    assert by_name["name"] == "tiny_conv" and by_name["data_type"] == "int8"
    assert by_name["totals"]["layers"] == len(by_name["layers"]) == 10
    assert by_name["totals"]["ops"] == sum(layer["ops"] for layer in by_name["layers"])
    assert by_name["layers"][0]["inputs"][0] == {"shape": [1, 16, 4, 3], "dtype": "int8",
                                                 "constant": False}
    assert by_name["metadata"]["version"] == 3


def test_unsupported_op_is_listed(custom_op_model):
    out = _run("summarize", custom_op_model).output
    assert "Not counted (kwstiny has no rule for them): 3 custom:KwsMystery" in out
    assert "3 custom:KwsMystery: custom op 'KwsMystery' has no kernel in TFLM" in out
    result = json.loads(_run("profile", custom_op_model, "--json", "--accelerator", "MVP").output)
    assert result["totals"]["unsupported_layers"] == [3]
    assert result["totals"]["complete"] is False and result["totals"]["inferences_per_s"] is None
    assert "KwsMystery" in result["memory"]["error"]


def test_float_model_is_reported_as_float(conv_float):
    summary = _run("summarize", conv_float).output
    assert "Data type: float32" in summary and "needs int8" in summary
    result = json.loads(_run("profile", conv_float, "--json").output)
    assert result["data_type"] == "float32" and "needs int8" in result["note"]
    assert result["memory"]["arena_bytes"] > 0  # TFLM runs float models on the laptop
    assert result["totals"]["layers_without_estimate"]  # no float cycle model


def test_profile_text_and_json(conv_int8):
    out = _run("profile", conv_int8, "--accelerator", "MVP", "--clock", "39e6").output
    for line in ("Profiling Summary", "Accelerator: MVP", "Clock Rate (hz): 39.0M",
                 "RAM, Runtime Memory Size (bytes):", "Inference/s:", "Model Layers",
                 "| Index | OpCode", "Acc Cycles", "CPU Cycles"):
        assert line in out
    result = json.loads(_run("profile", conv_int8, "--json").output)
    totals = result["totals"]
    assert result["accelerator"] == "none" and totals["acc_cycles"] == 0
    assert totals["complete"] and totals["inferences_per_s"] == pytest.approx(1 / totals["time_s"])
    assert totals["time_s"] == pytest.approx(sum(layer["time_s"] for layer in result["layers"]))
    memory = result["memory"]
    assert memory["host_arena_bytes"] == memory["runtime_reported_bytes"]
    # the printed figure is the board's (Cortex-M33, CMSIS-NN) build's, computed
    assert memory["arena_source"] == "computed" and "CMSIS-NN" in memory["board"]["basis"]
    assert memory["arena_bytes"] == memory["board"]["bytes"] < memory["host_arena_bytes"]
    assert result["flash"]["model_bytes"] == conv_int8.stat().st_size


@pytest.mark.parametrize("damage", ["truncated", "not_tflite", "empty", "missing"])
def test_bad_model_files_fail_clearly(conv_int8, tmp_path, damage):
    path = tmp_path / "model.tflite"
    data = conv_int8.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "not_tflite":
        path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(64))
    elif damage == "empty":
        path.write_bytes(b"")
    for command in ("summarize", "profile"):
        result = _run(command, path)
        assert result.exit_code == 1
        message = {"truncated": "truncated or corrupt", "not_tflite": "not a TFLite model",
                   "empty": "not a TFLite model", "missing": "not found"}[damage]
        assert message in result.output and str(path) in result.output
        assert "Traceback" not in result.output


def test_unknown_model_name_and_device(conv_int8, monkeypatch, tmp_path):
    monkeypatch.setenv("KWSTINY_HOME", str(tmp_path))
    result = _run("summarize", "no_such_model")
    assert result.exit_code == 1 and "no model 'no_such_model'" in result.output
    monkeypatch.delenv("KWSTINY_PORT", raising=False)
    result = _run("profile", conv_int8, "--device")  # no --port, no board started
    assert result.exit_code == 1 and "no board to talk to: pass --port" in result.output


def test_builtin_op_missing_from_tflm_is_listed(sequence_int8):
    # Keras' layer norm with a dynamic batch converts with REDUCE_PROD, which TFLM lacks
    summary = json.loads(_run("summarize", sequence_int8, "--json").output)
    missing = [c for c in summary["cannot_run"]["none"] if c["opcode"] == "reduce_prod"]
    assert missing and missing[0]["reason"] == "TFLM has no kernel for reduce_prod"
    assert summary["totals"]["uncounted"] == []  # counted, just not runnable
    result = json.loads(_run("profile", sequence_int8, "--json").output)
    assert missing[0]["index"] in result["totals"]["unsupported_layers"]
    assert "reduce_prod" in result["memory"]["error"]


def test_profile_of_the_alexa_model(tenet12_int8):
    from kwstiny.frontend import state_bytes
    from kwstiny.spec import load_spec

    result = json.loads(_run("profile", tenet12_int8, "--accelerator", "MVP", "--json").output)
    assert result["name"] == "keyword_spotting_alexa"
    assert result["totals"]["layers"] == 56 and result["totals"]["unsupported_layers"] == []
    assert abs(result["totals"]["time_s"] - 57.0e-3) <= 5.7e-3
    assert result["totals"]["extrapolated_layers"] == []
    # the board's MVP build: within 10 % of the 65.1 kB it reported (one tensor less
    # than the trained model: no bias on the fully connected layer)
    assert result["memory"]["arena_source"] == "computed"
    assert abs(result["memory"]["arena_bytes"] - 65.1e3) <= 6.51e3
    spec = load_spec("keyword_spotting_alexa")
    assert result["frontend"]["state_bytes"] == state_bytes(spec.frontend) > 0
    text = _run("profile", tenet12_int8).output
    assert "RAM, Frontend State (bytes):" in text and "RAM, Total (bytes):" in text
