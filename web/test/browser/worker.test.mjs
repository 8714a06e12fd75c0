// Ranking in the Worker leaves the page's thread free: a timer keeps firing during a long rank.
// On the page's thread the same call runs to its end before any timer can fire. Both facts are
// counts of timer callbacks, not durations.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { missing, open } from './harness.mjs';

const skip = missing() || false;
let b;
before(async () => { if (!skip) b = await open(); });
after(async () => { await b?.close(); });

/** ticksDuringRank counts setTimeout(0) callbacks that run while one large rank call is pending. */
async function ticksDuringRank(worker) {
  const { Ranker } = await import('/web/src/index.js');
  const fx = await (await fetch('/testdata/parity/cases.json')).json();
  const ranker = await Ranker.create({
    model: '/testdata/parity/model-4bit.seminar',
    modules: { simd: '/bin/seminar.wasm', scalar: '/bin/seminar-scalar.wasm' },
    store: null, worker,
  });
  // 20,000 events (the fixture's, repeated later in time) and 4,096 candidates.
  const span = fx.events.at(-1).t - fx.events[0].t + 1;
  const events = Array.from({ length: 20000 }, (_, i) => {
    const e = fx.events[i % fx.events.length];
    return { ...e, t: e.t + Math.floor(i / fx.events.length) * span };
  });
  await ranker.replace(events);
  const items = [...new Map(fx.events.map((e) => [e.item.id, e.item])).values()];
  const candidates = Array.from({ length: 4096 }, (_, i) => ({ ...items[i % items.length], id: `c${i}` }));
  let ticks = 0;
  let pending = true;
  const tick = () => { if (pending) { ticks++; setTimeout(tick, 0); } };
  setTimeout(tick, 0);
  const reply = await ranker.rank({ query: 'zofu', candidates });
  pending = false;
  await ranker.close();
  return { ticks, ranked: reply.order.length, inWorker: ranker.inWorker };
}

test('a timer keeps firing while the Worker ranks', { skip }, async () => {
  const got = await b.page.evaluate(ticksDuringRank, true);
  assert.equal(got.inWorker, true);
  assert.equal(got.ranked, 4096);
  assert.ok(got.ticks > 0, `no timer fired during the rank (${got.ticks})`);
});

test('on the page thread the same rank holds the timers back', { skip }, async () => {
  const got = await b.page.evaluate(ticksDuringRank, false);
  assert.equal(got.inWorker, false);
  assert.equal(got.ranked, 4096);
  // The call runs in microtasks from its start to its reply: no task (timer) can run between.
  assert.equal(got.ticks, 0);
});
