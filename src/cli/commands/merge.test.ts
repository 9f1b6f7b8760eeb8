import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeCommand } from './merge';
import { scoreCommand } from './score';
import { capture } from '../../test-utils/capture-stdout';

const base = path.resolve(__dirname, '../../../fixtures/lora/llama');
const adapter = path.join(base, 'adapter'); // written by scripts/fixtures/make_lora_fixtures.py
let dir: string;

const score = async (adapterArg: string) =>
  (
    JSON.parse(
      await capture(() =>
        scoreCommand.run(['--model', base, '--ids', '1,5,9,13,40,42,7', '--backend', 'cpu', '--adapter', adapterArg]),
      ),
    ) as {
      logprobs: (number | null)[];
    }
  ).logprobs.slice(1) as number[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'merge-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('merge CLI', () => {
  it('cat and svd merges of a PyTorch-written adapter score like the weighted stack', async () => {
    const want = await score(adapter); // 0.7·A + 0.3·A = A
    for (const [method, extra] of [
      ['cat', []],
      ['svd', ['--rank', '4']],
    ] as const) {
      const out = path.join(dir, method);
      const line = await capture(() =>
        mergeCommand.run([
          '--model',
          base,
          '--adapter',
          `${adapter}:0.7`,
          '--adapter',
          `${adapter}:0.3`,
          '--method',
          method,
          ...extra,
          '--out',
          out,
        ]),
      );
      expect(JSON.parse(line)).toMatchObject({ method, modules: 14 });
      const cfg = JSON.parse(await readFile(path.join(out, 'adapter_config.json'), 'utf8'));
      expect(cfg.r).toBe(method === 'cat' ? 8 : 4);
      const got = await score(out);
      got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-4));
    }
  });
});
