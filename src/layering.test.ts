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
} from './test-utils/import-graph.node.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const LOWER = LOWER_LAYERS.map((l) => `src/${l}`);
const show = (e: ImportEdge) => `${e.from} → ${e.to}`;
/** Synthetic edges written as 'from → to'. */
const edges = (...lines: string[]): ImportEdge[] =>
  lines.map((line) => {
    const [from, to] = line.split(' → ');
    return { from, to };
  });

describe('engine layering', () => {
  const files = sourceFiles(ROOT, 'src').filter((f) => !isTestFile(f));
  // Workers, scripts and benchmarks are engine clients too: they reach the engine, never the app.
  const clients = ['workers', 'scripts', 'bench'].flatMap((d) => sourceFiles(ROOT, d)).filter((f) => !isTestFile(f));
  const tree = importEdges(ROOT, [...files, ...clients]);

  it('reads the real tree (hundreds of imports, including the spec layer)', () => {
    expect(files.length).toBeGreaterThan(200);
    expect(tree.length).toBeGreaterThan(500);
    expect(tree.some((e) => e.to.startsWith('src/spec/'))).toBe(true);
  });

  it('has no import from a lower layer into protocol, engine, cli or app, and none from src, workers, scripts or bench into app', () => {
    expect(layerViolations(tree).map((v) => `${show(v.edge)} (${v.rule})`)).toEqual([]);
  });

  it('has no folder-level cycle among the lower layers', () => {
    expect(folderCycles(tree, LOWER).map((c) => c.join(' → '))).toEqual([]);
  });

  it('keeps src/spec free of packages (no tfjs, no idb: anything may import it)', () => {
    const specFiles = files.filter((f) => f.startsWith('src/spec/'));
    expect(specFiles.length).toBeGreaterThan(5);
    expect(packageImports(ROOT, specFiles)).toEqual([]);
  });
});

describe('the rules catch planted violations', () => {
  it('flags upward imports and app imports, each with its rule', () => {
    const planted = edges(
      'src/backend/gpu-watch → src/protocol/errors',
      'src/storage/blobs → src/engine/job',
      'src/quant/quant-command.node → src/cli/command',
      'src/train/trainer → app/store/train-presets',
      'src/spec/presets → src/train/adamw',
      'scripts/datasets/adapter-effects → app/store/train-presets',
      // Allowed: the engine builds on the protocol, the CLI on the model, a lower layer on spec.
      'src/engine/serve → src/protocol/messages',
      'src/cli/commands/train → src/model/load',
      'src/model/load → src/spec/model-files',
    );
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
    const oneWay = edges(
      'src/model/load → src/quant/packed',
      'src/quant/packed → src/spec/modules',
      'src/lora/peft → src/formats/safetensors',
      'src/model/load → src/model/linear',
    );
    expect(folderCycles(oneWay, LOWER)).toEqual([]);
    const loop = [...oneWay, ...edges('src/formats/zip → src/model/memory-files', 'src/model/load → src/lora/config')];
    expect(folderCycles(loop, LOWER).map((c) => c.join(' → '))).toEqual([
      'src/formats → src/model → src/lora → src/formats',
    ]);
    // Folders outside the given layers do not count (the engine may import model, and model engine-side helpers).
    expect(folderCycles(edges('src/engine/a → src/model/b', 'src/model/b → src/engine/a'), LOWER)).toEqual([]);
  });

  it('reads type-only, re-export and dynamic imports with the TypeScript pre-processor', () => {
    // src/model/linear.ts imports its tensor types `import type`; src/quant/index.ts re-exports with `export … from`.
    const read = importEdges(ROOT, ['src/model/linear.ts', 'src/quant/index.ts']);
    expect(read.map((e) => e.to)).toEqual(
      expect.arrayContaining(['src/backend/tf', 'src/spec/modules', 'src/quant/quantize']),
    );
    expect(
      packageImports(ROOT, ['src/backend/tf.ts']).some(
        (p) => p.endsWith('@tensorflow/tfjs-core') || p.includes('@tensorflow/'),
      ),
    ).toBe(true);
  });
});
