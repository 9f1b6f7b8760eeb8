/**
 * `ModelFiles` over `File`/`Blob` objects the user dropped or picked. Reads slice the blob, so a multi-GiB
 * safetensors file is never held whole: the loader pulls one tensor's byte range at a time.
 */
import type { ModelFiles } from '../../spec/model-files';
import type { NamedBlob } from '../../protocol/model-types';
import { InputError } from '../../spec/input-error';

/**
 * Dropped files keyed by their path relative to the dropped folder (#13: keyed by base name, a same-named file
 * from a sub-folder, e.g. `onnx/config.json`, silently replaced the model's own). A drop of one folder has its
 * root stripped, so `my-model/config.json` is `config.json` and `my-model/onnx/config.json` stays apart. Files
 * from several folders (or picked one by one) are keyed by base name, and two files with the same one are refused.
 */
export function keyDroppedFiles(files: readonly NamedBlob[], label: string): Map<string, Blob> {
  const paths = files.map((f) => f.name.replace(/\\/g, '/').replace(/^(\.?\/)+/, ''));
  const roots = new Set(paths.map((p) => (p.includes('/') ? p.slice(0, p.indexOf('/')) : '')));
  const oneFolder = roots.size === 1 && !roots.has('');
  const byName = new Map<string, Blob>();
  const from = new Map<string, string>();
  files.forEach((f, i) => {
    const key = oneFolder ? paths[i].slice(paths[i].indexOf('/') + 1) : baseName(paths[i]);
    const other = from.get(key);
    if (other !== undefined) {
      throw new InputError(
        `${label}: '${other}' and '${paths[i]}' would both be read as '${key}'; drop one model folder (or its files) at a time`,
      );
    }
    from.set(key, paths[i]);
    byName.set(key, f.blob);
  });
  return byName;
}

/** Wraps dropped files (keys as {@link keyDroppedFiles} gives them). */
export function blobModelFiles(files: readonly NamedBlob[], label: string): ModelFiles {
  const byName = keyDroppedFiles(files, label);
  return {
    label,
    async list() {
      return [...byName.keys()];
    },
    async size(name) {
      return byName.get(name)?.size ?? null;
    },
    async read(name, start, end) {
      const blob = byName.get(name);
      if (!blob) throw new Error(`${label}/${name}: not among the dropped files; add it and load again`);
      const part = start === undefined && end === undefined ? blob : blob.slice(start ?? 0, end ?? blob.size);
      return new Uint8Array(await part.arrayBuffer());
    },
  };
}

/** `a/b/config.json` → `config.json`. */
export function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i < 0 ? path : path.slice(i + 1);
}
