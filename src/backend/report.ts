/**
 * What backend selection reports, as plain types and constants with no tfjs import, so the UI can use them
 * without pulling the tensor runtime into the page bundle.
 */
import type { WasmInfo } from './wasm';

export type BackendName = 'webgpu' | 'wasm' | 'cpu';
/** What the user asked for; 'auto' lets {@link selectBackend} decide. */
export type BackendPreference = 'auto' | BackendName;
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'webgpu', 'wasm', 'cpu'];

/** The WebGPU adapter as the UI shows it. */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  description: string;
  /** True for SwiftShader / fallback adapters (CPU-emulated WebGPU). */
  software: boolean;
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number; maxComputeWorkgroupStorageSize: number };
  features: { shaderF16: boolean; subgroups: boolean; timestampQuery: boolean };
}

/** Outcome of backend selection, sent to the UI by `init`. */
export interface BackendReport {
  backend: BackendName;
  preference: BackendPreference;
  /** One sentence: why this backend. */
  reason: string;
  /** The WebGPU adapter seen, or null (no WebGPU, or not probed). */
  adapter: AdapterReport | null;
  crossOriginIsolated: boolean;
  /** wasm details when the backend is wasm. */
  wasm: WasmInfo | null;
  /** Compute threads the backend uses (wasm XNNPACK pool; 1 for cpu; GPU: 1 submitting thread). */
  threads: number;
  /** Backends tried before this one and why each failed. */
  attempts: { backend: BackendName; error: string }[];
}
