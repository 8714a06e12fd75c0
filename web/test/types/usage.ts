// A web developer's use of the package, type-checked by `npm run typecheck` (tsc --noEmit): it
// imports the package by its name, as an application would.
import {
  HistoryError, MemoryStore, ModelError, ModuleError, Ranker, SeminarError, simdSupported,
  type Event, type Item, type RankReply, type RankRequest,
} from '@seminar-ranker/web';
import { RankerCore, type HistoryStore } from '@seminar-ranker/web/core';

const movie = (id: string, title: string, genres: string[]): Item => ({
  id, text: title, attrs: genres.map((g) => ({ f: 'genre', v: g })),
});

export async function page(): Promise<void> {
  const ranker = await Ranker.create({
    model: { url: '/models/ml-100k.seminar', sha256: 'ab'.repeat(32) },
    modules: { simd: '/bin/seminar.wasm', scalar: new URL('/bin/seminar-scalar.wasm', location.href) },
    store: 'user-42',
    onProgress: (loaded, total) => console.log(loaded, total),
  });
  for (const e of ranker.historyErrors) console.warn(e.code, e.message);
  const click: Event = { t: Math.floor(Date.now() / 1000), k: 1, q: 'space', item: movie('50', 'Star Wars', ['Sci-Fi']) };
  const held: number = await ranker.append([click]);
  const request: RankRequest = {
    query: 'space',
    candidates: [movie('50', 'Star Wars', ['Sci-Fi']), movie('1', 'Toy Story', ['Animation'])],
    options: { bits: 4, weights: { query: 2 } },
  };
  const reply: RankReply = await ranker.rank(request);
  const best: number = reply.order[0];
  const ms: number = reply.timings.total_us / 1000;
  console.log(held, best, ms, ranker.simd, ranker.info.codec, simdSupported());
  try {
    await ranker.rank({ candidates: [] });
  } catch (e) {
    if (e instanceof ModuleError) console.log(e.status, e.call, e.code);
    else if (e instanceof HistoryError && e.code === 'quota') console.log('storage is full');
    else if (e instanceof ModelError || e instanceof SeminarError) console.log(e.code);
  }
  await ranker.forget();
  await ranker.close();
}

export async function embedder(module: WebAssembly.Module, model: Uint8Array): Promise<number> {
  const store: HistoryStore = new MemoryStore();
  const core = await RankerCore.open({ module, model, store, env: { now: () => 0, random: (b) => b.fill(4) } });
  await core.append([{ t: 1, item: { id: 'a' } }]);
  return (await core.rank({ candidates: [{ id: 'a' }] })).scores[0];
}
