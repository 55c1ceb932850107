"""Real-voice ablation row "SpecAugment" for "computer": keyword_spotting_computer (same data)
with two time masks of up to 10 frames and two frequency masks of up to 12 of the 108
channels on each training batch's features."""

import dataclasses

from kwstiny.spec import load_spec

base = load_spec("keyword_spotting_computer")
spec = dataclasses.replace(
    base, name="kws_computer_specaugment", path="",
    augment=dataclasses.replace(base.augment, spec_time_masks=2, spec_time_mask_frames=10,
                                spec_freq_masks=2, spec_freq_mask_channels=12),
)
