"""`kwstiny build_firmware --fetch-tflm`: a TFLM library without hand work.

Clones tflite-micro at a pinned commit into KWSTINY_HOME/tflm/, places the third-party
code its Makefile wants in `tensorflow/lite/micro/tools/make/downloads/` at the versions
TFLM's own download scripts pin (`*_download.sh`, `third_party_downloads.inc` at that
commit) and prepares each as those scripts do (BUILD files removed, TFLM's patches
applied), so the Makefile downloads nothing; then builds `microlite` once per board and
kernel set and reuses it. Every URL can be overridden (`KWSTINY_TFLM_URL` for tflite-micro,
`KWSTINY_TFLM_<NAME>_URL` for a dependency, e.g. `KWSTINY_TFLM_CMSIS_NN_URL`), to build
from local mirrors.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kwstiny.errors import KwstinyError
from kwstiny.paths import home
from kwstiny.progress import console


@dataclass(frozen=True)
class Source:
    """A git repository at one commit, checked out at `path` under TFLM's downloads."""
    name: str            # also the environment override: KWSTINY_TFLM_<NAME>_URL
    url: str
    commit: str
    path: str = ""       # under tensorflow/lite/micro/tools/make/downloads/
    patch: str = ""      # TFLM's patch for it, relative to the tflite-micro root
    build_files: bool = False  # also delete BUILD.bazel (flatbuffers_download.sh does)

    def resolved_url(self) -> str:
        key = "KWSTINY_TFLM_URL" if self.name == "tflite-micro" else \
            "KWSTINY_TFLM_" + self.name.upper().replace("-", "_").replace("/", "_") + "_URL"
        return os.environ.get(key) or self.url


TFLM = Source("tflite-micro", "https://github.com/tensorflow/tflite-micro",
              "90b983c2b3f1480642e040bbd2ddb37b998f3424")
# Pinned by TFLM at that commit; commits of the tags it downloads as archives.
DEPENDENCIES = (
    Source("flatbuffers", "https://github.com/google/flatbuffers",
           "187240970746d00bbd26b0f5873ed54d2477f9f3", "flatbuffers",     # v25.9.23
           "tensorflow/lite/micro/tools/make/flatbuffers.patch", build_files=True),
    Source("kissfft", "https://github.com/mborgerding/kissfft",
           "918336beac80868ad3011cb283063bb224e3e5da", "kissfft",         # v130
           "third_party/kissfft/kissfft.patch"),
    Source("gemmlowp", "https://github.com/google/gemmlowp",
           "719139ce755a0f31cbf1c37f7f98adcc7fc9f425", "gemmlowp"),
    Source("ruy", "https://github.com/google/ruy",
           "d37128311b445e758136b8602d1bbd2a755e115d", "ruy"),
    # TFLM clones pigweed from googlesource; GitHub's google/pigweed is its mirror.
    Source("pigweed", "https://github.com/google/pigweed",
           "47268dff45019863e20438ca3746c6c62df6ef09", "pigweed",
           "tensorflow/lite/micro/tools/make/pigweed.patch"),
    Source("cmsis", "https://github.com/ARM-software/CMSIS_6",
           "5782d6f8057906d360f4b95ec08a2354afe5c9b9", "cmsis"),
    Source("cortex_dfp", "https://github.com/ARM-software/Cortex_DFP",
           "c2c70a97a20fb355815e2ead3d4a40e35a4a3cdf", "cmsis/Cortex_DFP"),
    Source("cmsis_nn", "https://github.com/ARM-software/CMSIS-NN",
           "4ab83cc3cc98fb85ed6dafb55e8ca02f1628dcae", "cmsis_nn"),
)
DOWNLOADS = Path("tensorflow/lite/micro/tools/make/downloads")
MAKEFILE = "tensorflow/lite/micro/tools/make/Makefile"


def make_arguments(board: str, cmsis_nn: bool) -> list[str]:
    """TFLM's Makefile variables for a board, as kwstiny/firmware/README.md lists them."""
    args = ["BUILD_TYPE=release_with_logs"]
    if board == "qemu_an505":
        # The Debian Arm toolchain, not a compiler TFLM would download.
        args += ["TARGET=cortex_m_generic", "TARGET_ARCH=cortex-m33", "TARGET_TOOLCHAIN_ROOT=/usr/bin/"]
    elif board != "host":
        raise KwstinyError(f"--fetch-tflm builds TFLM for the host and qemu boards, not {board}")
    if cmsis_nn:
        args.append("OPTIMIZED_KERNEL_DIR=cmsis_nn")
    return args


def tflm_checkout() -> Path:
    return home() / "tflm" / f"tflite-micro-{TFLM.commit[:12]}"


def fetch_tflm(board: str, cmsis_nn: bool = False, jobs: int | None = None) -> Path:
    """A tflite-micro checkout with `microlite` built for `board`; returns its root (the
    firmware's TFLM_ROOT). Cloned and built on first use, reused after."""
    for tool in ("git", "make", "patch") + (("arm-none-eabi-gcc",) if board == "qemu_an505" else ()):
        if shutil.which(tool) is None:
            raise KwstinyError(f"--fetch-tflm needs {tool} (scripts/setup.sh installs it)")
    from kwstiny.extras import load
    load("PIL", "device", "--fetch-tflm (TFLM's Makefile runs Python scripts that use Pillow)")
    args = make_arguments(board, cmsis_nn)
    root = tflm_checkout()
    if not (root / ".kwstiny-ready").is_file():
        _prepare(root)
    stamp = root / (".kwstiny-built-" + "-".join(a.split("=", 1)[1].strip("/").replace("/", "_")
                                                  for a in args))
    if stamp.is_file():
        return root
    console.print(f"building TFLM's microlite ({' '.join(args)}) in {root}; this takes minutes")
    _run(["make", "-f", MAKEFILE, *args, f"-j{jobs or os.cpu_count() or 1}", "microlite"],
         root, "building TFLM", env=_make_environment(root))
    stamp.write_text("built\n")
    return root


def _prepare(root: Path) -> None:
    """Clone tflite-micro and place its dependencies, into a temporary folder renamed
    into place only when everything is there."""
    root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".tflm-", dir=root.parent) as tmp:
        work = Path(tmp) / "tflite-micro"
        _checkout(TFLM, work)
        for dep in DEPENDENCIES:
            target = work / DOWNLOADS / dep.path
            _checkout(dep, target)
            shutil.rmtree(target / ".git")
            # As TFLM's download scripts do: no Bazel files, then TFLM's patch.
            names = ("BUILD", "BUILD.bazel") if dep.build_files else ("BUILD",)
            for path in target.rglob("*"):
                if path.is_file() and (path.name in names or path.name.endswith("BUILD")):
                    path.unlink()
            if dep.patch:
                _run(["patch", "-p1", "-s", "-d", str(target), "-i", str(work / dep.patch)],
                     work, f"applying TFLM's patch to {dep.name}")
        (work / ".kwstiny-ready").write_text(TFLM.commit + "\n")
        if root.exists():
            shutil.rmtree(root)
        work.rename(root)


def _checkout(source: Source, target: Path) -> None:
    url = source.resolved_url()
    console.print(f"fetching {source.name} {source.commit[:12]} from {url}")
    target.mkdir(parents=True, exist_ok=True)
    _run(["git", "init", "-q"], target, f"fetching {source.name}")
    # One commit when the server allows it (GitHub does); else the whole history.
    shallow = subprocess.run(["git", "fetch", "-q", "--depth", "1", url, source.commit],
                             cwd=target, capture_output=True, text=True)
    if shallow.returncode != 0:
        _run(["git", "fetch", "-q", url, "+refs/heads/*:refs/fetched/heads/*",
              "+refs/tags/*:refs/fetched/tags/*"], target, f"fetching {source.name} from {url}")
    _run(["git", "-c", "advice.detachedHead=false", "checkout", "-q", source.commit], target,
         f"checking out {source.name} {source.commit}")


def _make_environment(root: Path) -> dict:
    """TFLM's Makefile calls `python3` (its helper scripts want numpy and Pillow): make it
    this interpreter."""
    bin_dir = root / ".kwstiny-bin"
    bin_dir.mkdir(exist_ok=True)
    # A wrapper, not a symlink: a virtual environment's interpreter finds its packages
    # only when started by its own path.
    wrapper = bin_dir / "python3"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    return dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")


def _run(command: list[str], cwd: Path, what: str, env: dict | None = None) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise KwstinyError(f"{what} failed ({' '.join(command[:3])} ...): {tail[0]}")
