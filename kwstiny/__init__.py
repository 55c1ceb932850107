"""kwstiny: keyword-spotting models from a spec file to a Cortex-M33 microcontroller."""

__version__ = "0.1.0"
