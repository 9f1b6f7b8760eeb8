/**
 * Relaxed SIMD in Node, for benches that should run the kernels Chromium runs. Chromium (114+) ships WebAssembly
 * relaxed SIMD; Node 20's V8 (11.3) has it behind a flag. Our kernel modules pick their relaxed build when the engine
 * validates it (wasm-kernel-module.ts), so turning the flag on before the first kernel loads is all it takes. V8
 * reads the flag when it validates a module, so kernels already bound to a memory keep their build.
 */
import v8 from 'node:v8';
import { relaxedSimdSupported } from './gemv-wasm';

/** Turns relaxed SIMD on for this process; whether our relaxed builds now validate. */
export function enableRelaxedSimd(): boolean {
  if (!relaxedSimdSupported()) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return relaxedSimdSupported();
}
