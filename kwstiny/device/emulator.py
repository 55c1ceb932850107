"""Running the firmware without hardware: QEMU's Cortex-M33 board, or the host build.

Both expose the firmware's serial line as a TCP port (`socket://127.0.0.1:PORT`),
so the device client cannot tell them from a board on a USB serial port. QEMU
runs with `-icount shift=0`: one emulated instruction per virtual nanosecond,
which makes the firmware's tick counts deterministic (emulated instructions, not
the cycles of any real core).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from kwstiny.errors import KwstinyError

QEMU_MACHINE = "mps2-an505"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def qemu_command(firmware: str | os.PathLike, port: int, monitor: str | None = None) -> list[str]:
    qemu = shutil.which("qemu-system-arm")
    if qemu is None:
        raise KwstinyError("qemu-system-arm is not installed (Debian/Ubuntu: apt install qemu-system-arm)")
    return [qemu, "-M", QEMU_MACHINE, "-nographic", "-icount", "shift=0",
            "-semihosting-config", "enable=on,target=native",
            "-kernel", str(firmware),
            "-serial", f"tcp:127.0.0.1:{port},server=on,wait=off,nodelay=on",
            "-monitor", f"unix:{monitor},server=on,wait=off" if monitor else "none"]


def _accepts(port: int) -> bool:
    """True once something listens on the port (the probe connection closes at once)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class _Process:
    """A firmware process serving its serial line on a local TCP port."""

    url: str
    process: subprocess.Popen

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class QemuBoard(_Process):
    """QEMU's mps2-an505 running a firmware image, with a monitor for board resets."""

    def __init__(self, firmware: str | os.PathLike, port: int | None = None, *, detach: bool = False,
                 log: str | os.PathLike | None = None):
        firmware = Path(firmware)
        if not firmware.is_file():
            raise KwstinyError(f"firmware image not found: {firmware}")
        self.firmware = firmware
        self.port = port or free_port()
        self._tmp = tempfile.mkdtemp(prefix="kwstiny-qemu-")
        self.monitor = os.path.join(self._tmp, "monitor.sock")
        self.url = f"socket://127.0.0.1:{self.port}"
        out = open(log, "ab") if log else subprocess.DEVNULL
        self.process = subprocess.Popen(qemu_command(firmware, self.port, self.monitor),
                                        stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=detach)
        if log:
            out.close()
        self._wait_listening()

    def _wait_listening(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise KwstinyError(f"QEMU exited at start-up (status {self.process.returncode}) "
                                   f"running {self.firmware}")
            if os.path.exists(self.monitor) and _accepts(self.port):
                return
            time.sleep(0.05)
        self.stop()
        raise KwstinyError("QEMU did not start within 15 s")

    def reset(self) -> None:
        """A board reset (QEMU's system_reset): the firmware restarts from its reset vector."""
        self.monitor_command("system_reset")

    def monitor_command(self, command: str) -> str:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(self.monitor)
            s.sendall(command.encode() + b"\n")
            time.sleep(0.2)
            try:
                return s.recv(65536).decode("utf-8", "replace")
            except socket.timeout:
                return ""

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self._tmp, ignore_errors=True)


class HostBoard(_Process):
    """The host build of the firmware (a POSIX process); SIGUSR1 resets it."""

    def __init__(self, firmware: str | os.PathLike, extra_args: list[str] | None = None, *,
                 port: int | None = None, detach: bool = False, log: str | os.PathLike | None = None):
        firmware = Path(firmware)
        if not firmware.is_file():
            raise KwstinyError(f"firmware program not found: {firmware}")
        args = [str(firmware), "--port", str(port or 0)] + (extra_args or [])
        if port is None:
            # Let the program pick a free port and say which.
            self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL, text=True,
                                            start_new_session=detach)
            line = self.process.stdout.readline()
            match = re.search(r"socket://127\.0\.0\.1:(\d+)", line)
            if not match:
                self.stop()
                raise KwstinyError(f"the host firmware did not start: {line.strip()!r}")
            self.port = int(match.group(1))
        else:
            out = open(log, "ab") if log else subprocess.DEVNULL
            self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=detach)
            if log:
                out.close()
            self.port = port
            deadline = time.monotonic() + 10
            while not _accepts(port):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise KwstinyError(f"the host firmware did not start listening on port {port}")
                time.sleep(0.05)
        self.url = f"socket://127.0.0.1:{self.port}"

    def reset(self) -> None:
        self.process.send_signal(signal.SIGUSR1)
