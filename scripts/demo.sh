#!/usr/bin/env bash
# The README's main command: on a fresh machine, installs what is missing, builds the Java runtime, writes a
# small random OFA checkpoint in the published HF layout, converts it with ./ofa convert, and captions and grounds
# a sample image with the bundled package and with the freshly converted one.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=build/demo
rm -rf "$out"
mkdir -p "$out"
image=examples/images/astronaut.png

echo "== 1. a generated checkpoint in the published HF layout =="
./ofa make-checkpoint --output "$out/checkpoint"
echo "== 2. ./ofa convert =="
./ofa convert --checkpoint "$out/checkpoint" --output "$out/package"
echo "== 3. caption $image with the bundled package (models/ofa-tiny-random) =="
./ofa caption --image "$image" --json | tee "$out/caption-bundled.json"
echo "== 4. the same with the package just converted =="
./ofa caption --model "$out/package" --image "$image" --json | tee "$out/caption-converted.json"
echo "== 5. grounding =="
./ofa ground --image "$image" --text "the person on the left" --json | tee "$out/ground.json"
echo "== 6. the Spark enrich job (local[*]) over examples/images: caption + detect, Parquet out =="
./ofa enrich --input examples/images --input-format binaryfile --output "$out/enrich" \
  --model models/ofa-tiny-random --tasks caption,detect
echo
echo "Outputs are in $out/. Both models have random weights, so their words are nonsense: the point is the"
echo "pipeline (checkpoint -> ONNX package -> Java runtime). See README.md to convert a real OFA checkpoint."
