# Shared setup for .ci scripts: installs what is missing and points cargo at a target dir that
# lives outside the clone, so repeated runs on one machine are incremental. Sourced, not run.
set -euo pipefail

# Debian packages: a C toolchain, the WebKitGTK/GTK stack Tauri builds against, and what the
# end-to-end tests run the real window with (Xvfb, D-Bus, WebKitWebDriver, screen capture), and
# PostgreSQL, which the compiled-SQL tests start as a throwaway cluster of their own.
need_apt=()
for pkg in build-essential pkg-config file libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev \
  libxdo-dev libssl-dev webkit2gtk-driver xvfb dbus x11-apps imagemagick librsvg2-bin \
  postgresql python3-pip; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  # apt needs root: as root directly, otherwise through sudo.
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "these Debian packages are missing and installing them needs root: ${need_apt[*]}" >&2
      echo "run this script as root, or install sudo, or ask an administrator for: apt-get install ${need_apt[*]}" >&2
      exit 2
    fi
    SUDO="sudo"
    echo "installing Debian packages with sudo (it may ask for your password)"
  fi
  echo "installing ${need_apt[*]} (apt)…"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# Rust: the version Cargo.toml states (rust-version = 1.95, edition 2024), from rustup.
rust_min="1.95"
if ! command -v cargo >/dev/null 2>&1; then
  echo "Rust is missing: install it with rustup (https://rustup.rs: curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh), then open a new shell; leadpolicy needs Rust ${rust_min} or newer" >&2
  exit 2
fi
rust_have=$(rustc --version | awk '{print $2}')
if [ "$(printf '%s\n%s\n' "$rust_min" "$rust_have" | sort -V | head -n1)" != "$rust_min" ]; then
  if command -v rustup >/dev/null 2>&1; then
    echo "Rust ${rust_have} is older than the ${rust_min} leadpolicy needs: updating the stable toolchain (rustup update stable)…"
    rustup update stable
  else
    echo "Rust ${rust_have} is older than the ${rust_min} leadpolicy needs: update it (rustup update stable, or your distribution's newer rustc)" >&2
    exit 2
  fi
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^${component}"; then
    rustup component add "$component"
  fi
done
# The UI builds with Node.js 20 or newer (Vite 7); Debian 12's own nodejs is 18.
if ! command -v npm >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 20 ]; then
  have=$(node --version 2>/dev/null || echo "none")
  echo "Node.js 20 or newer with npm is needed to build the UI (ui/); this machine has: ${have}." >&2
  echo "Debian 12's own nodejs is 18: install 20+ from nodejs.org or NodeSource (https://github.com/nodesource/distributions)" >&2
  exit 2
fi

export CARGO_TARGET_DIR="${LEADPOLICY_TARGET_DIR:-${HOME}/.cache/leadpolicy/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Every release build goes through this one invocation (the app and the CLI together, one
# feature set), so `.ci/app` and `.ci/demo` share one build of Polars and Tauri.
build_release() {
  cargo build --workspace --bins --release --locked
}

# Put the `leadpolicy` command on the PATH of new shells: /usr/local/bin as root, else
# ~/.local/bin (added to ~/.bashrc and ~/.profile when they do not mention it yet).
install_cli() {
  local bin="$CARGO_TARGET_DIR/release/leadpolicy" dir
  if [ "$(id -u)" -eq 0 ]; then dir=/usr/local/bin; else dir="$HOME/.local/bin"; fi
  mkdir -p "$dir"
  install -m 755 "$bin" "$dir/leadpolicy"
  if [ "$dir" = "$HOME/.local/bin" ]; then
    for rc in "$HOME/.bashrc" "$HOME/.profile"; do
      if [ -f "$rc" ] && ! grep -q '\.local/bin' "$rc"; then
        printf '\n# added by leadpolicy (.ci/app): the leadpolicy command\nexport PATH="$HOME/.local/bin:$PATH"\n' >> "$rc"
      fi
    done
  fi
  echo "installed the command line: $dir/leadpolicy ($("$dir/leadpolicy" --version)); try \`leadpolicy --help\` in a new shell"
}

# Run a command under Xvfb with a session bus, the way WebKitGTK behaves headless. The bus and
# audio stack's start-up chatter (D-Bus activation, PipeWire) is filtered out of stderr: it is
# harmless and alarms a newcomer. Real errors still show.
export NO_AT_BRIDGE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 LIBGL_ALWAYS_SOFTWARE=1
headless() {
  local noise='^$|X connection to :[0-9]+ broken|dbus-daemon|PipeWire|pipewire|pw\.conf|xdg-desktop-portal|RealtimeKit|Could not connect: No such file|max threads value|SpiRegistry|Activating service|Successfully activated|org\.freedesktop|libEGL warning|MESA'
  xvfb-run -a -s "-screen 0 1280x900x24" dbus-run-session -- "$@" \
    > >(grep --line-buffered -v -E "$noise") 2> >(grep --line-buffered -v -E "$noise" >&2)
}

# Build the UI into ui/dist (the app embeds it at compile time). `npm ci` only when the lockfile
# changed since the last install.
build_ui() {
  (
    cd ui
    if [ ! -d node_modules ] || ! cmp -s package-lock.json node_modules/.package-lock.json.ci 2>/dev/null; then
      npm ci --no-audit --no-fund
      cp package-lock.json node_modules/.package-lock.json.ci
    fi
    # Rebuilt only when a UI source is newer than the last build: a fresh ui/dist would make
    # cargo relink the app (its assets are compiled in), so .ci/run after .ci/app, or .ci/demo
    # after either, compiles nothing it does not have to.
    if [ -f dist/index.html ] && [ -z "$(find src index.html package.json package-lock.json vite.config.ts svelte.config.js tsconfig.json -newer dist/index.html -print -quit)" ]; then
      echo "ui/dist is up to date"
    else
      npm run build
    fi
  )
}
