#!/usr/bin/env bash
# ./ofa bench-image: image-code throughput of the Java runtime against PyTorch eager on the same packages: a
# random VQGAN of the published shape (encode and decode, 256 px, batch 1 and 4) and an OFA-tiny-shaped OFA
# (text-to-image: 1024 codes, top-k 256, 1 and 4 samples, decoder ms per step at steps 1-4 and 1021-1024), same
# thread count; prints both and the ratios. Figures only: nothing here passes or fails on a time.
set -euo pipefail
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  cat <<'HELP'
Usage: ./ofa bench-image [IMAGE]
VQGAN encode/decode (published shape, 256 px, batch 1 and 4) and text-to-image code generation (OFA-tiny shapes,
1 and 4 samples) throughput, Java against PyTorch eager; figures only.
  IMAGE   the image to encode (default: examples/images/astronaut.png)
Environment: OFA_BENCH_THREADS   threads of both runtimes (default: nproc)
HELP
  exit 0
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/build/bench-image"
THREADS="${OFA_BENCH_THREADS:-$(nproc)}"
IMAGE="${1:-$ROOT/examples/images/astronaut.png}"
bash "$ROOT/scripts/setup.sh" --python >/dev/null
echo "bench-image: preparing the packages in $OUT (once)"
PYTHONPATH="$ROOT/export" /usr/bin/python3 -m ofa_export.bench_image prepare --output "$OUT"
java_out=$("$ROOT/ofa" bench-image-java --model "$OUT/ofa/package" --vqgan "$OUT/vqgan" --image "$IMAGE" \
  --vqgan-batches 1,4 --samples 1,4 --threads "$THREADS")
echo "$java_out"
torch_out=$(PYTHONPATH="$ROOT/export" /usr/bin/python3 -m ofa_export.bench_image run --output "$OUT" \
  --image "$IMAGE" --vqgan-batches 1 4 --samples 1 4 --threads "$THREADS")
echo "$torch_out"
/usr/bin/python3 - "$java_out" "$torch_out" "$THREADS" <<'PY'
import json, sys
rows = [json.loads(l) for part in sys.argv[1:3] for l in part.splitlines() if l.startswith("{")]
def pick(bench, runtime, key, value):
    return next(r for r in rows if r["bench"] == bench and r["runtime"] == runtime and r[key] == value)
print(f"\nVQGAN, published shape (ch 128, 2 res blocks, z 256, 8192 codes), 256 px, {sys.argv[3]} threads")
print(f"{'batch':>5} {'java enc img/s':>14} {'torch enc img/s':>15} {'ratio':>6} {'java dec img/s':>14} "
      f"{'torch dec img/s':>15} {'ratio':>6}")
for b in sorted({r["batch"] for r in rows if r["bench"] == "vqgan"}):
    j, t = pick("vqgan", "java-onnxruntime", "batch", b), pick("vqgan", "pytorch-eager", "batch", b)
    print(f"{b:>5} {j['encode_images_per_s']:>14.3f} {t['encode_images_per_s']:>15.3f} "
          f"{j['encode_images_per_s'] / t['encode_images_per_s']:>6.2f} {j['decode_images_per_s']:>14.3f} "
          f"{t['decode_images_per_s']:>15.3f} {j['decode_images_per_s'] / t['decode_images_per_s']:>6.2f}")
print(f"\ntext-to-image codes, OFA-tiny shapes (d 256, 4+4 layers, vocabulary 59457), 1024 codes, top-k 256")
print(f"{'samples':>7} {'java img/s':>10} {'torch img/s':>11} {'ratio':>6} {'java ms/step 1-4, 1021-1024':>28} "
      f"{'torch ms/step':>16}")
for n in sorted({r["samples"] for r in rows if r["bench"] == "text_to_image"}):
    j, t = pick("text_to_image", "java-onnxruntime", "samples", n), pick("text_to_image", "pytorch-eager", "samples", n)
    print(f"{n:>7} {j['images_per_s']:>10.4f} {t['images_per_s']:>11.4f} {j['images_per_s'] / t['images_per_s']:>6.2f} "
          f"{j['decoder_ms_per_step_1_4']:>13.1f}, {j['decoder_ms_per_step_1021_1024']:>12.1f} "
          f"{t['decoder_ms_per_step_1_4']:>7.1f}, {t['decoder_ms_per_step_1021_1024']:>6.1f}")
print("(flat ms/step from step 1 to step 1024: the KV cache keeps a step's cost independent of the sequence so far; "
      "the images/s of text-to-image count codes only: add the VQGAN decode above for PNGs)")
PY
