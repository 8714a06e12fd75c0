// Getting the model file and the module over the network: fetch with progress, checksums, and
// the Cache API so that a second visit downloads nothing. These are the package's only network
// reads; the history never leaves the device.

import { crc32 } from './crc32.js';
import { ModelError } from './errors.js';
import { simdSupported } from './simd.js';

const CACHE = 'seminar-models-v1';
// The model file ends with the MessagePack entry "crc32": a5 'c' 'r' 'c' '3' '2' ce, then the
// CRC-32 (big-endian) of every byte before those 11 (core/modelfile).
const TRAILER = [0xa5, 0x63, 0x72, 0x63, 0x33, 0x32, 0xce];

/**
 * verifyModel checks a model file's own CRC-32, and its SHA-256 when one is expected; it throws
 * a ModelError 'checksum' otherwise.
 *
 * @param {Uint8Array} bytes
 * @param {string} [sha256] the expected SHA-256, hex
 */
export async function verifyModel(bytes, sha256) {
  const n = bytes.length;
  if (n < 11 || TRAILER.some((b, i) => bytes[n - 11 + i] !== b)) {
    throw new ModelError('checksum', 'not a model file: it lacks the checksum trailer');
  }
  const want = new DataView(bytes.buffer, bytes.byteOffset + n - 4, 4).getUint32(0);
  const got = crc32(bytes.subarray(0, n - 11));
  if (got !== want) throw new ModelError('checksum', `the model file is damaged: CRC-32 ${hex32(got)}, the file says ${hex32(want)}`);
  if (sha256) {
    const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
    const got256 = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
    if (got256 !== sha256.toLowerCase()) throw new ModelError('checksum', `the model's SHA-256 is ${got256}, expected ${sha256}`);
  }
}

const hex32 = (v) => v.toString(16).padStart(8, '0');

/** readBody reads a response, reporting progress as (loaded, total) with total 0 when unknown. */
async function readBody(res, onProgress) {
  const total = Number(res.headers.get('content-length')) || 0;
  if (!onProgress || !res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks = [];
  let loaded = 0;
  onProgress(0, total);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress(loaded, total);
  }
  const out = new Uint8Array(loaded);
  let off = 0;
  for (const c of chunks) { out.set(c, off); off += c.length; }
  return out;
}

async function get(url, fetchImpl, onProgress) {
  let res;
  try {
    res = await fetchImpl(url);
  } catch (e) {
    throw new ModelError('fetch', `fetching ${url}: ${e?.message ?? e}`, { cause: e });
  }
  if (!res.ok) throw new ModelError('fetch', `fetching ${url}: HTTP ${res.status}`);
  return { res, bytes: await readBody(res, onProgress) };
}

/**
 * fetchModel returns the verified bytes of the model at url: from the Cache API when a verified
 * copy is there, else from the network (then cached).
 *
 * @param {object} o
 * @param {string | URL} o.url
 * @param {string} [o.sha256] the expected SHA-256 (hex) of the whole file
 * @param {(loaded: number, total: number) => void} [o.onProgress]
 * @param {boolean} [o.cache] use the Cache API where there is one (default true)
 * @param {typeof fetch} [o.fetch]
 * @returns {Promise<{bytes: Uint8Array, cached: boolean}>}
 */
export async function fetchModel({ url, sha256, onProgress, cache = true, fetch: fetchImpl = globalThis.fetch }) {
  const store = cache && globalThis.caches ? await globalThis.caches.open(CACHE).catch(() => null) : null;
  const key = String(url);
  if (store) {
    const hit = await store.match(key);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      try {
        await verifyModel(bytes, sha256);
        onProgress?.(bytes.length, bytes.length);
        return { bytes, cached: true };
      } catch {
        await store.delete(key); // a stale or damaged copy: fetch again
      }
    }
  }
  const { res, bytes } = await get(key, fetchImpl, onProgress);
  await verifyModel(bytes, sha256);
  if (store) {
    await store.put(key, new Response(bytes, { headers: { 'content-type': res.headers.get('content-type') ?? 'application/octet-stream' } })).catch(() => {});
  }
  return { bytes, cached: false };
}

/**
 * compileModule picks the SIMD128 build where the engine supports it (unless forceScalar) and
 * compiles it, streaming where the engine can.
 *
 * @param {{simd: ModuleSource, scalar: ModuleSource}} modules both builds: each a URL, the
 *   bytes, or a compiled WebAssembly.Module
 * @returns {Promise<{module: WebAssembly.Module, simd: boolean}>}
 */
export async function compileModule(modules, { forceScalar = false, fetch: fetchImpl = globalThis.fetch } = {}) {
  const simd = !forceScalar && simdSupported();
  const src = simd ? modules.simd : modules.scalar;
  if (src instanceof WebAssembly.Module) return { module: src, simd };
  if (ArrayBuffer.isView(src) || src instanceof ArrayBuffer) return { module: await WebAssembly.compile(src), simd };
  const url = String(src);
  let res;
  try {
    res = await fetchImpl(url);
  } catch (e) {
    throw new ModelError('fetch', `fetching ${url}: ${e?.message ?? e}`, { cause: e });
  }
  if (!res.ok) throw new ModelError('fetch', `fetching ${url}: HTTP ${res.status}`);
  const streaming = WebAssembly.compileStreaming && (res.headers.get('content-type') ?? '').startsWith('application/wasm');
  const module = streaming ? await WebAssembly.compileStreaming(res) : await WebAssembly.compile(await res.arrayBuffer());
  return { module, simd };
}
