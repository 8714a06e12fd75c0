// A WASI preview-1 layer with exactly what the scoring module imports. The module needs no
// files, sockets, arguments or environment: the Go runtime asks for clocks, random bytes, the
// standard streams' status, and (to sleep) poll_oneoff. Everything the engine may lack is
// injected, so the same code runs in a page, a Worker, Node and JavaScriptCore.

const ESUCCESS = 0;
const EBADF = 8;
const EINVAL = 28;
const FILETYPE_CHARACTER_DEVICE = 2;
const EVENTTYPE_CLOCK = 0;

/** The imports this layer provides, by name. */
export const WASI_IMPORTS = Object.freeze([
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_time_get',
  'random_get', 'fd_write', 'fd_close', 'fd_fdstat_get', 'fd_fdstat_set_flags', 'fd_prestat_get',
  'fd_prestat_dir_name', 'poll_oneoff', 'sched_yield', 'proc_exit',
]);

/** WasiExit is thrown by proc_exit: the instance is finished. */
export class WasiExit extends Error {
  constructor(code) {
    super(`the module exited with code ${code}`);
    this.name = 'WasiExit';
    this.code = code;
  }
}

const defaultNow = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());
const defaultRandom = (b) => globalThis.crypto.getRandomValues(b);

/**
 * createWasi returns the import object of the module and bind(memory), which must be called with
 * the instance's memory before its first call.
 *
 * @param {object} [env]
 * @param {() => number} [env.now] a monotonic clock in milliseconds (performance.now)
 * @param {() => number} [env.wallClock] the time of day in milliseconds since the epoch (Date.now)
 * @param {(b: Uint8Array) => void} [env.random] fills b with cryptographically random bytes
 * @param {(fd: number, bytes: Uint8Array) => void} [env.write] receives what the module writes
 *   to stdout (1) and stderr (2): the Go runtime's report before a fatal error
 */
export function createWasi(env = {}) {
  const now = env.now ?? defaultNow;
  const wallClock = env.wallClock ?? Date.now;
  const random = env.random ?? defaultRandom;
  const write = env.write ?? (() => {});
  let memory = null;
  // Views are made per call: memory.grow detaches the previous ArrayBuffer.
  const view = () => new DataView(memory.buffer);
  const bytes = (ptr, len) => new Uint8Array(memory.buffer, ptr >>> 0, len >>> 0);
  const isStdio = (fd) => fd >= 0 && fd <= 2;
  const zeroPair = (a, b) => { const v = view(); v.setUint32(a, 0, true); v.setUint32(b, 0, true); return ESUCCESS; };

  const imports = {
    args_get: () => ESUCCESS,
    args_sizes_get: zeroPair,
    environ_get: () => ESUCCESS,
    environ_sizes_get: zeroPair,
    clock_time_get(id, _precision, out) {
      let ns;
      if (id === 0) ns = BigInt(Math.round(wallClock() * 1e3)) * 1000n;
      else if (id === 1) ns = BigInt(Math.round(now() * 1e6));
      else return EINVAL;
      view().setBigUint64(out, ns, true);
      return ESUCCESS;
    },
    random_get(ptr, len) {
      // getRandomValues fills at most 65536 bytes per call.
      for (let off = 0; off < len; off += 65536) random(bytes(ptr + off, Math.min(65536, len - off)));
      return ESUCCESS;
    },
    fd_write(fd, iovs, iovsLen, nwritten) {
      if (fd !== 1 && fd !== 2) return EBADF;
      let n = 0;
      for (let i = 0; i < iovsLen; i++) {
        const v = view();
        const ptr = v.getUint32(iovs + 8 * i, true);
        const len = v.getUint32(iovs + 8 * i + 4, true);
        write(fd, bytes(ptr, len).slice());
        n += len;
      }
      view().setUint32(nwritten, n, true);
      return ESUCCESS;
    },
    fd_close: (fd) => (isStdio(fd) ? ESUCCESS : EBADF),
    fd_fdstat_get(fd, out) {
      if (!isStdio(fd)) return EBADF;
      const v = view();
      for (let i = 0; i < 24; i += 8) v.setBigUint64(out + i, 0n, true);
      v.setUint8(out, FILETYPE_CHARACTER_DEVICE);
      return ESUCCESS;
    },
    fd_fdstat_set_flags: (fd) => (isStdio(fd) ? ESUCCESS : EBADF),
    // No preopened directories: the runtime stops looking at the first EBADF.
    fd_prestat_get: () => EBADF,
    fd_prestat_dir_name: () => EBADF,
    poll_oneoff(inPtr, outPtr, nsubs, neventsPtr) {
      // A reactor call cannot block the JS thread, and the Go runtime only polls here to sleep
      // between timers: every clock subscription is reported as due at once.
      const v = view();
      let n = 0;
      for (let i = 0; i < nsubs; i++) {
        const sub = inPtr + 48 * i;
        const ev = outPtr + 32 * n;
        v.setBigUint64(ev, v.getBigUint64(sub, true), true);
        const type = v.getUint8(sub + 8);
        v.setUint16(ev + 8, type === EVENTTYPE_CLOCK ? ESUCCESS : EBADF, true);
        v.setUint8(ev + 10, type);
        v.setBigUint64(ev + 16, 0n, true);
        v.setUint16(ev + 24, 0, true);
        n++;
      }
      v.setUint32(neventsPtr, n, true);
      return ESUCCESS;
    },
    sched_yield: () => ESUCCESS,
    proc_exit(code) { throw new WasiExit(code); },
  };
  return {
    imports: { wasi_snapshot_preview1: imports },
    /** bind gives the layer the instance's memory. */
    bind(m) { memory = m; },
  };
}
