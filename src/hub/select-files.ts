/**
 * Which files of a hub repo the studio needs: config, tokenizer files and the safetensors weights (one file or
 * the shards a `model.safetensors.index.json` names). Everything else in a repo (`.bin`, `.gguf`, ONNX exports,
 * other precisions in sub-folders) is left on the server.
 */
import type { ManifestFile } from './cache';
import { isPlainSegment } from './names';

/** Small files fetched when present; config.json is the only required one. */
export const AUX_FILES = [
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
] as const;

export const SHARD_INDEX = 'model.safetensors.index.json';

/** Result of picking files from a listing. */
export interface FileSelection {
  /** Small files, config.json first. */
  aux: ManifestFile[];
  /** The shard index, when the weights are sharded. */
  index: ManifestFile | null;
  /** Weight files; when `index` is set these are filled in after the index is read (`shardsFromIndex`). */
  weights: ManifestFile[];
  /** Weight files of other formats, named in the "no safetensors" error. */
  otherWeights: string[];
}

const OTHER_WEIGHTS = /\.(bin|pt|pth|gguf|ggml|onnx|h5|msgpack|ckpt|mlx|npz)$/i;

/** Picks the needed files from a recursive listing (top-level files only: HF checkpoints are flat). */
export function selectFiles(listing: ManifestFile[]): FileSelection {
  const top = listing.filter((f) => !f.path.includes('/'));
  const byPath = new Map(top.map((f) => [f.path, f]));
  const aux = AUX_FILES.map((n) => byPath.get(n)).filter((f): f is ManifestFile => f !== undefined);
  const index = byPath.get(SHARD_INDEX) ?? null;
  let weights: ManifestFile[] = [];
  if (!index) {
    const single = byPath.get('model.safetensors');
    // Some repos name their single file differently; adapters are not base weights.
    weights = single
      ? [single]
      : top.filter((f) => f.path.endsWith('.safetensors') && !f.path.startsWith('adapter_model'));
  }
  const otherWeights = listing.filter((f) => OTHER_WEIGHTS.test(f.path)).map((f) => f.path);
  return { aux, index, weights, otherWeights };
}

/** The shard files a safetensors index names, resolved against the listing; throws naming a missing shard. */
export function shardsFromIndex(indexJson: unknown, listing: ManifestFile[]): ManifestFile[] {
  const map = (indexJson as { weight_map?: Record<string, string> } | null)?.weight_map;
  if (!map || typeof map !== 'object') throw new Error(`${SHARD_INDEX}: no "weight_map"`);
  const byPath = new Map(listing.map((f) => [f.path, f]));
  const names = [...new Set(Object.values(map))].sort();
  return names.map((n) => {
    if (typeof n !== 'string' || !isPlainSegment(n)) {
      throw new Error(
        `${SHARD_INDEX} names shard '${String(n)}', which is not a plain file name in the repo's top folder`,
      );
    }
    const f = byPath.get(n);
    if (!f) throw new Error(`${SHARD_INDEX} names shard '${n}', which is not in the repo`);
    return f;
  });
}
