#!/usr/bin/env bash
# Install the test dependencies (Python packages, Debian's chromium and poppler-utils) and run the
# whole suite: ruff, mypy, pytest (browser tests included). Exits non-zero on any failure,
# including pytest collecting no tests (its exit 5).
set -euo pipefail
cd "$(dirname "$0")/.."

debs=()
command -v chromium >/dev/null 2>&1 || debs+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || debs+=(poppler-utils)
for lib in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; do
  dpkg -s "$lib" >/dev/null 2>&1 || debs+=("$lib")
done
if [ ${#debs[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${debs[@]}" >/dev/null
fi

python -m pip install -q --disable-pip-version-check -r requirements-dev.txt

echo "== ruff"
python -m ruff check .
python -m ruff format --check csperf app.py pages
echo "== mypy"
python -m mypy
echo "== pytest"
set +e
python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$status"
