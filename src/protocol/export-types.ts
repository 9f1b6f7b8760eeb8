/** Params and result of `exportBundle`: an adapter exported for another tool, as one download. */

export type ExportBundleFormat = 'gguf-adapter' | 'merged-gguf' | 'merged' | 'base-gguf';

export interface ExportBundleParams {
  /** Saved adapter id (ignored for `base-gguf`, the loaded base alone). */
  id: string;
  format: ExportBundleFormat;
  /** F32, F16, BF16, Q8_0 or Q4_0, as the format allows. */
  dtype: string;
  /**
   * A file the user picked (`showSaveFilePicker`): the export streams into it and nothing comes back. Without one
   * the result carries a Blob built in pieces (large Blobs page to disk in Chromium).
   */
  target?: FileSystemFileHandle | null;
  /** With a target: write the bare GGUF rather than a zip. */
  bare?: boolean;
}

export interface ExportBundleResult {
  fileName: string;
  bytes: number;
  /** The download, when no target file was given. */
  blob: Blob | null;
}
