import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderFiles, openModelFolder } from './folder-files.node.js';

describe('folderFiles', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lora-studio-folder-'));
  writeFileSync(path.join(dir, 'a.bin'), new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  const files = folderFiles(dir);

  it('lists, sizes and reads byte ranges', async () => {
    expect(await files.list()).toEqual(['a.bin']);
    expect(await files.size('a.bin')).toBe(10);
    expect(await files.size('b.bin')).toBeNull();
    expect(Array.from(await files.read('a.bin', 2, 5))).toEqual([2, 3, 4]);
    expect(Array.from(await files.read('a.bin', 8, 100))).toEqual([8, 9]); // clipped at the end: callers check length
    expect((await files.read('a.bin')).byteLength).toBe(10);
  });

  it('names the file when it is missing and refuses paths outside the folder', async () => {
    await expect(files.read('b.bin')).rejects.toThrow(`${dir}/b.bin: file not found`);
    await expect(files.read('../etc/passwd')).rejects.toThrow(/not a file name inside the model folder/);
  });

  it('openModelFolder checks the folder exists', async () => {
    await expect(openModelFolder(path.join(dir, 'nope'))).rejects.toThrow(/model folder not found/);
    await expect(openModelFolder(path.join(dir, 'a.bin'))).rejects.toThrow(/not a folder/);
  });
});
