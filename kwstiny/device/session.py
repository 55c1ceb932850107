"""Finding the board a command should talk to, and putting a model on it.

A command's `--port` wins; otherwise `KWSTINY_PORT`; otherwise the board that
`kwstiny flash` left running under emulation (QEMU or the host build), recorded in
KWSTINY_HOME/device/.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from kwstiny import paths
from kwstiny.device import protocol as p
from kwstiny.device.client import DeviceClient
from kwstiny.errors import KwstinyError

EMULATED = ("qemu_an505", "host")


def state_file(board: str) -> Path:
    return paths.home() / "device" / f"{board}.json"


def running_emulator(board: str) -> dict | None:
    """The emulated board `kwstiny flash` started, if its process still runs."""
    path = state_file(board)
    if not path.is_file():
        return None
    try:
        state = json.loads(path.read_text())
        os.kill(int(state["pid"]), 0)
    except (ValueError, KeyError, OSError):
        path.unlink(missing_ok=True)
        return None
    return state


def remember_emulator(board: str, state: dict) -> None:
    paths.write_json(state_file(board), state)


def stop_emulator(board: str) -> bool:
    state = running_emulator(board)
    if state is None:
        return False
    try:
        os.killpg(int(state["pid"]), signal.SIGTERM)
    except OSError:
        pass
    state_file(board).unlink(missing_ok=True)
    return True


def stop_all_emulators() -> str:
    stopped = [board for board in EMULATED if stop_emulator(board)]
    return f"stopped: {', '.join(stopped)}" if stopped else "no emulated board was running"


def resolve_port(port: str | None) -> str:
    if port:
        return port
    if os.environ.get("KWSTINY_PORT"):
        return os.environ["KWSTINY_PORT"]
    for board in EMULATED:
        state = running_emulator(board)
        if state:
            return state["url"]
    raise KwstinyError("no board to talk to: pass --port (/dev/ttyACM0, COM3, socket://host:port), "
                       "set KWSTINY_PORT, or start an emulated board with "
                       "`kwstiny flash FIRMWARE --board qemu`")


def connect(port: str | None, **options) -> DeviceClient:
    client = DeviceClient(resolve_port(port), **options)
    info = client.info()
    if info.get("protocol") != p.PROTOCOL_VERSION:
        client.close()
        raise KwstinyError(f"the board speaks protocol {info.get('protocol')}, this kwstiny "
                           f"speaks {p.PROTOCOL_VERSION}: flash a matching firmware")
    return client


def ensure_model(client: DeviceClient, model: bytes, progress=None) -> p.ModelInfo:
    """The board runs `model`: reuse it when it already holds these exact bytes."""
    info = client.info()
    if info.get("tflm") != 1:
        raise KwstinyError(f"the firmware on {client.port} was built without TFLM and cannot run "
                           "models; rebuild it with -DTFLM_ROOT=... (kwstiny/firmware/README.md)")
    same = (info.get("model") != "none" and info.get("model_bytes") == len(model)
            and info.get("model_crc") == f"{p.crc32(model):08x}")
    if same:
        return client.model_info()
    return client.load_model(model, progress=progress)
