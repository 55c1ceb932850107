"""Hard negatives: the model's own high-scoring windows on keyword-free audio of the
training voices join the unknown class (training split only), and the model is
fine-tuned; each round is logged."""

import json

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner

from kwstiny import paths
from kwstiny.cli import main
from kwstiny.data.long_audio import held_out_voices
from kwstiny.data.synth import voices
from kwstiny.training.hard_negatives import fine_tuning_spec, mining_stream_recipe
from kwstiny.spec import load_spec


def test_mining_audio_is_spoken_by_training_voices_only():
    spec = load_spec("keyword_spotting_alexa")
    recipe = mining_stream_recipe(spec)
    listing = voices(tuple(recipe.engines))
    mined = {v.id for v in held_out_voices(recipe, listing)}
    from kwstiny.stream.calibrate import validation_stream_recipe
    from kwstiny.data.recipes import load_recipe
    held_out = {v.id for r in (validation_stream_recipe(spec), load_recipe("alexa_stream"))
                for v in held_out_voices(r, listing)}
    assert recipe.held_out_split == "train" and mined and not mined & held_out


def test_hard_negative_settings_are_validated():
    from kwstiny.errors import KwstinyError
    spec = load_spec("keyword_spotting_alexa")
    with pytest.raises(KwstinyError, match="hard_negative_score"):
        spec.with_overrides({"train.hard_negative_score": 300})


def test_fine_tuning_keeps_the_specs_own_extra_folders(tmp_path):
    spec = load_spec("keyword_spotting_alexa").with_overrides(
        {"dataset.extra_folders": [str(tmp_path / "real_speech")],
         "train.hard_negative_learning_rate": 1e-4})
    tuned = fine_tuning_spec(spec, tmp_path / "mined")
    assert tuned.dataset.extra_folders == (str(tmp_path / "real_speech"), str(tmp_path / "mined"))
    assert tuned.train.learning_rate_steps == ((1.0, 1e-4),)


@pytest.mark.slow
def test_a_round_mines_windows_and_fine_tunes(synthetic_test_dataset):
    name = "keyword_spotting_alexa-test"
    overrides = ["train.hard_negative_rounds=1", "train.hard_negative_epochs=1",
                 "train.hard_negative_score=0", "train.hard_negative_clips=12",
                 "train.hard_negative_scale=test"]
    result = CliRunner().invoke(main, ["train", name, "--clean", *overrides],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    run = paths.run_dir(name)
    log = json.loads((run / "hard_negatives.json").read_text())
    (entry,) = log["rounds"]
    assert entry["clips_added"] == 12 and entry["windows_over_score"] >= 12
    assert entry["mining_hours"] > 0 and 0 <= entry["val_balanced_accuracy_after"] <= 1
    assert log["false_accepts_after"] >= 0
    records = [json.loads(line) for line in
               (run / "hard_negatives" / "manifest.jsonl").read_text().splitlines()]
    assert len(records) == 12 and all(r["split"] == "train" for r in records)
    audio, rate = soundfile.read(run / "hard_negatives" / records[0]["path"])
    assert rate == 16000 and len(audio) == 19200       # one 1.2 s model window
    assert (run / "best_before_hard_negatives.weights.h5").is_file()
    assert (run / f"{name}.tflite").is_file()

    from kwstiny.data.pipeline import SpecData
    spec = load_spec(name)
    with_extra = spec.with_overrides({"dataset.extra_folders": (str(run / "hard_negatives"),)})
    base, extra = SpecData(spec), SpecData(with_extra)
    try:
        unknown = spec.classes.index("_unknown_")
        assert extra.counts()["train"]["_unknown_"] == base.counts()["train"]["_unknown_"] + 12
        for split in ("validation", "test"):
            assert extra.counts()[split] == base.counts()[split]
        assert np.sum(extra.labels == unknown) == np.sum(base.labels == unknown) + 12
    finally:
        base.close()
        extra.close()
