// The history in IndexedDB, in Chromium: appends survive a reload, a corrupt record is dropped
// with a typed error while the rest survives, a history of another codec is refused, and
// forget() leaves nothing behind.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { missing, open } from './harness.mjs';

const skip = missing() || false;
let b;
before(async () => { if (!skip) b = await open(); });
after(async () => { await b?.close(); });

/** inPage makes a ranker over the named history and runs f(ranker, fixture) in the page. */
const setup = `
  window.make = async (store, model = 'model-4bit.seminar') => {
    const { Ranker } = await import('/web/src/index.js');
    window.fx ??= await (await fetch('/testdata/parity/cases.json')).json();
    return Ranker.create({ model: '/testdata/parity/' + model, modules: { simd: '/bin/seminar.wasm', scalar: '/bin/seminar-scalar.wasm' }, store });
  };
  window.request = () => { const c = fx.cases.find((c) => c.model === 'model-4bit.seminar' && !c.request.options?.exact); return c.request; };
`;

async function reload() {
  await b.page.reload();
  await b.page.evaluate(setup);
}

test('appends are durable across a reload, and rank the same', { skip }, async () => {
  await b.page.evaluate(setup);
  const first = await b.page.evaluate(async () => {
    const r = await make('h1');
    const counts = [];
    for (let i = 0; i < 300; i += 100) counts.push(await r.append(fx.events.slice(i, i + 100)));
    const reply = await r.rank(request());
    await r.close();
    return { counts, order: reply.order, inWorker: r.inWorker };
  });
  assert.deepEqual(first.counts, [100, 200, 300]);
  assert.equal(first.inWorker, true);
  await reload();
  const second = await b.page.evaluate(async () => {
    const r = await make('h1');
    const out = { events: r.events, errors: r.historyErrors.length, order: (await r.rank(request())).order };
    await r.close();
    return out;
  });
  assert.deepEqual(second, { events: 300, errors: 0, order: first.order });
});

test('a corrupt segment is dropped with a typed error; the rest survives', { skip }, async () => {
  await reload();
  await b.page.evaluate(async () => {
    const r = await make('h2');
    await r.append(fx.events.slice(0, 50));
    await r.append(fx.events.slice(50, 80)); // this segment gets damaged below
    await r.append(fx.events.slice(80, 120));
    await r.close();
    // Flip one byte in the middle of the second segment, as a failing disk would.
    const db = await new Promise((ok, ko) => { const q = indexedDB.open('seminar-history:h2'); q.onsuccess = () => ok(q.result); q.onerror = () => ko(q.error); });
    await new Promise((ok, ko) => {
      const t = db.transaction('segments', 'readwrite');
      const s = t.objectStore('segments');
      s.getAllKeys().onsuccess = (ev) => {
        const key = ev.target.result[1];
        s.get(key).onsuccess = (g) => { const v = g.target.result; v.bytes[Math.floor(v.bytes.length / 2)] ^= 0xff; s.put(v, key); };
      };
      t.oncomplete = ok; t.onerror = () => ko(t.error);
    });
    db.close();
  });
  await reload();
  const got = await b.page.evaluate(async () => {
    const r = await make('h2');
    const out = { events: r.events, errors: r.historyErrors.map((e) => [e.name, e.code]) };
    await r.close();
    // The restore compacted the history: the damaged record is gone for good.
    const again = await make('h2');
    out.after = { events: again.events, errors: again.historyErrors.length };
    await again.close();
    return out;
  });
  assert.deepEqual(got, { events: 90, errors: [['HistoryError', 'corrupt']], after: { events: 90, errors: 0 } });
});

test('a history of another codec is refused; forget() deletes everything', { skip }, async () => {
  await reload();
  const got = await b.page.evaluate(async () => {
    const out = {};
    try {
      await make('h1', 'model-8bit.seminar');
      out.refused = null;
    } catch (e) {
      out.refused = [e.name, e.code];
    }
    const r = await make('h1');
    out.before = r.events;
    await r.forget();
    out.after = r.events;
    await r.close();
    return out;
  });
  assert.deepEqual(got, { refused: ['HistoryError', 'codec'], before: 300, after: 0 });
  await reload();
  const events = await b.page.evaluate(async () => { const r = await make('h1'); const n = r.events; await r.close(); return n; });
  assert.equal(events, 0);
  assert.deepEqual(b.errors, []);
});
