// The bench's headline ratio in V8: a rank call over C calls of the reference scan4, timed round
// robin in one Node process, with the same model, events and requests as `seminar bench`.
// Usage:
//   ./bin/seminar bench --headline --modules bin --export out/rank-ratio
//   node web/scripts/rank-ratio.mjs out/rank-ratio [--rounds 15] [--warmup 3]
// The scoring module (bin/seminar.wasm) runs in node:wasi; the reference
// (../shared/reference/fastscan_ref.wasm) scans random codes of the codec's code count over L
// events. Each round times one rank call and C reference scans back to back; the ratio is the
// median over rounds of their quotient, so that the machine's noise moves both sides.
import { readFileSync, readdirSync } from 'node:fs';
import { WASI } from 'node:wasi';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from '../src/msgpack.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = process.argv[2];
if (!dir) throw new Error('usage: node web/scripts/rank-ratio.mjs DIR [--rounds N]');
const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : def; };
const ROUNDS = arg('rounds', 15);
const WARMUP_MS = arg('warmup', 3) * 1000;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };

/** open instantiates the scoring module and wraps the ABI's calling sequence (docs/abi.md). */
async function open(file) {
  const wasi = new WASI({ version: 'preview1', args: [], env: {} });
  const { instance } = await WebAssembly.instantiate(readFileSync(file), wasi.getImportObject());
  wasi.initialize(instance);
  const x = instance.exports;
  const block = x.status_block() >>> 0;
  const words = () => new DataView(x.memory.buffer, block, 20);
  const bytesAt = (ptr, len) => new Uint8Array(x.memory.buffer, ptr, len);
  return (name, input) => {
    const ptr = x.alloc(input.length) >>> 0;
    bytesAt(ptr, input.length).set(input);
    try {
      const status = x[name](ptr, input.length);
      const w = words();
      if (status !== 0) {
        const msg = new TextDecoder().decode(bytesAt(w.getUint32(4, true), w.getUint32(8, true)));
        throw new Error(`${name}: status ${status}: ${msg}`);
      }
      return bytesAt(w.getUint32(12, true), w.getUint32(16, true)).slice();
    } finally {
      x.free(ptr);
    }
  };
}

/** reference lays n events of m random codes in fastscan_ref.wasm's scratch area, in its
 * 16-event block layout, and returns a call of its scan4 over them. */
async function reference(n, m) {
  const { instance } = await WebAssembly.instantiate(readFileSync(path.join(root, '../shared/reference/fastscan_ref.wasm')), {});
  const x = instance.exports;
  let s = 2463534242;
  const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
  const base = x.base() >>> 0;
  const nb = Math.ceil(n / 16);
  const mem = new Uint8Array(x.memory.buffer);
  const lut = base, codes = base + 16 * m, out = codes + nb * (m / 2) * 16;
  for (let i = 0; i < 16 * m; i++) mem[lut + i] = rnd() & 255;
  for (let i = 0; i < nb * (m / 2) * 16; i++) mem[codes + i] = rnd() & 255;
  return () => x.scan4(lut, codes, nb, m, out);
}

const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8'));
const m = meta.codes_per_event + (meta.codes_per_event % 2);
const call = await open(path.join(root, 'bin/seminar.wasm'));
call('load_model', readFileSync(path.join(dir, 'model.bin')));
console.log(`node ${process.version}, bin/seminar.wasm (SIMD128), ${ROUNDS} rounds, reference scan4 over ${m} codes`);
for (const f of readdirSync(dir).filter((f) => /^rank-\d+-\d+\.msgpack$/.test(f)).sort()) {
  const [, L, C] = f.match(/^rank-(\d+)-(\d+)/).map(Number);
  call('load_store', readFileSync(path.join(dir, `store-${L}.bin`)));
  const req = readFileSync(path.join(dir, f));
  const scan = await reference(L, m);
  const rank = () => decode(call('rank', req));
  // V8 compiles a function with its baseline compiler first and optimizes it once it is hot:
  // warm up for a few seconds so that the rounds time optimized code.
  for (const t = performance.now(); performance.now() - t < WARMUP_MS;) { rank(); for (let c = 0; c < C; c++) scan(); }
  const ratios = [], ranks = [], scans = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which side goes first, as the Go bench's round robin does.
    const timeRank = () => { const t = performance.now(); rank(); return performance.now() - t; };
    const timeScans = () => { const t = performance.now(); for (let c = 0; c < C; c++) scan(); return performance.now() - t; };
    let a, b;
    if (r % 2 === 0) { a = timeRank(); b = timeScans(); } else { b = timeScans(); a = timeRank(); }
    ranks.push(a); scans.push(b); ratios.push(a / b);
  }
  // Quartiles by nearest rank, as the Go bench takes them: its verdicts read them.
  const sorted = [...ratios].sort((p, q) => p - q);
  const quartile = (q) => sorted[Math.min(Math.max(Math.ceil(q * sorted.length), 1), sorted.length) - 1];
  console.log(JSON.stringify({ runtime: 'node', L, C, rank_ms: +median(ranks).toFixed(3), scans_ms: +median(scans).toFixed(3),
    ratio_median: +median(ratios).toFixed(3), ratio_p25: +quartile(0.25).toFixed(3), ratio_p75: +quartile(0.75).toFixed(3),
    ratio_min: +sorted[0].toFixed(3), ratio_max: +sorted.at(-1).toFixed(3) }));
}
