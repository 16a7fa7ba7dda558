#!/usr/bin/env bash
# Measures a model package on the held-out synthetic scenes through the project's own jobs: ./ofa enrich (caption,
# detect, classify on the image folder; ground and vqa on webdataset shards keyed by ref and question id), then
# ./ofa evaluate against the scenes' COCO / RefCOCO / VQAv2 / label files, then a summary against the goals.
#   scripts/evaluate-scenes.sh [PACKAGE (models/ofa-scenes)] [SCENES (build/scenes)] [OUT (build/scenes-eval)]
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL="${1:-models/ofa-scenes}"
SCENES="${2:-build/scenes}"
OUT="${3:-build/scenes-eval}"
PY=/usr/bin/python3
rm -rf "$OUT"
PYTHONPATH=export $PY -m ofa_export.scenes_eval prepare --scenes "$SCENES" --output "$OUT/inputs"
ANN="$SCENES/annotations"
./ofa enrich --input "$SCENES/images/val" --input-format binaryfile --output "$OUT/enrich-images" --model "$MODEL" \
  --tasks caption,detect,classify --labels-file "$OUT/inputs/labels.txt"
./ofa enrich --input "$OUT/inputs/grounding" --input-format webdataset --output "$OUT/enrich-ground" \
  --model "$MODEL" --tasks ground --ground-text-col caption
./ofa enrich --input "$OUT/inputs/vqa" --input-format webdataset --output "$OUT/enrich-vqa" --model "$MODEL" \
  --tasks vqa --vqa-question-col caption
./ofa evaluate --predictions "$OUT/enrich-images" --task caption --gold "$ANN/captions_val.json" --output "$OUT/eval/caption"
./ofa evaluate --predictions "$OUT/enrich-images" --task detect --gold "$ANN/instances_val.json" --output "$OUT/eval/detect"
./ofa evaluate --predictions "$OUT/enrich-images" --task classify --gold "$ANN/labels_val.jsonl" --output "$OUT/eval/classify"
./ofa evaluate --predictions "$OUT/enrich-ground" --task ground --gold "$OUT/inputs/refs_val.json" \
  --instances "$ANN/instances_val.json" --output "$OUT/eval/ground"
./ofa evaluate --predictions "$OUT/enrich-vqa" --task vqa --gold "$ANN/vqa_annotations_val.json" --output "$OUT/eval/vqa"
PYTHONPATH=export $PY -m ofa_export.scenes_eval summarize --scenes "$SCENES" --eval "$OUT/eval" --json "$OUT/summary.json"
