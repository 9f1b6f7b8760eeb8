/**
 * The live preview behind the template editor: one record rendered exactly as training will see it, token by
 * token, each with its loss flag. A token's text is what it adds to the decoded text of the tokens before it, so
 * a character split over several byte-level tokens shows up once, on the token that completes it.
 */
import type { TextTokenizer } from '../tokenizer/types';
import { normalizeRecord } from './normalize';
import { renderExample, withTemplateVariables } from './render';
import { detectMapping } from './shape';
import { defaultTemplate } from './template';
import { splitPair } from './pair';
import type { ColumnMapping, NormalizedExample, TokenizedExample } from './types';

/** One token of the preview. */
export interface PreviewToken {
  id: number;
  /** The text this token adds (may be '' for a partial character). */
  text: string;
  /** True when the model is trained to predict this token. */
  loss: boolean;
}

/** A rendered record, or why it cannot be rendered. */
export type PreviewResult =
  /** `rejectedAt`: for a preference pair, the index in `tokens` where the rejected sequence starts (chosen before). */
  | {
      ok: true;
      tokens: PreviewToken[];
      example: NormalizedExample;
      mapping: ColumnMapping;
      lossTokens: number;
      rejectedAt?: number;
    }
  | { ok: false; message: string; field?: string };

/** Options of `previewExample`; defaults as in `prepareDataset`. */
export interface PreviewOptions {
  template?: string;
  mapping?: ColumnMapping;
  completionOnly?: boolean;
  /** Extra chat-template inputs, as in `prepareDataset`. */
  templateVariables?: Record<string, unknown>;
  /** Tokens shown at most (the rest are not decoded). Default 4096. */
  maxTokens?: number;
}

/** Tokens of context decoded before each token, so SentencePiece's leading-space rule sees the same text. */
const CONTEXT = 8;

function tokenTexts(tok: TextTokenizer, ids: Int32Array, n: number): string[] {
  const all = Array.from(ids.subarray(0, n));
  const out: string[] = [];
  let pending = 0; // tokens ending mid-character, shown with the token that completes it
  for (let i = 1; i <= n; i++) {
    const from = Math.max(0, i - 1 - pending - CONTEXT);
    const before = tok.decode(all.slice(from, i - 1 - pending));
    const text = tok.decode(all.slice(from, i));
    // A trailing U+FFFD means this token ends mid-character.
    if (text.endsWith('\uFFFD') && i < n) {
      out.push('');
      pending++;
      continue;
    }
    out.push(text.startsWith(before) ? text.slice(before.length) : tok.decode(all.slice(i - 1 - pending, i)));
    pending = 0;
  }
  return out;
}

/** Renders one raw record (a parsed JSON object or CSV row) for the preview. */
export function previewExample(
  record: Record<string, unknown>,
  baseTok: TextTokenizer,
  opts: PreviewOptions = {},
): PreviewResult {
  const tok = withTemplateVariables(baseTok, opts.templateVariables);
  const mapping = opts.mapping ?? detectMapping(Object.keys(record), record);
  if (!mapping) return { ok: false, message: 'no usable field: cannot tell the record shape; set a column mapping' };
  const r = normalizeRecord(record, mapping);
  if (r.error) return { ok: false, message: r.error.message, field: r.error.field };
  try {
    const template = opts.template ?? defaultTemplate(tok.hasChatTemplate);
    const ex = renderExample(r.example, tok, { template, completionOnly: opts.completionOnly ?? true });
    const max = opts.maxTokens ?? 4096;
    const tokensOf = (e: TokenizedExample) => {
      const texts = tokenTexts(tok, e.ids, Math.min(e.ids.length, max));
      return texts.map((text, i) => ({ id: e.ids[i], text, loss: e.lossMask[i] === 1 }));
    };
    const lossTokens = ex.lossMask.reduce((s, v) => s + v, 0);
    if (!ex.segmentIds) return { ok: true, tokens: tokensOf(ex), example: r.example, mapping, lossTokens };
    // A preference pair: each side decoded on its own, chosen first.
    const { chosen, rejected } = splitPair(ex);
    const first = tokensOf(chosen);
    return {
      ok: true,
      tokens: [...first, ...tokensOf(rejected)],
      example: r.example,
      mapping,
      lossTokens,
      rejectedAt: first.length,
    };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}
