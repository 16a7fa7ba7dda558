#!/usr/bin/env bash
# The project's whole test suite: installs what is missing, then runs the Python (converter) suite and the Java
# suite (which builds its converted fixtures with the same Python first). Fails when either fails, and ends with
# one line "N passed, N failed, N skipped" over both suites: a skipped test is never counted as passed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
logs=$(mktemp -d)

status=0
echo "== Python suite (export/) =="
(cd export && PYTHONPATH=. /usr/bin/python3 -m unittest discover -s tests -t . -v) 2>&1 | tee "$logs/python.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

echo "== Java suite (Maven) =="
mvn -B -ntp -Dstyle.color=never verify 2>&1 | tee "$logs/java.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

py_run=$(grep -Eo '^Ran [0-9]+ test' "$logs/python.log" | grep -Eo '[0-9]+' | tail -1)
py_bad=0
py_skip=$(grep -E '^(OK|FAILED) \(.*skipped=[0-9]+' "$logs/python.log" | grep -Eo 'skipped=[0-9]+' | grep -Eo '[0-9]+' | tail -1)
for n in $(grep -E '^FAILED \(' "$logs/python.log" | grep -Eo '(failures|errors)=[0-9]+' | grep -Eo '[0-9]+'); do
  py_bad=$((py_bad + n))
done
java_run=0; java_bad=0; java_skip=0
while read -r run fail err skip; do
  java_run=$((java_run + run)); java_bad=$((java_bad + fail + err)); java_skip=$((java_skip + skip))
done < <(grep -E '^\[(INFO|ERROR|WARNING)\] Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$' \
  "$logs/java.log" | sed -E 's/.*Tests run: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+), Skipped: ([0-9]+)$/\1 \2 \3 \4/')
py_run=${py_run:-0}; py_bad=${py_bad:-0}; py_skip=${py_skip:-0}
failed=$((py_bad + java_bad))
skipped=$((py_skip + java_skip))
passed=$((py_run + java_run - failed - skipped))
rm -rf "$logs"
echo "python: $py_run run, $py_bad failed, $py_skip skipped; java: $java_run run, $java_bad failed, $java_skip skipped"
[ $status -eq 0 ] || echo "TESTS FAILED"
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
