#!/usr/bin/env bash
# Installs everything, builds, and starts the demo (Patchbay, a local OAuth provider, Acme CRM).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
pnpm build
exec pnpm demo
