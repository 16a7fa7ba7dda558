#!/usr/bin/env bash
# Copies a training run's weights (as fp16), vocabulary, config and loss log into a folder meant to be committed, so
# that the next training phase can start from them (--init-from) on another machine. Not a model package: convert it
# with ./ofa convert for that.
#   scripts/keep-checkpoint.sh RUN_DIR DEST     e.g. build/scenes-p1 models/checkpoints/ofa-scenes-p1
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: scripts/keep-checkpoint.sh RUN_DIR DEST" >&2; exit 2; }
SRC="$1"
DST="$2"
for f in pytorch_model.bin config.json vocab.json merges.txt; do
  [ -f "$SRC/$f" ] || { echo "keep-checkpoint: $SRC/$f is missing (not a training run's folder?)" >&2; exit 1; }
done
mkdir -p "$DST"
/usr/bin/python3 - "$SRC/pytorch_model.bin" "$DST/pytorch_model.bin" <<'PY'
import sys
import torch
state = torch.load(sys.argv[1])
halves = {}   # tied weights (the shared token embedding) stay one tensor
for k, v in state.items():
    if v.is_floating_point():
        state[k] = halves.setdefault((v.data_ptr(), v.shape, v.stride()), v.half())
torch.save(state, sys.argv[2])
PY
cp "$SRC/config.json" "$SRC/vocab.json" "$SRC/merges.txt" "$DST/"
[ ! -f "$SRC/loss_log.tsv" ] || cp "$SRC/loss_log.tsv" "$DST/"
echo "keep-checkpoint: $DST ($(du -sh "$DST" | cut -f1))"
