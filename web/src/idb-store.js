// The history in IndexedDB: a snapshot record and the segments appended after it, in one
// database per history name. Writes resolve when their transaction completes with strict
// durability, so an acknowledged append survives a crash or a reload.
//
// Schema version 1:
//   "snapshot"  key "current" → { bytes: Uint8Array, events, savedAt }
//   "segments"  auto-increment key → { bytes: Uint8Array, events, savedAt }
// MIGRATIONS[v] upgrades a database from version v to v+1; a database newer than this code is
// refused with HistoryError 'storage' rather than misread.

import { HistoryError } from './errors.js';
import { storeHeader } from './storefile.js';

export const SCHEMA_VERSION = 1;
const SNAPSHOT = 'snapshot';
const SEGMENTS = 'segments';

const MIGRATIONS = [
  (db) => {
    db.createObjectStore(SNAPSHOT);
    db.createObjectStore(SEGMENTS, { autoIncrement: true });
  },
];

/** storageError maps a DOMException to a typed error: the quota is worth its own code. */
function storageError(e, what) {
  if (e instanceof HistoryError) return e;
  const quota = e?.name === 'QuotaExceededError';
  return new HistoryError(quota ? 'quota' : 'storage',
    quota ? `${what}: the storage quota is exhausted` : `${what}: ${e?.name ?? 'error'}: ${e?.message ?? e}`, { cause: e });
}

const done = (req) => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});

/** The records a record's bytes may arrive as, after a round trip through structured clone. */
const asBytes = (v) => (v instanceof Uint8Array ? v : v instanceof ArrayBuffer ? new Uint8Array(v) : v);

export class IdbStore {
  /**
   * open opens (creating or migrating) the database of one history.
   *
   * @param {string} name the history's name; the database is "seminar-history:" + name
   * @param {IDBFactory} [idb] the IndexedDB factory (globalThis.indexedDB)
   */
  static async open(name, idb = globalThis.indexedDB) {
    if (!idb) throw new HistoryError('unavailable', 'IndexedDB is not available here');
    const req = idb.open(`seminar-history:${name}`, SCHEMA_VERSION);
    req.onupgradeneeded = (ev) => {
      for (let v = ev.oldVersion; v < SCHEMA_VERSION; v++) MIGRATIONS[v](req.result, req.transaction);
    };
    try {
      return new IdbStore(await done(req));
    } catch (e) {
      if (e?.name === 'VersionError') {
        throw new HistoryError('storage', `the history "${name}" was written by a newer version of this package`, { cause: e });
      }
      throw storageError(e, 'opening the history');
    }
  }

  constructor(db) {
    this.db = db;
    // Another tab upgrading the schema asks us to let go.
    db.onversionchange = () => db.close();
  }

  /** tx runs f in one transaction and resolves with its result once the transaction completes. */
  tx(mode, what, f) {
    return new Promise((resolve, reject) => {
      let result;
      let t;
      try {
        t = this.db.transaction([SNAPSHOT, SEGMENTS], mode, { durability: 'strict' });
        result = f(t.objectStore(SNAPSHOT), t.objectStore(SEGMENTS));
      } catch (e) {
        reject(storageError(e, what));
        return;
      }
      t.oncomplete = () => resolve(result);
      t.onerror = (ev) => { ev.preventDefault(); };
      t.onabort = () => reject(storageError(t.error, what));
    });
  }

  /** read returns the snapshot and the segments in append order. */
  async read() {
    const out = { snapshot: null, segments: [] };
    await this.tx('readonly', 'reading the history', (snap, segs) => {
      snap.get('current').onsuccess = (ev) => { out.snapshot = asBytes(ev.target.result?.bytes) ?? null; };
      segs.openCursor().onsuccess = (ev) => {
        const c = ev.target.result;
        if (!c) return;
        out.segments.push({ key: c.key, bytes: asBytes(c.value?.bytes) });
        c.continue();
      };
    });
    return out;
  }

  /** append stores one segment; it resolves when the segment is durable. */
  append(bytes) {
    const events = storeHeader(bytes).events;
    return this.tx('readwrite', 'appending to the history', (_, segs) => {
      segs.add({ bytes, events, savedAt: Date.now() });
    });
  }

  /** replace sets the snapshot and deletes the given segments (all when keys is null), atomically. */
  replace(snapshot, keys) {
    const events = storeHeader(snapshot).events;
    return this.tx('readwrite', 'compacting the history', (snap, segs) => {
      snap.put({ bytes: snapshot, events, savedAt: Date.now() }, 'current');
      if (keys === null) segs.clear();
      else for (const k of keys) segs.delete(k);
    });
  }

  /** clear deletes the whole history. */
  clear() {
    return this.tx('readwrite', 'forgetting the history', (snap, segs) => {
      snap.clear();
      segs.clear();
    });
  }

  close() { this.db.close(); }
}

/** deleteHistory deletes the database of a history that no ranker has open. */
export async function deleteHistory(name, idb = globalThis.indexedDB) {
  if (!idb) return;
  try {
    await done(idb.deleteDatabase(`seminar-history:${name}`));
  } catch (e) {
    throw storageError(e, 'deleting the history');
  }
}
