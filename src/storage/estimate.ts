/**
 * Storage usage for the status bar. `navigator.storage.estimate()` exists in windows and workers of secure
 * contexts; elsewhere every field is null rather than a guess.
 */
/** Browser storage use, from `navigator.storage.estimate()` (null fields where the API is missing). */
export interface StorageEstimateResult {
  usageBytes: number | null;
  quotaBytes: number | null;
  persisted: boolean | null;
}

/** Usage/quota of this origin's storage, and whether it is persistent (not evicted under pressure). */
export async function storageEstimate(
  storage: StorageManager | null | undefined = defaultStorage(),
): Promise<StorageEstimateResult> {
  if (!storage || typeof storage.estimate !== 'function')
    return { usageBytes: null, quotaBytes: null, persisted: null };
  const estimate = await storage.estimate();
  const persisted = typeof storage.persisted === 'function' ? await storage.persisted() : null;
  return { usageBytes: estimate.usage ?? null, quotaBytes: estimate.quota ?? null, persisted };
}

/**
 * Asks the browser not to evict our data under storage pressure (cached models and adapters are expensive to
 * rebuild). Returns whether storage is now persistent; false when the browser declined or has no such API.
 */
export async function requestPersistentStorage(
  storage: StorageManager | null | undefined = defaultStorage(),
): Promise<boolean> {
  if (!storage || typeof storage.persist !== 'function') return false;
  return storage.persist();
}

function defaultStorage(): StorageManager | null {
  return typeof navigator !== 'undefined' && navigator.storage ? navigator.storage : null;
}
