"""The firmware with TensorFlow Lite Micro: byte-identical outputs to the tflite-micro
Python runtime, op registration from the model, clear errors, per-operator profiles.

These need a TFLM library built with TFLM's own Makefile; set TFLM_ROOT to that
tflite-micro checkout (kwstiny/firmware/README.md). Without it they are skipped, saying so.
"""

from __future__ import annotations

import glob
import os

import numpy as np
import pytest

from device_support import firmware, tflm_root
from kwstiny.device import protocol as p
from kwstiny.device.client import DeviceClient, DeviceError
from kwstiny.device.emulator import HostBoard, QemuBoard
from kwstiny.inference import TfliteModel


def _have_library(target: str, cmsis_nn: bool = False) -> bool:
    """Whether TFLM_ROOT holds the library the firmware build picks for `target` (a gen/
    folder prefix) and kernel set: as CMake does, a CMSIS-NN library never stands in for
    the reference one, nor the reverse."""
    found = glob.glob(os.path.join(tflm_root(), "gen", target + "*", "lib", "libtensorflow-microlite.a"))
    return any(("_cmsis_nn" in path) == cmsis_nn for path in found)


@pytest.fixture(scope="session")
def spread_model(tmp_path_factory):
    """An int8 TENet12 for the alexa input whose softmax is not saturated (a small final
    layer), so byte identity is tested on outputs that vary from input to input."""
    tflm_root()  # skip before spending time on a conversion
    from kwstiny.models.random_int8 import random_tenet12_int8
    from kwstiny.spec import load_spec

    data = random_tenet12_int8(load_spec("keyword_spotting_alexa"), final_layer_scale=0.02)
    path = tmp_path_factory.mktemp("models") / "tenet12_spread.tflite"
    path.write_bytes(data)
    return path


def _test_audio() -> np.ndarray:
    from test_device_stream import fixed_audio
    return np.concatenate([fixed_audio(1.2), fixed_audio(1.2)[::-1], fixed_audio(1.2)])


@pytest.fixture(scope="session")
def detecting_model(tmp_path_factory):
    """An int8 TENet12 (random weights) whose final layer is centred on the windows of
    the test audio, so its top class flips between windows and detections happen."""
    tflm_root()
    from kwstiny.frontend import Frontend, model_input
    from kwstiny.models import tenet
    from kwstiny.quantize import convert_int8
    from kwstiny.spec import load_spec
    import tf_keras as keras

    spec = load_spec("keyword_spotting_alexa")
    s = spec.frontend
    frames = Frontend(s).push(_test_audio())
    starts = range(0, len(frames) - s.n_frames + 1, 5)
    x = np.stack([model_input(frames[i:i + s.n_frames], s) for i in starts]).astype(np.float32)
    x = x.reshape((-1,) + spec.input_shape)
    model = tenet.TENet12(spec.input_shape, 2)
    dense = [layer for layer in model.layers if layer.__class__.__name__ == "Dense"][-1]
    hidden = keras.Model(model.inputs, dense.input).predict(x, verbose=0)
    kernel, _ = dense.get_weights()
    spread = hidden @ kernel
    difference = spread[:, 0] - spread[:, 1]
    kernel = kernel * (2.0 / max(float(np.std(difference)), 1e-6))  # logit gap std ~ 2
    dense.set_weights([kernel, -np.mean(hidden @ kernel, axis=0)])
    data = convert_int8(model, x, metadata=spec.metadata(), int8_features=True)
    path = tmp_path_factory.mktemp("models") / "tenet12_detecting.tflite"
    path.write_bytes(data)
    return path


def _reference_outputs(model_path, inputs):
    """The tflite-micro Python runtime's raw int8 outputs."""
    model = TfliteModel(model_path)
    return [model.invoke_raw(x) for x in inputs]


def _inputs(shape, n=20, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.integers(-128, 128, size=shape, dtype=np.int8) for _ in range(n)]


def _assert_identical(client, model_info, model_path, n=20):
    inputs = _inputs(model_info.input.shape, n)
    want = _reference_outputs(model_path, inputs)
    got = [client.invoke(x, model_info)[0] for x in inputs]
    for g, w in zip(got, want):
        assert g.dtype == np.int8 and g.tobytes() == w.tobytes()
    assert len({g.tobytes() for g in got}) > 1  # outputs vary: not a saturated softmax


@pytest.mark.parametrize("kernels", ["reference", "cmsis_nn"])
def test_host_firmware_is_byte_identical_to_the_python_runtime(spread_model, kernels):
    """Host builds run DEPTHWISE_CONV_2D with kwstiny's kernel, the rest with the library's."""
    cmsis = kernels == "cmsis_nn"
    if not _have_library("linux_x86_64", cmsis):
        pytest.skip(f"TFLM_ROOT has no host (linux_x86_64) microlite library with {kernels} kernels")
    with HostBoard(firmware("host", tflm=True, cmsis_nn=cmsis)) as board, \
            DeviceClient(board.url) as client:
        assert client.info()["kernels"] == kernels + "+kwstiny_depthwise"
        info = client.load_model(spread_model.read_bytes())
        assert info.source == "loaded" and info.n_operators == 56
        assert info.input.shape == (1, 118, 1, 108) and info.input.dtype == np.int8
        _assert_identical(client, info, spread_model)


@pytest.mark.slow
@pytest.mark.parametrize("kernels", ["reference", "cmsis_nn"])
def test_cortex_m33_under_qemu_is_byte_identical_to_the_python_runtime(spread_model, kernels):
    cmsis = kernels == "cmsis_nn"
    if not _have_library("cortex_m_generic_cortex-m33", cmsis):
        pytest.skip(f"TFLM_ROOT has no Cortex-M33 microlite library with {kernels} kernels")
    image = firmware("qemu_an505", tflm=True, cmsis_nn=cmsis, model=str(spread_model))
    with QemuBoard(image) as board, DeviceClient(board.url) as client:
        info = client.info()
        assert info["kernels"] == kernels and info["model"] == "linked"
        model = client.model_info()
        _assert_identical(client, model, spread_model)
        total, events = client.profile(model=model)
        assert len(events) == model.n_operators == 56
        assert [e.op for e in events][:3] == ["CONV_2D", "CONV_2D", "DEPTHWISE_CONV_2D"]
        assert 0.9 * total <= sum(e.ticks for e in events) <= total


def test_a_model_too_large_for_the_slot_leaves_the_previous_one_running(spread_model):
    if not _have_library("linux_x86_64"):
        pytest.skip("TFLM_ROOT has no host (linux_x86_64) microlite library")
    size = spread_model.stat().st_size
    with HostBoard(firmware("host", tflm=True), ["--slot-bytes", str(size + 100)]) as board, \
            DeviceClient(board.url) as client:
        model = client.load_model(spread_model.read_bytes())
        x = _inputs(model.input.shape, 1)[0]
        before, _ = client.invoke(x, model)
        with pytest.raises(DeviceError, match="model slot holds") as caught:
            client.load_model(bytes(size + 101))
        assert caught.value.code == p.Err.MODEL_TOO_LARGE
        after, _ = client.invoke(x, client.model_info())
        assert after.tobytes() == before.tobytes()


def test_ops_the_firmware_lacks_and_a_small_arena_are_named(spread_model):
    if not _have_library("linux_x86_64"):
        pytest.skip("TFLM_ROOT has no host (linux_x86_64) microlite library")
    lacking = firmware("host", tflm=True,
                       KWSTINY_OPS="CONV_2D;DEPTHWISE_CONV_2D;ADD;AVERAGE_POOL_2D;RESHAPE;FULLY_CONNECTED")
    with HostBoard(lacking) as board, DeviceClient(board.url) as client:
        assert "SOFTMAX" not in client.info()["ops"]
        with pytest.raises(DeviceError, match="does not include the op SOFTMAX") as caught:
            client.load_model(spread_model.read_bytes())
        assert caught.value.code == p.Err.UNSUPPORTED_OP
    small = firmware("host", tflm=True, KWSTINY_ARENA_BYTES=16384)
    with HostBoard(small) as board, DeviceClient(board.url) as client:
        with pytest.raises(DeviceError, match="tensor allocation failed") as caught:
            client.load_model(spread_model.read_bytes())
        assert caught.value.code == p.Err.ARENA_TOO_SMALL
        with pytest.raises(DeviceError) as caught:
            client.model_info()
        assert caught.value.code == p.Err.NO_MODEL


def test_not_a_model_is_refused(tmp_path):
    if not _have_library("linux_x86_64"):
        pytest.skip("TFLM_ROOT has no host (linux_x86_64) microlite library")
    with HostBoard(firmware("host", tflm=True)) as board, DeviceClient(board.url) as client:
        with pytest.raises(DeviceError, match="not a valid TFLite model") as caught:
            client.load_model(b"TFL3" * 1000)
        assert caught.value.code == p.Err.MODEL_INVALID


def test_streamed_inferences_equal_the_python_path_on_the_same_windows(spread_model):
    """Audio in, scores out: each inference the board makes equals the tflite-micro
    runtime on model_input() of the same window of Python-frontend frames."""
    if not _have_library("linux_x86_64"):
        pytest.skip("TFLM_ROOT has no host (linux_x86_64) microlite library")
    from kwstiny.frontend import Frontend, model_input
    from kwstiny.spec import load_spec
    from test_device_stream import fixed_audio

    spec = load_spec("keyword_spotting_alexa")
    settings = spec.frontend
    audio = np.concatenate([fixed_audio(1.2), fixed_audio(1.2)[::-1]])
    frames = Frontend(settings).push(audio)
    with HostBoard(firmware("host", tflm=True)) as board, DeviceClient(board.url) as client:
        client.load_model(spread_model.read_bytes())
        shape = client.stream_begin(frames=True, scores=True)
        assert shape["window_frames"] == settings.n_frames == 118 and shape["n_outputs"] == 2
        records = p.StreamRecords()
        for start in range(0, len(audio), 777):  # blocks that do not line up with frames
            client.stream_audio(audio[start:start + 777], records)
        client.stream_end()
    np.testing.assert_array_equal(np.stack([row for _, row in records.frames]), frames)
    latency_frames = spec.detection.latency_ms // settings.window_step_ms
    # Each result is stamped with the sample that completed its newest frame, exactly.
    assert all((end - settings.window_samples) % settings.step_samples == 0
               for end, _, _ in records.scores)
    ends = [(end - settings.window_samples) // settings.step_samples for end, _, _ in records.scores]
    assert ends == list(range(settings.n_frames - 1, len(frames), latency_frames))
    windows = [model_input(frames[k - settings.n_frames + 1:k + 1], settings)[None, :, None, :]
               for k in ends]
    want = _reference_outputs(spread_model, windows)
    for (_, _, got), w in zip(records.scores, want):
        assert got.tobytes() == w.reshape(-1).tobytes()


@pytest.mark.parametrize("board_kind", ["host", pytest.param("qemu_an505", marks=pytest.mark.slow)])
def test_classify_audio_on_the_board_reports_what_detect_reports_on_the_laptop(
        detecting_model, tmp_path, board_kind):
    """`classify_audio --device --file F` against `detect F`: the same detections (time,
    class, score), with the laptop's own frontend, runtime and detector on one side and
    the board's on the other."""
    import soundfile
    from rich.console import Console

    from kwstiny.stream.classify import classify_audio, detect

    if board_kind == "host" and not _have_library("linux_x86_64"):
        pytest.skip("TFLM_ROOT has no host (linux_x86_64) microlite library")
    if board_kind == "qemu_an505" and not _have_library("cortex_m_generic_cortex-m33", cmsis_nn=True):
        pytest.skip("TFLM_ROOT has no Cortex-M33 microlite library with CMSIS-NN kernels")
    wav = tmp_path / "speechlike.wav"
    soundfile.write(wav, _test_audio(), 16000, subtype="PCM_16")
    overrides = {"threshold": 128, "suppression_ms": 0}
    laptop = detect(str(detecting_model), [str(wav)], emit=lambda line: None, **overrides)
    assert len(laptop) >= 3  # the comparison means something
    if board_kind == "host":
        running = HostBoard(firmware("host", tflm=True))
    else:
        running = QemuBoard(firmware("qemu_an505", tflm=True, cmsis_nn=True,
                                     model=str(detecting_model)))
    with running:
        on_board = classify_audio(str(detecting_model), [str(wav)], realtime=False, board=True,
                                  port=running.url, console=Console(file=open(os.devnull, "w")),
                                  **overrides)
    assert [e.to_json() for e in on_board] == [e.to_json() for e in laptop]


@pytest.mark.parametrize("board_kind", ["host", pytest.param("qemu_an505", marks=pytest.mark.slow)])
def test_profile_device_prints_the_measurement_beside_the_estimate(detecting_model, board_kind):
    import json

    from click.testing import CliRunner

    from kwstiny.cli import main

    if board_kind == "host" and not _have_library("linux_x86_64"):
        pytest.skip("TFLM_ROOT has no host (linux_x86_64) microlite library")
    if board_kind == "qemu_an505" and not _have_library("cortex_m_generic_cortex-m33", cmsis_nn=True):
        pytest.skip("TFLM_ROOT has no Cortex-M33 microlite library with CMSIS-NN kernels")
    if board_kind == "host":
        running = HostBoard(firmware("host", tflm=True))
        column, unit = "Measured (ns)", "Measured unit: host nanoseconds"
    else:
        running = QemuBoard(firmware("qemu_an505", tflm=True, cmsis_nn=True,
                                     model=str(detecting_model)))
        column, unit = "Measured (instr.)", "emulated instructions (QEMU -icount, not cycles)"
    runner = CliRunner()
    with running:
        text = runner.invoke(main, ["profile", str(detecting_model), "--device", "--port",
                                    running.url], catch_exceptions=False).output
        as_json = runner.invoke(main, ["profile", str(detecting_model), "--device", "--port",
                                       running.url, "--json"], catch_exceptions=False).output
        refused = runner.invoke(main, ["profile", str(detecting_model), "--device", "--port",
                                       running.url, "--accelerator", "MVP"])
    assert column in text and unit in text and "CPU Cycles" in text  # beside the estimate
    assert sum(1 for line in text.splitlines() if line.startswith("|") and "conv_2d" in line) > 10
    result = json.loads(as_json)
    assert result["device"]["board"] == board_kind
    ticks = [layer["measured_ticks"] for layer in result["layers"]]
    assert len(ticks) == 56 and min(ticks) > 0
    if board_kind == "qemu_an505":  # deterministic counts: the layers make up the invoke
        assert 0.9 * result["device"]["total_ticks"] <= sum(ticks) <= result["device"]["total_ticks"]
    assert refused.exit_code == 1 and "has no accelerator" in refused.output


def test_laptop_microphone_streamed_to_the_board(detecting_model, tmp_path):
    """`classify_audio --device` without --file: the microphone's audio (here a fake input
    stream fed through sounddevice's callback path) goes to the board, whose detections
    equal `detect` on the same audio as a file."""
    import soundfile
    from rich.console import Console

    from kwstiny.stream.classify import classify_audio, detect
    from kwstiny.stream.sources import MicrophoneSource
    from test_stream_sources import FakeInputStream

    if not _have_library("linux_x86_64"):
        pytest.skip("TFLM_ROOT has no host (linux_x86_64) microlite library")
    audio = _test_audio()
    wav = tmp_path / "speechlike.wav"
    soundfile.write(wav, audio, 16000, subtype="PCM_16")
    overrides = {"threshold": 128, "suppression_ms": 0}
    laptop = detect(str(detecting_model), [str(wav)], emit=lambda line: None, **overrides)
    mic = MicrophoneSource(16000, block_ms=30, input_rate=16000,
                           stream_factory=FakeInputStream(audio.astype(np.float32) / 32768))
    with HostBoard(firmware("host", tflm=True)) as board:
        heard = classify_audio(str(detecting_model), board=True, port=board.url, source=mic,
                               console=Console(file=open(os.devnull, "w")), **overrides)
    key = [(e.detection.time_ms, e.detection.label, e.detection.score) for e in heard]
    assert key == [(e.detection.time_ms, e.detection.label, e.detection.score) for e in laptop]
    assert len(key) >= 3
