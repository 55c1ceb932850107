"""Words that sound like a keyword, generated from its phonemes (espeak-ng, offline).

The unknown class must hold what a keyword model is most tempted to fire on: words a few
phonemes away from the keyword (near neighbours, by edit distance over espeak-ng's
phonemes), the keyword inside longer words, and the first or last part of the keyword
said alone. The candidates come from a frequency-ranked English word list (wordfreq), so
the neighbours are words people say. Phonemizing the list takes about half a minute and
is cached in KWSTINY_HOME.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass

from kwstiny.errors import KwstinyError
from kwstiny.paths import home, write_json

# How many of the most frequent English words are candidates.
LEXICON_SIZE = 40000
# The voice whose phonemes are compared; any English voice would do, one must be fixed.
PHONEME_VOICE = "en-us"
_STRESS = re.compile(r"[',]|(?<=.)[0-9#]+$")


def phonemize(texts: list[str], voice: str = PHONEME_VOICE) -> list[tuple[str, ...]]:
    """espeak-ng's phonemes of each text, stress marks and allophone marks dropped."""
    from kwstiny.data.synth import _run, require_engine

    if not texts:
        return []
    clean = [re.sub(r"[^A-Za-z' -]+", " ", t).strip() or "." for t in texts]
    # One text per line, each its own clause, so the output has one line per text.
    stdin = "".join(f"{t}.\n" for t in clean).encode("utf-8")
    result = _run([require_engine("espeak-ng"), "-q", "-x", "--sep=_", "-v", voice],
                  "phonemizing with espeak-ng", stdin=stdin)
    lines = [line.strip() for line in result.stdout.decode("utf-8", "replace").splitlines()
             if line.strip()]
    if result.returncode != 0 or len(lines) != len(texts):
        raise KwstinyError(f"espeak-ng phonemized {len(texts)} texts into {len(lines)} "
                           f"lines (exit {result.returncode}); cannot align them")
    return [tuple(p for p in (_STRESS.sub("", tok) for tok in re.split(r"[_ ]+", line)) if p)
            for line in lines]


def edit_distance(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """Levenshtein distance between two phoneme sequences."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def _contains(sequence: tuple[str, ...], part: tuple[str, ...]) -> bool:
    n = len(part)
    return any(sequence[i:i + n] == part for i in range(len(sequence) - n + 1))


def english_words(n: int = LEXICON_SIZE) -> list[str]:
    """The n most frequent English words, letters only."""
    try:
        import wordfreq
    except ImportError as error:
        raise KwstinyError("generating confusable words needs the word list of the "
                           "'wordfreq' package: pip install 'kwstiny[train]'") from error
    return [w for w in wordfreq.top_n_list("en", n) if w.isascii() and w.isalpha()]


@functools.lru_cache(maxsize=4)
def lexicon(n: int = LEXICON_SIZE) -> dict[str, tuple[str, ...]]:
    """Word -> phonemes for the n most frequent English words, cached on disk."""
    words = english_words(n)
    key = hashlib.sha256(("\n".join(words) + PHONEME_VOICE).encode()).hexdigest()[:16]
    path = home() / "cache" / f"lexicon-{key}.json"
    if path.is_file():
        try:
            return {w: tuple(p) for w, p in json.loads(path.read_text()).items()}
        except (OSError, ValueError):
            pass  # a damaged cache is made again
    table = dict(zip(words, phonemize(words)))
    write_json(path, {w: list(p) for w, p in table.items()})
    return table


@dataclass(frozen=True)
class Confusables:
    """Generated unknown-class texts for one keyword, by kind."""
    keyword: str
    phonemes: tuple[str, ...]
    neighbours: tuple[str, ...]    # nearest words by phoneme edit distance
    embedding: tuple[str, ...]     # words whose phonemes contain the keyword's
    partials: tuple[str, ...]      # first and last parts of the keyword, said alone

    @property
    def all(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.neighbours + self.embedding + self.partials))

    def apart(self, texts: tuple[str, ...], starting_like: bool = True) -> tuple[str, ...]:
        """`texts` without the words that contain the keyword (computers), its parts said
        alone (com, puter) and, with `starting_like`, every text whose phonemes begin with
        all of the keyword's but its last (compute, computing). On real "computer"
        recordings (two seeds, benchmarks/results/real_voice_ablation.json) the model
        trained without them gets a lower threshold from its validation streams, so more
        real keywords are detected at the same false-accept target; it separates real
        keywords from real speech no better, and fires on those words."""
        near = set(self.embedding) | set(self.partials)
        stem = self.phonemes[:-1]
        kept = [t for t in texts if t not in near]
        if not starting_like or not kept:
            return tuple(kept)
        return tuple(t for t, p in zip(kept, phonemize(kept)) if p[:len(stem)] != stem)


def partial_keywords(keyword: str) -> tuple[str, ...]:
    """The keyword's beginnings and endings: for several words, each word and each run of
    leading or trailing words; for one word, its leading and trailing syllable-like parts
    (cut after a vowel group), e.g. computer: com, compu, comput, puter, uter."""
    words = keyword.lower().split()
    if len(words) > 1:
        parts = words + [" ".join(words[:k]) for k in range(2, len(words))] \
            + [" ".join(words[k:]) for k in range(1, len(words) - 1)]
        parts += partial_keywords(words[-1])
        return tuple(dict.fromkeys(p for p in parts if p != keyword.lower()))
    word = words[0]
    cuts = [m.end() for m in re.finditer(r"[aeiouy]+[^aeiouy]?", word)][:-1]
    cuts = [c for c in cuts if 2 <= c <= len(word) - 2]
    heads = [word[:c] for c in cuts]
    tails = [word[c:] for c in cuts if len(word) - c >= 3]
    return tuple(dict.fromkeys(heads + tails))


def confusables(keyword: str, n_neighbours: int = 60, n_embedding: int = 20,
                words: dict[str, tuple[str, ...]] | None = None) -> Confusables:
    """The confusable texts of `keyword`. `words` (word -> phonemes) defaults to the
    cached lexicon of frequent English words."""
    if not re.search(r"[A-Za-z]", keyword):
        raise KwstinyError(f"keyword {keyword!r} has no letters to pronounce")
    table = lexicon() if words is None else words
    target = phonemize([keyword])[0]
    keyword_words = set(keyword.lower().split())
    own = {w for w, p in table.items() if p == target or w in keyword_words}
    # Nearest first; among equals, the more frequent word (the table is frequency-ranked).
    scored = sorted((edit_distance(p, target), rank, w)
                    for rank, (w, p) in enumerate(table.items())
                    if w not in own and abs(len(p) - len(target)) <= max(2, len(target) // 2))
    # Far-off words are no longer confusable: keep those within about half the keyword.
    limit = max(1, (len(target) + 1) // 2)
    neighbours = tuple(w for d, _, w in scored if d <= limit)[:n_neighbours]
    embedding = tuple(w for w, p in table.items()
                      if w not in own and len(p) > len(target) and _contains(p, target))
    return Confusables(keyword=keyword, phonemes=target, neighbours=neighbours,
                       embedding=embedding[:n_embedding],
                       partials=partial_keywords(keyword))


def saying_keyword(keyword: str, texts: tuple[str, ...]) -> tuple[str, ...]:
    """The texts whose phonemes hold the keyword's whole (computer: computers,
    supercomputer; alexa: "a lexus"): a person saying them says the keyword."""
    if not texts:
        return ()
    target = phonemize([keyword])[0]
    return tuple(t for t, p in zip(texts, phonemize(list(texts))) if _contains(p, target))


def neighbours_only(keyword: str, texts: tuple[str, ...], starting_like: bool = True,
                    words: dict[str, tuple[str, ...]] | None = None) -> tuple[str, ...]:
    """`texts` without the confusables a real speaker's own "KEYWORD" can sound like
    (Confusables.apart); `words` as for confusables()."""
    return confusables(keyword, words=words).apart(texts, starting_like)
