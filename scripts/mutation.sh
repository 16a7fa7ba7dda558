#!/usr/bin/env bash
# Mutation score of the pure-logic packages (PIT, pitest-maven + pitest-junit5-plugin). A benchmark, not part of
# .ci/run: it mutates each package's bytecode and reruns that package's unit tests against every mutant.
# Prints one line per package "mutation score: NN% (killed/total) PACKAGE" and last "mutation score: NN% overall"
# (killed = killed or timed out; total includes mutants no test reaches).
#
#   scripts/mutation.sh                 # every package below, one after the other
#   scripts/mutation.sh generate task   # some of them
#   PIT_THREADS=1 scripts/mutation.sh   # mutants run in parallel (default 2)
#
# Reports (HTML + XML) land in target/pit/PACKAGE/. Each package runs only its own fast unit tests (listed below):
# tests that load an ONNX model or start Spark take seconds per mutant and would make a run last hours.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
THREADS="${PIT_THREADS:-2}"

# package -> module, classes mutated, tests run (comma-separated globs).
declare -A MODULE=(
  [text]=ofa-udf [image]=ofa-udf [generate]=ofa-udf [task]=ofa-udf
  [corpus.dedup]=spark-jobs [corpus.text]=spark-jobs [evaluate.metrics]=spark-jobs
)
declare -A CLASSES=(
  [text]='ai.ofa.text.*' [image]='ai.ofa.image.*' [generate]='ai.ofa.generate.*' [task]='ai.ofa.task.*'
  [corpus.dedup]='ai.ofa.jobs.corpus.dedup.*' [corpus.text]='ai.ofa.jobs.corpus.text.*'
  [evaluate.metrics]='ai.ofa.jobs.evaluate.metrics.*'
)
declare -A TESTS=(
  [text]='ai.ofa.text.*Test'
  [image]='ai.ofa.image.ImageDecoderTest,ai.ofa.image.PillowReferenceTest,ai.ofa.image.ReferenceImageTest,ai.ofa.image.VqganPixelsAndCodesTest,ai.ofa.image.webp.*Test'
  [generate]='ai.ofa.generate.*Test'
  [task]='ai.ofa.task.*Test'
  [corpus.dedup]='ai.ofa.jobs.corpus.dedup.PerceptualHashPhotoTest,ai.ofa.jobs.corpus.dedup.BandIndexTest,ai.ofa.jobs.corpus.dedup.PdqTest,ai.ofa.jobs.corpus.dedup.ScaledJpegTest,ai.ofa.jobs.corpus.dedup.FingerprintTest,ai.ofa.jobs.corpus.dedup.HammingBandsTest,ai.ofa.jobs.corpus.dedup.ImageGroupsTest,ai.ofa.jobs.corpus.dedup.LeakageFilterTest'
  [corpus.text]='ai.ofa.jobs.corpus.text.*Test'
  [evaluate.metrics]='ai.ofa.jobs.evaluate.metrics.*Test'
)
ORDER=(text image generate task corpus.dedup corpus.text evaluate.metrics)
[ $# -gt 0 ] && ORDER=("$@")

total_killed=0; total_all=0; lines=()
for pkg in "${ORDER[@]}"; do
  module="${MODULE[$pkg]:-}"
  if [ -z "$module" ]; then
    echo "mutation.sh: unknown package '$pkg'; known: ${!MODULE[*]}" >&2
    exit 2
  fi
  reports="$ROOT/target/pit/$pkg"
  rm -rf "$reports"
  modules=(-pl "$module")
  [ "$module" = spark-jobs ] && modules=(-pl spark-jobs -am)   # ofa-udf from this tree, never from ~/.m2
  echo "== PIT: $pkg ($module; tests ${TESTS[$pkg]}) ==" >&2
  log="$ROOT/target/pit/$pkg.log"
  mkdir -p "$ROOT/target/pit"
  if ! mvn -B -ntp -Dstyle.color=never "${modules[@]}" test-compile org.pitest:pitest-maven:mutationCoverage \
      -DtargetClasses="${CLASSES[$pkg]}" -DtargetTests="${TESTS[$pkg]}" -Dthreads="$THREADS" \
      -DreportsDirectory="$reports" -DexcludedTestClasses='ai.ofa.arch.*,ai.ofa.jobs.arch.*' >"$log" 2>&1; then
    echo "mutation.sh: PIT failed for $pkg, see $log" >&2
    tail -20 "$log" >&2
    exit 1
  fi
  xml="$reports/mutations.xml"
  read -r killed all < <(/usr/bin/python3 - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ms = root.findall("mutation")
print(sum(1 for m in ms if m.get("status") in ("KILLED", "TIMED_OUT", "MEMORY_ERROR")), len(ms))
PY
)
  pct=$(( all == 0 ? 0 : (100 * killed + all / 2) / all ))
  line="mutation score: ${pct}% (${killed}/${all}) $pkg"
  echo "$line"
  lines+=("$line")
  total_killed=$((total_killed + killed)); total_all=$((total_all + all))
done
pct=$(( total_all == 0 ? 0 : (100 * total_killed + total_all / 2) / total_all ))
echo "mutation score: ${pct}% overall (${total_killed}/${total_all})"
