#!/usr/bin/env bash
# Calls the standalone sandbox's Morune imitation with plain HTTP, as Morune's documentation
# shows it in Python (`requests`), and checks its webhooks by the documented signature rule.
# Needs python3 and access to PyPI; builds the sandbox binary if needed.
set -euo pipefail
source "$(dirname "$0")/common.sh"
install_client "requests==2.32.3"
start_sandbox morune
"$venv/bin/python" "$here/morune_plain_http.py" "$line"
