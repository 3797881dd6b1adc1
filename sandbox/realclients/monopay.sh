#!/usr/bin/env bash
# Runs a Monobank acquiring client written by others (PyPI `monopay` 0.0.6) against the
# standalone sandbox. Needs python3 and access to PyPI; builds the sandbox binary if needed.
# The wheel declares no dependencies: `requests` and `ecdsa`, which it imports, are pinned here.
set -euo pipefail
source "$(dirname "$0")/common.sh"
install_client "monopay==0.0.6" "requests==2.34.2" "ecdsa==0.19.2"
start_sandbox monobank
"$venv/bin/python" "$here/monobank_monopay.py" "$line"
