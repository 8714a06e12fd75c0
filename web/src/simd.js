// SIMD128 detection: a module of one function using v128 (i8x16.splat, i8x16.popcnt) validates
// only where the engine implements the SIMD proposal.

const probe = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15,
  253, 98, 11,
]);

let cached;

/** simdSupported reports whether this engine runs WebAssembly SIMD128. */
export function simdSupported() {
  cached ??= typeof WebAssembly === 'object' && WebAssembly.validate(probe);
  return cached;
}
