// A HistoryStore in memory: for Node, JavaScriptCore and tests, or a page that keeps no history
// across reloads. It has the same semantics as the IndexedDB store.

export class MemoryStore {
  constructor() {
    this.snapshot = null;
    this.segments = new Map();
    this.next = 1;
  }

  async read() {
    return { snapshot: this.snapshot, segments: [...this.segments].map(([key, bytes]) => ({ key, bytes })) };
  }

  async append(bytes) {
    this.segments.set(this.next++, bytes.slice());
  }

  async replace(snapshot, keys) {
    this.snapshot = snapshot.slice();
    if (keys === null) this.segments.clear();
    else for (const k of keys) this.segments.delete(k);
  }

  async clear() {
    this.snapshot = null;
    this.segments.clear();
  }

  close() {}
}
