/**
 * The engine's import graph and the rules its layers follow, for `src/layering.test.ts`. Imports are read with
 * TypeScript's own pre-processor (static, type-only, re-exports and dynamic `import()`), so what the compiler
 * follows is what the rules see. Pure functions over plain edges, so a test can plant a violation in a synthetic
 * graph and watch the rules catch it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** One import: `from` imports `to`, both repository paths without extension (`src/model/load`). */
export interface ImportEdge {
  from: string;
  to: string;
}

/** Layers that sit below the worker protocol: none of them may import what is built on top of them. */
export const LOWER_LAYERS = [
  'spec',
  'util',
  'backend',
  'model',
  'quant',
  'lora',
  'tokenizer',
  'formats',
  'storage',
] as const;

/** What the lower layers must never import: the protocol, the engine, the CLI and the app. */
export const UPPER_LAYERS = ['src/protocol', 'src/engine', 'src/cli', 'app'] as const;

/** Tests and test kits may drive the whole stack (an integration test beside the code it checks); code may not. */
export function isTestFile(file: string): boolean {
  return (
    /\.(test|spec)\.tsx?$|\.testkit(\.node)?\.ts$/.test(file) ||
    file.includes('/test-utils/') ||
    file.includes('/testing/')
  );
}

/** Every `.ts`/`.tsx` file under `dir` (repository-relative), sorted. */
export function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

/** Every module specifier `file` imports, as written. */
function specifiers(root: string, file: string): string[] {
  return ts
    .preProcessFile(readFileSync(path.join(root, file), 'utf8'), true, true)
    .importedFiles.map((f) => f.fileName);
}

/** The package (bare) imports of `files`, as `file: package`. */
export function packageImports(root: string, files: readonly string[]): string[] {
  return files.flatMap((file) =>
    specifiers(root, file)
      .filter((s) => !s.startsWith('.'))
      .map((s) => `${file}: ${s}`),
  );
}

/** The relative imports of `files`, resolved to repository paths (`.js` and the extension dropped). */
export function importEdges(root: string, files: readonly string[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of files) {
    for (const fileName of specifiers(root, file)) {
      if (!fileName.startsWith('.')) continue;
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(file), fileName)).replace(/\.(js|tsx?)$/, '');
      edges.push({ from: file.replace(/\.tsx?$/, ''), to });
    }
  }
  return edges;
}

/** The layer a path belongs to: `src/<folder>` for engine code, the top folder otherwise (`app`). */
export function layerOf(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'src' && parts.length > 2 ? `src/${parts[1]}` : parts[0];
}

/** Edges that break a layering rule, each with the rule it breaks. */
export function layerViolations(edges: readonly ImportEdge[]): { edge: ImportEdge; rule: string }[] {
  const lower = new Set<string>(LOWER_LAYERS.map((l) => `src/${l}`));
  const out: { edge: ImportEdge; rule: string }[] = [];
  for (const edge of edges) {
    const from = layerOf(edge.from);
    const to = layerOf(edge.to);
    if (from !== 'app' && to === 'app')
      out.push({ edge, rule: `${from.startsWith('src/') ? 'src' : from} imports nothing from app` });
    else if (lower.has(from) && (UPPER_LAYERS as readonly string[]).includes(to))
      out.push({ edge, rule: `${from} imports nothing from ${to}` });
    else if (from === 'src/spec' && to !== 'src/spec') out.push({ edge, rule: 'src/spec imports only src/spec' });
  }
  return out;
}

/**
 * Folder-level cycles among `layers` (e.g. model → quant → model), each as the folder path that closes it. One
 * cycle per strongly connected group is enough to point at the problem.
 */
export function folderCycles(edges: readonly ImportEdge[], layers: readonly string[]): string[][] {
  const inScope = new Set(layers);
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    const a = layerOf(from);
    const b = layerOf(to);
    if (a === b || !inScope.has(a) || !inScope.has(b)) continue;
    if (!next.has(a)) next.set(a, new Set());
    next.get(a)!.add(b);
  }
  const cycles: string[][] = [];
  const done = new Set<string>();
  // Depth-first search; a grey node met again closes a cycle.
  const visit = (node: string, trail: string[]) => {
    const seen = trail.indexOf(node);
    if (seen >= 0) {
      cycles.push([...trail.slice(seen), node]);
      return;
    }
    if (done.has(node)) return;
    for (const n of [...(next.get(node) ?? [])].sort()) visit(n, [...trail, node]);
    done.add(node);
  };
  for (const layer of [...inScope].sort()) visit(layer, []);
  return cycles;
}
