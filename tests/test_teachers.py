"""The speech-embedding teacher: Google's speech embedding from pyopen-wakeword and the
keyword head on it (kwstiny.teachers)."""

import importlib.util

import numpy as np
import pytest

from kwstiny.errors import KwstinyError
from kwstiny.teachers import speech_embedding
from kwstiny.teachers.embedding_head import EmbeddingHead, HeadSettings
from kwstiny.teachers.speech_embedding import SpeechEmbedding, samples_for


@pytest.fixture(scope="module")
def embedder():
    return SpeechEmbedding()


@pytest.mark.parametrize("count", [1, 3, 6])
def test_samples_for_gives_exactly_that_many_vectors(embedder, count):
    rng = np.random.default_rng(count)
    audio = rng.normal(0, 0.05, samples_for(count)).astype(np.float32)
    assert embedder.vectors(audio).shape == (1, count, 96)
    if count > 1:
        assert embedder.vectors(audio[:-1]).shape == (1, count - 1, 96)


def test_one_second_gives_a_vector_every_80_ms(embedder):
    batch = np.zeros((2, 16000), np.float32)
    assert embedder.vectors(batch).shape == (2, 3, 96)
    # 2 s: 197 mel frames, so windows of 76 start at frames 0, 8, ..., 120.
    two = np.zeros((1, 32000), np.float32)
    assert embedder.vectors(two).shape[1] == 16


def test_batched_vectors_equal_one_at_a_time(embedder):
    rng = np.random.default_rng(0)
    audio = rng.normal(0, 0.1, (3, 20000)).astype(np.float32)
    together = embedder.vectors(audio)
    for row, vectors in zip(audio, together):
        np.testing.assert_allclose(embedder.vectors(row)[0], vectors, rtol=1e-4, atol=1e-4)


def test_audio_shorter_than_one_window_is_refused(embedder):
    with pytest.raises(KwstinyError, match="shorter than one embedding window"):
        embedder.vectors(np.zeros(8000, np.float32))


def test_missing_package_names_it(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "pyopen_wakeword" else real(name, *a))
    with pytest.raises(KwstinyError, match="pyopen-wakeword"):
        speech_embedding.model_folder()


def _clusters(n, rng, length=4):
    """Keyword windows around one random direction, others around another."""
    centres = np.random.default_rng(length).normal(0, 1, (2, length, 96)).astype(np.float32)
    labels = rng.random(n) < 0.3
    x = centres[labels.astype(int)] + rng.normal(0, 0.8, (n, length, 96)).astype(np.float32)
    return x, labels


def test_head_learns_and_its_numpy_inference_ranks_held_out_windows(tmp_path):
    rng = np.random.default_rng(1)
    x, y = _clusters(3000, rng)
    head = EmbeddingHead.fit(x, y, HeadSettings(length=4, width=32, epochs=5, members=2,
                                                        batch_size=64),
                             log=lambda *a: None)
    held_x, held_y = _clusters(500, rng)
    logits = head.logits(held_x)
    assert np.mean((logits > 0) == held_y) > 0.97
    path = tmp_path / "head.npz"
    head.save(path)
    loaded = EmbeddingHead.load(path)
    np.testing.assert_array_equal(loaded.logits(held_x), logits)
    assert loaded.length == 4 and len(loaded.members) == 2


def test_sequence_logits_slide_one_vector_at_a_time():
    rng = np.random.default_rng(2)
    x, y = _clusters(400, rng, length=3)
    head = EmbeddingHead.fit(x, y, HeadSettings(length=3, width=16, epochs=1, members=1),
                             log=lambda *a: None)
    vectors = rng.normal(0, 1, (10, 96)).astype(np.float32)
    expected = head.logits(np.stack([vectors[i:i + 3] for i in range(8)]))
    np.testing.assert_allclose(head.sequence_logits(vectors), expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(KwstinyError, match="fewer than the head's window"):
        head.sequence_logits(vectors[:2])


def test_head_refuses_windows_of_the_wrong_length_or_one_class():
    x = np.zeros((10, 5, 96), np.float32)
    with pytest.raises(KwstinyError, match="not \\(n, 6, 96\\)"):
        EmbeddingHead.fit(x, np.arange(10) < 3)
    with pytest.raises(KwstinyError, match="keyword and non-keyword"):
        EmbeddingHead.fit(np.zeros((10, 6, 96), np.float32), np.zeros(10, bool))
