// The package's engine-neutral core in Node, with its own WASI layer (the same code a page, a
// Worker and JavaScriptCore run): the parity goldens for both builds, and the history protocol —
// segments, compaction, a corrupt record, another codec, a failing store. Build the modules
// first (./build.sh wasm).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { HistoryError, MemoryStore, ModuleError, RankerCore } from '../src/core.js';

const at = (p) => new URL(`../../${p}`, import.meta.url);
const fixture = JSON.parse(readFileSync(at('testdata/parity/cases.json'), 'utf8'));
const model = (name) => new Uint8Array(readFileSync(at(`testdata/parity/${name}`)));
const modules = { simd: readFileSync(at('bin/seminar.wasm')), scalar: readFileSync(at('bin/seminar-scalar.wasm')) };
const open = (o = {}) => RankerCore.open({ module: modules.simd, model: model('model-4bit.seminar'), ...o });
const request = (c) => c.request ?? { query: c.query, candidates: c.candidates, options: c.options };
// A case the codes answer (no exact vectors): what a stored history can rank.
const case4 = fixture.cases.find((c) => c.model === 'model-4bit.seminar' && !request(c).options?.exact);

for (const [name, simd] of [['simd', true], ['scalar', false]]) {
  test(`parity goldens, ${name} build`, async () => {
    const cores = new Map();
    for (const c of fixture.cases) {
      if (!cores.has(c.model)) {
        const core = await RankerCore.open({ module: modules[name], model: model(c.model) });
        assert.equal(core.simd, simd);
        await core.replace(fixture.events, fixture.store ?? { exact: true });
        cores.set(c.model, core);
      }
      const reply = await cores.get(c.model).rank(request(c));
      const want = c.reply ?? c;
      assert.deepEqual(reply.order, want.order, c.name);
      reply.scores.forEach((s, j) => {
        assert.ok(Math.abs(s - want.scores[j]) <= fixture.tolerance * Math.max(1, Math.abs(want.scores[j])), `${c.name}: score ${j}`);
      });
    }
  });
}

test('appends become segments; reopening restores and compacts them', async () => {
  const store = new MemoryStore();
  const a = await open({ store });
  for (let i = 0; i < 300; i += 100) await a.append(fixture.events.slice(i, i + 100));
  assert.equal(store.segments.size, 3);
  const want = await a.rank(request(case4));
  const b = await open({ store });
  assert.equal(b.events, 300);
  assert.deepEqual(b.historyErrors, []);
  assert.equal(store.segments.size, 0);
  assert.ok(store.snapshot);
  assert.deepEqual((await b.rank(request(case4))).order, want.order);
});

test('a corrupt segment is dropped with a HistoryError; the rest survives', async () => {
  const store = new MemoryStore();
  const a = await open({ store });
  await a.append(fixture.events.slice(0, 50));
  await a.append(fixture.events.slice(50, 80));
  await a.append(fixture.events.slice(80, 120));
  const [, key] = [...store.segments.keys()];
  store.segments.get(key)[40] ^= 0xff;
  const b = await open({ store });
  assert.equal(b.events, 90);
  assert.equal(b.historyErrors.length, 1);
  assert.ok(b.historyErrors[0] instanceof HistoryError && b.historyErrors[0].code === 'corrupt');
  store.segments.set(99, 'not bytes');
  const c = await open({ store });
  assert.deepEqual([c.events, c.historyErrors.map((e) => e.code)], [90, ['corrupt']]);
});

test('a history of another codec is refused', async () => {
  const store = new MemoryStore();
  await (await open({ store })).append(fixture.events.slice(0, 10));
  await assert.rejects(open({ store, model: model('model-8bit.seminar') }), (e) => e instanceof HistoryError && e.code === 'codec');
});

test('a failed durable append is undone in the module', async () => {
  const store = new MemoryStore();
  const core = await open({ store });
  await core.append(fixture.events.slice(0, 100));
  const full = Object.assign(Object.create(store), { append: async () => { throw new HistoryError('quota', 'full'); } });
  core.store = full;
  await assert.rejects(core.append(fixture.events.slice(100, 200)), (e) => e.code === 'quota');
  assert.equal(core.events, 100);
  core.store = store;
  assert.equal(await core.append(fixture.events.slice(100, 200)), 200);
  const fresh = await open();
  await fresh.replace(fixture.events.slice(0, 200));
  assert.deepEqual((await core.rank(request(case4))).order, (await fresh.rank(request(case4))).order);
});

test('bad input is a ModuleError with its status, and the instance stays usable; forget() empties', async () => {
  const core = await open({ store: new MemoryStore() });
  await assert.rejects(core.append([{ t: 1, k: 2, item: { id: 'x' } }]), (e) => e instanceof ModuleError && e.status === -2 && e.code === 'bad-input');
  await assert.rejects(core.rank({ candidates: 'none' }), (e) => e instanceof ModuleError && e.status === -2);
  assert.equal(await core.append(fixture.events.slice(0, 5)), 5);
  await core.forget();
  assert.equal(core.events, 0);
  assert.equal((await core.exportHistory()).length > 0, true);
  await core.close();
  await assert.rejects(core.rank(request(case4)), (e) => e.code === 'closed');
});
