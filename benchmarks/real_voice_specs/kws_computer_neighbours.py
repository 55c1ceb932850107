"""Real-voice ablation row "neighbours only" for "computer": keyword_spotting_computer whose
unknown class keeps only the phoneme neighbours of the generated confusables, without the
words that contain the keyword (computers, supercomputer ...) and the keyword's parts said
alone (com, comput, puter). Question it answers: do near-keyword negatives, which real
speakers' reduced final syllables resemble, cost real-voice recall?"""

import dataclasses

from kwstiny.data.confusables import confusables
from kwstiny.data.keyword_recipe import keyword_recipe
from kwstiny.spec import load_spec

base = load_spec("keyword_spotting_computer")
unknown = next(c for c in base.dataset.source.classes if not c.keyword)
listed = next(p.texts for p in unknown.pools if p.name == "confusable")
generated = confusables("computer")
near = set(generated.embedding) | set(generated.partials)
spec = dataclasses.replace(
    base, name="kws_computer_neighbours", path="",
    dataset=dataclasses.replace(
        base.dataset,
        source=keyword_recipe("computer", confusable=tuple(t for t in listed if t not in near),
                              name="synthetic_computer_neighbours")),
)
