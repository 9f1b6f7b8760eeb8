/**
 * The data worker's tokenizer, loaded from the same source as the engine's base model (the data worker has no
 * model; it reads only tokenizer.json, tokenizer_config.json and generation_config.json). One is kept, keyed by
 * source, since a user prepares data for one model at a time.
 */
import type { ModelSource } from '../../protocol/model-types';
import { loadTokenizer } from '../../tokenizer/load';
import type { TextTokenizer } from '../../tokenizer/types';
import type { JobContext } from '../job';
import { openSource } from '../model/open-source';

let cached: { key: string; tokenizer: Promise<TextTokenizer> } | null = null;

function keyOf(source: ModelSource): string {
  switch (source.kind) {
    case 'builtin':
      return `builtin:${source.baseUrl}`;
    case 'hub':
      return `hub:${source.hubUrl ?? ''}:${source.repo}@${source.revision ?? 'main'}`;
    case 'files':
      return `files:${source.name}:${source.files.map((f) => `${f.name}/${f.blob.size}`).join(',')}`;
  }
}

/** The tokenizer of `source`, loaded once. */
export function tokenizerFor(source: ModelSource, job: JobContext): Promise<TextTokenizer> {
  const key = keyOf(source);
  if (cached?.key === key) return cached.tokenizer;
  const tokenizer = openSource(source, job).then((opened) => loadTokenizer(opened.files));
  cached = { key, tokenizer };
  tokenizer.catch(() => {
    if (cached?.key === key) cached = null;
  });
  return tokenizer;
}
