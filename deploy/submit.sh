#!/usr/bin/env bash
# spark-submit wrapper for the enrich job on any cluster manager.
#   deploy/submit.sh local|standalone|yarn|k8s [cpu|gpu] -- <EnrichJob options>
# Environment: SPARK_HOME (spark-submit), OFA_JARS (comma list: the ofa-udf jar, built with -Pgpu for gpu, and the
# spark-jobs jar; default: this checkout's target jars), OFA_MASTER (the master URL for standalone/k8s; YARN reads
# HADOOP_CONF_DIR), OFA_IMAGE (k8s executor image, see deploy/Dockerfile.executor), OFA_PACKAGES (more
# Maven coordinates; hadoop-aws is added by itself when an argument is an s3a:// path).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:?usage: submit.sh local|standalone|yarn|k8s [cpu|gpu] -- options}"
shift
kind="cpu"
if [ "${1:-}" = "cpu" ] || [ "${1:-}" = "gpu" ]; then kind="$1"; shift; fi
[ "${1:-}" = "--" ] && shift
jars="${OFA_JARS:-$(ls "$ROOT"/ofa-udf/target/ofa-udf-*.jar | head -1),$(ls "$ROOT"/spark-jobs/target/spark-jobs-*.jar | head -1)}"
main_jar="${jars##*,}"
deps="${jars%,*}"
# ONNX Runtime (and the image plugins) must travel with the job: the ofa-udf jar's runtime dependencies
deps="$deps,$(tr ':' ',' < "$ROOT/ofa-udf/target/classpath.txt")"
args=(--class ai.ofa.jobs.enrich.EnrichJob --properties-file "$ROOT/conf/spark-defaults-$kind.conf" --jars "$deps")
case "$mode" in
  local) args+=(--master "local[*]") ;;
  standalone) args+=(--master "${OFA_MASTER:?set OFA_MASTER=spark://host:7077}" --deploy-mode client) ;;
  yarn) args+=(--master yarn --deploy-mode cluster) ;;
  k8s) args+=(--master "${OFA_MASTER:?set OFA_MASTER=k8s://https://api-server:6443}" --deploy-mode cluster
              --conf "spark.kubernetes.container.image=${OFA_IMAGE:?set OFA_IMAGE to the executor image}")
       if [ "$kind" = "gpu" ]; then
         args+=(--conf spark.kubernetes.executor.podTemplateFile="$ROOT/deploy/k8s-gpu-executor.yaml")
       fi ;;
  *) echo "submit.sh: unknown mode '$mode', expected local|standalone|yarn|k8s" >&2; exit 2 ;;
esac
# s3a:// paths need hadoop-aws (and its AWS SDK bundle) matching Spark's Hadoop client; OFA_PACKAGES adds more
packages="${OFA_PACKAGES:-}"
case " $* " in
  *s3a://*) packages="${packages:+$packages,}org.apache.hadoop:hadoop-aws:3.5.0" ;;
esac
[ -n "$packages" ] && args+=(--packages "$packages")
exec "${SPARK_HOME:?set SPARK_HOME}/bin/spark-submit" "${args[@]}" "$main_jar" --device "$kind" "$@"
