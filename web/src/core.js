// The ranker's core: one module instance, the model, and the history kept in a HistoryStore.
// It is engine-neutral on purpose — no Worker, IndexedDB, fetch or TextEncoder — so that the
// page, the Worker, Node and JavaScriptCore (iOS) all run this same code; the callers inject the
// compiled module, the model bytes, the store and the WASI environment.
//
// The history is one snapshot (store_bytes) and the segments appended after it (store_segment),
// each a self-checking binary store: see docs/abi.md, "History".

import { HistoryError, ModuleError, SeminarError } from './errors.js';
import { Instance } from './module.js';
import { decode, encode } from './msgpack.js';
import { storeHeader } from './storefile.js';

export { MemoryStore } from './memory-store.js';
export * from './errors.js';
export { decode, encode } from './msgpack.js';
export { simdSupported } from './simd.js';
export { ABI_VERSION } from './module.js';

export class RankerCore {
  /**
   * open instantiates the module, loads the model and restores the history from the store.
   *
   * @param {object} o
   * @param {WebAssembly.Module | BufferSource} o.module the compiled module or its bytes
   * @param {Uint8Array} o.model the model file
   * @param {import('./core.js').HistoryStore | null} [o.store] where the history persists
   * @param {object} [o.storeOptions] StoreOptions for the events held (docs/abi.md)
   * @param {object} [o.env] the WASI environment (clock, random, stderr)
   */
  static async open({ module, model, store = null, storeOptions, env }) {
    const instance = await Instance.instantiate(module, env);
    const core = new RankerCore(instance, store);
    core.info = decode(instance.call('load_model', model));
    if (storeOptions && Object.keys(storeOptions).length > 0) {
      core.events = decode(instance.call('load_events', encode({ ...storeOptions, events: [] }))).events;
    }
    if (store) await core.restore();
    return core;
  }

  constructor(instance, store) {
    this.instance = instance;
    this.store = store;
    this.events = 0;
    /** @type {HistoryError[]} records dropped while restoring the history */
    this.historyErrors = [];
    this.tail = Promise.resolve();
    this.closed = false;
  }

  get simd() { return this.instance.simd; }

  get version() { return this.instance.version; }

  /** serial runs f after every call before it, so that calls never overlap in the instance. */
  serial(f) {
    const run = this.tail.then(() => {
      if (this.closed) throw new SeminarError('closed', 'the ranker is closed');
      return f();
    });
    this.tail = run.catch(() => {});
    return run;
  }

  /** checkCodec refuses a record made by another codec. */
  checkCodec(bytes) {
    const h = storeHeader(bytes);
    const want = this.info.codec ?? 0;
    if (h.codec !== want) {
      throw new HistoryError('codec', `the stored history was made by codec ${h.codec.toString(16)}, the model's is ${want.toString(16)}: forget() it or load the model that made it`);
    }
  }

  /** restore loads the snapshot and its segments, drops corrupt records, and compacts. */
  async restore() {
    const { snapshot, segments } = await this.store.read();
    let dropped = false;
    const load = (name, bytes, what) => {
      try {
        this.checkCodec(bytes);
        this.events = decode(this.instance.call(name, bytes)).events;
      } catch (e) {
        if (e instanceof HistoryError && e.code === 'codec') throw e;
        if (!(e instanceof HistoryError || (e instanceof ModuleError && e.status === -2))) throw e;
        this.historyErrors.push(new HistoryError('corrupt', `${what} was dropped: ${e.message}`, { cause: e }));
        dropped = true;
      }
    };
    if (snapshot) load('load_store', snapshot, 'the history snapshot');
    for (const s of segments) load('append_store', s.bytes, `history segment ${s.key}`);
    if (segments.length > 0 || dropped) {
      await this.store.replace(this.instance.callArgs('store_bytes'), segments.map((s) => s.key));
    }
  }

  /**
   * append adds events after those held; with a store, it resolves once they are durable, and
   * on a storage failure the module drops them again, so that memory and storage agree.
   *
   * @returns {Promise<number>} the number of events held
   */
  append(events) {
    return this.serial(async () => {
      const n0 = this.events;
      const n = decode(this.instance.call('append_events', encode(events))).events;
      if (this.store) {
        try {
          await this.store.append(this.instance.callArgs('store_segment', n0));
        } catch (e) {
          this.instance.callArgs('truncate_events', n0);
          throw e;
        }
      }
      this.events = n;
      return n;
    });
  }

  /**
   * replace replaces the events held (load_events), with the given StoreOptions; with a store,
   * the new history becomes its snapshot.
   *
   * @returns {Promise<number>} the number of events held
   */
  replace(events, storeOptions = {}) {
    return this.serial(async () => {
      this.events = decode(this.instance.call('load_events', encode({ ...storeOptions, events }))).events;
      if (this.store) await this.store.replace(this.instance.callArgs('store_bytes'), null);
      return this.events;
    });
  }

  /** rank reorders the candidates of a RankRequest for the history held; it resolves to a RankReply. */
  rank(request) {
    return this.serial(() => decode(this.instance.call('rank', encode(request))));
  }

  /** exportHistory returns the history as one snapshot (the binary store). */
  exportHistory() {
    return this.serial(() => this.instance.callArgs('store_bytes'));
  }

  /** forget deletes every event, held and stored. */
  forget() {
    return this.serial(async () => {
      if (this.store) await this.store.clear();
      this.events = decode(this.instance.callArgs('truncate_events', 0)).events;
    });
  }

  /** close releases the instance and the store; later calls fail with code 'closed'. */
  close() {
    return this.serial(() => {
      this.closed = true;
      this.store?.close();
      this.instance = null;
    });
  }
}
