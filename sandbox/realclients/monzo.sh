#!/usr/bin/env bash
# Runs a Monzo client written by others (PyPI `monzo-api` 1.3.6, driven by
# ../shared/realclients/run.sh beside this repository) against the standalone sandbox.
# Needs python3 and access to PyPI; builds the sandbox binary if needed.
set -euo pipefail
source "$(dirname "$0")/common.sh"
runner="${BANKKIT_REALCLIENTS_DIR:-$root/../shared/realclients}/run.sh"
[ -x "$runner" ] || { echo "no runner at $runner"; exit 1; }
start_sandbox monzo

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
