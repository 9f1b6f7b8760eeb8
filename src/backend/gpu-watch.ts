/**
 * GPU fault detection. tfjs-webgpu does not check for WebGPU errors: a failed allocation leaves a dead buffer and
 * later reads return stale or zero data, so a job could "succeed" with garbage. Two nets catch that:
 * - {@link withGpuErrorScope} pushes error scopes around a piece of work and throws a {@link GpuError} when the
 *   GPU reported anything inside it (deterministic: popErrorScope resolves once the work's errors are known).
 * - {@link GpuWatch} listens for errors that escaped every scope (`uncapturederror`) and for device loss, and
 *   tells its listeners (the engine turns them into `gpuError` events and fails the jobs in flight).
 */
import { GpuError, type GpuFaultKind } from '../spec/errors';
import { formatBytes } from '../util/format-bytes';

/** A fault as the watch reports it. */
export interface GpuFault {
  fault: GpuFaultKind;
  message: string;
  detail: string;
}

const SCOPES: GPUErrorFilter[] = ['internal', 'out-of-memory', 'validation'];

/** User-facing sentence for each kind of fault. */
export function faultMessage(fault: GpuFaultKind, device?: GPUDevice): string {
  switch (fault) {
    case 'out-of-memory':
      return 'The GPU ran out of memory. Use a smaller batch size or sequence length, a lower rank, or a 4-bit base model.';
    case 'validation': {
      const max = device ? ` (this GPU allows buffers up to ${formatBytes(device.limits.maxBufferSize)})` : '';
      return `The GPU rejected an operation, most often a buffer larger than the device allows${max}. Use a smaller model, batch or sequence length.`;
    }
    case 'internal':
      return 'The GPU driver reported an internal error. Restart the engine; if it repeats, switch the backend to wasm.';
    case 'device-lost':
      return 'The GPU device was lost (driver reset, or the system reclaimed GPU memory). Restart the engine to continue.';
  }
}

/** Builds the typed error for a WebGPU error object. */
export function gpuErrorFrom(error: GPUError, device?: GPUDevice): GpuError {
  const fault = faultKindOf(error);
  return new GpuError(fault, faultMessage(fault, device), error.message);
}

function faultKindOf(error: GPUError): GpuFaultKind {
  if (typeof GPUOutOfMemoryError !== 'undefined' && error instanceof GPUOutOfMemoryError) return 'out-of-memory';
  if (typeof GPUValidationError !== 'undefined' && error instanceof GPUValidationError) return 'validation';
  // Out-of-memory from an implementation that does not expose the class: Dawn words it like this.
  if (/out of memory/i.test(error.message)) return 'out-of-memory';
  return 'internal';
}

/**
 * Runs `fn` inside WebGPU error scopes for validation, out-of-memory and internal errors, and throws a
 * {@link GpuError} if any occurred (out-of-memory wins over validation over internal). The work must be complete
 * when `fn` resolves (read results with `await t.data()` inside `fn`), else its errors land after the scope closed.
 * Scopes are a stack on the device: do not interleave two scoped calls on one device (the engine runs GPU jobs one
 * at a time for this reason).
 */
export async function withGpuErrorScope<T>(device: GPUDevice, fn: () => Promise<T> | T): Promise<T> {
  for (const filter of SCOPES) device.pushErrorScope(filter);
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await fn() };
  } catch (e) {
    outcome = { ok: false, error: e };
  }
  // Pop in reverse push order: validation, out-of-memory, internal.
  const validation = await device.popErrorScope();
  const oom = await device.popErrorScope();
  const internal = await device.popErrorScope();
  const gpu = oom ?? validation ?? internal;
  // A GPU fault explains a JS error thrown by the same work (e.g. reading a destroyed buffer), so it wins.
  if (gpu) throw gpuErrorFrom(gpu, device);
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/** Watches one device for faults that escaped the error scopes, and for its loss. */
export class GpuWatch {
  private readonly listeners = new Set<(fault: GpuFault) => void>();
  private readonly onUncaptured = (event: Event) => {
    if (!(event instanceof GPUUncapturedErrorEvent)) return;
    const typed = gpuErrorFrom(event.error, this.device);
    this.emit({ fault: typed.fault, message: typed.message, detail: event.error.message });
  };
  private disposed = false;
  private _lost: GPUDeviceLostInfo | null = null;
  private _faults = 0;

  constructor(readonly device: GPUDevice) {
    device.addEventListener('uncapturederror', this.onUncaptured);
    void device.lost.then((info) => {
      this._lost = info;
      // An explicit destroy() is us shutting down, not a fault.
      if (this.disposed || info.reason === 'destroyed') return;
      this.emit({ fault: 'device-lost', message: faultMessage('device-lost'), detail: info.message });
    });
  }

  /** Number of faults seen so far; compare before/after a job to learn whether it overlapped one. */
  get faultCount(): number {
    return this._faults;
  }

  /** Loss info once the device is gone (also after our own destroy()). */
  get lost(): GPUDeviceLostInfo | null {
    return this._lost;
  }

  /** Subscribes to faults; returns the unsubscribe function. */
  onFault(listener: (fault: GpuFault) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops listening (does not destroy the device). */
  dispose(): void {
    this.disposed = true;
    this.device.removeEventListener('uncapturederror', this.onUncaptured);
    this.listeners.clear();
  }

  private emit(fault: GpuFault): void {
    this._faults++;
    for (const listener of this.listeners) listener(fault);
  }
}
