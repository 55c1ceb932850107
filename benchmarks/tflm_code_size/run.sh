#!/usr/bin/env bash
# Flash taken by the TFLM runtime on a Cortex-M33. Links main.cc (load, allocate, invoke a
# model) against a TFLM library: with no kernel (the framework), with conv_2d alone (the
# first kernel also brings the int8 helpers most kernels share), then each other kernel on
# top of conv_2d (its own code), and TENet12's and a transformer block's kernel sets linked
# together to check the sum. Sizes are arm-none-eabi-size's text + data; the result goes
# to code_size_VARIANT.json and kwstiny.profile.memory.RUNTIME_CODE holds it.
#
# usage: benchmarks/tflm_code_size/run.sh TFLM_ROOT LIBTENSORFLOW_MICROLITE.a VARIANT
# TFLM_ROOT is a tflite-micro checkout with its make downloads (flatbuffers, gemmlowp, ruy);
# the library is built by TFLM's own make for TARGET=cortex_m_generic TARGET_ARCH=cortex-m33
# (VARIANT names it, e.g. cmsis_nn or reference).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tflm="$(cd "$1" && pwd)"
lib="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
variant="$3"
downloads="$tflm/tensorflow/lite/micro/tools/make/downloads"
arch=(-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16)
cxx=("${arch[@]}" -Os -std=c++17 -fno-rtti -fno-exceptions -fno-threadsafe-statics
     -ffunction-sections -fdata-sections -DTF_LITE_STATIC_MEMORY -DNDEBUG
     -I"$tflm" -I"$downloads/flatbuffers/include" -I"$downloads/gemmlowp" -I"$downloads/ruy")
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
arm-none-eabi-g++ "${cxx[@]}" -c "$here/model.cc" -o "$build/model.o"
arm-none-eabi-gcc "${arch[@]}" -Os -c "$here/stubs.c" -o "$build/stubs.o"

flash() {  # flash bytes (text + data) of the program registering kernels "$1"
    arm-none-eabi-g++ "${cxx[@]}" "-DKWSTINY_OPS=$1" -c "$here/main.cc" -o "$build/main.o"
    arm-none-eabi-g++ "${arch[@]}" --specs=nano.specs -Wl,--gc-sections "$build/main.o" \
        "$build/model.o" "$build/stubs.o" "$lib" -o "$build/x.elf"
    arm-none-eabi-size "$build/x.elf" | awk 'NR == 2 { print $1 + $2 }'
}

# tflite op name -> MicroMutableOpResolver method
kernels="conv_2d:Conv2D depthwise_conv_2d:DepthwiseConv2D fully_connected:FullyConnected
add:Add sub:Sub mul:Mul div:Div average_pool_2d:AveragePool2D max_pool_2d:MaxPool2D
reshape:Reshape squeeze:Squeeze expand_dims:ExpandDims softmax:Softmax log_softmax:LogSoftmax
mean:Mean sum:Sum reduce_max:ReduceMax quantize:Quantize dequantize:Dequantize
logistic:Logistic tanh:Tanh relu:Relu relu6:Relu6 leaky_relu:LeakyRelu hard_swish:HardSwish
prelu:Prelu concatenation:Concatenation strided_slice:StridedSlice slice:Slice pad:Pad
padv2:PadV2 transpose:Transpose batch_matmul:BatchMatMul squared_difference:SquaredDifference
rsqrt:Rsqrt sqrt:Sqrt exp:Exp log:Log gather:Gather split:Split split_v:SplitV pack:Pack
unpack:Unpack shape:Shape fill:Fill transpose_conv:TransposeConv
resize_nearest_neighbor:ResizeNearestNeighbor maximum:Maximum minimum:Minimum cast:Cast
svdf:Svdf unidirectional_sequence_lstm:UnidirectionalSequenceLSTM"
base="$(flash "")"
conv="$(flash "X(Conv2D)")"
together() { echo $(( $(flash "$1") - base )); }
tenet="$(together "X(Conv2D) X(DepthwiseConv2D) X(Add) X(AveragePool2D) X(Reshape) X(FullyConnected) X(Softmax)")"
block="$(together "X(Conv2D) X(FullyConnected) X(Mean) X(SquaredDifference) X(Rsqrt) X(Sub) X(Mul) X(Add) X(BatchMatMul) X(Transpose) X(Reshape) X(Softmax)")"
{
    echo "{"
    echo "  \"what\": \"flash (text + data) of a TFLM program on Cortex-M33: arm-none-eabi-gcc -Os, --gc-sections\","
    echo "  \"variant\": \"$variant\","
    echo "  \"framework\": $base,"
    echo "  \"first_kernel\": $((conv - base)),"
    echo "  \"linked_together\": {\"tenet12\": $tenet, \"transformer_block\": $block},"
    echo "  \"kernels_after_conv_2d\": {"
    first=1
    for pair in $kernels; do
        name="${pair%%:*}"; method="${pair##*:}"
        [ "$name" = conv_2d ] && continue
        size="$(flash "X(Conv2D) X($method)")"
        [ $first = 1 ] || echo ","
        first=0
        printf '    "%s": %d' "$name" $((size - conv))
    done
    echo
    echo "  }"
    echo "}"
} > "$here/code_size_$variant.json"
echo "wrote $here/code_size_$variant.json"
