"""`kwstiny evaluate MODEL --clips DIR --negatives DIR`: real-recording evaluation,
checked on a handful of generated recordings; and the 95 % intervals it reports."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from kwstiny.cli import main
from kwstiny.data.audio import write_wav
from kwstiny.data.synth import Voice, synthesize
from kwstiny.stats import poisson_rate, wilson
from kwstiny.stream.classify import detect_events, make_classifier
from kwstiny.stream import clip_evaluation as ce

VOICE = Voice("espeak-ng", "en-us", file="gmw/en-US")


def test_wilson_interval_matches_published_values():
    # Wilson 95 % for 2/80 and 0/20 (Newcombe 1998's method 3).
    two = wilson(2, 80)
    assert two["rate"] == 0.025
    assert two["low"] == pytest.approx(0.00689, abs=1e-4)
    assert two["high"] == pytest.approx(0.0866, abs=1e-4)
    zero = wilson(0, 20)
    assert zero["low"] == 0 and zero["high"] == pytest.approx(0.1611, abs=1e-4)
    assert wilson(0, 0)["rate"] is None


def test_poisson_interval_matches_published_values():
    # Exact (Garwood) 95 % limits: 0 events -> [0, 3.689]; 7 events -> [2.814, 14.423].
    assert poisson_rate(0, 1.0)["high"] == pytest.approx(3.6889, abs=1e-3)
    seven = poisson_rate(7, 2.0)
    assert seven["rate"] == 3.5
    assert seven["low"] == pytest.approx(2.8143 / 2, abs=1e-3)
    assert seven["high"] == pytest.approx(14.4227 / 2, abs=1e-3)
    # Large counts (chi-square quantiles / 2 for 2k and 2k + 2 degrees of freedom).
    many = poisson_rate(400, 1.0)
    assert many["low"] == pytest.approx(361.7563, abs=1e-3)
    assert many["high"] == pytest.approx(441.1866, abs=1e-3)


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    root = tmp_path_factory.mktemp("recordings")
    for folder, texts in (("alexa", ["alexa", "hey alexa", "alexa, stop"]),
                          ("other", ["the kettle is on", "good morning"])):
        for i, text in enumerate(texts):
            audio = 0.5 * synthesize(text, VOICE, 22050)   # another rate: resampled once
            write_wav(root / folder / f"{i}.wav", audio, 22050)
    (root / "alexa" / "broken.wav").write_bytes(b"RIFF not a wav")
    return root


def test_clip_evaluation_counts_and_curves(tenet12_int8, recordings, tmp_path):
    out = tmp_path / "clips.json"
    result = CliRunner().invoke(main, [
        "evaluate", str(tenet12_int8), "--clips", str(recordings / "alexa"),
        "--negatives", str(recordings / "other"), "--snr", "10", "--out", str(out)],
        catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert out.with_suffix(".png").is_file()
    assert data["recordings"]["positives"] == 3 and data["recordings"]["negatives"] == 2
    assert [s["file"].endswith("broken.wav") for s in data["recordings"]["skipped"]] == [True]
    assert set(data["positives"]) == {"clean", "snr_10db"}
    threshold = data["threshold"]
    for condition in data["positives"].values():
        rate = condition["detection_rate"]
        assert rate["of"] == 3 and rate["low"] <= rate["rate"] <= rate["high"]
        curve = condition["curve_detected"]
        assert len(curve) == 256 and all(a >= b for a, b in zip(curve, curve[1:]))
        # The replayed curve agrees with the detector run at the model's threshold.
        assert curve[threshold] == rate["count"]
        assert len(condition["missed"]) == 3 - rate["count"]
    (negatives,) = data["negative_sets"].values()
    assert negatives["false_fire_rate"]["of"] == 2
    assert negatives["curve_fired"][threshold] == negatives["false_fire_rate"]["count"]
    stream = data["stream"]
    assert stream["frr"]["of"] == 3 and stream["keyword_free_hours"] > 0
    assert stream["false_accepts_per_hour"]["low"] <= stream["false_accepts_per_hour"]["rate"]


def test_negatives_alone_give_false_fires_and_fa_per_hour(tenet12_int8, recordings, tmp_path):
    """A model with no recordings of its word (alexa on real_dev) is still measured on
    recordings without it: the same false fires as with --clips, and a keyword-free stream."""
    out = tmp_path / "negatives.json"
    for args, path in ((["--negatives", str(recordings / "other")], out),
                       (["--clips", str(recordings / "alexa"), "--negatives",
                         str(recordings / "other")], tmp_path / "both.json")):
        result = CliRunner().invoke(main, ["evaluate", str(tenet12_int8), *args, "--snr", "10",
                                           "--runtime", "litert", "--out", str(path)],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
    alone, both = json.loads(out.read_text()), json.loads((tmp_path / "both.json").read_text())
    assert alone["clips"] is None and alone["positives"] == {}
    assert alone["recordings"]["positives"] == 0 and alone["recordings"]["negatives"] == 2
    (folder,) = alone["negative_sets"]
    negatives = alone["negative_sets"][folder]
    assert negatives["recordings"] == 2 and negatives["hours"] > 0
    assert negatives["false_fire_rate"] == both["negative_sets"][folder]["false_fire_rate"]
    assert negatives["curve_fired"] == both["negative_sets"][folder]["curve_fired"]
    stream = alone["stream"]
    assert stream["frr"]["of"] == 0 and stream["hours"] == stream["keyword_free_hours"] > 0
    # The keyword-free stream holds every negative (plus gaps between them).
    assert stream["keyword_free_hours"] > negatives["hours"] - 2 * 2 * 1.0 / 3600
    assert stream["keyword_free_false_accepts_per_hour"]["hours"] == stream["keyword_free_hours"]


def test_evaluate_without_recordings_says_what_to_give(tenet12_int8):
    result = CliRunner().invoke(main, ["evaluate", str(tenet12_int8), "--keyword", "alexa"])
    assert result.exit_code != 0 and "--clips or --negatives" in result.output


def test_a_padded_recording_scores_as_kwstiny_detect_runs_it(tenet12_int8, recordings,
                                                              tmp_path):
    classifier = make_classifier(str(tenet12_int8), threshold=0)
    rate = classifier.sample_rate
    recording = ce.load_recordings(recordings / "other", rate)[0][0]
    audio = ce.padded(recording, rate, np.random.default_rng(0))
    write_wav(tmp_path / "padded.wav", audio, rate)
    from_file = [(e.detection.time_ms, e.detection.score)
                 for e in detect_events(classifier, [tmp_path / "padded.wav"])]
    times, scores = ce.audio_scores(classifier, audio.astype(np.float32), "padded")
    from kwstiny.stream.detector import run_detector
    in_memory = [(d.time_ms, d.score) for d in run_detector(classifier.classes,
                                                            classifier.detection, times, scores)]
    assert from_file == in_memory and len(in_memory) > 0


def test_a_folder_without_recordings_fails_clearly(tenet12_int8, tmp_path):
    result = CliRunner().invoke(main, ["evaluate", str(tenet12_int8), "--clips", str(tmp_path)])
    assert result.exit_code != 0 and "holds no recordings" in result.output
