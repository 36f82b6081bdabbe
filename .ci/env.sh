# Shared setup for .ci scripts: installs what is missing and points cargo at a target dir that
# lives outside the clone, so repeated runs on one machine are incremental. Sourced, not run.
set -euo pipefail

# Debian packages: a C toolchain, the WebKitGTK/GTK stack Tauri builds against, and what the
# end-to-end tests run the real window with (Xvfb, D-Bus, WebKitWebDriver, screen capture).
need_apt=()
for pkg in build-essential pkg-config file libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev \
  libxdo-dev libssl-dev webkit2gtk-driver xvfb dbus x11-apps imagemagick librsvg2-bin; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]} (apt)…"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${need_apt[@]}"
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
# The UI builds with Node.js 20 or newer (Vite 7); Debian 12's own nodejs is 18.
if ! command -v npm >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 20 ]; then
  echo "Node.js 20+ with npm is needed for the UI (ui/): install it (e.g. from nodejs.org or NodeSource)" >&2
  exit 2
fi

export CARGO_TARGET_DIR="${LEADPOLICY_TARGET_DIR:-${HOME}/.cache/leadpolicy/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Build the UI into ui/dist (the app embeds it at compile time). `npm ci` only when the lockfile
# changed since the last install.
build_ui() {
  (
    cd ui
    if [ ! -d node_modules ] || ! cmp -s package-lock.json node_modules/.package-lock.json.ci 2>/dev/null; then
      npm ci --no-audit --no-fund
      cp package-lock.json node_modules/.package-lock.json.ci
    fi
    npm run build
  )
}
