// The checks and timings web/jsc/run.mjs runs in JavaScriptCore (through main.js) and in V8
// (Node), on the web package's engine-neutral core exactly as a page or an app uses it. Nothing
// here touches files or engine globals: the caller passes bytes and the WASI env.

import { MemoryStore, RankerCore, decode } from '../src/core.js';

const close = (want, got, tol) => Math.abs(got - want) <= tol * Math.max(1, Math.abs(want));

/**
 * parity ranks every case of the parity fixture (testdata/parity/cases.json) and compares with
 * its expected orders and scores; it throws on the first difference.
 *
 * @returns {Promise<{simd: boolean, cases: number, worst: number}>} worst is the largest
 *   relative score difference
 */
export async function parity({ module, fixture, models, env }) {
  let core = null;
  let loaded = '';
  let worst = 0;
  try {
    for (const c of fixture.cases) {
      if (c.model !== loaded) {
        await core?.close();
        core = await RankerCore.open({ module, model: models[c.model], storeOptions: { exact: true }, env });
        await core.replace(fixture.events, { exact: true });
        loaded = c.model;
      }
      const reply = await core.rank(c.request);
      if (reply.order.join() !== c.order.join()) throw new Error(`${c.name}: order ${reply.order}, want ${c.order}`);
      c.scores.forEach((want, i) => {
        const got = reply.scores[i];
        if (!close(want, got, fixture.tolerance)) throw new Error(`${c.name}: score ${i} is ${got}, want ${want}`);
        worst = Math.max(worst, Math.abs(got - want) / Math.max(1, Math.abs(want)));
      });
    }
    return { simd: core.simd, cases: fixture.cases.length, worst };
  } finally {
    await core?.close();
  }
}

/**
 * history appends the fixture's events in two batches to a core over a MemoryStore (a snapshot
 * and segments, the format every embedder shares), opens a second core on the same store and
 * checks that it holds the same events and ranks as the first: what an app does across launches.
 */
export async function history({ module, fixture, models, env }) {
  const store = new MemoryStore();
  const model = models['model-4bit.seminar'];
  const c = fixture.cases.find((k) => k.model === 'model-4bit.seminar' && !k.request.options?.exact);
  const half = fixture.events.length >> 1;
  const first = await RankerCore.open({ module, model, store, env });
  await first.append(fixture.events.slice(0, half));
  const n = await first.append(fixture.events.slice(half));
  const want = await first.rank(c.request);
  await first.close();
  const { segments } = await store.read();
  const second = await RankerCore.open({ module, model, store, env });
  try {
    if (second.events !== n) throw new Error(`restored ${second.events} events, want ${n}`);
    const got = await second.rank(c.request);
    if (got.order.join() !== want.order.join()) throw new Error(`restored history ranks ${got.order}, want ${want.order}`);
    return { events: n, segments: segments.length };
  } finally {
    await second.close();
  }
}

/**
 * bench loads the workload's events (web/jsc/wazero -prepare) and times rank calls after
 * warmup untimed ones: the module's own total (timings.total_us) and the call as the page sees
 * it, MessagePack included.
 *
 * @param {object} o
 * @param {() => number} o.now a clock in milliseconds
 * @returns {Promise<{simd: boolean, compile_ms: number, rank_us: number[], wall_us: number[],
 *   memory_mib: number, order: number[]}>}
 */
export async function bench({ module, model, events, request, env, now, warmup, reps }) {
  const t0 = now();
  const compiled = module instanceof WebAssembly.Module ? module : await WebAssembly.compile(module);
  const compileMS = now() - t0;
  const core = await RankerCore.open({ module: compiled, model, env });
  try {
    await core.replace(decode(events));
    const req = decode(request);
    const res = { simd: core.simd, compile_ms: compileMS, rank_us: [], wall_us: [], memory_mib: 0, order: [] };
    for (let i = 0; i < warmup + reps; i++) {
      const t = now();
      const reply = await core.rank(req);
      if (i >= warmup) {
        res.wall_us.push((now() - t) * 1000);
        res.rank_us.push(reply.timings.total_us);
      }
      res.order = reply.order;
    }
    res.memory_mib = core.instance.x.memory.buffer.byteLength / 2 ** 20;
    return res;
  } finally {
    await core.close();
  }
}
