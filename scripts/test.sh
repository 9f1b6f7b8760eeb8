#!/usr/bin/env bash
# `npm test`: installs what a fresh Debian machine lacks, then runs lint (ESLint) and typecheck (tsc), unit tests
# (Vitest, Node) and e2e (Playwright, Debian Chromium) against the production build. Ends with one line
# "N passed, N failed" (lint and typecheck count as one check each); exit status is non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

# --- install what is missing -------------------------------------------------------------------------------------
source scripts/system-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # Browsers come from Debian; Playwright must never download its own.
  # `npm ci` refuses this lock: node-llama-cpp (llama.cpp as the judge of our GGUF exports) lists optional
  # per-platform binaries (win/mac/riscv) that this registry does not carry, so the lock cannot hold them and
  # `npm ci` reports them missing. `npm install` installs the same locked versions and skips them.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund 2>/dev/null \
    || PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund \
    || { echo "npm install failed" >&2; exit 1; }
fi

# WebGPU unit tests run Dawn (the `webgpu` package) on SwiftShader, the Vulkan CPU driver shipped with Chromium.
export VK_ICD_FILENAMES="${VK_ICD_FILENAMES:-/usr/lib/chromium/vk_swiftshader_icd.json}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
mkdir -p test-results e2e-artifacts
rm -f test-results/vitest.json test-results/e2e.json test-results/e2e-real.json test-results/e2e-side.json

# --- lint and typecheck: each is one check in the summary -------------------------------------------------------
npm run -s lint
lint_rc=$?
npm run -s typecheck
typecheck_rc=$?

# --- build once for both e2e runs ----------------------------------------------------------------------------------
build_rc=0
npx vite build --logLevel warn || { echo "vite build failed" >&2; build_rc=1; }

# --- e2e in two processes, beside the unit tests -------------------------------------------------------------------
# The real-size spec (SmolLM2-135M and Qwen2.5-0.5B shapes on SwiftShader WebGPU, SmolLM2 on wasm) runs in its own
# Playwright process (own port, report and output folder) beside the unit tests, then the first half (shard 1/2) of
# the other specs in the same process; the second half runs after the unit tests. Run one after the other, unit tests
# and e2e took 20 minutes here; the two chains now end at about the same time. Their logs are printed when they end.
# The bench suite `sizes` measures the larger shapes.
REAL_SPEC=e2e/real-sizes.spec.ts
SKIP_REAL="**/real-sizes.spec.ts"
side_pid=""
if [ "$build_rc" -eq 0 ]; then
  (
    E2E_PORT=4320 E2E_JSON=test-results/e2e-real.json E2E_OUTPUT=test-results/e2e-real \
      npx playwright test "$REAL_SPEC" >test-results/e2e-real.log 2>&1
    real_rc=$?
    E2E_PORT=4320 E2E_JSON=test-results/e2e-side.json E2E_OUTPUT=test-results/e2e-side E2E_IGNORE="$SKIP_REAL" \
      npx playwright test --shard=1/2 >test-results/e2e-side.log 2>&1
    side_rc=$?
    [ "$real_rc" -eq 0 ] && [ "$side_rc" -eq 0 ]
  ) &
  side_pid=$!
fi

# --- unit tests ----------------------------------------------------------------------------------------------------
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json
unit_rc=$?

# --- e2e: the second half of the specs, against `vite preview` ----------------------------------------------------
e2e_rc=$build_rc
if [ "$build_rc" -eq 0 ]; then
  E2E_IGNORE="$SKIP_REAL" npx playwright test --shard=2/2
  e2e_rc=$?
fi
real_rc=$build_rc
if [ -n "$side_pid" ]; then
  wait "$side_pid"
  real_rc=$?
  echo "--- real-size e2e ($REAL_SPEC) ---"
  cat test-results/e2e-real.log
  echo "--- e2e, first half of the other specs ---"
  cat test-results/e2e-side.log
fi

# --- summary -------------------------------------------------------------------------------------------------------
node --input-type=module - "$unit_rc" "$e2e_rc" "$lint_rc" "$typecheck_rc" "$real_rc" <<'JS'
import { existsSync, readFileSync } from 'node:fs';
const [unitRc, e2eRc, lintRc, typecheckRc, realRc] = process.argv.slice(2).map(Number);
const read = (f) => (existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null);
let passed = 0, failed = 0;
for (const [name, rc] of [['lint', lintRc], ['typecheck', typecheckRc]]) {
  if (rc === 0) passed += 1;
  else {
    failed += 1;
    console.log(`${name} failed (see above)`);
  }
}
const unit = read('test-results/vitest.json');
if (unit) {
  passed += unit.numPassedTests;
  failed += unit.numFailedTests;
  // A file that failed to load has no tests but still fails the run.
  failed += unit.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
} else if (unitRc !== 0) failed += 1;
for (const [file, rc] of [
  ['test-results/e2e.json', e2eRc],
  ['test-results/e2e-real.json', realRc],
  ['test-results/e2e-side.json', realRc],
]) {
  const e2e = read(file);
  if (e2e) {
    passed += e2e.stats.expected + e2e.stats.flaky;
    failed += e2e.stats.unexpected;
  } else if (rc !== 0) failed += 1;
}
// A non-zero exit with zero counted failures (crash, build error) still counts as one failure.
if (failed === 0 && (unitRc !== 0 || e2eRc !== 0 || realRc !== 0)) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
JS
