#!/usr/bin/env bash
# The README's main command: on a fresh machine, installs what is missing, builds the Java runtime, writes a
# small random OFA checkpoint in the published HF layout, converts it with ./ofa convert, captions a sample scene
# with the bundled trained package and with the freshly converted random one, grounds and questions the scene, and
# runs the Spark enrich job over the sample scenes.
set -euo pipefail
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  cat <<'HELP'
Usage: ./ofa demo
A walk through the converter, with no options: writes a random checkpoint in the published HF layout, converts
it, captions, grounds and questions a sample scene with the bundled and the converted package, and runs the
enrich job over the sample scenes. Output under build/demo.
HELP
  exit 0
fi
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=build/demo
rm -rf "$out"
mkdir -p "$out"
image=examples/scenes/images/scene_1000018.png   # a red square, a yellow triangle, a green star

echo "== 1. a generated checkpoint in the published HF layout =="
./ofa make-checkpoint --output "$out/checkpoint"
echo "== 2. ./ofa convert =="
./ofa convert --checkpoint "$out/checkpoint" --output "$out/package"
echo "== 3. caption $image with the bundled package (models/ofa-scenes, trained on synthetic scenes) =="
./ofa caption --image "$image" --json | tee "$out/caption-bundled.json"
echo "== 4. the same with the package just converted (random weights: nonsense words, same pipeline) =="
./ofa caption --model "$out/package" --image "$image" --json | tee "$out/caption-converted.json"
echo "== 5. grounding and a question =="
./ofa ground --image "$image" --text "the yellow triangle" --json | tee "$out/ground.json"
./ofa vqa --image "$image" --question "how many shapes are there?" --json | tee "$out/vqa.json"
echo "== 6. the Spark enrich job (local[*]) over examples/scenes/images: caption + detect, Parquet out =="
./ofa enrich --input examples/scenes/images --input-format binaryfile --output "$out/enrich" \
  --model models/ofa-scenes --tasks caption,detect --show 4
echo
echo "Outputs are in $out/. The bundled model knows only the synthetic scenes it was trained on (coloured"
echo "shapes); the converted one has random weights. See README.md to convert a real OFA checkpoint."
