/** Temperature scaling: logits / T. T < 1 sharpens the distribution, T > 1 flattens it. */

/** Returns a new array `logits / temperature`; `temperature` must be > 0 (0 means greedy, handled by the sampler). */
export function applyTemperature(logits: Float32Array, temperature: number): Float32Array {
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new Error(`temperature must be a finite number > 0, got ${temperature}`);
  }
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] / temperature;
  return out;
}
