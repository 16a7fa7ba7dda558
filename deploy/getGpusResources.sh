#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript): prints the GPUs this executor may use
# as Spark's ResourceInformation JSON, e.g. {"name": "gpu", "addresses": ["0", "1"]}. Honors CUDA_VISIBLE_DEVICES
# (ids as the process will see them: 0..n-1) when a container runtime or YARN has narrowed the visible GPUs.
set -euo pipefail
if [ -n "${CUDA_VISIBLE_DEVICES:-}" ] && [ "${CUDA_VISIBLE_DEVICES}" != "NoDevFiles" ]; then
  count=$(echo "$CUDA_VISIBLE_DEVICES" | tr ',' '\n' | grep -c .)
  ids=$(seq 0 $((count - 1)))
else
  ids=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null || true)
fi
addresses=$( (echo "$ids" | grep -E '^[0-9]+$' || true) | sed 's/.*/"&"/' | paste -sd, -)
echo "{\"name\": \"gpu\", \"addresses\": [${addresses}]}"
