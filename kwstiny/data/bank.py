"""Every clip of a dataset decoded once into one int16 array on disk.

Training reads each clip many times and in several worker processes; decoding and
resampling files every time would cost more than the model. The bank is built once
per (clip list, sample rate), memory-mapped by every reader, and written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np

from kwstiny import paths
from kwstiny.errors import KwstinyError

_DONE = "bank.json"


def bank_key(clips, sample_rate: int) -> str:
    digest = hashlib.sha1(str(sample_rate).encode())
    for clip in clips:
        stat = os.stat(clip.path)
        digest.update(f"{clip.sample_id}|{clip.path}|{stat.st_size}|{int(stat.st_mtime)}\n".encode())
    return digest.hexdigest()[:16]


class AudioBank:
    """Read-only view: `bank[i]` is clip i as float32 in [-1, 1] (empty if unreadable)."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        meta = json.loads((self.directory / _DONE).read_text())
        self.sample_rate = meta["sample_rate"]
        self.ids = meta["ids"]
        self.unreadable = {tuple(x) for x in meta["unreadable"]}
        self.offsets = np.load(self.directory / "offsets.npy")
        self.audio = np.load(self.directory / "audio.npy", mmap_mode="r")

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> np.ndarray:
        start, stop = self.offsets[i], self.offsets[i + 1]
        return np.asarray(self.audio[start:stop], dtype=np.float32) / 32768.0

    def length(self, i: int) -> int:
        return int(self.offsets[i + 1] - self.offsets[i])

    @classmethod
    def build(cls, clips, sample_rate: int, progress=None) -> "AudioBank":
        """Open the bank for `clips`, decoding them first if no finished bank exists."""
        from kwstiny.data.audio import AudioError, read_audio

        directory = paths.home() / "cache" / "banks" / bank_key(clips, sample_rate)
        if (directory / _DONE).is_file():
            return cls(directory)
        tmp = directory.with_name(directory.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        pieces, unreadable = [], []
        task = progress.add_task("decoding clips", total=len(clips)) if progress else None
        for clip in clips:
            try:
                audio = read_audio(clip.path, sample_rate)
            except AudioError as error:
                unreadable.append((str(clip.path), str(error)))
                audio = np.zeros(0, np.float32)
            pieces.append(np.clip(np.round(audio * 32768.0), -32768, 32767).astype(np.int16))
            if progress:
                progress.advance(task)
        offsets = np.zeros(len(pieces) + 1, np.int64)
        offsets[1:] = np.cumsum([p.size for p in pieces])
        if offsets[-1] == 0:
            raise KwstinyError("no clip in the dataset could be read")
        np.save(tmp / "audio.npy", np.concatenate(pieces))
        np.save(tmp / "offsets.npy", offsets)
        meta = {"sample_rate": sample_rate, "ids": [c.sample_id for c in clips],
                "unreadable": unreadable}
        (tmp / _DONE).write_text(json.dumps(meta))
        shutil.rmtree(directory, ignore_errors=True)
        os.replace(tmp, directory)
        return cls(directory)
