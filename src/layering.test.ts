// The engine's layers point one way (issue 14): the lower layers never import the protocol, the engine, the CLI or
// the app; src never imports app; src/spec imports nothing else; no folder-level cycles among the lower layers.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  folderCycles,
  importEdges,
  isTestFile,
  layerViolations,
  LOWER_LAYERS,
  packageImports,
  sourceFiles,
  type ImportEdge,
} from './test-utils/import-graph.node';

const ROOT = path.resolve(import.meta.dirname, '..');
const LOWER = LOWER_LAYERS.map((l) => `src/${l}`);
const show = (e: ImportEdge) => `${e.from} → ${e.to}`;

describe('engine layering', () => {
  const files = sourceFiles(ROOT, 'src').filter((f) => !isTestFile(f));
  // Workers, scripts and benchmarks are engine clients too: they reach the engine, never the app.
  const clients = ['workers', 'scripts', 'bench'].flatMap((d) => sourceFiles(ROOT, d)).filter((f) => !isTestFile(f));
  const edges = importEdges(ROOT, [...files, ...clients]);

  it('reads the real tree (hundreds of imports, including the spec layer)', () => {
    expect(files.length).toBeGreaterThan(200);
    expect(edges.length).toBeGreaterThan(500);
    expect(edges.some((e) => e.to.startsWith('src/spec/'))).toBe(true);
  });

  it('has no import from a lower layer into protocol, engine, cli or app, and none from src, workers, scripts or bench into app', () => {
    expect(layerViolations(edges).map((v) => `${show(v.edge)} (${v.rule})`)).toEqual([]);
  });

  it('has no folder-level cycle among the lower layers', () => {
    expect(folderCycles(edges, LOWER).map((c) => c.join(' → '))).toEqual([]);
  });

  it('keeps src/spec free of packages (no tfjs, no idb: anything may import it)', () => {
    const specFiles = files.filter((f) => f.startsWith('src/spec/'));
    expect(specFiles.length).toBeGreaterThan(5);
    expect(packageImports(ROOT, specFiles)).toEqual([]);
  });
});

describe('the rules catch planted violations', () => {
  it('flags upward imports and app imports, each with its rule', () => {
    const planted: ImportEdge[] = [
      { from: 'src/backend/gpu-watch', to: 'src/protocol/errors' },
      { from: 'src/storage/blobs', to: 'src/engine/job' },
      { from: 'src/quant/quant-command.node', to: 'src/cli/command' },
      { from: 'src/train/trainer', to: 'app/store/train-presets' },
      { from: 'src/spec/presets', to: 'src/train/adamw' },
      { from: 'scripts/datasets/adapter-effects', to: 'app/store/train-presets' },
      // Allowed: the engine builds on the protocol, the CLI on the model, a lower layer on spec.
      { from: 'src/engine/serve', to: 'src/protocol/messages' },
      { from: 'src/cli/commands/train', to: 'src/model/load' },
      { from: 'src/model/load', to: 'src/spec/model-files' },
    ];
    expect(layerViolations(planted).map((v) => v.rule)).toEqual([
      'src/backend imports nothing from src/protocol',
      'src/storage imports nothing from src/engine',
      'src/quant imports nothing from src/cli',
      'src imports nothing from app',
      'src/spec imports only src/spec',
      'scripts imports nothing from app',
    ]);
  });

  it('finds folder cycles through any number of folders, and none in a one-way graph', () => {
    const oneWay: ImportEdge[] = [
      { from: 'src/model/load', to: 'src/quant/packed' },
      { from: 'src/quant/packed', to: 'src/spec/modules' },
      { from: 'src/lora/peft', to: 'src/formats/safetensors' },
      { from: 'src/model/load', to: 'src/model/linear' },
    ];
    expect(folderCycles(oneWay, LOWER)).toEqual([]);
    const loop: ImportEdge[] = [...oneWay, { from: 'src/formats/zip', to: 'src/model/memory-files' }, { from: 'src/model/load', to: 'src/lora/config' }];
    expect(folderCycles(loop, LOWER).map((c) => c.join(' → '))).toEqual(['src/formats → src/model → src/lora → src/formats']);
    // Folders outside the given layers do not count (the engine may import model, and model engine-side helpers).
    expect(folderCycles([{ from: 'src/engine/a', to: 'src/model/b' }, { from: 'src/model/b', to: 'src/engine/a' }], LOWER)).toEqual([]);
  });

  it('reads type-only, re-export and dynamic imports with the TypeScript pre-processor', () => {
    // src/model/linear.ts imports its tensor types `import type`; src/quant/index.ts re-exports with `export … from`.
    const edges = importEdges(ROOT, ['src/model/linear.ts', 'src/quant/index.ts']);
    expect(edges.map((e) => e.to)).toEqual(expect.arrayContaining(['src/backend/tf', 'src/spec/modules', 'src/quant/quantize']));
    expect(packageImports(ROOT, ['src/backend/tf.ts']).some((p) => p.endsWith('@tensorflow/tfjs-core') || p.includes('@tensorflow/'))).toBe(true);
  });
});
