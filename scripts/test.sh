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
rm -f test-results/vitest.json test-results/e2e.json

# --- lint and typecheck: each is one check in the summary -------------------------------------------------------
npm run -s lint
lint_rc=$?
npm run -s typecheck
typecheck_rc=$?

# --- unit tests ----------------------------------------------------------------------------------------------------
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json
unit_rc=$?

# --- e2e: build, then Playwright against `vite preview` ------------------------------------------------------------
bash scripts/e2e.sh
e2e_rc=$?

# --- summary -------------------------------------------------------------------------------------------------------
node --input-type=module - "$unit_rc" "$e2e_rc" "$lint_rc" "$typecheck_rc" <<'JS'
import { existsSync, readFileSync } from 'node:fs';
const [unitRc, e2eRc, lintRc, typecheckRc] = process.argv.slice(2).map(Number);
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
const e2e = read('test-results/e2e.json');
if (e2e) {
  passed += e2e.stats.expected + e2e.stats.flaky;
  failed += e2e.stats.unexpected;
} else if (e2eRc !== 0) failed += 1;
// A non-zero exit with zero counted failures (crash, build error) still counts as one failure.
if (failed === 0 && (unitRc !== 0 || e2eRc !== 0)) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
JS
