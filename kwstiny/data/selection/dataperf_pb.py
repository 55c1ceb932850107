"""The DataPerf speech selection task's protocol buffer (`samples.pb`, `eval.pb`).

The task's schema (package `selection`, proto3):

    enum SampleType { TARGET = 0; NONTARGET = 1; }
    message Sample  { optional SampleType sample_type = 1;
                      optional string sample_id = 2;
                      repeated float mswc_embedding_vector = 3; }
    message Samples { repeated Sample samples = 1; }

The message classes are built here from a descriptor, in a private pool, so neither
protoc nor generated code is needed and a user's own copy of the task's generated
module cannot clash with ours.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from kwstiny.errors import KwstinyError
from kwstiny.paths import write_bytes

from kwstiny.data.selection.embeddings import Embeddings

TARGET, NONTARGET = 0, 1
# How a samples file maps onto kwstiny labels: DataPerf's convention, 0 = non-target.
CLASSES = ("nontarget", "target")


@functools.lru_cache(maxsize=1)
def message_classes():
    """(Samples, Sample) message classes for the task's schema."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    field = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(
        name="kwstiny/dataperf_selection.proto", package="selection", syntax="proto3")
    kind = proto.enum_type.add(name="SampleType")
    kind.value.add(name="TARGET", number=TARGET)
    kind.value.add(name="NONTARGET", number=NONTARGET)
    sample = proto.message_type.add(name="Sample")
    # proto3 `optional` fields each sit in a synthetic one-field oneof (that gives presence:
    # a sample without a type is an error, not silently a TARGET).
    sample.oneof_decl.add(name="_sample_type")
    sample.oneof_decl.add(name="_sample_id")
    sample.field.add(name="sample_type", number=1, type=field.TYPE_ENUM,
                     type_name=".selection.SampleType", label=field.LABEL_OPTIONAL,
                     oneof_index=0, proto3_optional=True)
    sample.field.add(name="sample_id", number=2, type=field.TYPE_STRING,
                     label=field.LABEL_OPTIONAL, oneof_index=1, proto3_optional=True)
    sample.field.add(name="mswc_embedding_vector", number=3, type=field.TYPE_FLOAT,
                     label=field.LABEL_REPEATED)
    samples = proto.message_type.add(name="Samples")
    samples.field.add(name="samples", number=1, type=field.TYPE_MESSAGE,
                      type_name=".selection.Sample", label=field.LABEL_REPEATED)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return (message_factory.GetMessageClass(pool.FindMessageTypeByName("selection.Samples")),
            message_factory.GetMessageClass(pool.FindMessageTypeByName("selection.Sample")))


def read_samples(path: str | Path) -> Embeddings:
    """Read a DataPerf samples file; malformed input fails naming the file and the problem."""
    from google.protobuf.message import DecodeError

    path = Path(path)
    if not path.is_file():
        raise KwstinyError(f"embeddings file not found: {path}")
    data = path.read_bytes()
    if not data:
        raise KwstinyError(f"embeddings file {path} is empty")
    samples_cls, _ = message_classes()
    message = samples_cls()
    try:
        message.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as error:
        raise KwstinyError(f"{path} is not a DataPerf samples protocol buffer "
                           f"(decoding failed: {error})") from error
    if not message.samples:
        raise KwstinyError(f"{path} holds no samples (is it a DataPerf samples .pb file?)")
    ids, labels, vectors = [], [], []
    dim = None
    for n, sample in enumerate(message.samples):
        name = sample.sample_id if sample.HasField("sample_id") else ""
        where = f"{path}: sample {n}" + (f" ({name!r})" if name else "")
        if not name:
            raise KwstinyError(f"{where} has no sample_id")
        if not sample.HasField("sample_type"):
            raise KwstinyError(f"{where} has no sample_type (the target / non-target label)")
        if sample.sample_type not in (TARGET, NONTARGET):
            raise KwstinyError(f"{where} has sample_type {sample.sample_type}; allowed: "
                               f"{TARGET} (TARGET) or {NONTARGET} (NONTARGET)")
        vector = np.asarray(sample.mswc_embedding_vector, dtype=np.float32)
        if dim is None:
            dim = len(vector)
        if len(vector) == 0 or len(vector) != dim:
            raise KwstinyError(f"{where} has an embedding of {len(vector)} values; "
                               f"the first sample has {dim}")
        ids.append(name)
        labels.append(1 if sample.sample_type == TARGET else 0)
        vectors.append(vector)
    return Embeddings.build(ids, labels, np.stack(vectors), CLASSES, source=str(path))


def write_samples(path: str | Path, embeddings: Embeddings) -> Path:
    """Write embeddings as a DataPerf samples file (two classes: target / non-target)."""
    keywords = embeddings.keyword_classes()
    if embeddings.negative_class is None or len(keywords) != 1:
        raise KwstinyError(
            f"the DataPerf samples format holds one keyword class and one non-target class; "
            f"{embeddings.source or 'these embeddings'} have classes {list(embeddings.classes)}")
    samples_cls, _ = message_classes()
    message = samples_cls()
    targets = embeddings.dataperf_labels() == 1
    for sample_id, is_target, vector in zip(embeddings.ids, targets, embeddings.vectors):
        message.samples.add(sample_type=TARGET if is_target else NONTARGET,
                            sample_id=str(sample_id), mswc_embedding_vector=vector.tolist())
    return write_bytes(path, message.SerializeToString())
