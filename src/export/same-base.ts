/**
 * Refuses a mix of adapters trained on different bases. Shapes catch a different architecture; two bases of one
 * shape (a fine-tune and its parent, two sizes of a family that share widths) differ only in name, so the adapters'
 * `base_model_name_or_path` are compared by their last path component ("HuggingFaceTB/SmolLM2-135M" and
 * "/models/SmolLM2-135M" agree; a CLI run and a studio run of one base therefore mix).
 */

export function baseKey(baseModel: string): string {
  const parts = baseModel.replace(/[\\/]+$/, '').split(/[\\/]/);
  return parts[parts.length - 1].replace(/@.*$/, '').toLowerCase();
}

/** Throws naming the two adapters when their declared bases differ. Adapters without a declared base pass. */
export function checkSameBase(adapters: ReadonlyArray<{ source: string; baseModel: string | null }>): void {
  const named = adapters.filter((a): a is { source: string; baseModel: string } => !!a.baseModel);
  for (const a of named.slice(1)) {
    if (baseKey(a.baseModel) !== baseKey(named[0].baseModel)) {
      throw new Error(
        `cannot mix adapters from different bases: ${named[0].source} was trained on '${named[0].baseModel}' but ${a.source} on '${a.baseModel}'`,
      );
    }
  }
}
