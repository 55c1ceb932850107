"""Long audio for stream evaluation: keyword times, held-out voices, keyword-free audio."""

import dataclasses
import json

import numpy as np
import pytest

from kwstiny.data import long_audio
from kwstiny.data.long_audio import build_streams, load_streams, read_stream
from kwstiny.data.recipes import load_recipe
from kwstiny.data.synth import voices
from kwstiny.errors import KwstinyError, SettingError


@pytest.fixture(scope="module")
def recipe():
    return load_recipe("alexa_stream")


@pytest.fixture(scope="module")
def streams_root(recipe, tmp_path_factory):
    return build_streams(recipe, "test", progress=False,
                         root=tmp_path_factory.mktemp("streams") / "alexa_stream-test")


def rms(audio):
    return float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))


def test_scales_reach_the_evaluation_sizes(recipe):
    full = recipe.scales["full"]
    assert full.keywords >= 50 and full.negative_seconds >= 3600


def test_streams_and_their_labels(recipe, streams_root):
    streams = load_streams(streams_root)
    keyword = [s for s in streams if s.kind == "keyword"]
    negative = [s for s in streams if s.kind == "negative"]
    assert len(keyword) == 1 and len(negative) == 1
    assert len(keyword[0].keyword_ends_s) == 3 and negative[0].keyword_ends_s == ()
    assert negative[0].duration_s == 20.0
    held_out = {v.id for v in long_audio.held_out_voices(recipe, voices(tuple(recipe.engines)))}
    for stream in streams:
        audio = read_stream(stream, 16000)
        assert abs(len(audio) / 16000 - stream.duration_s) < 1e-3
        for event in stream.labels["events"]:
            # Only voices the alexa spec holds out for testing speak here.
            assert event["voice"] in held_out
            assert 0 <= event["start_s"] < event["end_s"] <= stream.duration_s
    ends = keyword[0].keyword_ends_s
    assert list(ends) == sorted(ends) and min(np.diff(ends)) > 2.0
    events = [e for e in negative[0].labels["events"]]
    assert events and not any("alexa" in e["text"].lower() for e in events)


def test_keyword_times_point_at_speech(streams_root):
    stream = next(s for s in load_streams(streams_root) if s.kind == "keyword")
    audio = read_stream(stream, 16000)
    lead_in = audio[: int(stream.labels["events"][0]["start_s"] * 16000)]
    for event in (e for e in stream.labels["events"] if e["kind"] == "keyword"):
        assert event["start_s"] <= event["keyword_start_s"] < event["keyword_end_s"] <= \
            event["end_s"]
        assert "alexa" in event["text"].lower()
        said = audio[int(event["keyword_start_s"] * 16000):int(event["keyword_end_s"] * 16000)]
        assert rms(said) > 3 * rms(lead_in)  # the keyword is there, above the noise
    assert stream.keyword_ends_s == tuple(e["keyword_end_s"] for e in stream.labels["events"]
                                          if e["kind"] == "keyword")


def test_made_once_and_resumed_file_by_file(recipe, streams_root, monkeypatch):
    negative_json = streams_root / "negative" / "stream_000.json"
    negative_wav = negative_json.with_suffix(".wav")
    keyword_wav = streams_root / "keyword" / "stream_000.wav"
    before = negative_wav.read_bytes(), keyword_wav.stat().st_mtime_ns

    def no_synthesis(*args, **kwargs):
        raise AssertionError("finished streams must not be synthesized again")

    with monkeypatch.context() as patch:
        patch.setattr(long_audio, "synthesize", no_synthesis)
        assert build_streams(recipe, "test", progress=False, root=streams_root) == streams_root
    # As if the run had been killed before this file's labels were written.
    negative_json.unlink()
    (streams_root / "dataset.json").unlink()
    build_streams(recipe, "test", progress=False, root=streams_root)
    assert negative_json.is_file() and negative_wav.read_bytes() == before[0]
    assert keyword_wav.stat().st_mtime_ns == before[1]


def test_recipe_refuses_the_keyword_in_keyword_free_text(recipe):
    with pytest.raises(SettingError, match="without the keyword"):
        dataclasses.replace(recipe, sentences=recipe.sentences + ("alexa, what's up",))


def test_load_streams_needs_streams(tmp_path):
    with pytest.raises(KwstinyError, match="no stream files"):
        load_streams(tmp_path)
    (tmp_path / "keyword").mkdir()
    (tmp_path / "keyword" / "stream_000.json").write_text(json.dumps({"duration_s": 1.0}))
    with pytest.raises(KwstinyError, match="not a stream label file"):
        load_streams(tmp_path)
