"""Room reverberation: a bank of simulated room impulse responses, made once and cached,
and the convolution that puts a training window into one of those rooms.

Simulating a room (pyroomacoustics' image-source method) costs far more than a training
sample, so a bank of rooms is drawn once from a seed: random shoebox sizes, a reverberation
time (RT60) per room turned into wall absorption by Sabine's formula, a microphone
somewhere inside and a talker at a near- or far-field distance from it. Each sample then
picks one response from the bank and is convolved with it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from kwstiny import paths
from kwstiny.errors import KwstinyError, check

# Room sizes in metres (length, width, height): a small bedroom to a large living room.
ROOM_SIZE_M = ((3.0, 2.5, 2.4), (10.0, 8.0, 4.0))
# Walls keep this far from the microphone and the talker.
WALL_MARGIN_M = 0.3
# Image-source orders above this add little but time.
MAX_ORDER = 40


@dataclass(frozen=True)
class RoomBankSettings:
    count: int = 200
    seed: int = 0
    rt60_s: tuple[float, float] = (0.15, 0.8)
    distance_m: tuple[float, float] = (0.3, 4.0)
    sample_rate: int = 16000

    def __post_init__(self):
        own = "augment"
        check(self.count >= 1, own, "room_count", self.count, ">= 1")
        low, high = self.rt60_s
        check(0.05 <= low <= high <= 2.0, own, "room_rt60_s", self.rt60_s,
              "(low, high) seconds with 0.05 <= low <= high <= 2.0")
        low, high = self.distance_m
        check(0.1 <= low <= high <= 8.0, own, "room_distance_m", self.distance_m,
              "(low, high) metres with 0.1 <= low <= high <= 8.0")

    def key(self) -> str:
        import pyroomacoustics

        text = json.dumps({**asdict(self), "pyroomacoustics": pyroomacoustics.__version__,
                           "format": 1})
        return hashlib.sha1(text.encode()).hexdigest()[:16]


def bank_path(settings: RoomBankSettings) -> Path:
    return paths.home() / "cache" / "rooms" / f"rirs-{settings.key()}.npz"


def room_bank(settings: RoomBankSettings, progress=None) -> Path:
    """The cached bank for these settings, simulated first if it is not there yet."""
    path = bank_path(settings)
    if path.is_file():
        return path
    rng = np.random.default_rng(settings.seed)
    rirs, info = [], []
    for k in range(settings.count):
        rir, room = simulate_room(rng, settings)
        rirs.append(rir)
        info.append(room)
        if progress is not None:
            progress(k + 1, settings.count)
    lengths = np.array([r.size for r in rirs])
    packed = np.zeros((len(rirs), lengths.max()), np.float32)
    for k, r in enumerate(rirs):
        packed[k, :r.size] = r
    with paths.atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, rirs=packed, lengths=lengths, info=json.dumps(info))
    return path


def simulate_room(rng: np.random.Generator, settings: RoomBankSettings) -> tuple[np.ndarray, dict]:
    """One random room's impulse response, starting at the direct sound, peak 1."""
    import pyroomacoustics as pra

    low, high = np.array(ROOM_SIZE_M[0]), np.array(ROOM_SIZE_M[1])
    for _ in range(100):
        dims = rng.uniform(low, high)
        rt60 = float(rng.uniform(*settings.rt60_s))
        distance = float(rng.uniform(*settings.distance_m))
        mic = rng.uniform(WALL_MARGIN_M, dims - WALL_MARGIN_M)
        mic[2] = rng.uniform(0.5, min(2.0, dims[2] - WALL_MARGIN_M))
        # A talker at `distance`, mouth between 1.0 and 1.9 m high, anywhere around.
        height = rng.uniform(1.0, min(1.9, dims[2] - WALL_MARGIN_M))
        dz = height - mic[2]
        if abs(dz) >= distance:
            continue
        angle = rng.uniform(0, 2 * np.pi)
        flat = np.sqrt(distance ** 2 - dz ** 2)
        source = mic + np.array([flat * np.cos(angle), flat * np.sin(angle), dz])
        if np.all(source >= WALL_MARGIN_M) and np.all(source <= dims - WALL_MARGIN_M):
            break
    else:
        raise KwstinyError(f"no room of {ROOM_SIZE_M} fits a talker at "
                           f"{settings.distance_m} m: lower augment.room_distance_m")
    try:
        absorption, order = pra.inverse_sabine(rt60, dims)
    except ValueError:
        # Too reverberant for Sabine's formula in a room this large: the hardest walls.
        absorption, order = 0.01, MAX_ORDER
    room = pra.ShoeBox(dims, fs=settings.sample_rate, materials=pra.Material(absorption),
                       max_order=min(int(order), MAX_ORDER))
    room.add_source(source)
    room.add_microphone(mic)
    room.compute_rir()
    rir = np.asarray(room.rir[0][0], np.float64)
    # Drop the propagation delay (up to the direct sound, less the fractional-delay
    # filter's half length) so a reverberated clip stays where it was placed.
    first = max(0, int(np.argmax(np.abs(rir))) - pra.constants.get("frac_delay_length") // 2)
    rir = rir[first:]
    rir /= np.abs(rir).max()
    return rir.astype(np.float32), {"size_m": dims.round(2).tolist(), "rt60_s": round(rt60, 3),
                                    "distance_m": round(distance, 2)}


class RoomBank:
    """The impulse responses of a bank file, loaded once per worker."""

    def __init__(self, path: str | Path):
        with np.load(path) as data:
            self.rirs = data["rirs"]
            self.lengths = data["lengths"]
            self.info = json.loads(str(data["info"]))

    def __len__(self) -> int:
        return len(self.lengths)

    def response(self, k: int) -> np.ndarray:
        return self.rirs[k, :self.lengths[k]]

    def apply(self, audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return reverberate(audio, self.response(int(rng.integers(len(self)))))


def reverberate(audio: np.ndarray, rir: np.ndarray) -> np.ndarray:
    """`audio` as heard in the room: convolved, cut to its own length (the tail past the
    window's end is not heard in it), and scaled back to the dry signal's RMS so gain and
    SNR settings keep their meaning."""
    from scipy.signal import fftconvolve

    wet = fftconvolve(audio, rir)[:audio.size]
    dry_rms, wet_rms = np.sqrt(np.mean(audio ** 2)), np.sqrt(np.mean(wet ** 2))
    if wet_rms > 0:
        wet *= dry_rms / wet_rms
    return wet.astype(np.float32)
