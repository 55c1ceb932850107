"""A streaming model on the firmware (the host build, and the Cortex-M33 under QEMU),
with TFLM: its state in resource variables, an invoke every frames_per_invoke frames,
outputs byte-identical to the tflite-micro Python runtime fed the same frames. Needs
TFLM_ROOT (firmware/README.md)."""

from __future__ import annotations

import glob
import os

import numpy as np
import pytest

from device_support import firmware, tflm_root
from kwstiny.device import protocol as p
from kwstiny.device.client import DeviceClient
from kwstiny.device.emulator import HostBoard, QemuBoard
from kwstiny.frontend import Frontend, model_input
from kwstiny.inference import TfliteModel

pytestmark = pytest.mark.slow


def _have_library(pattern: str) -> bool:
    return bool(glob.glob(os.path.join(tflm_root(), "gen", pattern, "lib",
                                       "libtensorflow-microlite.a")))


@pytest.fixture(scope="module")
def streaming_tflite(tmp_path_factory):
    tflm_root()  # skip before spending time on a conversion
    from test_stream_streaming_model import make_streaming_tflite

    path = tmp_path_factory.mktemp("models") / "tiny_streaming.tflite"
    path.write_bytes(make_streaming_tflite())
    return path


@pytest.mark.parametrize("board_kind", ["host", "qemu_an505"])
def test_firmware_streams_a_streaming_model_like_the_python_runtime(streaming_tflite, board_kind):
    from test_device_stream import fixed_audio
    from test_stream_streaming_model import PER_INVOKE, SETTINGS

    if board_kind == "host" and not _have_library("linux_x86_64*"):
        pytest.skip("TFLM_ROOT has no host (linux_x86_64) microlite library")
    if board_kind == "qemu_an505" and not _have_library("cortex_m_generic_cortex-m33*"):
        pytest.skip("TFLM_ROOT has no Cortex-M33 microlite library")
    audio = np.concatenate([fixed_audio(1.2), fixed_audio(1.2)[::-1]])
    frames = Frontend(SETTINGS).push(audio)
    if board_kind == "host":
        running = HostBoard(firmware("host", tflm=True))
    else:
        running = QemuBoard(firmware("qemu_an505", tflm=True, model=str(streaming_tflite)))
    with running as board, DeviceClient(board.url) as client:
        if board_kind == "host":
            client.load_model(streaming_tflite.read_bytes())
        shape = client.stream_begin(scores=True)
        assert shape["window_frames"] == PER_INVOKE
        records = p.StreamRecords()
        for start in range(0, len(audio), 777):
            client.stream_audio(audio[start:start + 777], records)
        client.stream_end()
        # A second stream starts from zero state again: the same results.
        client.stream_begin(scores=True)
        again = p.StreamRecords()
        client.stream_audio(audio, again)
        client.stream_end()

    model = TfliteModel(streaming_tflite)
    want, ends = [], []
    for at in range(0, len(frames) - PER_INVOKE + 1, PER_INVOKE):
        group = model_input(frames[at:at + PER_INVOKE], SETTINGS)[None, :, None, :]
        raw = model.invoke_raw(group)
        if at + PER_INVOKE >= SETTINGS.n_frames:
            want.append(raw)
            ends.append((at + PER_INVOKE - 1) * SETTINGS.step_samples + SETTINGS.window_samples)
    assert [end for end, _, _ in records.scores] == ends
    for (_, _, got), w in zip(records.scores, want):
        assert got.tobytes() == w.reshape(-1).tobytes()
    assert len({w.tobytes() for w in want}) > 3
    assert [row.tobytes() for _, _, row in again.scores] == \
        [row.tobytes() for _, _, row in records.scores]
