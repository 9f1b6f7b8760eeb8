/**
 * `ModelFiles` over `File`/`Blob` objects the user dropped or picked. Reads slice the blob, so a multi-GiB
 * safetensors file is never held whole: the loader pulls one tensor's byte range at a time.
 */
import type { ModelFiles } from '../../spec/model-files';
import type { NamedBlob } from '../../protocol/model-types';

/** Wraps dropped files; names are the files' base names (folder drops keep only the last path segment). */
export function blobModelFiles(files: readonly NamedBlob[], label: string): ModelFiles {
  const byName = new Map<string, Blob>();
  for (const f of files) byName.set(baseName(f.name), f.blob);
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
