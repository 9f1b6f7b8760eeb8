/**
 * Counts the work a `GPUDevice` is given, by wrapping the device's own methods (tfjs-backend-webgpu and our WGSL
 * kernels both reach the GPU only through them): kernel dispatches, GPU→CPU read-backs (`mapAsync` for reading),
 * host→GPU data uploads (buffers created mapped, which is how tfjs uploads tensor values, and `writeBuffer` into
 * non-uniform buffers), the per-dispatch uniform writes, and pipeline compilations. A software GPU counts these
 * exactly, and they decide speed on a real one: each read-back stalls the queue, each compilation costs
 * milliseconds to seconds, and a weight upload after load means something keeps weights on the host.
 */

export interface GpuWork {
  dispatches: number;
  readbacks: number;
  readbackBytes: number;
  uploads: number;
  uploadBytes: number;
  /** The largest single upload (a weight re-uploaded would show here). */
  largestUpload: number;
  uniformWrites: number;
  pipelines: number;
  submits: number;
}

const zero = (): GpuWork => ({
  dispatches: 0,
  readbacks: 0,
  readbackBytes: 0,
  uploads: 0,
  uploadBytes: 0,
  largestUpload: 0,
  uniformWrites: 0,
  pipelines: 0,
  submits: 0,
});

/** `b − a`, field by field. */
export function gpuWorkDelta(a: GpuWork, b: GpuWork): GpuWork {
  const out = zero();
  for (const k of Object.keys(out) as (keyof GpuWork)[]) out[k] = b[k] - a[k];
  out.largestUpload = b.largestUpload; // a maximum, not a count: the caller resets it per interval
  return out;
}

// GPUBufferUsage / GPUMapMode bits (spelt out: Node has no such globals until Dawn's are installed).
const MAP_READ = 0x1;
const UNIFORM = 0x40;
const MODE_READ = 0x1;

type Restore = () => void;

/** Replaces `obj[key]` by `wrap(original)` on the instance; returns the undo. */
function patch<T extends object, K extends keyof T>(obj: T, key: K, wrap: (orig: T[K]) => T[K]): Restore {
  const own = Object.prototype.hasOwnProperty.call(obj, key);
  const prev = obj[key];
  const orig = (typeof prev === 'function' ? (prev as (...a: unknown[]) => unknown).bind(obj) : prev) as T[K];
  obj[key] = wrap(orig);
  return () => {
    if (own) obj[key] = prev;
    else delete obj[key];
  };
}

/** Counts everything `device` is asked to do from now until `dispose()`. One counter per device at a time. */
export class GpuWorkCounter {
  private readonly work = zero();
  private readonly restores: Restore[] = [];
  private live = true;

  constructor(device: GPUDevice) {
    const w = this.work;
    const on = (): boolean => this.live;
    this.restores.push(
      patch(device, 'createComputePipeline', (orig) => (desc) => {
        if (on()) w.pipelines++;
        return orig(desc);
      }),
      patch(device, 'createComputePipelineAsync', (orig) => (desc) => {
        if (on()) w.pipelines++;
        return orig(desc);
      }),
      patch(device, 'createBuffer', (orig) => (desc) => {
        if (on() && desc.mappedAtCreation) this.upload(desc.size);
        return orig(desc);
      }),
      patch(device, 'createCommandEncoder', (orig) => (desc) => {
        const encoder = orig(desc);
        const begin = encoder.beginComputePass.bind(encoder);
        encoder.beginComputePass = (passDesc) => {
          const pass = begin(passDesc);
          const dispatch = pass.dispatchWorkgroups.bind(pass);
          pass.dispatchWorkgroups = (x, y, z) => {
            if (on()) w.dispatches++;
            dispatch(x, y, z);
          };
          return pass;
        };
        return encoder;
      }),
      patch(device.queue, 'submit', (orig) => (buffers) => {
        if (on()) w.submits++;
        orig(buffers);
      }),
      patch(device.queue, 'writeBuffer', (orig) => (buffer, offset, data, dataOffset, size) => {
        if (on()) {
          if (buffer.usage & UNIFORM) w.uniformWrites++;
          else this.upload(size ?? ('byteLength' in data ? data.byteLength : 0));
        }
        orig(buffer, offset, data, dataOffset, size);
      }),
    );
    // Read-backs: staging buffers are pooled by tfjs and may predate this counter, so `mapAsync` is counted on the
    // buffer prototype (found through a probe buffer) rather than per buffer.
    const probe = device.createBuffer({ size: 4, usage: MAP_READ | 0x8 /* COPY_DST */ });
    const proto = Object.getPrototypeOf(probe) as GPUBuffer;
    probe.destroy();
    this.restores.push(
      patch(proto, 'mapAsync', () => {
        const map = Object.getOwnPropertyDescriptor(proto, 'mapAsync')?.value as GPUBuffer['mapAsync'];
        return function (this: GPUBuffer, mode, offset, size) {
          if (on() && mode & MODE_READ && this.usage & MAP_READ) {
            w.readbacks++;
            w.readbackBytes += size ?? this.size - (offset ?? 0);
          }
          return map.call(this, mode, offset, size);
        };
      }),
    );
  }

  private upload(bytes: number): void {
    this.work.uploads++;
    this.work.uploadBytes += bytes;
    this.work.largestUpload = Math.max(this.work.largestUpload, bytes);
  }

  /** Starts a new interval for `largestUpload`. */
  resetLargest(): void {
    this.work.largestUpload = 0;
  }

  /** Counts so far. */
  snapshot(): GpuWork {
    return { ...this.work };
  }

  /** Stops counting and puts the device's methods back (buffers and passes made meanwhile keep counting nothing). */
  dispose(): void {
    this.live = false;
    for (const r of this.restores.reverse()) r();
    this.restores.length = 0;
  }
}
