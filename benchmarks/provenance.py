"""What a benchmark result was measured with: the commit (and whether the tree had
uncommitted changes) and the versions of the packages that can change the figures.
Every script in benchmarks/ stores it as "provenance" in the JSON it writes."""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kwstiny", "numpy", "tensorflow", "tf-keras", "tensorflow-model-optimization",
            "tflite-micro", "ai-edge-litert", "audiomentations", "soxr", "scikit-learn")


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def provenance() -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return {"commit": _git("rev-parse", "HEAD") or None,
            "uncommitted_changes": bool(_git("status", "--porcelain", "--untracked-files=no")),
            "python": platform.python_version(), "packages": versions}
