"""`kwstiny calibrate`: the detection threshold comes from validation voices, never the
test split, and lands in the model's metadata."""

import pytest
from click.testing import CliRunner

from kwstiny import tflite
from kwstiny.cli import main
from kwstiny.data.long_audio import held_out_voices
from kwstiny.data.recipes import load_recipe
from kwstiny.data.synth import voices
from kwstiny.spec import load_spec
from kwstiny.stream.calibrate import choose_threshold, validation_stream_recipe


def test_choose_threshold_takes_the_lowest_within_the_target():
    curve = [{"threshold": t, "false_accepts_per_hour": fa}
             for t, fa in enumerate([9.0, 4.0, 0.6, 0.5, 0.0, 0.0])]
    assert choose_threshold(curve, 0.5)["threshold"] == 3
    assert choose_threshold(curve, 0.0)["threshold"] == 4
    assert choose_threshold(curve, 100)["threshold"] == 0


def test_validation_streams_use_only_validation_voices():
    spec = load_spec("keyword_spotting_alexa")
    validation = validation_stream_recipe(spec)
    test = load_recipe("alexa_stream")
    listing = voices(tuple(validation.engines))
    speak_validation = {v.id for v in held_out_voices(validation, listing)}
    speak_test = {v.id for v in held_out_voices(test, listing)}
    assert validation.held_out_split == "validation" and test.held_out_split == "test"
    assert speak_validation and speak_test and not speak_validation & speak_test
    # Both engines speak in the validation streams.
    assert {i.split(".")[0] for i in speak_validation} == {"espeak-ng", "flite"}


def test_long_validation_streams_let_the_target_rest_on_several_false_accepts():
    import dataclasses

    from kwstiny.errors import KwstinyError

    recipe = validation_stream_recipe(load_spec("keyword_spotting_computer"))
    full, long = recipe.scales["full"], recipe.scales["long"]
    # At 0.5 FA/h the full scale's hour allows no false accept; the long one allows three.
    assert int(0.5 * full.negative_seconds / 3600) == 0
    assert int(0.5 * long.negative_seconds / 3600) >= 3 and long.keywords >= 400
    with pytest.raises(KwstinyError, match="'long'"):
        dataclasses.replace(recipe, scales={"huge": long})


@pytest.mark.slow
def test_calibrate_writes_the_chosen_threshold(tenet12_int8, tmp_path, use_session_home):
    model = tmp_path / "model.tflite"
    model.write_bytes(tenet12_int8.read_bytes())
    result = CliRunner().invoke(main, ["calibrate", str(model), "--scale", "test",
                                       "--target-fa-per-hour", "0"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    import json
    report = json.loads((tmp_path / "evaluation" / "calibration.json").read_text())
    chosen = report["threshold"]
    assert tflite.read_metadata(model)["detection_threshold"] == chosen
    curve = {p["threshold"]: p for p in report["curve"]}
    assert curve[chosen]["false_accepts"] == 0 or chosen == 255
    if chosen > 0:  # one step lower would break the target
        assert curve[chosen - 1]["false_accepts"] > 0
    assert report["data"]["voices"] == "validation split"
    # Each false accept one step below is named by what its stream said just before it.
    below = report["validation_false_accepts_below_threshold"]
    assert below["threshold"] == max(chosen - 1, 0)
    assert below["false_accepts"] == curve[below["threshold"]]["false_accepts"]
    assert len(below["events"]) == min(below["false_accepts"], 50)
    from pathlib import Path
    root = Path(report["data"]["root"])
    for event in below["events"]:
        labels = json.loads((root / event["stream"]).with_suffix(".json").read_text())
        said = [e for e in labels["events"] if e["start_s"] <= event["time_s"]]
        assert (event["kind"], event["text"], event["voice"]) == (
            (said[-1]["kind"], said[-1]["text"], said[-1]["voice"]) if said else ("", "", ""))
    if below["events"]:
        assert "the validation streams fire" in result.output


@pytest.mark.slow
def test_calibrate_on_real_speech_counts_its_false_accepts_there(tenet12_int8, tmp_path,
                                                                  use_session_home,
                                                                  monkeypatch):
    import json

    import numpy as np

    from kwstiny.data import real_noise
    from kwstiny.data.audio import write_wav
    rng = np.random.default_rng(3)
    root = tmp_path / "talk"
    for i in range(12):     # noise bursts standing in for utterances
        burst = rng.normal(0, 0.1, int(rng.uniform(0.5, 2.0) * 8000)).astype(np.float32)
        write_wav(root / f"line{i}.wav", burst, 8000)
    monkeypatch.setitem(real_noise.SOURCES, "talk", real_noise.Source(
        "some-package", str(root), ("*.wav",), "speech", "x", "a test talker"))
    model = tmp_path / "model.tflite"
    model.write_bytes(tenet12_int8.read_bytes())
    refused = CliRunner().invoke(main, ["calibrate", str(model), "--scale", "test",
                                        "--real-speech", "dialog_nl"])
    assert refused.exit_code != 0 and "held out" in refused.output
    result = CliRunner().invoke(main, ["calibrate", str(model), "--scale", "test",
                                       "--real-speech", "talk", "--target-fa-per-hour", "0"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "evaluation" / "calibration.json").read_text())
    assert report["false_accepts_from"].startswith("real speech talk")
    curve = {p["threshold"]: p for p in report["curve"]}
    chosen = report["threshold"]
    assert curve[chosen]["false_accepts"] == 0 or chosen == 255
    # Misses still come from the validation voices' keywords; synthetic FAs are kept aside.
    assert all("synthetic_false_accepts" in p and "missed" in p for p in report["curve"])
    assert tflite.read_metadata(model)["detection_threshold"] == chosen


def test_calibrate_on_another_specs_streams_needs_the_same_classes(tenet12_int8, tmp_path,
                                                                   use_session_home):
    model = tmp_path / "model.tflite"
    model.write_bytes(tenet12_int8.read_bytes())
    before = model.read_bytes()
    result = CliRunner().invoke(main, ["calibrate", str(model), "--scale", "test",
                                       "--streams-of", "keyword_spotting_computer"])
    assert result.exit_code != 0 and "--streams-of keyword_spotting_computer" in result.output
    assert "computer" in result.output and model.read_bytes() == before


def test_validation_streams_leave_out_words_that_hold_the_keyword():
    from kwstiny.data.keyword_recipe import split_stream_recipe

    spec = load_spec("keyword_spotting_computer")
    trained_on = split_stream_recipe(spec, "validation", seed=5151).confusable
    assert {"supercomputer", "computers"} <= set(trained_on)
    streams = validation_stream_recipe(spec)
    # Saying "supercomputer" says "computer": no false accept; "commuter" stays a test.
    assert not {"supercomputer", "computers"} & set(streams.confusable + streams.words)
    assert "commuter" in streams.confusable
    assert streams.keyword_texts == split_stream_recipe(spec, "validation", 5151).keyword_texts
