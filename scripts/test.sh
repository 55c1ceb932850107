#!/usr/bin/env bash
# Sets kwstiny up (scripts/setup.sh) and runs the whole test suite; without arguments
# (as CI runs it) also the wheel test: kwstiny built and installed as a user gets it
# (scripts/test_wheel.sh). Arguments go to pytest and skip the wheel test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m pytest -q "$@"
if [ $# -eq 0 ]; then
  bash scripts/test_wheel.sh
fi
