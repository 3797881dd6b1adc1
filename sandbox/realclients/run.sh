#!/usr/bin/env bash
# Runs a Monobank client written by others (PyPI `monobank-api-client`) against the
# standalone sandbox. Needs python3 and access to PyPI; builds the sandbox binary if needed.
set -euo pipefail
source "$(dirname "$0")/common.sh"
install_client "monobank-api-client[http]==1.2.3"
start_sandbox monobank
"$venv/bin/python" "$here/monobank_api_client.py" "$line"
