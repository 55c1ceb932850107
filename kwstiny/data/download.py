"""Downloading dataset archives: resumable, verified, never used half-done.

A download goes to `NAME.partial` beside its destination. An interrupted download
(network error, Ctrl-C) leaves the partial file, and the next call resumes it with an
HTTP Range request; a server that ignores Range sends the whole file again and the
partial file is restarted. Only a file whose size and SHA-256 match what the recipe
expects is renamed into place. A file that fails the check (corrupt, truncated by the
server, or simply a different file) is deleted and reported; nothing unverified is
ever extracted.

Extraction goes to a temporary folder renamed into place when complete; a corrupt or
truncated archive is reported by name, deleted, and the half-extracted folder removed.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

from kwstiny.errors import KwstinyError

CHUNK = 1 << 20
PARTIAL_SUFFIX = ".partial"


@dataclass(frozen=True)
class Archive:
    """What a recipe downloads: where from, and what the file must be."""
    url: str
    sha256: str = ""      # hex digest; "" skips the hash check (then size must be given)
    size: int = 0         # bytes; 0 when not known

    @property
    def filename(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]


def download(archive: Archive, destination: str | os.PathLike, progress: bool = True,
             timeout: float = 60.0) -> Path:
    """Fetch `archive` to `destination` (resuming a partial download), verify it, and
    return the path. An existing verified file is returned without a download."""
    destination = Path(destination)
    if not archive.sha256 and not archive.size:
        raise KwstinyError(f"cannot verify {archive.url}: the recipe gives neither a SHA-256 "
                           "nor a size")
    if destination.is_file():
        if _verified_marker(destination, archive):
            return destination
        problem = _problem(destination, archive)
        if problem is None:
            _write_marker(destination, archive)
            return destination
        destination.unlink()
        raise KwstinyError(f"{destination} {problem}; it was deleted, run again to "
                           "download it afresh")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + PARTIAL_SUFFIX)
    _fetch(archive, partial, progress, timeout)
    problem = _problem(partial, archive)
    if problem is not None:
        partial.unlink()
        raise KwstinyError(f"downloaded {archive.filename} {problem}; the partial file was "
                           f"deleted, run again to download it afresh")
    os.replace(partial, destination)
    _write_marker(destination, archive)
    return destination


def _fetch(archive: Archive, partial: Path, progress: bool, timeout: float) -> None:
    have = partial.stat().st_size if partial.is_file() else 0
    if archive.size and have > archive.size:
        partial.unlink()        # longer than the real file: not a prefix of it
        have = 0
    if archive.size and have == archive.size:
        return                  # complete; the caller verifies it
    request = urllib.request.Request(archive.url, headers={"User-Agent": "kwstiny"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416 and have:
            return              # nothing left to send: the partial file is whole
        raise KwstinyError(f"download of {archive.url} failed: HTTP {error.code} "
                           f"{error.reason}") from error
    except (urllib.error.URLError, OSError) as error:
        raise KwstinyError(f"cannot reach {archive.url}: {getattr(error, 'reason', error)}"
                           + (f" ({have} bytes kept in {partial}; run again to resume)"
                              if have else "")) from error
    with response:
        resumed = have and response.status == 206 and _range_start(response) == have
        if not resumed:
            have = 0            # a full (200) reply: start the file over
        total = _total_size(response, have) or archive.size or None
        mode = "ab" if resumed else "wb"
        with open(partial, mode) as out, _Progress(archive.filename, total, have,
                                                   progress) as bar:
            try:
                while True:
                    chunk = response.read(CHUNK)
                    if not chunk:
                        break
                    out.write(chunk)
                    bar.advance(len(chunk))
            except (OSError, urllib.error.URLError, http.client.HTTPException) as error:
                out.flush()
                raise KwstinyError(
                    f"download of {archive.url} broke off after {partial.stat().st_size} "
                    f"bytes ({error}); the partial file {partial} is kept, run again to "
                    "resume") from error
    got = partial.stat().st_size
    if total and got < total:
        raise KwstinyError(f"download of {archive.url} ended early: {got} of {total} bytes; "
                           f"the partial file {partial} is kept, run again to resume")


def _range_start(response) -> int | None:
    value = response.headers.get("Content-Range", "")   # "bytes START-END/TOTAL"
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def _total_size(response, have: int) -> int | None:
    content_range = response.headers.get("Content-Range", "")
    if "/" in content_range and not content_range.endswith("/*"):
        try:
            return int(content_range.rsplit("/", 1)[1])
        except ValueError:
            return None
    length = response.headers.get("Content-Length")
    return have + int(length) if length and length.isdigit() else None


def _problem(path: Path, archive: Archive) -> str | None:
    """Why `path` is not the archive, or None when its size and hash match."""
    size = path.stat().st_size
    if archive.size and size != archive.size:
        return (f"is {size} bytes, not the expected {archive.size} (truncated or a "
                "different file)")
    if archive.sha256:
        digest = sha256_of(path)
        if digest != archive.sha256.lower():
            return f"fails its checksum: SHA-256 {digest}, expected {archive.sha256.lower()}"
    return None


def sha256_of(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


# A verified file gets a marker (hash, size, mtime) so a 2 GB archive is not hashed again
# on every run; touching or replacing the file invalidates it.
def _marker_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _marker_text(path: Path, archive: Archive) -> str:
    stat = path.stat()
    return f"{archive.sha256.lower()} {stat.st_size} {int(stat.st_mtime)}\n"


def _write_marker(path: Path, archive: Archive) -> None:
    _marker_path(path).write_text(_marker_text(path, archive))


def _verified_marker(path: Path, archive: Archive) -> bool:
    marker = _marker_path(path)
    return marker.is_file() and marker.read_text() == _marker_text(path, archive)


def extract_tar(archive_path: str | os.PathLike, folder: str | os.PathLike) -> Path:
    """Extract a .tar(.gz) into `folder` (created whole or not at all). A corrupt or
    truncated archive is deleted and reported; nothing half-extracted stays."""
    archive_path, folder = Path(archive_path), Path(folder)
    work = folder.with_name(folder.name + PARTIAL_SUFFIX)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        with tarfile.open(archive_path, "r:*") as tar:
            tar.extractall(work, filter="data")
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        shutil.rmtree(work, ignore_errors=True)
        archive_path.unlink(missing_ok=True)
        _marker_path(archive_path).unlink(missing_ok=True)
        raise KwstinyError(f"{archive_path} is corrupt or truncated ({error}); it was "
                           "deleted, run again to download it afresh") from error
    except OSError as error:    # disk full, permissions: the archive itself may be fine
        shutil.rmtree(work, ignore_errors=True)
        raise KwstinyError(f"cannot extract {archive_path} into {folder}: {error}") from error
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(work, folder)
    return folder


class _Progress:
    """Bytes progress bar (rich), or nothing."""

    def __init__(self, name: str, total: int | None, done: int, enabled: bool):
        self.name, self.total, self.done, self.enabled = name, total, done, enabled
        self._progress = None

    def __enter__(self):
        if self.enabled:
            from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn,
                                       TimeRemainingColumn, TransferSpeedColumn)

            from kwstiny.progress import console
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                      DownloadColumn(), TransferSpeedColumn(),
                                      TimeRemainingColumn(), console=console)
            self._progress.__enter__()
            self._task = self._progress.add_task(f"downloading {self.name}", total=self.total,
                                                 completed=self.done)
        return self

    def advance(self, n: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.__exit__(*exc)
