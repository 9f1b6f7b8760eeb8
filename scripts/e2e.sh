#!/usr/bin/env bash
# `npm run test:e2e`: production build, then Playwright (Debian Chromium, headless) against `vite preview`.
set -uo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
mkdir -p test-results e2e-artifacts
npx vite build --logLevel warn || { echo "vite build failed" >&2; exit 1; }
npx playwright test "$@"
