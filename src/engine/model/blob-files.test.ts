// Dropped files keyed by relative path (#13): a same-named file from another folder never replaces the model's.
import { describe, expect, it } from 'vitest';
import { blobModelFiles } from './blob-files';

/** `blobModelFiles` over files named by the keys of `texts` (in order), each holding its text. */
const dropped = (label: string, texts: Record<string, string>) =>
  blobModelFiles(
    Object.entries(texts).map(([name, t]) => ({ name, blob: new Blob([t]) })),
    label,
  );
const text = async (files: ReturnType<typeof blobModelFiles>, name: string) =>
  new TextDecoder().decode(await files.read(name));

describe('blobModelFiles', () => {
  it('strips the dropped folder and keeps sub-folder files apart', async () => {
    const files = dropped('drop', { 'my-model/config.json': 'top', 'my-model/onnx/config.json': 'onnx' });
    expect(await text(files, 'config.json')).toBe('top');
    expect(await text(files, 'onnx/config.json')).toBe('onnx');
    expect((await files.list()).sort()).toEqual(['config.json', 'onnx/config.json']);
  });

  it('the order of a folder drop does not matter', async () => {
    const files = dropped('drop', { 'my-model\\onnx\\config.json': 'onnx', 'my-model\\config.json': 'top' });
    expect(await text(files, 'config.json')).toBe('top');
  });

  it('refuses two same-named files from different folders instead of keeping one', () => {
    expect(() => dropped('drop', { 'a/config.json': 'a', 'b/config.json': 'b' })).toThrow(
      /'a\/config.json' and 'b\/config.json' would both be read as 'config.json'/,
    );
  });

  it('picked files (plain names) and files from several folders are keyed by base name', async () => {
    const files = dropped('pick', { 'config.json': 'c', 'weights/model.safetensors': 'w' });
    expect(await text(files, 'model.safetensors')).toBe('w');
  });
});
