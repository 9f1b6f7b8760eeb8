/**
 * Whether a WebGPU adapter is software (a CPU emulating a GPU). Backend selection prefers wasm over such an adapter,
 * and the kernels that must choose a parallel decomposition (see `kernels/small-rows-matmul-webgpu.ts`) size it by
 * what the adapter computes on: a few CPU threads, or tens of thousands of GPU lanes.
 */

/** The parts of `GPUAdapterInfo` that give a software adapter away (tfjs's own AdapterInfo keeps two of them). */
export type AdapterInfoLike = Partial<Pick<GPUAdapterInfo, 'vendor' | 'architecture' | 'device' | 'description'>> & {
  isFallbackAdapter?: boolean;
};

/** True when `info` describes a software (CPU-emulated) WebGPU adapter, with the sign that gave it away. */
export function isSoftwareAdapter(info: AdapterInfoLike, adapterFallbackFlag?: boolean): boolean {
  if (adapterFallbackFlag === true) return true;
  if (info.isFallbackAdapter === true) return true;
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/.test(text);
}

let forced: boolean | null = null;

/**
 * Makes kernels decompose as if the adapter were software (true) or hardware (false); null asks the adapter again.
 * Tests and benches run both decompositions on one device with it.
 */
export function forceSoftwareAdapterKernels(value: boolean | null): void {
  forced = value;
}

/** Per backend object: the adapter never changes under it, and kernels ask on every product. */
const softwareByBackend = new WeakMap<object, boolean>();

/**
 * Whether kernels on `backend` (tfjs's WebGPUBackend, which keeps the adapter's vendor and architecture) should
 * pick their software-adapter decomposition.
 */
export function softwareAdapterKernels(backend: object): boolean {
  if (forced !== null) return forced;
  let software = softwareByBackend.get(backend);
  if (software === undefined) {
    software = isSoftwareAdapter((backend as { adapterInfo?: AdapterInfoLike }).adapterInfo ?? {});
    softwareByBackend.set(backend, software);
  }
  return software;
}
