// The CLI as a process (`npm run cli`): main.ts turns relaxed SIMD on before any wasm compiles, so our kernels run
// the build the studio runs in Chromium (Node 20 keeps relaxed SIMD behind a V8 flag).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../test-utils/model-fixtures.node.js';

describe('the CLI process', () => {
  it('runs our wasm kernels on their relaxed-SIMD build', () => {
    const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
    const out = execFileSync(tsx, [path.join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'env', '--backend', 'wasm'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const info = JSON.parse(out.trim().split('\n').pop()!) as { backend: string; simd: boolean; relaxedSimd: boolean };
    expect(info).toMatchObject({ backend: 'wasm', simd: true, relaxedSimd: true });
  }, 90_000);
});
