#!/usr/bin/env bash
# Instructions a whole TFLM + CMSIS-NN inference executes on an emulated Cortex-M33, per
# layer: builds main.cc with the model linked in, runs it under QEMU mps2-an505 with
# -icount, and writes layers_NAME.json (NAME: the .tflite's file name). The Cortex-M33
# cost model (kwstiny.profile.targets) is checked against layers_tenet12.json, copied
# unchanged to kwstiny/profile/data/tflm_qemu_layers_tenet12.json (a test checks they are equal).
#
# usage: benchmarks/tflm_qemu_layers/run.sh TFLM_ROOT LIBTENSORFLOW_MICROLITE.a MODEL.tflite
# (TFLM built by its own make for cortex_m_generic / cortex-m33 with OPTIMIZED_KERNEL_DIR=
# cmsis_nn; needs gcc-arm-none-eabi, libnewlib-arm-none-eabi, qemu-system-arm)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tflm="$(cd "$1" && pwd)"
lib="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
model="$3"
name="$(basename "$model" .tflite)"
downloads="$tflm/tensorflow/lite/micro/tools/make/downloads"
startup="$here/../cmsis_nn_icount"
arch=(-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16)
cxx=("${arch[@]}" -O2 -std=c++17 -fno-rtti -fno-exceptions -fno-threadsafe-statics
     -ffunction-sections -fdata-sections -DTF_LITE_STATIC_MEMORY -DNDEBUG
     -I"$tflm" -I"$downloads/flatbuffers/include" -I"$downloads/gemmlowp" -I"$downloads/ruy")
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
python3 -c "
import sys
data = open(sys.argv[1], 'rb').read()
print('alignas(16) extern const unsigned char model_data[] = {' + ','.join(map(str, data)) + '};')
" "$model" > "$build/model_data.cc"
arm-none-eabi-g++ "${cxx[@]}" -c "$here/main.cc" -o "$build/main.o"
arm-none-eabi-g++ "${cxx[@]}" -c "$build/model_data.cc" -o "$build/model_data.o"
arm-none-eabi-gcc "${arch[@]}" -O2 -c "$startup/startup.c" -o "$build/startup.o"
arm-none-eabi-g++ "${arch[@]}" -T "$startup/an505.ld" -nostartfiles --specs=rdimon.specs \
    -Wl,--gc-sections "$build/startup.o" "$build/main.o" "$build/model_data.o" "$lib" \
    -o "$build/model.elf" -lrdimon
timeout 600 qemu-system-arm -M mps2-an505 -nographic -semihosting-config enable=on,target=native \
    -icount shift=0 -kernel "$build/model.elf" > "$build/out.txt"
python3 - "$build/out.txt" "$here/layers_$name.json" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
per_tick = float(re.search(r"insn_per_tick=([\d.]+)", text).group(1))
invoke = re.search(r"invoke status=(\d+) ticks=(\d+)", text)
if invoke.group(1) != "0":
    sys.exit("the model did not run: " + text)
layers = [{"index": int(i), "op": op, "instructions": round(int(t) * per_tick)}
          for i, op, t in re.findall(r"layer (\d+) (\S+) ticks=(\d+)", text)]
json.dump({"what": "instructions of one TFLM + CMSIS-NN inference on Cortex-M33 under QEMU -icount",
           "resolution_instructions": per_tick,
           "invoke_instructions": round(int(invoke.group(2)) * per_tick),
           "layers": layers}, open(sys.argv[2], "w"), indent=1)
print(f"{len(layers)} layers -> {sys.argv[2]}")
PY
