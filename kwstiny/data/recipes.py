"""Dataset recipes: declarative files in `kwstiny/datasets/` that say how a dataset is made.

A recipe file is plain Python loaded by path (never imported as a package: a top-level
`datasets` package would clash with HuggingFace's) and binds one recipe object to the
name `recipe`. A recipe has a `name` and `prepare(scale) -> Path`, which makes the
dataset in the cache on first use (a folder of class subfolders plus `manifest.jsonl`)
and returns that folder.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from kwstiny.data.perturb import VoicePerturbation
from kwstiny.errors import KwstinyError, check
from kwstiny.pyfiles import FileCatalog, run_file

RECIPE_DIR = Path(__file__).resolve().parent.parent / "datasets"
SCALES = ("full", "demo", "test")


@dataclass(frozen=True)
class TextPool:
    """Texts of one kind (the keyword alone, confusable words, sentences ...) and the share
    of a class's clips they fill."""
    name: str
    texts: tuple[str, ...]
    share: float = 1.0

    def __post_init__(self):
        own = f"TextPool({self.name!r})"
        check(len(self.texts) > 0 and all(isinstance(t, str) and t.strip() for t in self.texts),
              own, "texts", self.texts, "one or more non-empty strings")
        check(self.share > 0, own, "share", self.share, "> 0")


@dataclass(frozen=True)
class SpeechClass:
    """One class folder of synthesized speech. With `keyword` set, every text contains the
    keyword and its clips are cut to hold the whole keyword (see SynthesisRecipe)."""
    label: str
    pools: tuple[TextPool, ...]
    keyword: str = ""

    def __post_init__(self):
        own = f"SpeechClass({self.label!r})"
        check(bool(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", self.label)), own, "label",
              self.label, "a folder name of letters, digits, '_', '.', '-'")
        check(len(self.pools) > 0, own, "pools", self.pools, "one or more TextPool")
        if self.keyword:
            for pool in self.pools:
                for text in pool.texts:
                    check(keyword_split(text, self.keyword) is not None, own,
                          f"pools[{pool.name!r}]", text, f"texts that contain {self.keyword!r}")


@dataclass(frozen=True)
class SynthesisRecipe:
    """A dataset synthesized offline with espeak-ng and flite, plus generated noise."""
    name: str
    classes: tuple[SpeechClass, ...]
    # Clips per class at each scale: {"full": {"alexa": 4500, ...}, "demo": ..., "test": ...}
    counts: dict
    sample_rate: int = 16000
    # Share of the clips each engine speaks; its voices take turns within that share.
    engines: dict = field(default_factory=lambda: {"espeak-ng": 0.85, "flite": 0.15})
    speed_range: tuple[float, float] = (0.75, 1.35)
    pitch_range: tuple[float, float] = (0.7, 1.4)
    # Each clip is scaled to a peak drawn from this range.
    peak_range: tuple[float, float] = (0.3, 0.95)
    # Silence kept before and after the speech (ms, drawn per clip).
    pad_ms: tuple[int, int] = (30, 200)
    # Keyword clips longer than this are cut to a window that holds the whole keyword.
    keyword_window_ms: int = 1200
    # Other clips longer than this are cut to a random window of it.
    max_clip_ms: int = 2000
    # Background noise written to `_background_noise_`: kinds and seconds per scale.
    noise_kinds: tuple[str, ...] = ("white", "pink", "brown", "hum50", "hum60", "babble")
    noise_seconds: dict = field(default_factory=lambda: {"full": 60.0, "demo": 30.0,
                                                         "test": 3.0})
    babble_sentences: tuple[str, ...] = ()
    # Per-clip voice perturbation (vocal-tract length, pitch contour, ...); None = off.
    perturbation: VoicePerturbation | None = None
    seed: int = 1234
    description: str = ""

    def __post_init__(self):
        from kwstiny.data.noise import NOISE_KINDS
        from kwstiny.data.synth import ENGINES

        own = f"recipe {self.name}"
        labels = [c.label for c in self.classes]
        check(len(labels) > 0 and len(set(labels)) == len(labels), own, "classes", labels,
              "one or more classes with distinct labels")
        check("_background_noise_" not in labels, own, "classes", labels,
              "labels other than '_background_noise_' (that folder holds the noise)")
        for scale, per_class in self.counts.items():
            check(scale in SCALES, own, "counts", scale, "scales " + ", ".join(SCALES))
            check(set(per_class) == set(labels) and all(
                isinstance(n, int) and n > 0 for n in per_class.values()),
                own, f"counts[{scale!r}]", per_class, f"a positive clip count for each of {labels}")
        check(set(self.engines) <= set(ENGINES) and len(self.engines) > 0 and all(
            s > 0 for s in self.engines.values()), own, "engines", self.engines,
            f"shares > 0 for engines among {ENGINES}")
        for name in ("speed_range", "pitch_range", "peak_range", "pad_ms"):
            low, high = getattr(self, name)
            check(0 <= low <= high, own, name, getattr(self, name), "(low, high), 0 <= low <= high")
        check(self.speed_range[0] >= 0.3 and self.speed_range[1] <= 3.0, own, "speed_range",
              self.speed_range, "factors within 0.3 to 3.0")
        check(self.pitch_range[0] >= 0.3 and self.pitch_range[1] <= 3.0, own, "pitch_range",
              self.pitch_range, "factors within 0.3 to 3.0")
        check(self.peak_range[1] <= 1.0, own, "peak_range", self.peak_range, "peaks <= 1.0")
        check(self.keyword_window_ms >= 300 and self.max_clip_ms >= 300, own,
              "keyword_window_ms", self.keyword_window_ms, ">= 300 (and max_clip_ms >= 300)")
        check(set(self.noise_kinds) <= set(NOISE_KINDS), own, "noise_kinds", self.noise_kinds,
              "kinds among " + ", ".join(NOISE_KINDS))
        check(not self.noise_kinds or all(self.noise_seconds.get(s, 0) > 0 for s in self.counts),
              own, "noise_seconds", self.noise_seconds, "seconds > 0 for every scale in counts")
        check(self.perturbation is None or isinstance(self.perturbation, VoicePerturbation),
              own, "perturbation", self.perturbation, "None or a VoicePerturbation(...)")
        check("babble" not in self.noise_kinds or len(self.babble_sentences) > 0, own,
              "babble_sentences", self.babble_sentences, "sentences for the babble noise")
        # A keyword said inside another class's text would be a wrong label.
        for keyword in (c.keyword for c in self.classes if c.keyword):
            for other in self.classes:
                if other.keyword == keyword:
                    continue
                for pool in other.pools:
                    for text in pool.texts:
                        check(keyword_split(text, keyword) is None, own,
                              f"{other.label}.{pool.name}", text,
                              f"texts without the keyword {keyword!r}")
            for text in self.babble_sentences:
                check(keyword_split(text, keyword) is None, own, "babble_sentences", text,
                      f"sentences without the keyword {keyword!r}")

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.classes)

    def settings(self) -> dict:
        """Everything that decides the output; its hash tells a cached dataset is current."""
        settings = dataclasses.asdict(self)
        settings.pop("description")
        if settings["perturbation"] is None:  # datasets made before it existed stay current
            settings.pop("perturbation")
        return settings

    def prepare(self, scale: str = "full", workers: int | None = None,
                progress: bool = True) -> Path:
        """The dataset folder for `scale`, synthesized into the cache on first use."""
        from kwstiny.data.synthetic import build_dataset

        if scale not in self.counts:
            raise KwstinyError(f"recipe {self.name} has no scale {scale!r}; it has: "
                               + ", ".join(self.counts))
        return build_dataset(self, scale, workers=workers, progress=progress)


def keyword_split(text: str, keyword: str) -> tuple[str, str, str] | None:
    """(before, keyword as written, after) at the first whole-word keyword, or None."""
    match = re.search(rf"(?<![A-Za-z]){re.escape(keyword)}(?![A-Za-z])", text, re.IGNORECASE)
    if match is None:
        return None
    return text[:match.start()], match.group(0), text[match.end():]


# Loading ---------------------------------------------------------------------------------

RECIPE_FILES = FileCatalog("KWSTINY_DATASET_PATH", RECIPE_DIR)


def available_recipes() -> list[str]:
    return RECIPE_FILES.names()


def find_recipe(name: str) -> Path | None:
    return RECIPE_FILES.find(name)


def load_recipe(name_or_path: str):
    """A recipe by name (kwstiny/datasets/NAME.py, or a folder on KWSTINY_DATASET_PATH) or path."""
    text = str(name_or_path)
    path = Path(text) if text.endswith(".py") else find_recipe(text)
    if path is None or not path.is_file():
        close = difflib.get_close_matches(text, available_recipes(), n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise KwstinyError(f"no dataset recipe named {text!r}; recipes: "
                           + (", ".join(available_recipes()) or "none") + "." + hint)
    try:
        module = run_file(path, "recipe")
    except (TypeError, ValueError, KwstinyError, NameError, AttributeError) as error:
        raise KwstinyError(f"dataset recipe {path}: {error}") from error
    recipe = getattr(module, "recipe", None)
    if recipe is None or not callable(getattr(recipe, "prepare", None)):
        raise KwstinyError(f"dataset recipe {path} must bind a recipe (with a prepare(scale) "
                           f"method) to the name 'recipe'")
    if getattr(recipe, "name", None) != path.stem:
        raise KwstinyError(f"dataset recipe {path} names itself {getattr(recipe, 'name', None)!r}"
                           f"; the name must match the file name {path.stem!r}")
    return recipe
