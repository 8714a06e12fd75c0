// Unit tests of the package's engine-neutral pieces that need no module: UTF-8 without
// TextEncoder (JavaScriptCore), CRC-32, the model file check, the store header, error transport.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { crc32 } from '../src/crc32.js';
import { fromJSON, errorToJSON, HistoryError, ModelError, ModuleError } from '../src/errors.js';
import { verifyModel } from '../src/model.js';
import { storeHeader } from '../src/storefile.js';
import { decodeJS, encodeJS } from '../src/utf8.js';

const model = new Uint8Array(readFileSync(new URL('../../testdata/parity/model-4bit.seminar', import.meta.url)));

test('UTF-8 without TextEncoder/TextDecoder matches them', () => {
  const samples = ['', 'a', 'Amélie', 'Ça ira', '東京物語', '🎬 film', '\u{10ffff}', 'x\uD800y', '\uDC00'];
  for (let i = 0; i < 200; i++) {
    samples.push(String.fromCodePoint(...Array.from({ length: 8 }, (_, j) => ((i * 7919 + j * 104729) % 0x10ffff) & ~0x800)));
  }
  const te = new TextEncoder();
  const td = new TextDecoder('utf-8', { fatal: true });
  for (const s of samples) {
    assert.deepEqual(encodeJS(s), te.encode(s), JSON.stringify(s));
    assert.equal(decodeJS(te.encode(s)), td.decode(te.encode(s)));
  }
  for (const bad of [[0xff], [0xc0, 0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80]]) {
    assert.throws(() => decodeJS(Uint8Array.from(bad)), TypeError, String(bad));
  }
});

test('CRC-32 is the IEEE one', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array()), 0);
});

test('a model file is checked against its own CRC-32 and an expected SHA-256', async () => {
  await verifyModel(model);
  const digest = Buffer.from(await crypto.subtle.digest('SHA-256', model)).toString('hex');
  await verifyModel(model, digest);
  await assert.rejects(verifyModel(model, '00'.repeat(32)), (e) => e instanceof ModelError && e.code === 'checksum');
  const damaged = model.slice();
  damaged[100] ^= 1;
  await assert.rejects(verifyModel(damaged), (e) => e instanceof ModelError && e.code === 'checksum' && /damaged/.test(e.message));
  await assert.rejects(verifyModel(model.subarray(0, 50)), (e) => e.code === 'checksum');
});

test('a record that is not a store is corrupt', () => {
  for (const bad of [undefined, 'SMEV', new Uint8Array(10), new Uint8Array(64)]) {
    assert.throws(() => storeHeader(bad), (e) => e instanceof HistoryError && e.code === 'corrupt');
  }
  const b = new Uint8Array(32);
  b.set([0x53, 0x4d, 0x45, 0x56]);
  new DataView(b.buffer).setUint32(8, 0xdeadbeef, true);
  new DataView(b.buffer).setUint32(16, 7, true);
  assert.deepEqual(storeHeader(b), { codec: 0xdeadbeef, events: 7 });
});

test('errors survive the trip through postMessage', () => {
  for (const e of [new ModuleError('rank', -2, 'bad kind'), new HistoryError('quota', 'full'), new ModelError('fetch', 'offline')]) {
    const back = fromJSON(structuredClone(errorToJSON(e)));
    assert.equal(back.constructor, e.constructor);
    assert.deepEqual([back.code, back.status, back.message, back.call], [e.code, e.status, e.message, e.call]);
  }
  assert.equal(fromJSON(errorToJSON(new RangeError('x'))).code, 'internal');
});
