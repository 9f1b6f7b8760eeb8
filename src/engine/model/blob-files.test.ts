// Dropped files keyed by relative path (#13): a same-named file from another folder never replaces the model's.
import { describe, expect, it } from 'vitest';
import { blobModelFiles } from './blob-files';

const blob = (text: string) => new Blob([text]);
const text = async (files: ReturnType<typeof blobModelFiles>, name: string) =>
  new TextDecoder().decode(await files.read(name));

describe('blobModelFiles', () => {
  it('strips the dropped folder and keeps sub-folder files apart', async () => {
    const files = blobModelFiles(
      [
        { name: 'my-model/config.json', blob: blob('top') },
        { name: 'my-model/onnx/config.json', blob: blob('onnx') },
      ],
      'drop',
    );
    expect(await text(files, 'config.json')).toBe('top');
    expect(await text(files, 'onnx/config.json')).toBe('onnx');
    expect((await files.list()).sort()).toEqual(['config.json', 'onnx/config.json']);
  });

  it('the order of a folder drop does not matter', async () => {
    const files = blobModelFiles(
      [
        { name: 'my-model\\onnx\\config.json', blob: blob('onnx') },
        { name: 'my-model\\config.json', blob: blob('top') },
      ],
      'drop',
    );
    expect(await text(files, 'config.json')).toBe('top');
  });

  it('refuses two same-named files from different folders instead of keeping one', () => {
    expect(() =>
      blobModelFiles(
        [
          { name: 'a/config.json', blob: blob('a') },
          { name: 'b/config.json', blob: blob('b') },
        ],
        'drop',
      ),
    ).toThrow(/'a\/config.json' and 'b\/config.json' would both be read as 'config.json'/);
  });

  it('picked files (plain names) and files from several folders are keyed by base name', async () => {
    const files = blobModelFiles(
      [
        { name: 'config.json', blob: blob('c') },
        { name: 'weights/model.safetensors', blob: blob('w') },
      ],
      'pick',
    );
    expect(await text(files, 'model.safetensors')).toBe('w');
  });
});
