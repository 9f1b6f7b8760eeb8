/** The bench measures memory with the engine's own probe (the CLI's `train` summary uses the same one). */
export { wasmHeapBytes, withMemoryPeak, type MemoryPeak } from '../../src/backend/memory-probe';
