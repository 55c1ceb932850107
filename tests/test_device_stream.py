"""Streaming audio through the firmware's frontend: the board's spectrogram equals the
Python frontend's, integer for integer, on the host build and on the Cortex-M33 under
QEMU (no TFLM needed). A client that vanishes mid-stream leaves the board usable."""

from __future__ import annotations

import numpy as np
import pytest

from device_support import firmware
from kwstiny.device import protocol as p
from kwstiny.device.client import DeviceClient, DeviceError
from kwstiny.device.emulator import HostBoard, QemuBoard
from kwstiny.frontend import Frontend
from kwstiny.spec import load_spec


def fixed_audio(seconds: float = 1.2, rate: int = 16000) -> np.ndarray:
    """Deterministic test audio: a chirp, a tone over noise, silence, a clipped burst."""
    rng = np.random.default_rng(1234)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    chirp = 0.4 * np.sin(2 * np.pi * (200 + 1800 * t) * t)
    tone = 0.2 * np.sin(2 * np.pi * 1000 * t) + rng.normal(0, 0.05, n)
    audio = np.where(t < seconds / 3, chirp, tone)
    audio[(t > 0.6 * seconds) & (t < 0.7 * seconds)] = 0.0
    burst = (t > 0.8 * seconds) & (t < 0.85 * seconds)
    audio[burst] = np.clip(3.0 * rng.normal(0, 1, burst.sum()), -1, 1)
    return np.clip(audio * 32767, -32768, 32767).astype(np.int16)


@pytest.fixture(params=["host", "qemu_an505"])
def board(request):
    running = (HostBoard(firmware("host")) if request.param == "host"
               else QemuBoard(firmware("qemu_an505")))
    running.name = request.param
    yield running
    running.stop()


def _board_frames(client, settings, audio) -> np.ndarray:
    client.config(settings.to_metadata())
    shape = client.stream_begin(frames=True)
    assert shape["channels"] == settings.filterbank_n_channels
    assert shape["step_samples"] == settings.step_samples
    records = client.stream_audio(audio)
    totals = client.stream_end()
    assert totals["samples"] == len(audio) and totals["frames"] == len(records.frames)
    assert [index for index, _ in records.frames] == list(range(len(records.frames)))
    return np.stack([row for _, row in records.frames])


def test_board_frontend_equals_the_python_frontend(board):
    settings = load_spec("keyword_spotting_alexa").frontend  # DC notch, noise reduction on
    audio = fixed_audio()
    want = Frontend(settings).push(audio)
    with DeviceClient(board.url) as client:
        assert client.info()["frontend"] == 1
        got = _board_frames(client, settings, audio)
    assert got.dtype == np.uint16 and got.shape == want.shape == (118, 108)
    np.testing.assert_array_equal(got, want)


def test_other_frontend_settings_also_match(board):
    settings = load_spec("keyword_spotting_alexa").frontend.replace(
        sample_rate_hz=8000, window_size_ms=30, window_step_ms=20, filterbank_n_channels=40,
        filterbank_upper_band_limit=3800.0, dc_notch_filter_enable=False, pcan_enable=True)
    audio = fixed_audio(0.8, 8000)
    want = Frontend(settings).push(audio)
    with DeviceClient(board.url) as client:
        np.testing.assert_array_equal(_board_frames(client, settings, audio), want)


def test_a_client_vanishing_mid_stream_leaves_the_board_usable(board):
    settings = load_spec("keyword_spotting_alexa").frontend
    audio = fixed_audio(0.5)
    with DeviceClient(board.url) as client:
        client.config(settings.to_metadata())
        client.stream_begin(frames=True)
        client.stream_audio(audio[:3000])
        # Half a STREAM_AUDIO frame, then the client is gone.
        client._write(p.encode_frame(p.Msg.STREAM_AUDIO, 7, audio[3000:5000].tobytes())[:1500])
    with DeviceClient(board.url) as client:
        client.info()
        client.config(settings.to_metadata())
        got = _board_frames(client, settings, audio)  # a fresh stream: no state carried over
    np.testing.assert_array_equal(got, Frontend(settings).push(audio))


def test_stream_requests_are_checked(board):
    with DeviceClient(board.url) as client:
        with pytest.raises(DeviceError, match="no stream") as caught:
            client.stream_audio(np.zeros(160, np.int16))
        assert caught.value.code == p.Err.STREAM_NOT_STARTED
        with pytest.raises(DeviceError, match="no frontend settings") as caught:
            client.stream_begin(frames=True)  # no model, no CONFIG yet
        assert caught.value.code == p.Err.CONFIG_INVALID
        client.config(load_spec("keyword_spotting_alexa").frontend.to_metadata())
        with pytest.raises(DeviceError, match="need a model") as caught:
            client.stream_begin(frames=True, scores=True)
        assert caught.value.code == p.Err.NO_RUNTIME
        with pytest.raises(DeviceError, match="fe.filterbank_upper_band_limit") as caught:
            client.config({"fe.filterbank_upper_band_limit": "high"})
        assert caught.value.code == p.Err.CONFIG_INVALID
        with pytest.raises(DeviceError, match="this board has no microphone") as caught:
            client.stream_begin(frames=True, board_mic=True)
        assert caught.value.code == p.Err.BAD_REQUEST
        client.config({"fe.filterbank_upper_band_limit": 9000.0})  # above Nyquist
        with pytest.raises(DeviceError, match="filterbank_upper_band_limit"):
            client.stream_begin(frames=True)
