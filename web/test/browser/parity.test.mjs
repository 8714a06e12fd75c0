// The parity goldens (testdata/parity/cases.json, written by native Go) reproduced in Chromium
// through the package's public API: the SIMD128 build in a Worker, and the scalar build (the
// fallback forced) on the page's thread.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { missing, open, root } from './harness.mjs';

const skip = missing() || false;
const fixture = JSON.parse(readFileSync(path.join(root, 'testdata/parity/cases.json'), 'utf8'));
let b;
before(async () => { if (!skip) b = await open(); });
after(async () => { await b?.close(); });

/** runCases runs in the page: every case of the fixture through Ranker, one ranker per model. */
async function runCases({ forceScalar, worker }) {
  const { Ranker } = await import('/web/src/index.js');
  const fx = await (await fetch('/testdata/parity/cases.json')).json();
  const out = { replies: new Array(fx.cases.length), simd: [], inWorker: [] };
  const byModel = new Map();
  fx.cases.forEach((c, i) => byModel.set(c.model, [...(byModel.get(c.model) ?? []), i]));
  for (const [model, cases] of byModel) {
    const ranker = await Ranker.create({
      model: `/testdata/parity/${model}`,
      modules: { simd: '/bin/seminar.wasm', scalar: '/bin/seminar-scalar.wasm' },
      store: null, worker, forceScalar,
    });
    out.simd.push(ranker.simd);
    out.inWorker.push(ranker.inWorker);
    await ranker.replace(fx.events, fx.store ?? { exact: true });
    for (const i of cases) {
      const c = fx.cases[i];
      out.replies[i] = await ranker.rank(c.request ?? { query: c.query, candidates: c.candidates, options: c.options });
    }
    await ranker.close();
  }
  return out;
}

for (const [name, opts] of [['SIMD128 in a Worker', { forceScalar: false, worker: true }], ['scalar on the page thread', { forceScalar: true, worker: false }]]) {
  test(`parity goldens: ${name}`, { skip }, async () => {
    const got = await b.page.evaluate(runCases, opts);
    assert.deepEqual([...new Set(got.simd)], [!opts.forceScalar]);
    assert.deepEqual([...new Set(got.inWorker)], [opts.worker]);
    assert.equal(got.replies.length, fixture.cases.length);
    fixture.cases.forEach((c, i) => {
      const want = c.reply ?? c;
      const reply = got.replies[i];
      assert.deepEqual(reply.order, want.order, c.name);
      reply.scores.forEach((s, j) => {
        const w = want.scores[j];
        assert.ok(Math.abs(s - w) <= fixture.tolerance * Math.max(1, Math.abs(w)), `${c.name}: score ${j} is ${s}, want ${w}`);
      });
    });
    assert.deepEqual(b.errors, []);
  });
}
