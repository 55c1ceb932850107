#!/usr/bin/env bash
# Struct sizes behind kwstiny.profile.arena (the tensor arena computed for a 32-bit build).
# Compiles sizes.cc (TFLM's structs, and its CMSIS-NN kernels' OpData) for x86-64 with -DUSE_TFLM_COMPRESSION (as the tflite-micro wheel
# kwstiny measures with is built) and for the Cortex-M33 without it (as TFLM's make
# builds the firmware's library), and mvp_sizes.cc for the Cortex-M33 with the MVP
# parameter structs taken from an MLTK checkout. Nothing is linked or run: the sizes
# are read back from the object files. Prints one JSON object.
#
# usage: benchmarks/tflm_struct_sizes/run.sh TFLM_ROOT FLATBUFFERS_INCLUDE GEMMLOWP MLTK_ROOT
# (MLTK at c9e49c4, its Nov 2022 release: the kernels of the board profile kwstiny uses)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tflm="$1"; flatbuffers="$2"; gemmlowp="$3"; mltk="$4"
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
inc=(-I"$tflm" -I"$flatbuffers" -I"$gemmlowp" -DTF_LITE_STATIC_MEMORY -std=c++17)
m33=(-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16)
g++ "${inc[@]}" -DUSE_TFLM_COMPRESSION -c "$here/sizes.cc" -o "$build/host64.o"
arm-none-eabi-g++ "${inc[@]}" "${m33[@]}" -c "$here/sizes.cc" -o "$build/cortex_m33.o"
python3 - "$mltk/cpp/shared/gecko_sdk/tflite_micro_mvp_kernels/mvp_driver/inc" \
    "$build/mvp_params.h" <<'PY'
import re, sys
out = ["#include <stdbool.h>", "#include <stddef.h>", "#include <stdint.h>",
       "typedef uint16_t float16_t;", "typedef struct { int dim[4]; } sli_shape_t;"]
for name in ("conv2d", "depthwise_conv2d", "add", "pooling", "fully_connected"):
    text = open(f"{sys.argv[1]}/sl_mvp_ml_{name}.h").read()
    out += [m.group(0) for m in re.finditer(r"typedef struct\s*\{.*?\}\s*sli_mvp_ml_\w+_params_t\s*;", text, re.S)]
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
arm-none-eabi-g++ -I"$build" "${m33[@]}" -c "$here/mvp_sizes.cc" -o "$build/mvp.o"
python3 - "$build" <<'PY'
import json, struct, sys
def read(path, names):
    data = open(path, "rb").read()
    mark = struct.pack("<I", 0xC0FFEE)
    start = data.find(mark) + 4
    values = struct.unpack(f"<{2 * len(names)}I", data[start:start + 8 * len(names)])
    return {n: [values[2 * i], values[2 * i + 1]] for i, n in enumerate(names)}
tflm = ("SingleArenaBufferAllocator RecordingSingleArenaBufferAllocator GreedyMemoryPlanner "
        "MicroAllocator RecordingMicroAllocator SubgraphAllocations TfLiteEvalTensor "
        "NodeAndRegistration TfLiteTensor TfLiteAffineQuantization pointer ScratchBufferHandle "
        "conv_2d_params depthwise_conv_2d_params add_params pool_params reshape_params "
        "fully_connected_params softmax_params OpDataConv OpDataFullyConnected OpDataAdd "
        "OpDataPooling SoftmaxParams cmsis_nn_conv cmsis_nn_fully_connected cmsis_nn_pooling "
        "cmsis_nn_softmax cmsis_nn_add mul_params OpDataMul").split()
build = sys.argv[1]
print(json.dumps({"host64": read(f"{build}/host64.o", tflm),
                  "cortex_m33": read(f"{build}/cortex_m33.o", tflm),
                  "mvp_cortex_m33": read(f"{build}/mvp.o", "conv_2d depthwise_conv_2d add pool fully_connected".split())},
                 indent=1))
PY
