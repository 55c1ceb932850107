"""The C sources themselves: strict host builds, the Cortex-M33 cross build, a
firmware-style run (static memory, chunked input) matching the Python extension,
and the generated log table."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kwstiny.frontend import Frontend, FrontendSettings, state_bytes, to_int16

ROOT = Path(__file__).resolve().parent.parent
C_DIR = ROOT / "kwstiny" / "frontend" / "c"
SOURCES = sorted(C_DIR.glob("*.c"))
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
CORTEX_M33 = ["-mcpu=cortex-m33", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv5-sp-d16", "-Os",
              "-Wall", "-Wextra", "-Werror", "-std=c99", "-ffunction-sections",
              "-fdata-sections"]

ALEXA = FrontendSettings(sample_length_ms=1200, window_size_ms=30, window_step_ms=10,
                         filterbank_n_channels=108, noise_reduction_enable=True,
                         noise_reduction_min_signal_remaining=0.40, dc_notch_filter_enable=True)


def _compiler(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (scripts/setup.sh installs it)")
    return path


def test_host_build_is_warning_free_c99(tmp_path):
    cc = _compiler("gcc")
    for source in SOURCES:
        subprocess.run([cc, *STRICT, "-O2", "-c", str(source), "-o", str(tmp_path / "x.o")],
                       check=True, capture_output=True, text=True)


@pytest.mark.parametrize("compiler", ["g++", "arm-none-eabi-g++"])
def test_headers_compile_as_cpp17(compiler, tmp_path):
    """The firmware harness is C++17: it includes these headers directly."""
    cxx = _compiler(compiler)
    source = tmp_path / "headers.cc"
    source.write_text("".join(f'#include "{h.name}"\n' for h in sorted(C_DIR.glob("*.h")))
                      + "int main() { return 0; }\n")
    target = CORTEX_M33[:4] if compiler.startswith("arm") else []
    result = subprocess.run([cxx, "-std=c++17", "-Wall", "-Wextra", "-Werror", "-pedantic",
                             *target, f"-I{C_DIR}", "-fsyntax-only", str(source)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_cortex_m33_build_with_werror(tmp_path):
    cc = _compiler("arm-none-eabi-gcc")
    objects = []
    for source in SOURCES:
        obj = tmp_path / (source.stem + ".o")
        result = subprocess.run([cc, *CORTEX_M33, "-c", str(source), "-o", str(obj)],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        objects.append(str(obj))
    size = subprocess.run([_compiler("arm-none-eabi-size"), "-t", *objects], check=True,
                          capture_output=True, text=True).stdout
    text, data, bss = (int(v) for v in size.strip().splitlines()[-1].split()[:3])
    assert data == 0 and bss == 0  # no globals: all state lives in the caller's block
    assert text < 16 * 1024
    undefined = subprocess.run([_compiler("arm-none-eabi-nm"), "-u", *objects], check=True,
                               capture_output=True, text=True).stdout.split()
    assert not {"malloc", "calloc", "realloc", "free"} & set(undefined)  # never allocates

    # Floating point (FPU instructions or libm/soft-double calls) only where tables are
    # built at init; the per-frame path is integer.
    init_time = ("layout", "init", "check_config", "twiddle", "mel", "q12", "gain",
                 "quantize_range")
    uses_float = set()
    for obj in objects:
        function = None
        for line in subprocess.run([_compiler("arm-none-eabi-objdump"), "-d", obj], check=True,
                                   capture_output=True, text=True).stdout.splitlines():
            if line.endswith(">:"):
                function = line.split("<")[1].rstrip(">:")
            elif re.search(r"\tv\w+\.f(32|64)|\tvcvt|\tvsqrt|<__aeabi_[dfi]|<(cos|sin|log1p|powf?|"
                           r"floor|ldexpf?|sqrt)", line):
                uses_float.add(function)
    assert uses_float, "the check found no floating point at all: the pattern is broken"
    assert [f for f in uses_float if not any(word in f for word in init_time)] == []


@pytest.mark.parametrize("portable_sqrt", [False, True], ids=["host_sqrt", "portable_sqrt"])
def test_firmware_style_run_matches_the_extension(portable_sqrt, tmp_path):
    """Static memory, 1000-sample chunks, a 4-frame output buffer, a misaligned block:
    the same frames as the Python extension (and the integer square root that
    Cortex-M33 uses gives the same result as the host's)."""
    cc = _compiler("gcc")
    program = tmp_path / "check"
    defines = ["-DKWS_PORTABLE_SQRT"] if portable_sqrt else []
    subprocess.run([cc, *STRICT, "-O2", *defines, f"-I{C_DIR}",
                    str(ROOT / "tests" / "c" / "kws_frontend_check.c"), *map(str, SOURCES),
                    "-lm", "-o", str(program)], check=True, capture_output=True, text=True)
    rng = np.random.default_rng(11)
    t = np.arange(48000) / 16000
    audio = (0.3 * np.sin(2 * np.pi * 440 * t * (1 + t)) * (np.sin(3 * t) > 0)
             + 0.05 * rng.standard_normal(len(t)) + 0.1).astype(np.float32)
    audio[20000:21000] = 1.5  # clipped
    pcm = to_int16(audio)
    (tmp_path / "in.raw").write_bytes(pcm.tobytes())
    result = subprocess.run([str(program), str(tmp_path / "in.raw"), str(tmp_path / "out.raw")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["state_bytes", str(state_bytes(ALEXA))]
    frames = np.frombuffer((tmp_path / "out.raw").read_bytes(), np.uint16).reshape(-1, 108)
    np.testing.assert_array_equal(frames, Frontend(ALEXA).push(pcm))


def test_cortex_m33_under_qemu_computes_the_host_integers(tmp_path):
    """The same program built for the host and for Cortex-M33 (run on QEMU's
    mps2-an505): identical frames and int8 inputs for four configurations, although
    each platform builds its tables with its own libm at init."""
    host_cc, arm_cc = _compiler("gcc"), _compiler("arm-none-eabi-gcc")
    qemu = _compiler("qemu-system-arm")
    program = ROOT / "tests" / "c" / "kws_frontend_hash.c"
    host = tmp_path / "hash"
    subprocess.run([host_cc, *STRICT, "-O2", f"-I{C_DIR}", str(program), *map(str, SOURCES),
                    "-lm", "-o", str(host)], check=True, capture_output=True, text=True)
    elf = tmp_path / "hash.elf"
    build = subprocess.run(
        [arm_cc, *CORTEX_M33, "-DKWS_SEMIHOSTING", f"-I{C_DIR}", "--specs=nosys.specs",
         "-nostartfiles", "-T", str(ROOT / "tests" / "c" / "qemu_mps2_an505.ld"),
         str(ROOT / "tests" / "c" / "qemu_startup.c"), str(program), *map(str, SOURCES), "-lm",
         "-o", str(elf)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    console = tmp_path / "console.txt"  # the program's semihosting output
    run = subprocess.run([qemu, "-M", "mps2-an505", "-cpu", "cortex-m33", "-nographic",
                          "-semihosting-config", "enable=on,target=native,chardev=console",
                          "-chardev", f"file,id=console,path={console}", "-kernel", str(elf)],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    printed = console.read_text()
    assert run.returncode == 0, printed + run.stderr

    def results(text):  # name -> everything but the (pointer-size dependent) state size
        return {line.split()[0]: line.split()[:-2] for line in text.strip().splitlines()}

    on_host = results(subprocess.run([str(host)], check=True, capture_output=True,
                                     text=True).stdout)
    on_m33 = results(printed)
    assert len(on_host) == 4 and on_m33 == on_host
    m33_state = {line.split()[0]: int(line.split()[-1]) for line in printed.strip().splitlines()}
    assert m33_state["alexa"] < 12 * 1024


def test_log_table_matches_its_generator(tmp_path):
    out = tmp_path / "kws_log_lut.c"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_log_lut.py"), str(out)],
                   check=True, capture_output=True)
    assert out.read_text() == (C_DIR / "kws_log_lut.c").read_text()
