#!/usr/bin/env bash
# `npm run bench [-- flags]`: the bench runs in headless Debian Chromium unless --node is given, so Chromium (and
# libvulkan1) are installed first the way `npm test` does it; then bench/run.ts with the same flags.
set -uo pipefail
cd "$(dirname "$0")/.."
case " $* " in
  *" --node "*) ;;
  *) source scripts/system-deps.sh ;;
esac
exec npx tsx bench/run.ts "$@"
