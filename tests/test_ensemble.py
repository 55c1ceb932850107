"""`kwstiny ensemble` refuses runs whose scores cannot be averaged window by window (the
averaging itself is tested on a trained run in test_train.py)."""

import pytest

from kwstiny.ensemble import member_specs
from kwstiny.errors import KwstinyError


def test_members_must_share_classes_and_frontend():
    with pytest.raises(KwstinyError, match="differ in classes"):
        member_specs(["keyword_spotting_alexa-test", "keyword_spotting_computer-test"])


def test_an_ensemble_needs_two_distinct_runs():
    with pytest.raises(KwstinyError, match="at least two"):
        member_specs(["keyword_spotting_alexa-test"])
    with pytest.raises(KwstinyError, match="named twice"):
        member_specs(["keyword_spotting_alexa-test", "keyword_spotting_alexa-test"])


def test_streaming_models_are_refused():
    with pytest.raises(KwstinyError, match="streaming"):
        member_specs(["keyword_spotting_alexa_streaming-test",
                      "keyword_spotting_alexa_streaming-demo"])
