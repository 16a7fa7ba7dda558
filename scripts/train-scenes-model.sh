#!/usr/bin/env bash
# Trains the synthetic-scenes OFA phase by phase, then converts and measures it:
#   scenes -> corpus job -> ./ofa train (each phase starts from the one before) -> ./ofa convert -> evaluate-scenes.sh
# Every step is skipped when its output is already there, and a phase that was stopped continues (--resume), so the
# script can be run again after an interruption. A phase whose weights are committed under models/checkpoints/
# (ofa-scenes-PHASE: fp16 weights, vocabulary, config) is not trained again: the next phase starts from them.
# --from-scratch ignores the committed ones and trains every phase here. CPU only; the README gives how long each
# phase took.
#   scripts/train-scenes-model.sh [--from-scratch] [PACKAGE (build/ofa-scenes-LASTPHASE)]
set -euo pipefail
cd "$(dirname "$0")/.."
FROM_SCRATCH=""
[ "${1:-}" = "--from-scratch" ] && { FROM_SCRATCH=1; shift; }
PACKAGE="${1:-}"

[ -f build/scenes/annotations/refs.json ] || ./ofa scenes --output build/scenes
# conf/corpus-scenes.conf reads build/scenes and writes build/scenes-corpus
[ -f build/scenes-corpus/report.json ] || ./ofa corpus --config conf/corpus-scenes.conf

# the training-only heads and guide (see ./ofa train --help and the README): the cell head names each image
# token's object, the attention guide sends colour words and location tokens to their cells, the referred-cells head
# marks the box a grounding expression is about
HEADS=(--aux-weight 1 --attn-weight 1 --refer-weight 3 --task-weights region_caption=1,grounding=2.5)

weights_of() {   # weights_of PHASE: the folder holding that phase's result
  if [ -z "$FROM_SCRATCH" ] && [ ! -f "build/scenes-$1/training_state.pt" ] && \
     [ -f "models/checkpoints/ofa-scenes-$1/pytorch_model.bin" ]; then
    echo "models/checkpoints/ofa-scenes-$1"
  else
    echo "build/scenes-$1"
  fi
}

phase() {   # phase NAME STEPS FROM|- [flags...]: one training run on its own cosine schedule
  local name="$1" steps="$2" from="$3"
  shift 3
  if [ "$(weights_of "$name")" != "build/scenes-$name" ]; then
    echo "train-scenes-model: phase $name: the committed $(weights_of "$name")" >&2
    return
  fi
  if [ -f "build/scenes-$name/training_state.pt" ] && \
     /usr/bin/python3 -c "import sys, torch; sys.exit(0 if torch.load(sys.argv[1])['step'] >= int(sys.argv[2]) else 1)" \
       "build/scenes-$name/training_state.pt" "$steps"; then
    echo "train-scenes-model: phase $name is done" >&2
    return
  fi
  local init=()
  [ "$from" = "-" ] || init=(--init-from "$(weights_of "$from")")
  ./ofa train --corpus build/scenes-corpus --output "build/scenes-$name" --steps "$steps" --resume \
    "${init[@]}" "$@" --log-every 25 --save-every 250
}

phase p1 4500 - "${HEADS[@]}" --lr 1e-3
# p2 binds the words to the cells: p1's grounding answers did not depend on the expression (see the README)
phase p2 4000 p1 "${HEADS[@]}" --refer-loss softmax --region-guide every-head --lr 5e-4
# p3 continues p2, marks what questions are about (p2 answered "is there a star?" from the number of objects, not
# looking for the star) and draws more questions, captions and detections (these lagged grounding); its
# --task-weights replace those of HEADS
phase p3 5000 p2 "${HEADS[@]}" --refer-loss softmax --region-guide every-head --refer-questions --lr 4e-4 \
  --task-weights caption=1.5,qa=2,detection=2,region_caption=1,grounding=2.5
# p4: a short, gentle pass from p3 on captions and detection, the two figures p3 left just short of their goals
phase p4 1000 p3 "${HEADS[@]}" --refer-loss softmax --region-guide every-head --refer-questions --lr 1.5e-4 \
  --task-weights caption=2.5,qa=1.5,detection=3,region_caption=1,grounding=2.5
LAST=p4
# a package per phase, so that a package converted from an earlier phase is never measured as the last one
PACKAGE="${PACKAGE:-build/ofa-scenes-$LAST}"

[ -f "$PACKAGE/ofa-model.json" ] || ./ofa convert --checkpoint "$(weights_of $LAST)" --output "$PACKAGE" \
  --dtype fp16 --name ofa-scenes
scripts/evaluate-scenes.sh "$PACKAGE" build/scenes "build/scenes-eval-$LAST"
