"""Training-stability row for "jarvis": keyword_spotting_jarvis (same data, same schedule)
validated and kept with a moving average of its weights over about two epochs
(train.weight_average_epochs=2)."""

import dataclasses

from kwstiny.spec import load_spec

base = load_spec("keyword_spotting_jarvis")
spec = dataclasses.replace(
    base, name="kws_jarvis_averaged", path="",
    train=dataclasses.replace(base.train, weight_average_epochs=2.0),
)
