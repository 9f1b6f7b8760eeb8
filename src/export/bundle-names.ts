/** Export formats, their dtypes and download names: the vocabulary the page and the worker share (no writers). */
import { exportFileNames } from './use-with';

export type BundleFormat = 'gguf-adapter' | 'merged-gguf' | 'merged';

/** Which dtypes each format takes. */
export const BUNDLE_DTYPES: Record<BundleFormat, readonly string[]> = {
  'gguf-adapter': ['F32', 'F16', 'Q8_0'],
  'merged-gguf': ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0'],
  merged: ['F32', 'F16', 'BF16'],
};

/** The download's file name. */
export function bundleFileName(name: string, format: BundleFormat, zip: boolean): string {
  const f = exportFileNames(name);
  if (format === 'gguf-adapter') return zip ? `${f.stem}-gguf.zip` : f.adapterGguf;
  if (format === 'merged-gguf') return zip ? `${f.stem}-merged-gguf.zip` : f.mergedGguf;
  return `${f.mergedFolder}.zip`;
}
