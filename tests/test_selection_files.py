"""Embedding files (kwstiny .npz, DataPerf .pb), what a selection writes, and scoring."""

import struct

import numpy as np
import pytest

from kwstiny.data.selection import dataperf_pb, score_files, select_file
from kwstiny.data.selection.embeddings import (Embeddings, load_embeddings, read_npz,
                                               write_npz)
from kwstiny.data.selection.score import score_selection
from kwstiny.data.selection.subset import (read_subset_list, read_train_npz,
                                           write_subset_list)
from kwstiny.errors import KwstinyError


def two_classes(n=120, dim=8, seed=0, gap=4.0, prefix="clip"):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    vectors = rng.normal(size=(n, dim)) + gap * labels[:, None]
    ids = [f"{prefix}/{i:04d}.wav" for i in range(n)]
    return Embeddings.build(ids, labels, vectors, ("_unknown_", "alexa"))


# kwstiny .npz -----------------------------------------------------------------------------

def test_npz_round_trip(tmp_path):
    emb = two_classes()
    path = write_npz(tmp_path / "pool.npz", emb)
    back = read_npz(path)
    assert back.classes == ("_unknown_", "alexa")
    np.testing.assert_array_equal(back.ids, emb.ids)
    np.testing.assert_array_equal(back.labels, emb.labels)
    np.testing.assert_allclose(back.vectors, emb.vectors)
    # DataPerf labels: the unknown class is 0, the keyword 1, whatever the class order.
    np.testing.assert_array_equal(back.dataperf_labels(), emb.labels)
    flipped = Embeddings.build(emb.ids, 1 - emb.labels, emb.vectors, ("alexa", "_unknown_"))
    np.testing.assert_array_equal(flipped.dataperf_labels(), emb.labels)


def test_npz_without_class_names_uses_dataperf_convention(tmp_path):
    path = tmp_path / "ext.npz"
    np.savez(path, ids=np.array(["a", "b", "c"]), labels=np.array([0, 1, 1]),
             vectors=np.ones((3, 4)))
    emb = load_embeddings(path)
    assert emb.classes == ("nontarget", "target")
    assert emb.dataperf_labels().tolist() == [0, 1, 1]


def _bad_npz(tmp_path, name, **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize("arrays, problem", [
    (dict(ids=np.array(["a", "b"]), vectors=np.ones((2, 4))), "no labels array"),
    (dict(labels=np.array([0, 1]), vectors=np.ones((2, 4))), "no ids array"),
    (dict(ids=np.array(["a", "b"]), labels=np.array([0, 1]), vectors=np.ones(8)),
     "must be a 2-D array"),
    (dict(ids=np.array(["a", "b"]), labels=np.array([0, 1]), vectors=np.ones((2, 3, 4))),
     "must be a 2-D array"),
    (dict(ids=np.array(["a", "b"]), labels=np.array([0, 1]), vectors=np.ones((3, 4))),
     "counts must match"),
    (dict(ids=np.array([], str), labels=np.array([], int), vectors=np.ones((0, 4))),
     "holds no samples"),
    (dict(ids=np.array(["a", "b"]), labels=np.array([0, 1]), vectors=np.ones((2, 0))),
     "dimension 0"),
    (dict(ids=np.array(["a", "b"]), labels=np.array([0, 5]), vectors=np.ones((2, 4)),
          classes=np.array(["_unknown_", "alexa"])), "label 5"),
    (dict(ids=np.array(["a", "b"]), labels=np.array([0.0, 1.0]), vectors=np.ones((2, 4))),
     "labels must be integers"),
    (dict(ids=np.array(["a", "a"]), labels=np.array([0, 1]), vectors=np.ones((2, 4))),
     "appears 2 times"),
    (dict(ids=np.array(["a", "b"]), labels=np.array([0, 1]),
          vectors=np.array([[1.0, np.nan], [0.0, 1.0]])), "NaN"),
    (dict(ids=np.array(["a", "b"], dtype=object), labels=np.array([0, 1]),
          vectors=np.ones((2, 4))), "without pickle"),
])
def test_malformed_npz_names_file_and_problem(tmp_path, arrays, problem):
    path = _bad_npz(tmp_path, "bad.npz", **arrays)
    with pytest.raises(KwstinyError) as info:
        load_embeddings(path)
    assert str(path) in str(info.value) and problem in str(info.value)


@pytest.mark.parametrize("content, problem", [
    (b"", "is empty"),
    (b"PK\x03\x04 broken zip archive", "not a readable .npz"),
    (b"just some text", "not a readable .npz"),
])
def test_broken_npz_file(tmp_path, content, problem):
    path = tmp_path / "broken.npz"
    path.write_bytes(content)
    with pytest.raises(KwstinyError) as info:
        load_embeddings(path)
    assert str(path) in str(info.value) and problem in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(KwstinyError, match="not found.*nothing.npz"):
        load_embeddings(tmp_path / "nothing.npz")


# DataPerf protocol buffer -------------------------------------------------------------------

def _varint(value):
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number, wire, payload):
    return _varint(number << 3 | wire) + payload


def _sample_bytes(kind, sample_id, vector, packed=True):
    """One Sample in protobuf wire format, written by hand from the task's schema, so the
    reader is checked against the format itself rather than against our own writer."""
    body = b""
    if kind is not None:
        body += _field(1, 0, _varint(kind))
    if sample_id is not None:
        raw = sample_id.encode()
        body += _field(2, 2, _varint(len(raw)) + raw)
    floats = struct.pack(f"<{len(vector)}f", *vector)
    if packed:
        body += _field(3, 2, _varint(len(floats)) + floats)
    else:
        body += b"".join(_field(3, 5, struct.pack("<f", v)) for v in vector)
    return _field(1, 2, _varint(len(body)) + body)


def test_reads_the_task_wire_format(tmp_path):
    path = tmp_path / "samples.pb"
    path.write_bytes(_sample_bytes(0, "en/alexa/common_voice_1.opus", [1.0, 2.0, 3.0])
                     + _sample_bytes(1, "en/other/common_voice_2.opus", [0.5, -1.0, 4.0],
                                     packed=False)
                     + _sample_bytes(0, "en/alexa/common_voice_3.opus", [0.0, 0.0, 1.0]))
    emb = load_embeddings(path)
    assert emb.ids.tolist() == ["en/alexa/common_voice_1.opus",
                                "en/other/common_voice_2.opus", "en/alexa/common_voice_3.opus"]
    assert emb.dataperf_labels().tolist() == [1, 0, 1]  # TARGET = 0 on the wire is label 1
    np.testing.assert_allclose(emb.vectors[1], [0.5, -1.0, 4.0])


def test_pb_round_trip(tmp_path):
    emb = two_classes()
    path = dataperf_pb.write_samples(tmp_path / "samples.pb", emb)
    back = load_embeddings(path)
    np.testing.assert_array_equal(back.ids, emb.ids)
    np.testing.assert_array_equal(back.dataperf_labels(), emb.dataperf_labels())
    np.testing.assert_allclose(back.vectors, emb.vectors)


def test_pb_writer_refuses_more_than_one_keyword(tmp_path):
    emb = Embeddings.build(["a", "b", "c"], [0, 1, 2], np.ones((3, 2)),
                           ("_unknown_", "yes", "no"))
    with pytest.raises(KwstinyError, match="one keyword class"):
        dataperf_pb.write_samples(tmp_path / "s.pb", emb)


@pytest.mark.parametrize("content, problem", [
    (b"", "is empty"),
    (b"\x0a\xff\xff\xff\xff\x0f trailing", "not a DataPerf samples protocol buffer"),
    (_sample_bytes(None, "a", [1.0, 2.0]), "has no sample_type"),
    (_sample_bytes(0, None, [1.0, 2.0]), "has no sample_id"),
    (_sample_bytes(7, "a", [1.0, 2.0]), "sample_type 7"),
    (_sample_bytes(0, "a", [1.0, 2.0]) + _sample_bytes(1, "b", [1.0]),
     "sample 1 ('b') has an embedding of 1 values; the first sample has 2"),
    (_sample_bytes(0, "a", []), "embedding of 0 values"),
    (_field(2, 0, _varint(5)), "holds no samples"),
])
def test_malformed_pb_names_file_and_problem(tmp_path, content, problem):
    path = tmp_path / "samples.pb"
    path.write_bytes(content)
    with pytest.raises(KwstinyError) as info:
        load_embeddings(path)
    assert str(path) in str(info.value) and problem in str(info.value)


# What a selection writes ----------------------------------------------------------------

def test_select_file_writes_train_npz_and_subset_list(tmp_path):
    pool = write_npz(tmp_path / "pool.npz", two_classes(n=200))
    result = select_file(pool, "class_balanced", 30, seed=2, out_dir=tmp_path / "sel")
    assert result["selected"] == 30 and result["per_class"] == {"_unknown_": 15, "alexa": 15}
    x, y = read_train_npz(tmp_path / "sel" / "train.npz")
    assert x.shape == (30, 8) and sorted(np.bincount(y).tolist()) == [15, 15]
    ids = read_subset_list(tmp_path / "sel" / "subset.txt")
    assert len(ids) == 30 and len(set(ids)) == 30
    # The list and train.npz describe the same samples, in the same order.
    emb = read_npz(pool)
    position = {sample_id: i for i, sample_id in enumerate(emb.ids)}
    rows = [position[i] for i in ids]
    np.testing.assert_allclose(x, emb.vectors[rows])
    np.testing.assert_array_equal(y, emb.dataperf_labels()[rows])
    with np.load(tmp_path / "sel" / "train.npz") as data:
        assert data["train_ids"].tolist() == ids


def test_subset_list_round_trip_and_refusals(tmp_path):
    path = write_subset_list(tmp_path / "s.txt", ["a/1.wav", "b/2.wav"])
    assert path.read_text() == "a/1.wav\nb/2.wav\n"
    assert read_subset_list(path) == ["a/1.wav", "b/2.wav"]
    with pytest.raises(KwstinyError, match="line break"):
        write_subset_list(tmp_path / "t.txt", ["ok", "two\nlines"])
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(KwstinyError, match="empty"):
        read_subset_list(tmp_path / "empty.txt")


@pytest.mark.parametrize("arrays, problem", [
    (dict(train_x=np.ones((3, 2))), "no train_y"),
    (dict(train_x=np.ones(3), train_y=np.ones(3)), "must be (n, d)"),
    (dict(train_x=np.ones((0, 2)), train_y=np.ones(0)), "holds no samples"),
])
def test_malformed_train_npz(tmp_path, arrays, problem):
    path = tmp_path / "train.npz"
    np.savez(path, **arrays)
    with pytest.raises(KwstinyError) as info:
        read_train_npz(path)
    assert str(path) in str(info.value) and problem in str(info.value)


# Scoring --------------------------------------------------------------------------------

def test_score_separable_selection_is_near_perfect_and_flipped_labels_are_not():
    train, evaluation = two_classes(n=60, seed=1), two_classes(n=400, seed=2)
    good = score_selection(train.vectors, train.dataperf_labels(), evaluation.vectors,
                           evaluation.dataperf_labels())
    assert good["macro_f1"] > 0.97 and good["accuracy"] > 0.97
    assert good["n_train"] == 60 and good["n_eval"] == 400
    bad = score_selection(train.vectors, 1 - train.dataperf_labels(), evaluation.vectors,
                          evaluation.dataperf_labels())
    assert bad["macro_f1"] < 0.1


def test_macro_f1_weighs_the_rare_class():
    # An evaluation set of 95 % non-targets: always saying "non-target" is 95 % accurate
    # but its macro F1 is below 0.5.
    rng = np.random.default_rng(0)
    eval_x = rng.normal(size=(200, 4))
    eval_y = np.r_[np.zeros(190, int), np.ones(10, int)]
    train_x = np.r_[rng.normal(size=(20, 4)), rng.normal(size=(20, 4)) + 50]
    train_y = np.r_[np.zeros(20, int), np.ones(20, int)]
    scores = score_selection(train_x, train_y, eval_x, eval_y)
    assert scores["accuracy"] == pytest.approx(0.95) and scores["macro_f1"] < 0.5


def test_score_refuses_a_one_class_selection_and_mismatched_dimensions(tmp_path):
    emb = two_classes()
    with pytest.raises(KwstinyError, match="only class"):
        score_selection(emb.vectors[:10], np.zeros(10, int), emb.vectors, emb.labels)
    pool = write_npz(tmp_path / "pool.npz", emb)
    other = write_npz(tmp_path / "eval.npz", two_classes(dim=5))
    select_file(pool, "random", 40, out_dir=tmp_path)
    with pytest.raises(KwstinyError) as info:
        score_files(tmp_path / "train.npz", other)
    assert "eval.npz has 5-dimensional" in str(info.value) and "has 8" in str(info.value)


def test_score_files_takes_train_npz_or_whole_embedding_file(tmp_path):
    pool = write_npz(tmp_path / "pool.npz", two_classes(n=200, seed=3))
    evaluation = dataperf_pb.write_samples(tmp_path / "eval.pb", two_classes(n=300, seed=4))
    select_file(pool, "k_center", 20, out_dir=tmp_path)
    picked = score_files(tmp_path / "train.npz", evaluation)
    whole = score_files(pool, evaluation)
    assert picked["n_train"] == 20 and whole["n_train"] == 200
    assert whole["macro_f1"] > 0.95 and picked["macro_f1"] > 0.8
