// The IndexedDB HistoryStore on its own, in Chromium: order, atomic compaction, clearing, and the
// refusal of a database written by a newer schema.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { executablePath, open } from './harness.mjs';

const skip = existsSync(executablePath) ? false : `no Chromium at ${executablePath}`;
let b;
before(async () => { if (!skip) b = await open(); });
after(async () => { await b?.close(); });

/** A fake store record: the 28-byte header the store checks, codec 7, n events, and a trailer. */
const record = `(n) => { const b = new Uint8Array(32); b.set([0x53, 0x4d, 0x45, 0x56]); const v = new DataView(b.buffer); v.setUint32(8, 7, true); v.setUint32(16, n, true); return b; }`;

test('segments keep their order; replace and clear are atomic', { skip }, async () => {
  const got = await b.page.evaluate(async (rec) => {
    const record = eval(rec);
    const { IdbStore } = await import('/web/src/index.js');
    const s = await IdbStore.open('unit');
    for (const n of [1, 2, 3]) await s.append(record(n));
    const events = (r) => r.segments.map((x) => x.bytes[16]);
    const r1 = await s.read();
    await s.replace(record(9), r1.segments.slice(0, 2).map((x) => x.key));
    const r2 = await s.read();
    s.close();
    const again = await IdbStore.open('unit');
    const r3 = await again.read();
    await again.clear();
    const r4 = await again.read();
    again.close();
    return { first: events(r1), snap: r2.snapshot[16], left: events(r2), reopened: [r3.snapshot[16], events(r3)], cleared: [r4.snapshot, r4.segments.length] };
  }, record);
  assert.deepEqual(got, { first: [1, 2, 3], snap: 9, left: [3], reopened: [9, [3]], cleared: [null, 0] });
});

test('a database of a newer schema is refused with a typed error', { skip }, async () => {
  const got = await b.page.evaluate(async () => {
    const { IdbStore } = await import('/web/src/index.js');
    await new Promise((ok) => { const q = indexedDB.open('seminar-history:future', 99); q.onsuccess = () => { q.result.close(); ok(); }; });
    try {
      await IdbStore.open('future');
      return null;
    } catch (e) {
      return [e.name, e.code];
    }
  });
  assert.deepEqual(got, ['HistoryError', 'storage']);
});
