#!/usr/bin/env bash
# The GPU check of the runtime, for a machine with an NVIDIA GPU, CUDA 12 and cuDNN 9 (what ONNX Runtime 1.28's
# GPU build needs): builds with the GPU profile, captions and grounds a batch on CUDA device 0, shows that the
# CUDA provider was available and used (a CUDA request never falls back to the CPU), and prints images/s on GPU
# against CPU in the same run.
#   bash deploy/gpu-check.sh [PACKAGE]     (default: the bundled package; an OFA-tiny-shaped one is more telling)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PKG="${1:-$ROOT/models/ofa-tiny-random}"
IMAGE="$ROOT/examples/images/astronaut.png"
cd "$ROOT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
mvn -q -B -ntp -Dstyle.color=never -Pgpu -DskipTests -pl ofa-udf -am package
touch ofa-udf/target/classpath.txt   # the launcher must not rebuild without the profile
echo "== caption and ground on cuda:0 =="
./ofa caption --model "$PKG" --image "$IMAGE" --device cuda:0 --json
./ofa ground --model "$PKG" --image "$IMAGE" --text "the person on the left" --device cuda:0 --json
echo "== throughput: cuda:0 then cpu (same package, same run) =="
./ofa bench-java --model "$PKG" --image "$IMAGE" --batches 1,8 --device cuda:0 --repeats 2
./ofa bench-java --model "$PKG" --image "$IMAGE" --batches 1,8 --device cpu --threads "$(nproc)" --repeats 2
