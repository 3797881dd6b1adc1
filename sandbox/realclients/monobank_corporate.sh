#!/usr/bin/env bash
# Runs a Monobank provider-API ("corporate") client written by others (PyPI `monobank` 0.4.4)
# against the standalone sandbox. Needs python3 and access to PyPI; builds the sandbox binary
# if needed. The client pins `ecdsa` below 0.14, which the acquiring client beside it cannot
# share, so it gets a virtualenv of its own.
set -euo pipefail
source "$(dirname "$0")/common.sh"
venv="${venv}-monobank-corporate"
install_client "monobank==0.4.4" "requests==2.34.2" "ecdsa==0.13.3"
start_sandbox monobank
"$venv/bin/python" "$here/monobank_corporate.py" "$line"
