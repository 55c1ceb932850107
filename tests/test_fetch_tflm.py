"""`build_firmware --fetch-tflm` against local git repositories standing in for
tflite-micro and its dependencies: the pinned commits are checked out where TFLM's
Makefile looks, prepared as TFLM's download scripts do, the library is built once with
the board's Makefile variables and reused. (The real build: kwstiny/firmware/README.md.)"""

import subprocess
import sys

import pytest

from kwstiny.device import tflm
from kwstiny.errors import KwstinyError

# Stands in for TFLM's Makefile: records its variables and that it ran `python3`, and
# writes the library where TFLM would.
FAKE_MAKEFILE = """\
GEN := gen/$(if $(TARGET),$(TARGET)_$(TARGET_ARCH),linux_x86_64)_$(BUILD_TYPE)$(if $(OPTIMIZED_KERNEL_DIR),_$(OPTIMIZED_KERNEL_DIR),)
PY := $(shell python3 -c 'import sys; print(sys.executable)')
microlite:
\tmkdir -p $(GEN)/lib
\techo "$(TARGET) $(TARGET_ARCH) $(TARGET_TOOLCHAIN_ROOT) $(OPTIMIZED_KERNEL_DIR) $(PY)" >> make.log
\ttouch $(GEN)/lib/libtensorflow-microlite.a
"""


def git(cwd, *args):
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout.strip()


def repo(path, files):
    path.mkdir(parents=True)
    git(path, "init", "-q")
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    git(path, "add", "-A")
    git(path, "commit", "-qm", "pinned")
    pinned = git(path, "rev-parse", "HEAD")
    (path / "later.txt").write_text("a commit after the pinned one\n")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "later")
    return pinned


@pytest.fixture
def mirrors(tmp_path, monkeypatch):
    """Local repositories for tflite-micro and every dependency, pinned in tflm."""
    patch = ("--- a/lib.h\n+++ b/lib.h\n@@ -1 +1 @@\n-original\n+patched by TFLM\n")
    tflm_files = {tflm.MAKEFILE: FAKE_MAKEFILE}
    deps = []
    for dep in tflm.DEPENDENCIES:
        if dep.patch:
            tflm_files[dep.patch] = patch
        pinned = repo(tmp_path / "src" / dep.name, {"lib.h": "original\n", "BUILD": "bazel",
                                                   "sub/BUILD.bazel": "bazel"})
        monkeypatch.setenv(f"KWSTINY_TFLM_{dep.name.upper()}_URL", str(tmp_path / "src" / dep.name))
        deps.append(tflm.Source(dep.name, "https://invalid.example", pinned, dep.path, dep.patch,
                                dep.build_files))
    pinned = repo(tmp_path / "src" / "tflite-micro", tflm_files)
    monkeypatch.setenv("KWSTINY_TFLM_URL", str(tmp_path / "src" / "tflite-micro"))
    monkeypatch.setattr(tflm, "TFLM", tflm.Source("tflite-micro", "https://invalid.example", pinned))
    monkeypatch.setattr(tflm, "DEPENDENCIES", tuple(deps))
    monkeypatch.setenv("KWSTINY_HOME", str(tmp_path / "home"))
    return tmp_path


def test_fetch_places_pinned_dependencies_builds_once_and_reuses(mirrors):
    root = tflm.fetch_tflm("host")
    assert root == mirrors / "home" / "tflm" / root.name
    assert not (root / "later.txt").exists()                 # the pinned commit, not the tip
    downloads = root / tflm.DOWNLOADS
    for dep in tflm.DEPENDENCIES:
        folder = downloads / dep.path
        expected = "patched by TFLM\n" if dep.patch else "original\n"
        assert (folder / "lib.h").read_text() == expected, dep.name
        assert not (folder / "BUILD").exists() and not (folder / ".git").exists()
        assert (folder / "sub" / "BUILD.bazel").exists() != dep.build_files
    assert (downloads / "cmsis" / "Cortex_DFP" / "lib.h").is_file()
    assert (root / "gen/linux_x86_64_release_with_logs/lib/libtensorflow-microlite.a").is_file()
    log = (root / "make.log").read_text().split()
    assert log == [sys.executable]                   # `python3` is kwstiny's interpreter

    assert tflm.fetch_tflm("host") == root            # reused: make does not run again
    assert len((root / "make.log").read_text().splitlines()) == 1

    tflm.fetch_tflm("qemu_an505", cmsis_nn=True)      # another library in the same checkout
    assert (root / "make.log").read_text().splitlines()[1].split()[:4] == [
        "cortex_m_generic", "cortex-m33", "/usr/bin/", "cmsis_nn"]
    assert (root / "gen/cortex_m_generic_cortex-m33_release_with_logs_cmsis_nn/lib/"
                   "libtensorflow-microlite.a").is_file()


def test_an_unreachable_repository_is_one_clear_error(mirrors, monkeypatch):
    monkeypatch.setenv("KWSTINY_TFLM_URL", str(mirrors / "nowhere"))
    with pytest.raises(KwstinyError, match="fetching tflite-micro"):
        tflm.fetch_tflm("host")
    assert not (mirrors / "home" / "tflm" / tflm.tflm_checkout().name).exists()


def test_boards_without_a_make_recipe_are_refused():
    with pytest.raises(KwstinyError, match="host and qemu"):
        tflm.make_arguments("efr32xg24", False)
