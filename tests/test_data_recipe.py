"""The recipe engine and the synthetic_alexa recipe: plan, generate, reuse, resume."""

import json
import subprocess

import numpy as np
import pytest
import soundfile

from kwstiny.data import synth, synthetic
from kwstiny.data.recipes import (SpeechClass, SynthesisRecipe, TextPool, keyword_split,
                                  load_recipe)
from kwstiny.data.synthetic import build_dataset, plan_jobs, speech_bounds
from kwstiny.errors import KwstinyError, SettingError


def tiny_recipe(**changes):
    settings = dict(
        name="tiny",
        classes=(SpeechClass("alexa", keyword="alexa", pools=(
                     TextPool("alone", ("alexa", "alexa?")),
                     TextPool("phrase", ("hey alexa", "alexa, what time is it"))),),
                 SpeechClass("_unknown_", pools=(TextPool("w", ("relax", "texas", "hello")),))),
        counts={"test": {"alexa": 16, "_unknown_": 14}},
        noise_kinds=("pink", "hum50"), noise_seconds={"test": 0.5})
    settings.update(changes)
    return SynthesisRecipe(**settings)


# The recipe file and its plan ------------------------------------------------------------

def test_full_plan_covers_every_voice_text_and_scale_size():
    recipe = load_recipe("synthetic_alexa")
    voice_lists = synth.voices(tuple(recipe.engines))
    jobs = plan_jobs(recipe, "full", voice_lists)
    keyword = [j for j in jobs if j["label"] == "alexa"]
    unknown = [j for j in jobs if j["label"] == "_unknown_"]
    assert len(keyword) >= 4000 and len(unknown) >= 8000
    every_voice = {v.id for vs in voice_lists.values() for v in vs}
    assert {j["group"] for j in keyword} == every_voice  # every espeak voice+variant, flite voice
    assert {j["group"] for j in unknown} == every_voice
    for cls in recipe.classes:
        said = {j["text"] for j in jobs if j["label"] == cls.label}
        assert said == {t for pool in cls.pools for t in pool.texts}
    assert all(keyword_split(j["text"], "alexa") for j in keyword)
    assert not any(keyword_split(j["text"], "alexa") for j in unknown)
    flite_share = np.mean([j["engine"] == "flite" for j in jobs])
    assert abs(flite_share - recipe.engines["flite"]) < 0.01
    speeds = [j["speed"] for j in jobs]
    assert min(speeds) >= recipe.speed_range[0] and max(speeds) <= recipe.speed_range[1]
    assert len({j["sample_id"] for j in jobs}) == len(jobs)
    # The plan is a pure function of the recipe and the voices: the same on every run.
    assert plan_jobs(recipe, "full", voice_lists) == jobs


def test_scales():
    counts = load_recipe("synthetic_alexa").counts
    assert counts["demo"]["alexa"] >= 1000 and counts["demo"]["_unknown_"] >= 2000
    assert counts["test"]["alexa"] <= 100
    assert counts["full"]["alexa"] >= 4000 and counts["full"]["_unknown_"] >= 8000


def test_recipe_validation():
    with pytest.raises(SettingError, match="without the keyword 'alexa'"):
        tiny_recipe(classes=(SpeechClass("alexa", keyword="alexa",
                                         pools=(TextPool("a", ("alexa",)),)),
                             SpeechClass("_unknown_", pools=(TextPool("b", ("hey alexa",)),))))
    with pytest.raises(SettingError, match="contain 'alexa'"):
        SpeechClass("alexa", keyword="alexa", pools=(TextPool("a", ("alexander",)),))
    with pytest.raises(SettingError, match="counts"):
        tiny_recipe(counts={"test": {"alexa": 3}})
    with pytest.raises(SettingError, match="engines"):
        tiny_recipe(engines={"dectalk": 1.0})
    with pytest.raises(SettingError, match="engines"):
        tiny_recipe(engines={"pico": 0.0, "festival": 1.0})


def test_new_engines_take_shares_and_reserved_voices_are_refused():
    recipe = tiny_recipe(engines={"espeak-ng": 0.5, "pico": 0.3, "festival": 0.2})
    lists = {"espeak-ng": (synth.Voice("espeak-ng", "en-us", "", "gmw/en-US"),),
             "pico": (synth.Voice("pico", "en-GB"), synth.Voice("pico", "it-IT")),
             "festival": (synth.Voice("festival", "pc_diphone"),)}
    jobs = plan_jobs(recipe, "test", lists)
    assert {j["engine"] for j in jobs} == {"espeak-ng", "pico", "festival"}
    assert all(j["pitch"] == 1.0 for j in jobs if j["engine"] == "festival")
    assert {j["group"] for j in jobs if j["engine"] == "pico"} == {"pico.en-GB", "pico.it-IT"}
    # A reserved voice handed in by hand is refused, not trained on.
    lists["festival"] += (synth.Voice("festival", "kal_diphone"),)
    with pytest.raises(KwstinyError, match="festival.kal_diphone are reserved for evaluation"):
        plan_jobs(recipe, "test", lists)


def test_unknown_recipe_names_the_recipes_there_are():
    with pytest.raises(KwstinyError, match="synthetic_alexa"):
        load_recipe("synthetic_alexx")


# Generated data --------------------------------------------------------------------------

def test_test_scale_dataset(synthetic_test_dataset):
    root = synthetic_test_dataset
    summary = json.loads((root / "dataset.json").read_text())
    assert summary["clips"] == {"alexa": 60, "_unknown_": 120}
    records = [json.loads(line) for line in (root / "manifest.jsonl").read_text().splitlines()]
    assert len(records) == 180
    wavs = sorted(p.relative_to(root).as_posix() for p in root.glob("[!_]*/*.wav"))
    wavs += sorted(p.relative_to(root).as_posix() for p in root.glob("_unknown_/*.wav"))
    assert sorted(r["path"] for r in records) == sorted(wavs)
    assert len({r["group"] for r in records}) > 100 and {r["engine"] for r in records} == {
        "espeak-ng", "flite"}
    # Per-engine cost is in the summary; the manifest stays what the clips hold.
    per_engine = {e: sum(r["engine"] == e for r in records) for e in ("espeak-ng", "flite")}
    assert summary["clips_per_engine"] == per_engine
    assert set(summary["render_seconds_per_engine"]) == set(per_engine)
    assert all(t > 0 for t in summary["render_seconds_per_engine"].values())
    assert not any("render_seconds" in r for r in records)
    for r in records:
        info = soundfile.info(str(root / r["path"]))
        assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
        assert abs(info.frames / 16000 - r["duration"]) < 0.002
        assert r["path"].startswith(f"{r['label']}/{r['group']}_nohash_")
        if r["label"] == "alexa":
            assert r["duration"] <= 1.2 + 1e-9
            assert 0 <= r["keyword_start"] < r["keyword_end"] <= r["duration"]
        else:
            assert r["duration"] <= 2.0 + 1e-9 and "keyword_start" not in r
    noise = sorted(p.name for p in (root / "_background_noise_").glob("*.wav"))
    assert noise == sorted(f"{k}.wav" for k in ("white", "pink", "brown", "hum50", "hum60",
                                                 "babble"))
    assert not (root / ".partial").exists()


def test_finished_dataset_is_reused(synthetic_test_dataset, monkeypatch):
    def no_synthesis(*args, **kwargs):
        raise AssertionError("a finished dataset must not be synthesized again")

    monkeypatch.setattr(synthetic, "synthesize", no_synthesis)
    monkeypatch.setattr(synthetic, "voices", no_synthesis)
    recipe = load_recipe("synthetic_alexa")
    assert build_dataset(recipe, "test", progress=False,
                         root=synthetic_test_dataset) == synthetic_test_dataset


def test_interrupted_generation_resumes_to_the_same_dataset(tmp_path, monkeypatch):
    recipe = tiny_recipe()
    straight = build_dataset(recipe, "test", progress=False, root=tmp_path / "straight",
                             workers=2)
    real, calls = synthetic.synthesize, {"n": 0}

    def dies_midway(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 30:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(synthetic, "synthesize", dies_midway)
    root = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        build_dataset(recipe, "test", progress=False, root=root, workers=2)
    # Nothing half-written: no manifest or marker yet, every clip on disk is whole.
    assert not (root / "manifest.jsonl").exists() and not (root / "dataset.json").exists()
    written = list(root.glob("*/*.wav"))
    assert 0 < len(written) < 30
    assert all(soundfile.info(str(p)).frames > 0 for p in written)
    assert list(root.rglob(".*.tmp*")) == []
    monkeypatch.setattr(synthetic, "synthesize", real)
    build_dataset(recipe, "test", progress=False, root=root, workers=2)
    assert json.loads((root / "dataset.json").read_text())["resumed"] is True
    assert (root / "manifest.jsonl").read_text() == (straight / "manifest.jsonl").read_text()
    for path in straight.rglob("*.wav"):
        assert (root / path.relative_to(straight)).read_bytes() == path.read_bytes()


def test_changed_recipe_is_made_again(tmp_path):
    root = tmp_path / "ds"
    build_dataset(tiny_recipe(counts={"test": {"alexa": 2, "_unknown_": 2}}), "test",
                  progress=False, root=root)
    build_dataset(tiny_recipe(counts={"test": {"alexa": 3, "_unknown_": 2}}), "test",
                  progress=False, root=root)
    assert json.loads((root / "dataset.json").read_text())["clips"]["alexa"] == 3
    assert len(list((root / "alexa").glob("*.wav"))) == 3


def test_foreign_folder_is_not_overwritten(tmp_path):
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "mine.txt").write_text("user data")
    with pytest.raises(KwstinyError, match="did not write"):
        build_dataset(tiny_recipe(), "test", progress=False, root=tmp_path / "ds")


def test_keyword_bounds_match_flite_segment_times():
    """Keyword clips are cut around the estimated keyword; flite's own segment end times
    (-psdur) show where the phones of "alexa" really are."""
    recipe = tiny_recipe()
    voice = synth.Voice("flite", "awb")
    for text in ("hey alexa", "alexa, what time is it", "okay alexa, cancel"):
        for speed in (0.8, 1.3):
            out = subprocess.run(
                ["flite", "-voice", "awb", "--setf", f"duration_stretch={1 / speed:.4f}",
                 "-t", text, "-psdur", "-o", "none"], capture_output=True, text=True).stdout
            segments = [(s.split(":")[0], float(s.split(":")[1])) for s in out.split()]
            phones = [p for p, _ in segments]
            at = next(i for i in range(len(phones)) if phones[i:i + 6] == [
                "ax", "l", "eh", "k", "s", "ax"])
            true_start, true_end = segments[at - 1][1], segments[at + 5][1]

            def speak(t):
                return synth.synthesize(t, voice, recipe.sample_rate, speed=speed)

            audio = speak(text)
            start, end = speech_bounds(audio, recipe.sample_rate)
            kw_start, kw_end = synthetic.keyword_bounds(text, "alexa", speak, start, end,
                                                         recipe.sample_rate)
            margin = synthetic.KEYWORD_MARGIN_S
            assert kw_start / recipe.sample_rate - margin <= true_start
            assert kw_end / recipe.sample_rate + margin >= true_end
            assert kw_end / recipe.sample_rate - true_end < 0.25


TINY_RECIPE_FILE = '''
from kwstiny.data.recipes import SpeechClass, SynthesisRecipe, TextPool
recipe = SynthesisRecipe(
    name="tiny_killed",
    classes=(SpeechClass("alexa", keyword="alexa", pools=(TextPool("a", ("hey alexa",)),)),
             SpeechClass("_unknown_", pools=(TextPool("w", ("relax", "texas")),))),
    counts={"test": {"alexa": 50, "_unknown_": 50}},
    engines={"espeak-ng": 1.0}, noise_kinds=())
'''


def test_killed_generation_resumes(tmp_path):
    """kill -9 in the middle: no half-written clip or manifest, and the next run finishes."""
    import os
    import signal
    import sys
    import time

    recipe_file = tmp_path / "tiny_killed.py"
    recipe_file.write_text(TINY_RECIPE_FILE)
    root = tmp_path / "ds"
    code = ("import sys; from kwstiny.data.recipes import load_recipe; "
            "from kwstiny.data.synthetic import build_dataset; "
            f"build_dataset(load_recipe({str(recipe_file)!r}), 'test', progress=False, "
            f"root=__import__('pathlib').Path({str(root)!r}), workers=2)")
    child = subprocess.Popen([sys.executable, "-c", code], env={**os.environ,
                             "PYTHONPATH": os.pathsep.join(sys.path)})
    deadline = time.monotonic() + 60
    while not list((root / ".partial").glob("chunk-*.jsonl")) and time.monotonic() < deadline:
        if child.poll() is not None:
            break
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert not (root / "dataset.json").exists(), "the run finished before it could be killed"
    assert not (root / "manifest.jsonl").exists()
    resumed = build_dataset(load_recipe(str(recipe_file)), "test", progress=False, root=root)
    records = [json.loads(line) for line in (resumed / "manifest.jsonl").read_text().splitlines()]
    assert len(records) == 100 and json.loads((root / "dataset.json").read_text())["resumed"]
    assert sorted(r["path"] for r in records) == sorted(
        p.relative_to(root).as_posix() for p in root.glob("*/*.wav"))
    assert all(soundfile.info(str(root / r["path"])).frames > 0 for r in records)
    assert list(root.rglob(".*.tmp*")) == []
