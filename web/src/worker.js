// The Worker side of a Ranker: it owns the module instance and the IndexedDB history, so that
// ranking and storage never run on the page's thread. Messages: {id, op, args} in; {id, ok,
// events} or {id, error} out, and {log} for what the module writes to stderr.

import { RankerCore } from './core.js';
import { errorToJSON } from './errors.js';
import { IdbStore } from './idb-store.js';
import { decodeLossy } from './utf8.js';

let core = null;


const ops = {
  async open({ module, model, storeName, storeOptions }) {
    const store = storeName ? await IdbStore.open(storeName) : null;
    const write = (fd, bytes) => postMessage({ log: { fd, text: decodeLossy(bytes) } });
    try {
      core = await RankerCore.open({ module, model, store, storeOptions, env: { write } });
    } catch (e) {
      store?.close();
      throw e;
    }
    return { info: core.info, simd: core.simd, version: core.version, historyErrors: core.historyErrors.map(errorToJSON) };
  },
  append: ([events]) => core.append(events),
  replace: ([events, storeOptions]) => core.replace(events, storeOptions),
  rank: ([request]) => core.rank(request),
  forget: () => core.forget(),
  exportHistory: () => core.exportHistory(),
  close: () => core.close(),
};

globalThis.onmessage = async ({ data: { id, op, args } }) => {
  try {
    const ok = await ops[op](args);
    const transfer = ok instanceof Uint8Array ? [ok.buffer] : [];
    postMessage({ id, ok, events: core?.events ?? 0 }, transfer);
  } catch (e) {
    postMessage({ id, error: errorToJSON(e), events: core?.events ?? 0 });
  }
};
