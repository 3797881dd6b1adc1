#!/usr/bin/env bash
# Runs a MoMo client written by others (PyPI `mtnmomo-py` 0.1.0) against the standalone
# sandbox. Needs python3 and access to PyPI; builds the sandbox binary if needed.
set -euo pipefail
source "$(dirname "$0")/common.sh"
install_client "mtnmomo-py==0.1.0"
start_sandbox momo
"$venv/bin/python" "$here/momo_mtnmomo_py.py" "$line"
