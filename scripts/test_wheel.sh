#!/usr/bin/env bash
# kwstiny as a user installs it, away from the checkout: build the sdist and, from it,
# the wheel; install the wheel without extras into a fresh virtual environment and run
# the TensorFlow-free commands on a committed int8 model (tests/data/); then add the
# [train] extra and train the alexa test spec. Prints how long each step took and how
# big the base environment is. CI runs it from scripts/test.sh.
#
#   bash scripts/test_wheel.sh [--no-train]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
python=${KWSTINY_PYTHON:-$repo/.venv/bin/python}
train=1
[ "${1:-}" = "--no-train" ] && train=0
work=$(mktemp -d "${TMPDIR:-/tmp}/kwstiny-wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT
export KWSTINY_HOME="$work/home"
unset PYTHONPATH TFLM_ROOT KWSTINY_SPEC_PATH KWSTINY_DATASET_PATH

started=$SECONDS
step() { echo "wheel test: $1 ($((SECONDS - started)) s so far)"; }
fail() { echo "wheel test FAILED: $*" >&2; exit 1; }

# The checkout's environment builds it (no isolated download of setuptools).
step "building the sdist and the wheel"
"$python" -m build --no-isolation --skip-dependency-check --outdir "$work/dist" "$repo" >"$work/build.log" 2>&1 \
  || { tail -40 "$work/build.log"; fail "python -m build"; }
sdist=$(ls "$work"/dist/kwstiny-*.tar.gz)
wheel=$(ls "$work"/dist/kwstiny-*.whl)
"$python" - "$wheel" <<'EOF' || fail "the wheel lacks the package data"
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
for member in ("kwstiny/model_specs/keyword_spotting_alexa.py", "kwstiny/datasets/synthetic_alexa.py",
               "kwstiny/firmware/CMakeLists.txt", "kwstiny/frontend/c/kws_frontend.c"):
    assert member in names, member
EOF

step "installing the wheel without extras into a fresh environment"
"$python" -m venv "$work/core"
t0=$SECONDS
"$work/core/bin/python" -m pip install -q "$wheel" >"$work/pip.log" 2>&1 \
  || { tail -20 "$work/pip.log"; fail "pip install the wheel"; }
core_install_s=$((SECONDS - t0))
core_size=$(du -sm "$work/core" | cut -f1)
echo "wheel test: base install took ${core_install_s} s; the environment is ${core_size} MB"
"$work/core/bin/python" -c "import tensorflow" 2>/dev/null && fail "the base install pulled in TensorFlow"

mkdir -p "$work/run"
cd "$work/run"     # away from the checkout: nothing may come from it
cp "$repo/tests/data/alexa_constant_int8.tflite" model.tflite
kwstiny="$work/core/bin/kwstiny"

step "kwstiny --version, list_specs, summarize, profile"
"$kwstiny" --version >version.txt && grep -q "version" version.txt || fail "--version"
"$kwstiny" list_specs >specs.txt && grep -qx keyword_spotting_alexa specs.txt \
  || fail "list_specs lacks keyword_spotting_alexa"
"$kwstiny" summarize model.tflite --json >summary.json || fail "summarize"
"$work/core/bin/python" - <<'EOF' || fail "summarize's JSON"
import json
s = json.load(open("summary.json"))
assert s["metadata"]["classes"] == ["alexa", "_unknown_"], s["metadata"]
EOF
"$kwstiny" profile model.tflite --accelerator MVP >profile.txt || fail "profile"
grep -q "arena" profile.txt || fail "profile printed no arena"

step "kwstiny detect over three files, one unreadable"
"$work/core/bin/python" - <<'EOF'
import numpy as np, soundfile
soundfile.write("a.wav", np.zeros(3 * 16000, np.float32), 16000)
soundfile.write("b.wav", np.zeros(5 * 16000, np.float32), 16000)
open("broken.wav", "wb").write(b"not audio at all")
EOF
status=0
"$kwstiny" detect model.tflite a.wav broken.wav b.wav >detections.txt 2>detect.err || status=$?
[ "$status" -eq 1 ] || { cat detect.err; fail "detect's exit status was $status, not 1"; }
# The model scores alexa 230 on every window: one detection per second once a window is full.
printf 'a.wav\t1.400\talexa\t230\na.wav\t2.400\talexa\t230\nb.wav\t1.400\talexa\t230\nb.wav\t2.400\talexa\t230\nb.wav\t3.400\talexa\t230\nb.wav\t4.400\talexa\t230\n' >expected.txt
diff expected.txt detections.txt || fail "detect's detections"
grep -q "broken.wav" detect.err || fail "detect did not name broken.wav"

step "a command whose extra is missing names it"
status=0
"$kwstiny" train keyword_spotting_alexa-test >train.out 2>&1 || status=$?
[ "$status" -eq 1 ] && grep -q "pip install 'kwstiny\[train\]'" train.out \
  || { cat train.out; fail "train without [train] did not name the extra"; }

if command -v cmake >/dev/null; then
  step "kwstiny build_firmware --board host (the firmware sources ship in the wheel)"
  "$kwstiny" build_firmware --board host >firmware.txt || fail "build_firmware"
  [ -x "$(tail -1 firmware.txt)" ] || fail "build_firmware made no image"
fi

if [ "$train" -eq 1 ]; then
  step "installing the [train] extra"
  t0=$SECONDS
  "$work/core/bin/python" -m pip install -q "kwstiny[train] @ file://$wheel" >"$work/pip.log" 2>&1 \
    || { tail -20 "$work/pip.log"; fail "pip install [train]"; }
  echo "wheel test: [train] install took $((SECONDS - t0)) s"
  step "kwstiny train keyword_spotting_alexa-test"
  t0=$SECONDS
  "$kwstiny" train keyword_spotting_alexa-test >train.out 2>&1 || { tail -30 train.out; fail "train"; }
  echo "wheel test: training the test spec took $((SECONDS - t0)) s"
  run="$KWSTINY_HOME/models/keyword_spotting_alexa-test"
  for f in keyword_spotting_alexa-test.tflite evaluation/tflite.json; do
    [ -f "$run/$f" ] || fail "train wrote no $f"
  done
fi
step "passed"
