"""Real-voice ablation row "neighbours only" for "computer": keyword_spotting_computer whose
unknown class keeps only the phoneme neighbours of the generated confusables, without the
words that contain the keyword (computers, supercomputer ...) and the keyword's parts said
alone (com, comput, puter). Question it answers: do near-keyword negatives, which real
speakers' reduced final syllables resemble, cost real-voice recall?"""

import dataclasses

from kwstiny.data.confusables import neighbours_only
from kwstiny.data.keyword_recipe import keyword_recipe
from kwstiny.spec import load_spec

base = load_spec("keyword_spotting_computer")
unknown = next(c for c in base.dataset.source.classes if not c.keyword)
listed = next(p.texts for p in unknown.pools if p.name == "confusable")
spec = dataclasses.replace(
    base, name="kws_computer_neighbours", path="",
    dataset=dataclasses.replace(
        base.dataset,
        source=keyword_recipe("computer",
                              confusable=neighbours_only("computer", listed, starting_like=False),
                              name="synthetic_computer_neighbours")),
)
