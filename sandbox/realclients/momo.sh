#!/usr/bin/env bash
# Runs a MoMo client written by others (PyPI `mtnmomo-py` 0.1.0) against the standalone
# sandbox. Needs python3 and access to PyPI; builds the sandbox binary if needed.
#
# The client reads a failed status's `reason` only as the swagger's `{"code","message"}` object
# (`ErrorReason.from_dict`); on the bare string MTN's sandbox sends (the sandbox's default) it
# raises AttributeError. So the sandbox runs with the object form.
set -euo pipefail
source "$(dirname "$0")/common.sh"
install_client "mtnmomo-py==0.1.0"
start_sandbox momo --momo-reason object
"$venv/bin/python" "$here/momo_mtnmomo_py.py" "$line"
