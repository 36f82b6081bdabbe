# Shared setup for .ci scripts: installs what is missing and points cargo at a target dir that
# lives outside the clone, so repeated runs on one machine are incremental. Sourced, not run.
set -euo pipefail

need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]} (apt)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is missing: install Rust with rustup (https://rustup.rs) first" >&2
  exit 2
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^${component}"; then
    rustup component add "$component"
  fi
done

export CARGO_TARGET_DIR="${LEADPOLICY_TARGET_DIR:-${HOME}/.cache/leadpolicy/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
