#!/usr/bin/env bash
# spark-submit wrapper for the enrich job on any cluster manager.
#   deploy/submit.sh local|standalone|yarn|k8s [cpu|gpu] -- <EnrichJob options>
# Environment: SPARK_HOME (spark-submit), OFA_JAR (the cluster jar: spark-jobs/target/spark-jobs-VERSION-all.jar,
# built by mvn package, with -Pgpu for gpu; it holds the jobs, the runtime, ONNX Runtime and the image plugins),
# OFA_MASTER (the master URL for standalone/k8s; YARN reads HADOOP_CONF_DIR), OFA_IMAGE (k8s executor image, see
# deploy/Dockerfile.executor), OFA_PACKAGES (more Maven coordinates; hadoop-aws is added by itself when an argument
# is an s3a:// path, Iceberg's Spark runtime when --output-table is given).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:?usage: submit.sh local|standalone|yarn|k8s [cpu|gpu] -- options}"
shift
kind="cpu"
if [ "${1:-}" = "cpu" ] || [ "${1:-}" = "gpu" ]; then kind="$1"; shift; fi
[ "${1:-}" = "--" ] && shift
main_jar="${OFA_JAR:-$(ls "$ROOT"/spark-jobs/target/spark-jobs-*-all.jar 2>/dev/null | head -1)}"
if [ -z "$main_jar" ] || [ ! -f "$main_jar" ]; then
  echo "submit.sh: no cluster jar; build it with: mvn -DskipTests package$([ "$kind" = gpu ] && echo ' -Pgpu')" \
       "(spark-jobs/target/spark-jobs-VERSION-all.jar), or set OFA_JAR" >&2
  exit 2
fi
# one jar travels with the job: the application jar is shipped to every executor
args=(--class ai.ofa.jobs.enrich.EnrichJob --properties-file "$ROOT/conf/spark-defaults-$kind.conf")
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
case " $* " in
  *" --output-table "*) packages="${packages:+$packages,}org.apache.iceberg:iceberg-spark-runtime-4.1_2.13:1.11.0" ;;
esac
[ -n "$packages" ] && args+=(--packages "$packages")
exec "${SPARK_HOME:?set SPARK_HOME}/bin/spark-submit" "${args[@]}" "$main_jar" --device "$kind" "$@"
