#!/usr/bin/env bash
# Sets kwstiny up and runs the main job at demo scale: synthesize the alexa data,
# train TENet12, quantize to int8 and evaluate on the voice-held-out test split.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/kwstiny train keyword_spotting_alexa-demo --clean
