#!/usr/bin/env bash
# Runs a MoMo client written by others (PyPI `mtnmomo-py` 0.1.0) against the standalone
# sandbox. Needs python3 and access to PyPI; builds the sandbox binary if needed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${BANKKIT_REALCLIENT_VENV:-${CARGO_TARGET_DIR:-$root/target}/realclients-venv}"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "mtnmomo-py==0.1.0"

cargo build --quiet -p bankkit-sandbox --bin bankkit-sandbox
bin="${CARGO_TARGET_DIR:-$root/target}/debug/bankkit-sandbox"
out="$(mktemp)"
"$bin" --provider momo --json > "$out" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 1 100); do
  [ -s "$out" ] && break
  sleep 0.1
done
line="$(head -n 1 "$out")"
[ -n "$line" ] || { echo "the sandbox printed no JSON line"; exit 1; }
"$venv/bin/python" "$here/momo_mtnmomo_py.py" "$line"
