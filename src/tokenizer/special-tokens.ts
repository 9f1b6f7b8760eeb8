/**
 * Reading special tokens out of Hugging Face config files, where each may be written as a plain string, as a
 * serialized `AddedToken` object (`{ "__type": "AddedToken", "content": "<s>", ... }`), or as null.
 */

/** The text of a special-token entry in `tokenizer_config.json`, or null when unset. */
export function specialTokenText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return null;
}

/** `generation_config.json`'s `eos_token_id` / `bos_token_id` / `pad_token_id`: a number, a list, or absent. */
export function tokenIdList(value: unknown): number[] {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return [value];
  if (Array.isArray(value))
    return value.filter((v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0);
  return [];
}

/** `additional_special_tokens`: a list of strings or AddedToken objects. */
export function specialTokenTexts(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map(specialTokenText).filter((t): t is string => t !== null);
}

/** A boolean flag that may be absent (undefined keeps the tokenizer.json post-processor's behaviour). */
export function optionalFlag(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}
