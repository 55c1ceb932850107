"""Epoch plans, class weights and clean features over the synthetic test dataset."""

from collections import Counter

import numpy as np
import pytest

from kwstiny.data.pipeline import SpecData, class_weights
from kwstiny.data.samples import CLIP, CROPPED, SILENCE, SampleRecipe, build_sample, place
from kwstiny.spec import load_spec


@pytest.fixture(scope="module")
def spec_data(synthetic_test_dataset, session_home):
    spec = load_spec("keyword_spotting_alexa-test").with_overrides(
        {"dataset.silence_as_unknown": 0.2, "dataset.cropped_keyword_as_unknown": 0.2})
    data = SpecData(spec)
    yield data
    data.close()


def test_epoch_plan_is_reproducible_and_changes_between_epochs(spec_data):
    assert spec_data.plan_epoch(3) == spec_data.plan_epoch(3)
    assert spec_data.plan_epoch(3) != spec_data.plan_epoch(4)


def test_epoch_plan_composition(spec_data):
    spec = spec_data.spec.dataset
    alexa, unknown = spec_data.classes.index("alexa"), spec_data.classes.index("_unknown_")
    train_alexa = int(np.sum(spec_data.mask("train") & (spec_data.labels == alexa)))
    kinds = Counter()
    for epoch in range(20):
        plan = spec_data.plan_epoch(epoch)
        labels = Counter(r.label for r in plan)
        assert labels[alexa] == train_alexa  # every keyword clip once per epoch
        assert labels[unknown] == round(train_alexa * spec.unknown_class_multiplier)
        kinds.update(r.kind for r in plan if r.label == unknown)
        for r in plan:
            if r.kind == CLIP:
                assert spec_data.splits[r.clip] == "train"
                assert (spec_data.labels[r.clip] == alexa) == (r.label == alexa)
            if r.kind == CROPPED:
                assert spec_data.labels[r.clip] == alexa  # a cropped keyword, labelled unknown
    total = sum(kinds.values())
    assert abs(kinds[SILENCE] / total - 0.2) < 0.06
    assert abs(kinds[CROPPED] / total - 0.2) < 0.06


def test_balanced_class_weights(spec_data):
    weights = class_weights(spec_data)
    labels = Counter(r.label for r in spec_data.plan_epoch(0))
    weighted = {c: weights[c] * n for c, n in labels.items()}
    assert abs(weighted[0] - weighted[1]) < 1e-6


def test_clean_features_are_cached_and_deterministic(spec_data):
    x1, y1 = spec_data.features("validation")
    x2, y2 = spec_data.features("validation")
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert x1.shape[1:] == (118, 1, 108) and x1.dtype == np.int8
    assert set(y1) == {0, 1}


def test_silence_and_crop_samples(spec_data):
    spec = spec_data.spec
    silence = build_sample(SampleRecipe(SILENCE, -1, 1, 5), None, spec.frontend, spec.augment,
                           None, (0.2, 0.5))
    assert silence.shape == (118, 1, 108)
    alexa = int(np.nonzero(spec_data.labels == 0)[0][0])
    audio = spec_data.bank[alexa]
    whole = build_sample(SampleRecipe(CLIP, alexa, 0, 5, True), audio, spec.frontend,
                         spec.augment, None, (0.2, 0.5))
    cropped = build_sample(SampleRecipe(CROPPED, alexa, 1, 5), audio, spec.frontend,
                           spec.augment, None, (0.2, 0.5))
    assert not np.array_equal(whole, cropped)


def test_place_keeps_the_whole_clip_when_it_fits():
    rng = np.random.default_rng(0)
    clip = np.ones(800, np.float32)
    out = place(clip, 1600, rng, keep_start=False)
    assert out.sum() == 800 and out.size == 1600
    long = np.ones(3000, np.float32)
    long[0] = 2.0
    assert place(long, 1000, rng, keep_start=True)[0] == 2.0
