#!/usr/bin/env bash
# Sets kwstiny up and runs the main job at demo scale on the synthetic alexa data:
# synthesize, train TENet12, quantize to int8, evaluate on the voice-held-out test split,
# show what the model costs on an EFR32xG24 with its MVP accelerator, and measure
# FRR / false accepts per hour on long audio spoken by held-out voices.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
kwstiny=.venv/bin/kwstiny
$kwstiny train keyword_spotting_alexa-demo --clean
$kwstiny profile keyword_spotting_alexa-demo --accelerator MVP
$kwstiny evaluate keyword_spotting_alexa-demo --stream
echo "artifacts: ${KWSTINY_HOME:-$HOME/.kwstiny}/models/keyword_spotting_alexa-demo/"
