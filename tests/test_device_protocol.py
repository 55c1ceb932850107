"""The serial protocol end to end, against the host build and the QEMU Cortex-M33 build
of the TFLM-free firmware: damaged lines, resets, oversize models, vanished clients."""

from __future__ import annotations

import re
import socket
import struct
import subprocess
import time

import pytest

from device_support import FaultyLink, firmware
from kwstiny.device import protocol as p
from kwstiny.device.client import DeviceClient, DeviceError
from kwstiny.device.emulator import HostBoard, QemuBoard
from kwstiny.errors import KwstinyError
from kwstiny.paths import REPO_ROOT


# --- Frames on the laptop side -----------------------------------------------------

def test_python_frames_match_the_crc_catalogue_and_round_trip():
    assert p.crc32(b"123456789") == 0xCBF43926
    assert p.crc8(b"123456789") == 0xF4
    parser = p.FrameParser(max_payload=64)
    parser.feed(p.encode_frame(p.Msg.INFO, 3, b"abc") + p.encode_frame(p.Msg.RESET, 4))
    assert parser.poll() == p.Frame(p.Msg.INFO, 3, b"abc")
    assert parser.poll() == p.Frame(p.Msg.RESET, 4, b"")
    assert parser.poll() is None


def test_python_parser_resyncs_after_damage():
    good = p.encode_frame(p.Msg.INFO, 9, b"payload")
    flipped = bytearray(good)
    flipped[9] ^= 0x01
    dropped = good[:8] + good[9:]
    parser = p.FrameParser(max_payload=64)
    parser.feed(b"\x00\xa5\x13" + bytes(flipped) + dropped + good)
    events = []
    while (event := parser.poll()) is not None:
        events.append(event)
    assert p.BadFrame(9) in events
    assert events[-1] == p.Frame(p.Msg.INFO, 9, b"payload")
    assert sum(isinstance(e, p.Frame) for e in events) == 1


def test_python_message_numbers_match_the_firmware_header():
    header = (REPO_ROOT / "kwstiny/firmware/protocol/messages.h").read_text()
    for enum_name, py_enum in (("Msg", p.Msg), ("Err", p.Err), ("Rec", p.Rec)):
        block = re.search(rf"enum class {enum_name} : \w+ \{{(.*?)\}};", header, re.S).group(1)
        pairs = re.findall(r"k(\w+) = (0x[0-9A-Fa-f]+|\d+)", block)
        firmware_values = {_snake(name): int(value, 0) for name, value in pairs}
        assert firmware_values == {m.name: m.value for m in py_enum}, enum_name
    for name in ("STREAM_FRAMES", "STREAM_SCORES", "STREAM_DETECTIONS", "STREAM_BOARD_MIC"):
        camel = "k" + "".join(part.title() for part in name.split("_"))
        assert int(re.search(rf"{camel} = (0x[0-9A-Fa-f]+)", header).group(1), 16) == getattr(p, name)
    assert int(re.search(r"kProtocolVersion = (\d+)", header).group(1)) == p.PROTOCOL_VERSION


def _snake(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).upper()


# --- The firmware's own unit tests, as the host and as the Cortex-M33 compile them ---

def test_firmware_unit_tests_pass_on_the_host():
    program = firmware("host").parent / "kwstiny-fw-tests"
    result = subprocess.run([str(program)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\d+ tests, 0 failures", result.stdout)


def test_firmware_unit_tests_pass_on_the_cortex_m33():
    image = firmware("qemu_an505").parent / "kwstiny-fw-tests-qemu_an505.elf"
    result = subprocess.run(["qemu-system-arm", "-M", "mps2-an505", "-nographic", "-icount", "shift=0",
                             "-semihosting-config", "enable=on,target=native", "-serial", "null",
                             "-monitor", "none", "-kernel", str(image)],
                            capture_output=True, text=True, timeout=120)
    # Semihosting output lands on QEMU's stderr.
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\d+ tests, 0 failures", result.stderr)


# --- Against a running board ----------------------------------------------------------

@pytest.fixture(params=["host", "qemu_an505"])
def board(request):
    if request.param == "host":
        running = HostBoard(firmware("host"), ["--slot-bytes", "65536"])
    else:
        running = QemuBoard(firmware("qemu_an505", KWSTINY_MODEL_SLOT_BYTES=65536))
    running.name = request.param
    yield running
    running.stop()


def _fake_model(size: int) -> bytes:
    return bytes((i * 7 + 3) & 0xFF for i in range(size))


def test_info_describes_the_board(board):
    with DeviceClient(board.url) as client:
        info = client.info()
    assert info["protocol"] == p.PROTOCOL_VERSION
    assert info["board"] == board.name
    assert info["model_slot"] == 65536
    assert info["tflm"] == 0 and info["kernels"] == "none"
    assert info["accelerator"] == "none"
    assert info["counter"] == {"host": "nanoseconds", "qemu_an505": "emulated_instructions"}[board.name]
    if board.name == "qemu_an505":
        assert 0 < info["ram_free"] < info["ram_total"] == 4 * 1024 * 1024
        assert 0 < info["flash_free"] < info["flash_total"]


def test_unknown_request_and_missing_runtime_are_clear_errors(board):
    with DeviceClient(board.url) as client:
        with pytest.raises(DeviceError, match="unknown message type") as caught:
            client.request(0x3F)
        assert caught.value.code == p.Err.UNKNOWN_COMMAND
        with pytest.raises(DeviceError, match="without TFLM") as caught:
            client.invoke(b"\x00")
        assert caught.value.code == p.Err.NO_RUNTIME


def test_a_model_larger_than_the_slot_is_refused_before_anything_is_written(board):
    with DeviceClient(board.url) as client:
        with pytest.raises(DeviceError, match=r"65537 bytes .* holds 65536 bytes") as caught:
            client.load_model(_fake_model(65537))
        assert caught.value.code == p.Err.MODEL_TOO_LARGE
        assert client.info()["model"] == "none"


def test_transfer_survives_dropped_and_flipped_bytes_both_ways(board):
    link = FaultyLink(board.port)
    try:
        with DeviceClient(link.url, ack_timeout=0.5) as client:
            client.info()
            model = _fake_model(9000)  # three chunks
            link.drop("to_board", 2000)   # inside the first chunk
            link.flip("to_board", 6500)   # inside the second
            link.drop("to_host", 40)      # inside an answer
            link.flip("to_host", 90)
            # The board stored and CRC-checked every byte exactly once; without TFLM it
            # then says it cannot run the model. A chunk done twice would be an offset error.
            with pytest.raises(DeviceError) as caught:
                client.load_model(model)
            assert caught.value.code == p.Err.NO_RUNTIME
            # Each damaged request is sent again; a damaged answer is either sent again
            # or, when only its ACK was hit, not needed.
            assert client.retransmissions >= 2
    finally:
        link.close()


def test_board_reset_mid_transfer_restarts_the_transfer(board):
    with DeviceClient(board.url) as client:
        client.info()
        done = []

        def progress(sent, total):
            done.append(sent)
            if len(done) == 2:
                board.reset()
                time.sleep(0.3)

        with pytest.raises(DeviceError) as caught:
            client.load_model(_fake_model(20000), progress=progress)
        assert caught.value.code == p.Err.NO_RUNTIME  # the whole model arrived in the end
        assert client.boots_seen >= 1
        assert done.count(20000) == 1 and len(done) > 5  # started again from the first chunk


def test_a_client_that_vanishes_mid_frame_does_not_wedge_the_board(board):
    frame = p.encode_frame(p.Msg.LOAD_CHUNK, 1, struct.pack("<I", 0) + bytes(3000))
    with socket.create_connection(("127.0.0.1", board.port)) as s:
        s.sendall(frame[:1500])
    with DeviceClient(board.url) as client:
        assert client.info()["board"] == board.name


def test_a_board_that_stops_answering_is_a_clear_error(board):
    with DeviceClient(board.url, retries=2, ack_timeout=0.3) as client:
        client.info()
        if isinstance(board, QemuBoard):
            board.monitor_command("stop")  # the CPU halts; the socket stays open
        else:
            board.process.send_signal(19)  # SIGSTOP
        try:
            start = time.monotonic()
            with pytest.raises(KwstinyError, match="stopped answering: no reply to INFO after 3 tries"):
                client.info()
            assert time.monotonic() - start < 10
        finally:
            if isinstance(board, QemuBoard):
                board.monitor_command("cont")
            else:
                board.process.send_signal(18)  # SIGCONT


def test_a_port_that_cannot_be_opened_is_a_clear_error():
    with pytest.raises(KwstinyError, match="cannot open the board's serial port /dev/does-not-exist"):
        DeviceClient("/dev/does-not-exist")


def test_reset_restarts_the_board_and_it_answers_again(board):
    with DeviceClient(board.url) as client:
        client.info()
        boots, retransmissions = client.boots_seen, client.retransmissions
        client.reset()
        assert client.boots_seen == boots + 1  # its BOOT frame came, before any new request
        assert client.info()["board"] == board.name
        assert client.retransmissions == retransmissions
