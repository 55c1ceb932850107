"""`kwstiny detect` and `kwstiny classify_audio` end to end on real .tflite files."""

import json

import numpy as np
import pytest
import sounddevice
import soundfile
from click.testing import CliRunner

from kwstiny.cli import main
from kwstiny.data.audio import write_wav

from stream_models import constant_model


@pytest.fixture(scope="module")
def constant_tflite(tenet12_int8, tmp_path_factory):
    """alexa 230 / _unknown_ 26 on every window (see test_stream_loop)."""
    path = tmp_path_factory.mktemp("constant") / "constant.tflite"
    path.write_bytes(constant_model(tenet12_int8.read_bytes(), [0.9, 0.1]))
    return path


@pytest.fixture(scope="module")
def silence(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wavs")
    for name, seconds in (("five.wav", 5), ("three.wav", 3)):
        write_wav(folder / name, np.zeros(16000 * seconds, np.float32), 16000)
    return folder


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_detect_json_lines(constant_tflite, silence):
    result = run("detect", constant_tflite, silence / "five.wav", silence / "three.wav", "--json")
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(e["file"].split("/")[-1], e["time_s"], e["class"], e["score"]) for e in events] == [
        ("five.wav", 1.4, "alexa", 230), ("five.wav", 2.4, "alexa", 230),
        ("five.wav", 3.4, "alexa", 230), ("five.wav", 4.4, "alexa", 230),
        ("three.wav", 1.4, "alexa", 230), ("three.wav", 2.4, "alexa", 230)]


def test_detect_text_and_overrides(constant_tflite, silence):
    wav = silence / "three.wav"
    result = run("detect", constant_tflite, wav)
    assert result.stdout.splitlines() == [f"{wav}\t1.400\talexa\t230", f"{wav}\t2.400\talexa\t230"]
    assert run("detect", constant_tflite, wav, "--threshold", "230").stdout == ""
    assert run("detect", constant_tflite, wav, "--threshold", "229").stdout.count("alexa") == 2
    every = run("detect", constant_tflite, wav, "--suppression", "0").stdout.splitlines()
    assert [line.split("\t")[1] for line in every] == \
        ["1.400", "1.600", "1.800", "2.000", "2.200", "2.400", "2.600", "2.800", "3.000"]
    late = run("detect", constant_tflite, wav, "--count", "3", "--window", "1000",
               "--latency", "500").stdout.splitlines()
    assert [line.split("\t")[1] for line in late] == ["2.200"]   # 1.2, 1.7, 2.2 s results
    assert "alexa" in run("detect", constant_tflite, wav, "--runtime", "litert").stdout


def test_model_by_spec_name_and_run_directory(constant_tflite, silence, tmp_path, monkeypatch):
    monkeypatch.setenv("KWSTINY_HOME", str(tmp_path))
    run_dir = tmp_path / "models" / "keyword_spotting_alexa"
    run_dir.mkdir(parents=True)
    (run_dir / "keyword_spotting_alexa.tflite").write_bytes(constant_tflite.read_bytes())
    wav = silence / "three.wav"
    for model in ("keyword_spotting_alexa", run_dir):
        assert run("detect", model, wav).stdout.count("alexa") == 2
    missing = run("detect", "no_such_model", wav)
    assert missing.exit_code == 1 and "no model 'no_such_model'" in missing.output
    assert "Traceback" not in missing.output


def test_detect_names_a_bad_file(constant_tflite, tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"not audio at all")
    result = run("detect", constant_tflite, bad)
    assert result.exit_code == 1 and "broken.wav" in result.output
    assert "Traceback" not in result.output


def test_detect_goes_on_past_an_unreadable_file(constant_tflite, silence, tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"not audio at all")
    five, three = silence / "five.wav", silence / "three.wav"
    result = run("detect", constant_tflite, five, bad, three)
    assert result.exit_code == 1
    assert [line.split("\t")[:2] for line in result.stdout.splitlines()] == [
        [str(five), "1.400"], [str(five), "2.400"], [str(five), "3.400"], [str(five), "4.400"],
        [str(three), "1.400"], [str(three), "2.400"]]
    assert f"error: {bad}: " in result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"error: 1 of 3 file(s) could not be read: {bad}"
    assert "Traceback" not in result.output


def test_classify_audio_files_with_dumps_and_verbose(constant_tflite, silence, tmp_path):
    audio_dir, png_dir = tmp_path / "audio", tmp_path / "png"
    result = run("classify_audio", constant_tflite, "--file", silence / "three.wav", "--fast",
                 "--verbose", "--dump-audio", audio_dir, "--dump-spectrograms", png_dir)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # 3 s: 298 frames, inferences at 1.2, 1.4 ... 3.0 s.
    assert sum("alexa 230" in line and "_unknown_  26" in line for line in lines) == 10
    assert sum(line.startswith("detected alexa (score 230)") for line in lines) == 2
    wavs = sorted(p.name for p in audio_dir.iterdir())
    assert wavs == ["three-000001400ms-alexa-230.wav", "three-000002400ms-alexa-230.wav"]
    samples, rate = soundfile.read(audio_dir / wavs[0])
    assert rate == 16000 and len(samples) == 19200
    pngs = sorted(png_dir.iterdir())
    assert [p.name for p in pngs] == [w.replace(".wav", ".png") for w in wavs]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert not list(tmp_path.rglob("*.tmp*"))


def test_classify_audio_without_a_sound_card_says_so(constant_tflite, monkeypatch):
    def no_device(*args, **kwargs):
        raise sounddevice.PortAudioError("Error querying device -1")

    for name in ("check_input_settings", "query_devices", "InputStream"):
        monkeypatch.setattr(sounddevice, name, no_device)
    result = run("classify_audio", constant_tflite)
    assert result.exit_code == 1
    assert "no sound card" in result.output and "--file" in result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit


def test_stream_commands_run_without_tensorflow(constant_tflite, silence, tmp_path):
    """Inference never needs TensorFlow: block its import and run detect, classify_audio
    and evaluate --stream in a fresh interpreter."""
    import os
    import subprocess
    import sys

    model = tmp_path / "run" / "m.tflite"
    model.parent.mkdir()
    model.write_bytes(constant_tflite.read_bytes())
    wav = silence / "three.wav"
    code = ("import sys; sys.modules['tensorflow'] = None; sys.modules['tf_keras'] = None\n"
            "from kwstiny.cli import main\n"
            "for args in sys.argv[1:]:\n"
            "    try:\n"
            "        main(args.split('|'))\n"
            "    except SystemExit as done:\n"
            "        assert not done.code, (args, done.code)\n")
    runs = [f"detect|{model}|{wav}", f"classify_audio|{model}|--file|{wav}|--fast",
            f"evaluate|{model}|--stream|--stream-scale|test"]
    done = subprocess.run([sys.executable, "-c", code, *runs], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("alexa") >= 4 and "false accepts per hour" in done.stderr
