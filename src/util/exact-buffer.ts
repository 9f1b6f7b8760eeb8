/**
 * The ArrayBuffer holding exactly `bytes`: its own buffer when the view covers all of it, else a copy. A result
 * crosses the worker boundary as a transferred ArrayBuffer, and transferring a view's larger buffer would ship
 * (and detach) bytes that are not the result's.
 */
export function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : (bytes.slice().buffer as ArrayBuffer);
}
