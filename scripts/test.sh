#!/usr/bin/env bash
# The project's whole test suite: installs what is missing, then runs the Python (converter) suite and the Java
# suite (which builds its converted fixtures with the same Python first). Fails when either fails.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

status=0
echo "== Python suite (export/) =="
(cd export && PYTHONPATH=. /usr/bin/python3 -m unittest discover -s tests -t . -v) || status=1

echo "== Java suite (Maven) =="
mvn -B -ntp verify || status=1

if [ $status -ne 0 ]; then
  echo "TESTS FAILED"
fi
exit $status
