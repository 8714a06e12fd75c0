// @seminar-ranker/web: on-device reranking over the user's lifelong history. Ranker.create
// fetches (or takes) the model and the module, then runs them in a dedicated Worker by default,
// or on the calling thread (worker: false, and always in Node); the API is the same either way.

import { RankerCore } from './core.js';
import { fromJSON, SeminarError } from './errors.js';
import { IdbStore } from './idb-store.js';
import { compileModule, fetchModel, verifyModel } from './model.js';
import { decodeLossy } from './utf8.js';

export { deleteHistory, IdbStore } from './idb-store.js';
export { MemoryStore } from './memory-store.js';
export { HistoryError, ModelError, ModuleError, SeminarError } from './errors.js';
export { simdSupported } from './simd.js';
export { fetchModel, verifyModel, compileModule } from './model.js';
export { ABI_VERSION } from './module.js';

/** getModel resolves the model option to verified bytes. */
async function getModel(model, onProgress) {
  if (ArrayBuffer.isView(model) || model instanceof ArrayBuffer) {
    const bytes = model instanceof Uint8Array ? model : new Uint8Array(model.buffer ?? model, model.byteOffset ?? 0, model.byteLength);
    await verifyModel(bytes);
    return bytes;
  }
  const o = typeof model === 'string' || model instanceof URL ? { url: model } : model;
  return (await fetchModel({ ...o, onProgress })).bytes;
}


/**
 * The modules the npm package ships (copied in by `npm pack`), beside its sources: what a page
 * uses when it names none.
 */
export const packagedModules = () => ({
  simd: new URL('../modules/seminar.wasm', import.meta.url).href,
  scalar: new URL('../modules/seminar-scalar.wasm', import.meta.url).href,
});

/** The thread the module runs on, by default: a Worker where the page has one. */
const workerByDefault = () => typeof Worker === 'function' && typeof document !== 'undefined';

export class Ranker {
  /**
   * create makes a ranker: the model loaded and the user's history restored.
   *
   * @param {import('./index.js').RankerOptions} options
   * @returns {Promise<Ranker>}
   */
  static async create(options) {
    const { model, modules = packagedModules(), store = 'default', storeOptions, worker = workerByDefault(), forceScalar = false, onProgress, onLog } = options;
    if (!model) throw new SeminarError('bad-option', 'Ranker.create needs a model');
    const [bytes, { module, simd }] = await Promise.all([getModel(model, onProgress), compileModule(modules, { forceScalar })]);
    if (worker) {
      if (store !== null && store !== false && typeof store !== 'string') {
        throw new SeminarError('bad-option', 'a custom HistoryStore runs on the calling thread: pass worker: false');
      }
      return WorkerRanker.open({ module, model: bytes, storeName: store || null, storeOptions, onLog, simd });
    }
    let history = null;
    if (typeof store === 'string') history = await IdbStore.open(store);
    else if (store) history = store;
    const write = onLog ? (fd, b) => onLog(decodeLossy(b), fd) : undefined;
    try {
      return new Ranker(await RankerCore.open({ module, model: bytes, store: history, storeOptions, env: { write } }), false);
    } catch (e) {
      history?.close();
      throw e;
    }
  }

  constructor(core, inWorker) {
    this.core = core;
    /** Whether the module runs in a Worker. */
    this.inWorker = inWorker;
  }

  /** The loaded model's ModelInfo. */
  get info() { return this.core.info; }

  /** Whether the SIMD128 build runs (else the scalar one). */
  get simd() { return this.core.simd; }

  /** The module's ABI version, major<<16 | minor<<8 | patch. */
  get version() { return this.core.version; }

  /** The number of events in the history. */
  get events() { return this.core.events; }

  /** Records of the stored history that were corrupt and dropped when it was restored. */
  get historyErrors() { return this.core.historyErrors; }

  /** append adds events to the history; it resolves once they are stored durably. */
  append(events) { return this.core.append(events); }

  /** replace replaces the whole history (and its StoreOptions). */
  replace(events, storeOptions) { return this.core.replace(events, storeOptions); }

  /** rank reorders candidates for this user. */
  rank(request) { return this.core.rank(request); }

  /** exportHistory returns the history as one binary snapshot, for the user to keep. */
  exportHistory() { return this.core.exportHistory(); }

  /** forget deletes the whole history, in memory and in storage. */
  forget() { return this.core.forget(); }

  /** close ends the ranker (and its Worker); the history stays stored. */
  close() { return this.core.close(); }
}

/** WorkerRanker is a Ranker whose core runs in a dedicated Worker. */
class WorkerRanker {
  static async open({ module, model, storeName, storeOptions, onLog, simd }) {
    const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'seminar-ranker' });
    const proxy = new WorkerRanker(w, onLog);
    try {
      const copy = model.slice(); // transferred: the caller keeps its own bytes
      const opened = await proxy.send('open', { module, model: copy, storeName, storeOptions }, [copy.buffer]);
      Object.assign(proxy, opened, { simd });
      proxy.historyErrors = opened.historyErrors.map(fromJSON);
    } catch (e) {
      w.terminate();
      throw e;
    }
    return new Ranker(proxy, true);
  }

  constructor(worker, onLog) {
    this.worker = worker;
    this.pending = new Map();
    this.next = 1;
    this.events = 0;
    worker.onmessage = ({ data }) => {
      if (data.log) { onLog?.(data.log.text, data.log.fd); return; }
      const p = this.pending.get(data.id);
      this.pending.delete(data.id);
      this.events = data.events;
      if (data.error) p.reject(fromJSON(data.error));
      else p.resolve(data.ok);
    };
    worker.onerror = (ev) => {
      ev.preventDefault?.();
      this.fail(new SeminarError('worker', `the ranker's Worker failed: ${ev.message ?? 'an error'}`));
    };
  }

  /** fail rejects every pending call: the Worker is gone. */
  fail(err) {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.worker.terminate();
    this.dead = err;
  }

  send(op, args, transfer = []) {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args }, transfer);
    });
  }

  append(events) { return this.send('append', [events]); }

  replace(events, storeOptions) { return this.send('replace', [events, storeOptions]); }

  rank(request) { return this.send('rank', [request]); }

  exportHistory() { return this.send('exportHistory', []); }

  forget() { return this.send('forget', []); }

  async close() {
    if (this.dead) return;
    try {
      await this.send('close', []);
    } finally {
      this.fail(new SeminarError('closed', 'the ranker is closed'));
    }
  }
}
