#!/usr/bin/env bash
# Sets kwstiny up on a Debian/Ubuntu machine: system packages (apt), a virtual
# environment in .venv, and the package with its training and test extras.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake            # the frontend extension and the host firmware
  espeak-ng flite                  # synthetic speech for the datasets
  festival festvox-italp16k festvox-itapc16k festvox-ca-ona-hts festvox-czech-dita \
  festvox-czech-machac festvox-suopuhe-lj festvox-suopuhe-mv festvox-ru  # accented voices
  festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts  # reserved: evaluation only
  libsndfile1 libportaudio2        # soundfile, sounddevice
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib  # Cortex-M33
  qemu-system-arm                  # the emulated Cortex-M33 board
  ffmpeg                           # codec augmentation (kwstiny.data.channel)
  # Real recordings for background noise and unknown speech (kwstiny.data.real_noise)
  asterisk-core-sounds-en-wav asterisk-core-sounds-fr-wav asterisk-core-sounds-it-wav
  asterisk-core-sounds-ru-wav asterisk-moh-opsound-wav klettres-data sound-theme-freedesktop
  fillets-ng-data-cs               # voiced dialogue: real speech for training
  fillets-ng-data-nl               # voiced dialogue held out: false accepts on real speech
  fillets-ng-data                  # its English dialogue, held out too
)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv python3-dev)
# Node.js runs GnuSpeech (npm); a node that came from elsewhere is kept.
command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "kwstiny setup: installing ${missing[*]}"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# GnuSpeech's articulatory voices (npm, GPL-3.0) in .node/, where kwstiny looks for them.
gnuspeech=@echogarden/gnuspeech-wasm@0.3.0
if [ ! -f .node/node_modules/@echogarden/gnuspeech-wasm/wasm/gnuspeech.js ]; then
  npm install --silent --no-audit --no-fund --prefix .node "$gnuspeech"
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# Reinstall only when the package definition changed since the last install.
stamp=.venv/.kwstiny-installed
want=$(cat setup.cfg setup.py pyproject.toml | sha1sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  echo "$want" > "$stamp"
else
  # The C extension is rebuilt when its sources change.
  .venv/bin/python setup.py -q build_ext --inplace >/dev/null
fi
# numba writes librosa's compiled-kernel cache the first time librosa's modules load; two
# processes writing it at once (synthesis workers) can pair files from different compiles
# and crash later calls (numba/numba#10128). Writing it here, once, leaves them only reading.
.venv/bin/python -c "import librosa.util.utils, librosa.core.audio, librosa.core.pitch, librosa.beat"
