#!/usr/bin/env bash
# Installs everything Patchbay needs on a fresh Debian machine with Node 20:
# Debian's Chromium (for the browser tests and the demo), pnpm 10.34.9, and the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "Patchbay needs Node.js 20.19 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

if ! command -v chromium >/dev/null 2>&1; then
  echo "==> installing Debian's chromium"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "10.34.9" ]; then
  echo "==> installing pnpm 10.34.9"
  npm install -g pnpm@10.34.9 >/dev/null 2>&1 || as_root npm install -g pnpm@10.34.9 >/dev/null
fi

# better-sqlite3 compiles from source; point node-gyp at the installed Node headers.
if [ -f /usr/include/node/node.h ]; then export npm_config_nodedir=/usr; fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
echo "==> pnpm install"
pnpm install --frozen-lockfile
