"""Voice perturbation through WORLD: formants move without the pitch, F0 follows the asked
contour, a seed gives one result, and bad settings are named."""

import json

import numpy as np
import pytest

from kwstiny.data.recipes import SpeechClass, SynthesisRecipe, TextPool
from kwstiny.data.synth import Voice, synthesize
from kwstiny.errors import KwstinyError, SettingError

pyworld = pytest.importorskip("pyworld", reason="voice perturbation needs pip install pyworld")
librosa = pytest.importorskip("librosa")

from kwstiny.data.perturb import VoicePerturbation, apply_factors, perturb_voice  # noqa: E402

RATE = 16000
NEUTRAL = dict(vtl=1.0, f0_scale=1.0, f0_span=1.0, f0_ramp=0.0, jitter=0.0, breathiness=0.0,
               tempo=1.0)
TEXT = "this is a test of the pitch of my voice"


@pytest.fixture(scope="module")
def speech():
    return synthesize(TEXT, Voice("espeak-ng", "en-us", "", "gmw/en-US"), RATE)


def yin(audio, fmin=60.0, fmax=500.0, frame=1024, hop=160, threshold=0.2):
    """YIN (de Cheveigne & Kawahara 2002) in numpy: per 10 ms frame, the F0 (NaN where
    unvoiced) and the dip of the normalised difference function (0 = perfectly periodic).
    A different estimator from WORLD's, and free of numba, whose pYIN kernel crashed CI."""
    x = np.asarray(audio, dtype=np.float64)
    starts = range(0, len(x) - frame, hop)
    frames = np.stack([x[s:s + frame] for s in starts])
    half = frame // 2  # the window W and the longest lag
    lags = np.arange(half)
    # d(tau) = sum_{j<W} (x_j - x_{j+tau})^2 = E(0..W) + E(tau..tau+W) - 2 r(tau)
    head = np.fft.rfft(frames[:, :half], n=2 * frame)
    whole = np.fft.rfft(frames, n=2 * frame)
    r = np.fft.irfft(np.conj(head) * whole)[:, :half]
    energy = np.concatenate([np.zeros((len(frames), 1)), np.cumsum(frames ** 2, axis=1)],
                            axis=1)
    diff = energy[:, half:half + 1] + energy[:, lags + half] - energy[:, lags] - 2 * r
    diff[:, 0] = 0.0
    cumulative = np.cumsum(diff[:, 1:], axis=1) / lags[1:]
    normalised = np.ones_like(diff)
    normalised[:, 1:] = diff[:, 1:] / np.maximum(cumulative, 1e-12)
    low, high = int(RATE / fmax), int(RATE / fmin)
    f0 = np.full(len(frames), np.nan)
    dip = normalised[:, low:high].min(axis=1)
    for i, curve in enumerate(normalised):
        below = np.flatnonzero(curve[low:high] < threshold)
        if not len(below):
            continue
        tau = low + below[0]
        while tau + 1 < high and curve[tau + 1] < curve[tau]:
            tau += 1  # walk down to the bottom of the first dip
        a, b, c = curve[tau - 1], curve[tau], curve[tau + 1]
        shift = 0.5 * (a - c) / (a - 2 * b + c) if a - 2 * b + c > 0 else 0.0
        f0[i] = RATE / (tau + shift)
    loud = frames.std(axis=1) > 0.05 * frames.std(axis=1).max()
    f0[~loud] = np.nan
    return f0, dip


def f0_track(audio):
    """The F0 per 10 ms frame, NaN where unvoiced or quiet."""
    return yin(audio)[0]


def envelope(audio):
    """The long-term spectral envelope (log power, cepstrally smoothed) of the loud frames."""
    power = np.abs(librosa.stft(audio, n_fft=1024, hop_length=160)) ** 2
    energy = power.sum(axis=0)
    mean = power[:, energy > 0.05 * energy.max()].mean(axis=1)
    cepstrum = np.fft.irfft(np.log(mean + 1e-12))
    cepstrum[30:-30] = 0.0
    return np.fft.rfft(cepstrum).real


def formant_factor(perturbed, original):
    """The frequency scaling that best maps the original's envelope onto the perturbed one
    (300-4000 Hz, on a log-frequency grid)."""
    env_p, env_o = envelope(perturbed), envelope(original)
    freqs = np.linspace(0, RATE / 2, len(env_p))
    grid = np.geomspace(300, 4000, 400)
    target = np.interp(grid, freqs, env_p)
    factors = np.geomspace(0.75, 1.33, 201)
    scores = [np.corrcoef(target, np.interp(grid / f, freqs, env_o))[0, 1] for f in factors]
    return float(factors[int(np.argmax(scores))])


@pytest.mark.parametrize("vtl", [0.88, 1.15])
def test_vocal_tract_length_moves_formants_not_pitch_or_length(speech, vtl):
    out = apply_factors(speech, RATE, {**NEUTRAL, "vtl": vtl}, np.random.default_rng(0))
    assert out.dtype == np.float32 and len(out) == len(speech)
    assert formant_factor(out, speech) == pytest.approx(vtl, rel=0.04)
    neutral = apply_factors(speech, RATE, NEUTRAL, np.random.default_rng(0))
    assert formant_factor(neutral, speech) == pytest.approx(1.0, abs=0.02)
    pitch_before, pitch_after = np.nanmedian(f0_track(speech)), np.nanmedian(f0_track(out))
    assert pitch_after == pytest.approx(pitch_before, rel=0.05)


def test_f0_scale_and_ramp(speech):
    before = f0_track(speech)
    higher = f0_track(apply_factors(speech, RATE, {**NEUTRAL, "f0_scale": 1.25},
                                    np.random.default_rng(0)))
    assert np.nanmedian(higher) / np.nanmedian(before) == pytest.approx(1.25, rel=0.05)
    # A 6-semitone rise: the end of the utterance rises about 6 semitones more than its start.
    rising = f0_track(apply_factors(speech, RATE, {**NEUTRAL, "f0_ramp": 6.0},
                                    np.random.default_rng(0)))

    def change_semitones(track, part):
        voiced = np.flatnonzero(np.isfinite(before) & np.isfinite(track))
        third = voiced[:len(voiced) // 3] if part == "start" else voiced[-len(voiced) // 3:]
        return 12 * np.log2(np.median(track[third]) / np.median(before[third]))

    rise = change_semitones(rising, "end") - change_semitones(rising, "start")
    assert 3.5 < rise < 7.5


def intonation_scale(modified, reference):
    """How much `modified` widens the F0 excursions of `reference`: the slope of its log F0
    around the median against the reference's, over frames voiced in both. Frames where the
    two differ by more than half an octave are tracker octave errors and left out."""
    f_mod, f_ref = f0_track(modified), f0_track(reference)
    both = np.isfinite(f_mod) & np.isfinite(f_ref)
    y, x = np.log(f_mod[both]), np.log(f_ref[both])
    y, x = y - np.median(y), x - np.median(x)
    keep = np.abs(y - x) < np.log(2) / 2
    return float(np.sum(x[keep] * y[keep]) / np.sum(x[keep] ** 2))


def test_flatter_and_wider_intonation(speech):
    neutral = apply_factors(speech, RATE, NEUTRAL, np.random.default_rng(0))
    flat = apply_factors(speech, RATE, {**NEUTRAL, "f0_span": 0.3}, np.random.default_rng(0))
    wide = apply_factors(speech, RATE, {**NEUTRAL, "f0_span": 1.6}, np.random.default_rng(0))
    assert intonation_scale(neutral, speech) == pytest.approx(1.0, abs=0.1)
    assert intonation_scale(flat, speech) == pytest.approx(0.3, abs=0.1)
    assert intonation_scale(wide, speech) == pytest.approx(1.6, abs=0.15)


def test_breathiness_adds_high_frequency_noise_between_harmonics(speech):
    neutral = apply_factors(speech, RATE, NEUTRAL, np.random.default_rng(0))
    voiced = np.isfinite(f0_track(neutral))

    def harmonicity(audio):  # how periodic the voiced frames are above 1 kHz
        spectrum = np.fft.rfft(audio)
        spectrum[np.fft.rfftfreq(len(audio), 1 / RATE) < 1000] = 0
        _, dip = yin(np.fft.irfft(spectrum, len(audio)))
        return float(np.mean(1.0 - dip[voiced]))

    breathy = apply_factors(speech, RATE, {**NEUTRAL, "breathiness": 0.9},
                            np.random.default_rng(0))
    assert harmonicity(breathy) < harmonicity(neutral) - 0.08


def test_tempo_changes_length(speech):
    faster = apply_factors(speech, RATE, {**NEUTRAL, "tempo": 1.25}, np.random.default_rng(0))
    assert len(faster) / len(speech) == pytest.approx(1 / 1.25, rel=0.02)


def test_same_seed_same_voice_and_factors_recorded(speech):
    settings = VoicePerturbation(probability=1.0, jitter_range=(0.01, 0.02))
    a, factors_a = perturb_voice(speech, RATE, np.random.default_rng(7), settings)
    b, factors_b = perturb_voice(speech, RATE, np.random.default_rng(7), settings)
    c, factors_c = perturb_voice(speech, RATE, np.random.default_rng(8), settings)
    assert factors_a == factors_b and np.array_equal(a, b)
    assert factors_c != factors_a and not np.array_equal(a, c)
    assert set(factors_a) == {"vtl", "f0_scale", "f0_span", "f0_ramp", "jitter", "breathiness",
                              "tempo"}
    assert settings.vtl_range[0] <= factors_a["vtl"] <= settings.vtl_range[1]
    assert factors_a["tempo"] == 1.0  # off by default
    # probability 0: nothing is drawn and the audio is untouched
    same, none = perturb_voice(speech, RATE, np.random.default_rng(7),
                               VoicePerturbation(probability=0.0))
    assert none is None and same is speech


def test_short_or_silent_audio_is_returned_as_is():
    factors = {**NEUTRAL, "vtl": 1.2}
    assert np.array_equal(apply_factors(np.zeros(8000, np.float32), RATE, factors,
                                        np.random.default_rng(0)), np.zeros(8000))
    tiny = np.random.default_rng(0).uniform(-0.1, 0.1, 200).astype(np.float32)
    assert np.array_equal(apply_factors(tiny, RATE, factors, np.random.default_rng(0)), tiny)


def test_settings_validation_names_the_setting():
    with pytest.raises(SettingError, match=r"VoicePerturbation.vtl_range = \(1.2, 1.0\)"):
        VoicePerturbation(vtl_range=(1.2, 1.0))
    with pytest.raises(SettingError, match="0.7 <= low <= high <= 1.4"):
        VoicePerturbation(vtl_range=(0.5, 1.0))
    with pytest.raises(SettingError, match="probability"):
        VoicePerturbation(probability=1.5)
    with pytest.raises(SettingError, match="jitter_range"):
        VoicePerturbation(jitter_range=(0.0,))
    with pytest.raises(SettingError, match="perturbation"):
        _recipe(perturbation={"vtl_range": (0.9, 1.1)})


def test_missing_pyworld_names_the_pip_package(monkeypatch, speech):
    import builtins
    real_import = builtins.__import__

    def no_world(name, *args, **kwargs):
        if name == "pyworld":
            raise ImportError("no pyworld")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_world)
    with pytest.raises(KwstinyError, match="pip install pyworld"):
        apply_factors(speech, RATE, NEUTRAL, np.random.default_rng(0))


# In a recipe ----------------------------------------------------------------------------

def _recipe(**changes):
    settings = dict(
        name="tiny_perturbed",
        classes=(SpeechClass("alexa", keyword="alexa", pools=(
                     TextPool("phrase", ("hey alexa", "alexa, what time is it")),)),
                 SpeechClass("_unknown_", pools=(TextPool("w", ("relax", "hello")),))),
        counts={"test": {"alexa": 4, "_unknown_": 4}}, engines={"espeak-ng": 1.0},
        noise_kinds=())
    settings.update(changes)
    return SynthesisRecipe(**settings)


def test_off_by_default_keeps_existing_fingerprints():
    from kwstiny.data.synthetic import fingerprint

    plain = _recipe()
    assert plain.perturbation is None and "perturbation" not in plain.settings()
    perturbed = _recipe(perturbation=VoicePerturbation())
    assert perturbed.settings()["perturbation"]["vtl_range"] == (0.88, 1.15)
    assert fingerprint(plain, "test") != fingerprint(perturbed, "test")
    assert fingerprint(perturbed, "test") != fingerprint(
        _recipe(perturbation=VoicePerturbation(probability=0.5)), "test")


def test_recipe_clips_record_their_perturbation(tmp_path):
    from kwstiny.data.synthetic import build_dataset

    recipe = _recipe(perturbation=VoicePerturbation(probability=0.5))
    root = build_dataset(recipe, "test", workers=1, progress=False, root=tmp_path / "d")
    records = [json.loads(line) for line in (root / "manifest.jsonl").read_text().splitlines()]
    assert len(records) == 8
    drawn = [r["perturbation"] for r in records]
    assert any(d is None for d in drawn) and any(d is not None for d in drawn)
    for record in records:
        if record["perturbation"]:
            assert 0.88 <= record["perturbation"]["vtl"] <= 1.15
        if record["label"] == "alexa":  # the keyword is still inside its clip
            assert 0 <= record["keyword_start"] < record["keyword_end"] <= record["duration"]
    # The same recipe makes the same clips again (per-clip seeds).
    again = build_dataset(recipe, "test", workers=2, progress=False, root=tmp_path / "e")
    for record in records:
        first = (root / record["path"]).read_bytes()
        assert first == (again / record["path"]).read_bytes()


def test_tempo_in_a_recipe_moves_the_keyword_bounds_with_it(tmp_path):
    from kwstiny.data.synthetic import build_dataset

    def keyword_spans(recipe, name):
        root = build_dataset(recipe, "test", workers=1, progress=False, root=tmp_path / name)
        lines = (root / "manifest.jsonl").read_text().splitlines()
        return {r["sample_id"]: r for r in map(json.loads, lines) if r["label"] == "alexa"}

    faster = VoicePerturbation(probability=1.0, tempo_range=(1.25, 1.25), vtl_range=(1, 1),
                               f0_scale_range=(1, 1), f0_span_range=(1, 1),
                               f0_ramp_range=(0, 0), jitter_range=(0, 0),
                               breathiness_range=(0, 0))
    plain = keyword_spans(_recipe(), "plain")
    fast = keyword_spans(_recipe(perturbation=faster), "fast")
    assert plain.keys() == fast.keys()
    compared = 0
    for sample_id, record in plain.items():
        if record["duration"] >= 1.2:  # cut to the keyword window: offsets differ
            continue
        compared += 1
        span = record["keyword_end"] - record["keyword_start"]
        fast_span = fast[sample_id]["keyword_end"] - fast[sample_id]["keyword_start"]
        assert fast_span == pytest.approx(span / 1.25, abs=0.015)
        assert fast[sample_id]["duration"] < record["duration"]
    assert compared >= 2


def test_loud_input_is_scaled_not_clipped(speech):
    loud = speech / np.abs(speech).max()  # peaks at full scale
    out = apply_factors(loud, RATE, {**NEUTRAL, "vtl": 1.15, "breathiness": 0.5},
                        np.random.default_rng(0))
    assert np.abs(out).max() <= 1.0
    assert np.mean(np.abs(out) >= 0.999) < 1e-4  # no run of clipped samples
