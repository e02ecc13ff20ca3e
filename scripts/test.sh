#!/usr/bin/env bash
# Installs everything, then lints, type-checks, builds and runs every test suite.
# The last line printed is `N passed, N failed` over all suites.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "==> lint";      pnpm lint
echo "==> typecheck"; pnpm typecheck
echo "==> build";     pnpm build
echo "==> test";      pnpm test
