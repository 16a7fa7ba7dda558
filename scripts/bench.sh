#!/usr/bin/env bash
# ./ofa bench: captioning throughput of the Java runtime against PyTorch eager on the same OFA-tiny-shaped package
# (random weights, real shapes), beam 5, 480 px, batch 1 and 8, same thread count; prints both and the ratios.
# Figures only: nothing here passes or fails on a time.
set -euo pipefail
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  cat <<'HELP'
Usage: ./ofa bench [IMAGE]
Captioning throughput of the Java runtime against PyTorch eager on the same OFA-tiny-shaped package (random
weights, real shapes), beam 5, 480 px, batch 1 and 8; figures only.
  IMAGE   the image to caption (default: examples/images/astronaut.png)
Environment: OFA_BENCH_THREADS   threads of both runtimes (default: nproc)
HELP
  exit 0
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/build/bench"
THREADS="${OFA_BENCH_THREADS:-$(nproc)}"
IMAGE="${1:-$ROOT/examples/images/astronaut.png}"
bash "$ROOT/scripts/setup.sh"
echo "bench: preparing the OFA-tiny-shaped package in $OUT (once)"
PYTHONPATH="$ROOT/export" /usr/bin/python3 -m ofa_export.bench prepare --output "$OUT"
java_out=$("$ROOT/ofa" bench-java --model "$OUT/package" --image "$IMAGE" --batches 1,8 --threads "$THREADS" --repeats 4)
echo "$java_out"
long_out=$("$ROOT/ofa" bench-java --model "$OUT/package" --image "$IMAGE" --batches 8 --threads "$THREADS" --repeats 1 \
  --steps 64)
echo "$long_out"
torch_out=$(PYTHONPATH="$ROOT/export" /usr/bin/python3 -m ofa_export.bench run --checkpoint "$OUT/checkpoint" \
  --image "$IMAGE" --batches 1 8 --threads "$THREADS")
echo "$torch_out"
/usr/bin/python3 - "$java_out" "$torch_out" "$THREADS" "$long_out" <<'PY'
import json, sys
java = {r["batch"]: r for r in map(json.loads, sys.argv[1].splitlines())}
long = json.loads(sys.argv[4].splitlines()[-1])
torch = {r["batch"]: r for r in map(json.loads, sys.argv[2].splitlines())}
print(f"\ncaption, beam 5, 480 px, 16 decoder steps, {sys.argv[3]} threads, OFA-tiny shapes")
print(f"{'batch':>5} {'java img/s':>10} {'torch img/s':>11} {'ratio':>6} {'java enc ms':>11} {'torch enc ms':>12} "
      f"{'java ms/step (1-4, 13-16)':>26} {'torch ms/step':>16} {'java RSS MB':>11} {'torch RSS MB':>12}")
for b in sorted(java):
    j, t = java[b], torch[b]
    print(f"{b:>5} {j['images_per_s']:>10.2f} {t['images_per_s']:>11.2f} {j['images_per_s'] / t['images_per_s']:>6.2f} "
          f"{j['encoder_ms']:>11.0f} {t['encoder_ms']:>12.0f} "
          f"{j['decoder_ms_per_step_first4']:>12.1f}, {j['decoder_ms_per_step_last4']:>11.1f} "
          f"{t['decoder_ms_per_step_first4']:>7.1f}, {t['decoder_ms_per_step_last4']:>6.1f} "
          f"{j['peak_rss_mb']:>11} {t['peak_rss_mb']:>12}")
for b in sorted(java):
    j = java[b]
    print(f"java batch {b}: mean decoder step with the ONNX search head {j['decoder_ms_per_step_mean']:.1f} ms, "
          f"with the search in Java on full logits {j['decoder_ms_per_step_java_search']:.1f} ms")
print(f"java batch 8, 64 steps (KV cache: flat step cost means linear total): steps 1-4 "
      f"{long['decoder_ms_per_step_first4']:.1f} ms, steps 61-64 {long['decoder_ms_per_step_last4']:.1f} ms")
if 1 in java and 8 in java:
    per1 = 1 / java[1]["images_per_s"]
    per8 = 1 / java[8]["images_per_s"]
    print(f"java: batch 8 costs {per8 / per1:.0%} per image of batch 1")
    enc1 = java[1]["encoder_ms"]
    enc8 = java[8]["encoder_ms"] / 8
    print(f"java: the encoder alone costs {enc8:.0f} ms per image at batch 8 ({enc1:.0f} at batch 1), "
          f"{enc8 / (per1 * 1000):.0%} of batch 1's whole per-image time: the floor of that ratio even if decoding "
          f"at batch 8 were free")
PY
