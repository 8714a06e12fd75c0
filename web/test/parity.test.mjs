// Runs both builds of the scoring module in Node's WASI and checks them against the parity
// fixtures in testdata/parity, which native Go generated: a second embedder, written from
// docs/abi.md alone. Build the modules first (./build.sh wasm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { encode, decode } from '../src/msgpack.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtureDir = path.join(root, 'testdata/parity');
const fixture = JSON.parse(readFileSync(path.join(fixtureDir, 'cases.json'), 'utf8'));
const ABI = (1 << 16) | (0 << 8) | 0;

// The WASI functions docs/abi.md lists: the import object holds those and nothing else, so
// this embedder links only if the page is right.
const doc = readFileSync(path.join(root, 'docs/abi.md'), 'utf8');
const documented = doc.split('<!-- imports: begin -->')[1].split('<!-- imports: end -->')[0]
  .match(/`[a-z_0-9]+`/g).map((s) => s.slice(1, -1));

class StatusError extends Error {
  constructor(call, status, message) {
    super(`${call}: status ${status}: ${message}`);
    this.status = status;
  }
}

// open instantiates a module and wraps its exports in the ABI's calling sequence.
async function open(file) {
  const wasi = new WASI({ version: 'preview1', args: [], env: {} });
  const all = wasi.getImportObject().wasi_snapshot_preview1;
  const only = Object.fromEntries(documented.map((name) => [name, all[name]]));
  const { instance } = await WebAssembly.instantiate(readFileSync(file), { wasi_snapshot_preview1: only });
  wasi.initialize(instance);
  const x = instance.exports;
  const block = x.status_block() >>> 0;
  const words = () => new DataView(x.memory.buffer, block, 20);
  const bytesAt = (ptr, len) => new Uint8Array(x.memory.buffer, ptr, len);
  const outcome = (call, status) => {
    const w = words();
    if (status !== 0) {
      const msg = new TextDecoder().decode(bytesAt(w.getUint32(4, true), w.getUint32(8, true)));
      throw new StatusError(call, status, msg);
    }
    return bytesAt(w.getUint32(12, true), w.getUint32(16, true)).slice();
  };
  const call = (name, input) => {
    let ptr = 0;
    if (input.length > 0) {
      ptr = x.alloc(input.length) >>> 0;
      if (ptr === 0) outcome('alloc', words().getInt32(0, true));
      bytesAt(ptr, input.length).set(input);
    }
    try {
      return outcome(name, x[name](ptr, input.length));
    } finally {
      if (ptr !== 0) x.free(ptr);
    }
  };
  return {
    version: () => x.version() >>> 0,
    features: () => x.features() >>> 0,
    request: (name, message) => decode(call(name, encode(message))),
    raw: (name, bytes) => call(name, bytes),
    storeBytes: () => outcome('store_bytes', x.store_bytes()),
  };
}

for (const [name, simd] of [['seminar.wasm', 1], ['seminar-scalar.wasm', 0]]) {
  test(`${name} reproduces the parity fixtures`, async () => {
    const m = await open(path.join(root, 'bin', name));
    assert.equal(m.version(), ABI);
    assert.equal(m.features() & 1, simd);
    let loaded = '';
    for (const c of fixture.cases) {
      if (c.model !== loaded) {
        const info = m.raw('load_model', readFileSync(path.join(fixtureDir, c.model)));
        assert.equal(decode(info).dim, 16);
        const n = m.request('load_events', { exact: true, events: fixture.events });
        assert.deepEqual(n, { events: fixture.events.length });
        loaded = c.model;
      }
      const reply = m.request('rank', c.request);
      assert.deepEqual(reply.order, c.order, c.name);
      reply.scores.forEach((s, i) => {
        const want = c.scores[i];
        assert.ok(Math.abs(s - want) <= fixture.tolerance * Math.max(1, Math.abs(want)),
          `${c.name}: score ${i} is ${s}, want ${want}`);
      });
      assert.ok(reply.timings.total_us >= 0);
    }
  });
}

test('bad input gets a status and a message, and the instance stays usable', async () => {
  const m = await open(path.join(root, 'bin', 'seminar.wasm'));
  assert.throws(() => m.request('rank', { candidates: [] }), (e) => e.status === -4 && /load_model/.test(e.message));
  m.raw('load_model', readFileSync(path.join(fixtureDir, 'model-4bit.seminar')));
  assert.throws(() => m.raw('load_events', new Uint8Array([0xc1])), (e) => e.status === -2);
  assert.throws(() => m.request('load_events', [{ t: 1, k: 2, item: {} }]), (e) => e.status === -2 && /\bk: 2/.test(e.message));
  m.request('load_events', fixture.events);
  const store = m.storeBytes();
  assert.equal(new TextDecoder().decode(store.subarray(0, 4)), 'SMEV');
  assert.deepEqual(decode(m.raw('load_store', store)), { events: fixture.events.length });
  const c = fixture.cases.find((k) => k.name === '4-bit defaults');
  const reply = m.request('rank', c.request);
  assert.deepEqual(reply.order, c.order);
  assert.equal(reply.bits, 4);
});
