"""The device commands as a user types them: flash an emulated board, ask it about
itself, refuse what it cannot do with one clear line, stop it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from device_support import firmware
from kwstiny.cli import main
from kwstiny.device import session
from kwstiny.device.boards import check_accelerator, get_board
from kwstiny.errors import KwstinyError


def _run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.parametrize("board", ["qemu", "host"])
def test_flash_info_stop_an_emulated_board(board, tmp_path):
    image = firmware("qemu_an505" if board == "qemu" else "host")
    code, out = _run("flash", str(image), "--board", board)
    try:
        assert code == 0, out
        assert "running" in out and "socket://127.0.0.1:" in out
        code, out = _run("device", "info")
        assert code == 0, out
        assert f"Board: {get_board(board).name}" in out and "TFLM: no" in out
        model = tmp_path / "m.tflite"
        model.write_bytes(b"\x1c\x00\x00\x00TFL3" + bytes(100))
        code, out = _run("flash", str(model), "--board", board)
        assert code == 1 and "built without TFLM" in out
    finally:
        code, out = _run("device", "stop")
    assert code == 0 and "stopped" in out
    assert session.running_emulator(get_board(board).name) is None
    code, out = _run("device", "info")
    assert code == 1 and "no board to talk to" in out


def test_flash_refuses_what_it_cannot_do(tmp_path):
    code, out = _run("flash", str(tmp_path / "missing.elf"), "--board", "qemu")
    assert code == 1 and "does not exist" in out
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    code, out = _run("flash", str(junk), "--board", "qemu")
    assert code == 1 and "neither a .tflite model nor a firmware image" in out
    code, out = _run("flash", str(junk), "--board", "stm32")
    assert code == 1 and "unknown board 'stm32'" in out
    image = tmp_path / "fw.s37"
    image.write_text("S0030000FC")
    code, out = _run("flash", str(image), "--board", "efr32xg24")
    # Where neither tool is installed (as here), the message says what to install.
    if code == 1:
        assert "Simplicity Commander" in out and "pyOCD" in out


def test_accelerator_mvp_on_a_board_without_one_is_a_clear_error():
    check_accelerator(None, {"accelerator": "none"})
    check_accelerator("none", {"accelerator": "none"})
    check_accelerator("MVP", {"accelerator": "MVP", "board": "efr32xg24"})
    with pytest.raises(KwstinyError, match="--accelerator MVP asked for, but the board "
                                           r"\(qemu_an505\) has no accelerator"):
        check_accelerator("MVP", {"accelerator": "none", "board": "qemu_an505"})
