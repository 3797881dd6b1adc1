#!/usr/bin/env bash
# Runs a Monzo client written by others (PyPI `monzo-api` 1.3.6, driven by
# ../shared/realclients/run.sh beside this repository) against the standalone sandbox.
# Needs python3 and access to PyPI; builds the sandbox binary if needed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runner="${BANKKIT_REALCLIENTS_DIR:-$root/../shared/realclients}/run.sh"
[ -x "$runner" ] || { echo "no runner at $runner"; exit 1; }

cargo build --quiet -p bankkit-sandbox --bin bankkit-sandbox
bin="${CARGO_TARGET_DIR:-$root/target}/debug/bankkit-sandbox"
out="$(mktemp)"
"$bin" --provider monzo --json > "$out" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 1 100); do
  [ -s "$out" ] && break
  sleep 0.1
done
line="$(head -n 1 "$out")"
[ -n "$line" ] || { echo "the sandbox printed no JSON line"; exit 1; }

field() {
  python3 -c 'import json, sys; m = json.loads(sys.argv[1])["providers"]["monzo"]; print((m if sys.argv[2] == "base_url" else m["credentials"])[sys.argv[2]])' "$line" "$1"
}
BANKKIT_MONZO_URL="$(field base_url)" \
BANKKIT_MONZO_AUTH_URL="$(field auth_url)" \
BANKKIT_MONZO_CLIENT_ID="$(field client_id)" \
BANKKIT_MONZO_CLIENT_SECRET="$(field client_secret)" \
BANKKIT_MONZO_REDIRECT_URL="$(field redirect_uri)" \
BANKKIT_MONZO_ACCESS_TOKEN="$(field access_token)" \
BANKKIT_MONZO_REFRESH_TOKEN="$(field refresh_token)" \
  "$runner"
