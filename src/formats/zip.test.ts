// Zip caps (#13), shared by `--adapter x.zip` and the browser's adapter import: checked on declared sizes before
// anything is inflated.
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { unzipFiles, zipFolder, ZIP_LIMITS } from './zip';

describe('unzipFiles caps', () => {
  it('opens an ordinary archive', async () => {
    const files = unzipFiles(zipFolder({ 'adapter_config.json': '{}' }, 'a'), 'a.zip');
    expect(await files.list()).toEqual(['adapter_config.json']);
  });

  it('refuses too many entries, too many bytes, and a bomb ratio', () => {
    const many = zipFolder(Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`f${i}`, 'x'])));
    expect(() => unzipFiles(many, 'many.zip', { ...ZIP_LIMITS, entries: 4 })).toThrow(/many\.zip: more than 4 entries/);
    const big = zipFolder({ a: new Uint8Array(3000) });
    expect(() => unzipFiles(big, 'big.zip', { ...ZIP_LIMITS, totalBytes: 2000 })).toThrow(
      /big\.zip: expands to more than 2000 bytes/,
    );
    const bomb = zipSync({ w: [new Uint8Array(200_000), { level: 9 }] });
    expect(() => unzipFiles(bomb, 'bomb.zip', { ...ZIP_LIMITS, ratioFloorBytes: 1000 })).toThrow(
      /bomb\.zip: 'w' expands \d+× .*zip bomb/,
    );
  });

  it('names the archive when it is not a zip', () => {
    expect(() => unzipFiles(new Uint8Array([1, 2, 3]), 'x.zip')).toThrow(/x\.zip: not a readable zip archive/);
  });
});
