# Shared by the scripts beside it: a Python virtualenv for third-party clients, and a
# standalone sandbox started for one provider. Source it, then call the functions.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
venv="${BANKKIT_REALCLIENT_VENV:-$target_dir/realclients-venv}"

# install_client PIP_REQUIREMENT...: the client (and any dependency it fails to declare),
# pinned, in the shared virtualenv.
install_client() {
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
}

# start_sandbox PROVIDER [OPTION...]: builds and starts `bankkit-sandbox --provider PROVIDER
# --json OPTION...` (stopped when the script exits) and sets `line` to the JSON line it printed.
start_sandbox() {
  cargo build --quiet -p bankkit-sandbox --bin bankkit-sandbox
  sandbox_out="$(mktemp)"
  local provider="$1"
  shift
  "$target_dir/debug/bankkit-sandbox" --provider "$provider" --json "$@" > "$sandbox_out" 2>/dev/null &
  sandbox_pid=$!
  trap 'kill $sandbox_pid 2>/dev/null || true; rm -f "$sandbox_out"' EXIT
  for _ in $(seq 1 100); do
    [ -s "$sandbox_out" ] && break
    sleep 0.1
  done
  line="$(head -n 1 "$sandbox_out")"
  [ -n "$line" ] || { echo "the sandbox printed no JSON line"; exit 1; }
}
