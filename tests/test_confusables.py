"""Confusable words from a keyword's phonemes, the generic keyword recipe, and
`kwstiny new` writing a spec that loads."""

import pytest
from click.testing import CliRunner

from kwstiny.cli import main
from kwstiny.data import confusables as conf
from kwstiny.data.keyword_recipe import keyword_label, keyword_recipe, keyword_stream_recipe
from kwstiny.data.recipes import keyword_split
from kwstiny.errors import KwstinyError

WORDS = ["commuter", "compute", "computers", "supercomputer", "pewter", "banana", "table",
         "jarring", "service", "jarvis", "davis", "harvest", "computer"]


@pytest.fixture(scope="module")
def small_lexicon():
    return dict(zip(WORDS, conf.phonemize(WORDS)))


def test_phonemes_keep_the_r_coloured_schwa_and_drop_stress():
    (computer,) = conf.phonemize(["computer"])
    assert computer[-1] == "3" and not any("'" in p for p in computer)
    assert len(computer) == 8


def test_edit_distance():
    assert conf.edit_distance(("k", "a", "t"), ("k", "a", "t")) == 0
    assert conf.edit_distance(("k", "a", "t"), ("b", "a", "t")) == 1
    assert conf.edit_distance(("k", "a", "t"), ("a", "t", "s")) == 2
    assert conf.edit_distance((), ("a", "b")) == 2


def test_neighbours_of_computer_are_near_words_and_not_the_keyword(small_lexicon):
    found = conf.confusables("computer", words=small_lexicon)
    assert "computer" not in found.all
    # One phoneme away first; unrelated words are too far to be confusable.
    assert found.neighbours[:2] == ("commuter", "compute") or \
        set(found.neighbours[:2]) == {"commuter", "compute"}
    assert "banana" not in found.neighbours and "table" not in found.neighbours
    assert "supercomputer" in found.embedding and "computers" in found.embedding
    assert found.partials == ("com", "comput", "puter")


def test_neighbours_of_jarvis(small_lexicon):
    found = conf.confusables("jarvis", words=small_lexicon)
    assert "jarvis" not in found.all
    assert {"davis", "harvest"} <= set(found.neighbours)
    assert "banana" not in found.all


def test_neighbours_only_drops_what_a_real_speakers_keyword_sounds_like(small_lexicon):
    found = conf.confusables("computer", words=small_lexicon)
    kept = conf.neighbours_only("computer", found.all, words=small_lexicon)
    # Contains the keyword, is a part of it, starts with all its phonemes but the last: out.
    assert not {"computers", "supercomputer", "com", "puter", "compute"} & set(kept)
    assert {"commuter", "pewter"} <= set(kept)
    assert kept == tuple(t for t in found.all if t in kept)  # order kept
    # Without starting_like only the words that contain it and its parts go.
    assert "compute" in conf.neighbours_only("computer", found.all, starting_like=False,
                                             words=small_lexicon)


def test_partials_of_a_phrase():
    parts = conf.partial_keywords("hey computer")
    assert parts[:2] == ("hey", "computer") and "puter" in parts
    assert "hey computer" not in parts


def test_keyword_recipe_keeps_the_keyword_out_of_the_unknown_class():
    recipe = keyword_recipe("computer", confusable=("commuter", "computer", "hey computer"))
    keyword_class, unknown = recipe.classes
    assert keyword_class.label == "computer" and keyword_class.keyword == "computer"
    for pool in unknown.pools:
        assert all(keyword_split(t, "computer") is None for t in pool.texts), pool.name
    assert "commuter" in unknown.pools[0].texts
    assert recipe.counts["full"] == {"computer": 4500, "_unknown_": 9000}
    stream = keyword_stream_recipe(recipe)
    assert stream.name == "computer_stream" and stream.label == "computer"
    # Another recipe of the same keyword keeps its own long audio.
    other = keyword_recipe("computer", confusable=("commuter",), name="synthetic_computer_all")
    assert keyword_stream_recipe(other).name == "computer_all_stream"


def test_keyword_recipe_for_a_phrase():
    recipe = keyword_recipe("hey computer", confusable=("hey commuter",))
    assert keyword_label("hey computer") == "hey_computer"
    texts = [t for p in recipe.classes[0].pools for t in p.texts]
    assert "hey hey computer" not in texts and "hey computer, stop" in texts


def test_new_writes_a_spec_that_loads(tmp_path, monkeypatch, small_lexicon):
    monkeypatch.setattr(conf, "lexicon", lambda n=conf.LEXICON_SIZE: small_lexicon)
    result = CliRunner().invoke(main, ["new", "kws_computer", "--keyword", "Computer",
                                       "--folder", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    path = tmp_path / "kws_computer.py"
    text = path.read_text()
    assert "commuter" in text and "TENet12" in text and "detection_threshold=216" in text

    from kwstiny.spec import load_spec
    spec = load_spec(str(path))
    base = load_spec("keyword_spotting_alexa")
    assert spec.classes == ("computer", "_unknown_")
    assert spec.frontend == base.frontend and spec.train == base.train
    assert spec.detection == base.detection and spec.augment == base.augment
    assert spec.model.builder is base.model.builder
    assert spec.dataset.source.name == "synthetic_computer"
    assert spec.variant("demo").dataset.scale == "demo"
    # An existing file is not replaced without --force.
    again = CliRunner().invoke(main, ["new", "kws_computer", "--keyword", "computer",
                                      "--folder", str(tmp_path)])
    assert again.exit_code != 0 and "exists" in again.output


def test_new_neighbours_only_writes_the_shorter_list(tmp_path, monkeypatch, small_lexicon):
    monkeypatch.setattr(conf, "lexicon", lambda n=conf.LEXICON_SIZE: small_lexicon)
    result = CliRunner().invoke(main, ["new", "kws_computer", "--keyword", "computer",
                                       "--folder", str(tmp_path), "--neighbours-only"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    from kwstiny.spec import load_spec
    spec = load_spec(str(tmp_path / "kws_computer.py"))
    unknown = next(c for c in spec.dataset.source.classes if not c.keyword)
    listed = next(p.texts for p in unknown.pools if p.name == "confusable")
    assert "commuter" in listed and not {"compute", "computers", "puter"} & set(listed)
    assert "--neighbours-only" in (tmp_path / "kws_computer.py").read_text()


@pytest.mark.parametrize("name, keyword, message", [
    ("bad-name", "computer", "NAME-VARIANT"),
    ("ok_name", "c3po", "letters"),
])
def test_new_rejects_bad_input(tmp_path, name, keyword, message):
    result = CliRunner().invoke(main, ["new", name, "--keyword", keyword,
                                       "--folder", str(tmp_path)])
    assert result.exit_code != 0 and message in result.output
    assert not list(tmp_path.iterdir())


def test_shipped_keyword_specs_use_the_generic_recipe():
    from kwstiny.spec import load_spec
    for word in ("computer", "jarvis"):
        spec = load_spec(f"keyword_spotting_{word}")
        assert spec.classes == (word, "_unknown_")
        assert spec.dataset.source.classes[0].keyword == word
        assert len(spec.dataset.source.classes[1].pools[0].texts) >= 40


def test_spec_rejects_a_source_that_is_not_a_recipe():
    from kwstiny.spec import DatasetSpec
    with pytest.raises(KwstinyError, match="source"):
        DatasetSpec(source=42)


@pytest.mark.slow
def test_a_new_keyword_trains_from_its_text(tmp_path, monkeypatch, small_lexicon,
                                            use_session_home):
    """`kwstiny new` then `kwstiny train NAME-test`: synthesized data, a model, its int8
    .tflite with the new keyword's classes."""
    from kwstiny import paths, tflite

    monkeypatch.setattr(conf, "lexicon", lambda n=conf.LEXICON_SIZE: small_lexicon)
    monkeypatch.setenv("KWSTINY_SPEC_PATH", str(tmp_path))
    runner = CliRunner()
    made = runner.invoke(main, ["new", "kws_jarvis", "--keyword", "jarvis"],
                         catch_exceptions=False)
    assert made.exit_code == 0 and (tmp_path / "kws_jarvis.py").is_file(), made.output
    trained = runner.invoke(main, ["train", "kws_jarvis-test"], catch_exceptions=False)
    assert trained.exit_code == 0, trained.output
    model = paths.run_dir("kws_jarvis-test") / "kws_jarvis-test.tflite"
    meta = tflite.read_metadata(model)
    assert meta["classes"] == ["jarvis", "_unknown_"] and meta["name"] == "kws_jarvis-test"
    dataset = use_session_home / "datasets" / "synthetic_jarvis-test"
    assert len(list((dataset / "jarvis").glob("*.wav"))) == 60


def test_a_spec_file_path_takes_a_variant(tmp_path, monkeypatch, small_lexicon):
    monkeypatch.setattr(conf, "lexicon", lambda n=conf.LEXICON_SIZE: small_lexicon)
    CliRunner().invoke(main, ["new", "kws_davis", "--keyword", "davis", "--folder",
                              str(tmp_path)], catch_exceptions=False)
    from kwstiny.spec import load_spec
    spec = load_spec(f"{tmp_path / 'kws_davis.py'}-demo")
    assert spec.name == "kws_davis-demo" and spec.dataset.scale == "demo"


def test_new_streaming_keyword_copies_the_streaming_settings(tmp_path, monkeypatch,
                                                             small_lexicon):
    monkeypatch.setattr(conf, "lexicon", lambda n=conf.LEXICON_SIZE: small_lexicon)
    result = CliRunner().invoke(main, ["new", "kws_stream", "--keyword", "jarvis",
                                       "--streaming", "--folder", str(tmp_path)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    from kwstiny.spec import load_spec
    spec = load_spec(str(tmp_path / "kws_stream.py"))
    base = load_spec("keyword_spotting_alexa_streaming")
    assert spec.streaming == base.streaming and spec.streaming.enabled
    assert spec.frontend == base.frontend and spec.model.options == base.model.options
    assert spec.classes == ("jarvis", "_unknown_")
