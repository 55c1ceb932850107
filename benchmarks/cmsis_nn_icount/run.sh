#!/usr/bin/env bash
# Counts the instructions CMSIS-NN's int8 kernels execute on an emulated Cortex-M33
# (QEMU mps2-an505 with -icount, SysTick calibrated against a loop of known length) for
# TENet12's layer shapes and size variants, and writes instructions.json beside this
# script; copied unchanged to kwstiny/profile/data/cmsis_nn_instructions.json (a test
# checks they are equal), it is what the Cortex-M33 cost model (kwstiny.profile.targets)
# is fitted to.
#
# usage: benchmarks/cmsis_nn_icount/run.sh LIBRARY CMSIS_NN_INCLUDE_DIR CMSIS_CORE_INCLUDE_DIR
# LIBRARY is a prebuilt static library holding CMSIS-NN's kernels for Cortex-M33, e.g. the
# libtensorflow-microlite.a that TFLM's own make builds with OPTIMIZED_KERNEL_DIR=cmsis_nn
# TARGET=cortex_m_generic TARGET_ARCH=cortex-m33 (this script builds no CMSIS-NN code);
# the include folders are CMSIS-NN's Include and CMSIS_6's CMSIS/Core/Include. Needs
# gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-system-arm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
lib="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
nn_include="$(cd "$2" && pwd)"
core="$(cd "$3" && pwd)"
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
flags=(-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16 -O2 -ffunction-sections
       -fdata-sections -I"$nn_include" -I"$core")
arm-none-eabi-gcc "${flags[@]}" -T "$here/an505.ld" -nostartfiles --specs=rdimon.specs \
    -Wl,--gc-sections "$here/startup.c" "$here/kernels.c" "$lib" \
    -o "$build/kernels.elf" -lrdimon -lstdc++ -lm
timeout 600 qemu-system-arm -M mps2-an505 -nographic -semihosting-config enable=on,target=native \
    -icount shift=0 -kernel "$build/kernels.elf" > "$build/out.txt"
commit="${CMSIS_NN_COMMIT:-$(git -C "$nn_include/.." rev-parse HEAD 2>/dev/null || echo unknown)}"
python3 - "$build/out.txt" "$here/instructions.json" "$commit" "$(basename "$lib")" <<'PY'
import json, sys
rows = []
for line in open(sys.argv[1]):
    if line.startswith("calibration") or line.startswith("empty"):
        continue
    kind, *fields = line.split()
    row = {"kernel": kind}
    row.update({k: float(v) if "." in v else int(v) for k, v in (f.split("=") for f in fields)})
    rows.append(row)
json.dump({"what": "instructions executed by CMSIS-NN int8 kernels, Cortex-M33 under QEMU -icount",
           "cmsis_nn_commit": sys.argv[3], "library": sys.argv[4],
           "rows": rows}, open(sys.argv[2], "w"), indent=1)
print(f"{len(rows)} kernels measured -> {sys.argv[2]}")
PY
