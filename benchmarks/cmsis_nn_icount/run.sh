#!/usr/bin/env bash
# Counts the instructions CMSIS-NN's int8 kernels execute on an emulated Cortex-M33
# (QEMU mps2-an505 with -icount, SysTick calibrated against a loop of known length) for
# TENet12's layer shapes and size variants, and writes instructions.json beside this
# script. kwstiny.profile.reference.CMSIS_NN_INSTRUCTIONS holds the result; the
# Cortex-M33 cost model (kwstiny.profile.targets) is fitted to it.
#
# usage: benchmarks/cmsis_nn_icount/run.sh CMSIS_NN_DIR CMSIS_CORE_INCLUDE_DIR
# (a CMSIS-NN checkout, and CMSIS_6's CMSIS/Core/Include); needs gcc-arm-none-eabi,
# libnewlib-arm-none-eabi and qemu-system-arm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
nn="$(cd "$1" && pwd)"
core="$(cd "$2" && pwd)"
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
flags=(-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16 -O2 -ffunction-sections
       -fdata-sections -I"$nn/Include" -I"$core")
# The int8 kernels only (float ones need extra configuration kwstiny does not use).
find "$nn/Source" -name "*.c" ! -name "*_f16*" ! -name "*_f32*" ! -name "*flt*" | while read -r src; do
    arm-none-eabi-gcc "${flags[@]}" -c "$src" -o "$build/$(basename "$src" .c).o"
done
arm-none-eabi-ar rcs "$build/libcmsisnn.a" "$build"/*.o
arm-none-eabi-gcc "${flags[@]}" -T "$here/an505.ld" -nostartfiles --specs=rdimon.specs \
    -Wl,--gc-sections "$here/startup.c" "$here/kernels.c" "$build/libcmsisnn.a" \
    -o "$build/kernels.elf" -lrdimon
timeout 600 qemu-system-arm -M mps2-an505 -nographic -semihosting-config enable=on,target=native \
    -icount shift=0 -kernel "$build/kernels.elf" > "$build/out.txt"
commit="${CMSIS_NN_COMMIT:-$(git -C "$nn" rev-parse HEAD 2>/dev/null || echo unknown)}"
python3 - "$build/out.txt" "$here/instructions.json" "$commit" <<'PY'
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
           "cmsis_nn_commit": sys.argv[3], "compiler": "arm-none-eabi-gcc -O2 -mcpu=cortex-m33",
           "rows": rows}, open(sys.argv[2], "w"), indent=1)
print(f"{len(rows)} kernels measured -> {sys.argv[2]}")
PY
