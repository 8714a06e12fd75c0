// One instance of the scoring module and the ABI's calling sequence (docs/abi.md): inputs are
// copied into buffers from alloc, replies are read through the status block and copied out
// before the next call. Engine-neutral: no fetch, Worker or storage here.

import { ModelError, ModuleError } from './errors.js';
import { utf8Decode } from './utf8.js';
import { createWasi, WASI_IMPORTS } from './wasi.js';

/** The ABI version this package speaks: major 1, minor 0. */
export const ABI_VERSION = 0x010000;

/** FEATURE_SIMD128 is the bit of features() set by the SIMD128 build. */
export const FEATURE_SIMD128 = 1;

/** compatible reports whether a module of version got serves this package. */
export const compatible = (got) => got >> 16 === ABI_VERSION >> 16 && ((got >> 8) & 0xff) >= ((ABI_VERSION >> 8) & 0xff);

const versionString = (v) => `${v >> 16}.${(v >> 8) & 0xff}.${v & 0xff}`;

/**
 * Instance is one instantiated module. Calls are synchronous and must not overlap; after a trap
 * or status −5 every further call fails with code 'broken': make a new Instance.
 */
export class Instance {
  /**
   * instantiate compiles (if given bytes) and instantiates a module, runs _initialize and checks
   * its ABI version.
   *
   * @param {WebAssembly.Module | BufferSource} module
   * @param {Parameters<typeof createWasi>[0]} [env] what the WASI layer injects
   */
  static async instantiate(module, env) {
    const mod = module instanceof WebAssembly.Module ? module : await WebAssembly.compile(module);
    const missing = WebAssembly.Module.imports(mod)
      .filter((i) => i.module !== 'wasi_snapshot_preview1' || !WASI_IMPORTS.includes(i.name))
      .map((i) => `${i.module}.${i.name}`);
    if (missing.length > 0) throw new ModelError('abi', `the module imports what this package does not provide: ${missing.join(', ')}`);
    const wasi = createWasi(env);
    const instance = await WebAssembly.instantiate(mod, wasi.imports);
    wasi.bind(instance.exports.memory);
    instance.exports._initialize();
    return new Instance(instance.exports);
  }

  constructor(exports) {
    this.x = exports;
    this.broken = false;
    this.version = exports.version() >>> 0;
    if (!compatible(this.version)) {
      throw new ModelError('abi', `the module speaks ABI ${versionString(this.version)}, this package ${versionString(ABI_VERSION)}`);
    }
    this.features = exports.features() >>> 0;
    this.block = exports.status_block() >>> 0;
  }

  /** simd reports whether the module's kernels run SIMD128. */
  get simd() { return (this.features & FEATURE_SIMD128) !== 0; }

  /** call runs an export that takes (ptr, len) and returns its reply, copied. */
  call(name, input) {
    return this.run(name, () => {
      let ptr = 0;
      if (input.length > 0) {
        ptr = this.x.alloc(input.length) >>> 0;
        if (ptr === 0) this.outcome('alloc', this.word(0, true));
        new Uint8Array(this.x.memory.buffer, ptr, input.length).set(input);
      }
      try {
        return this.outcome(name, this.x[name](ptr, input.length));
      } finally {
        if (ptr !== 0) this.x.free(ptr);
      }
    });
  }

  /** callArgs runs an export whose arguments are plain integers (store_bytes, store_segment…). */
  callArgs(name, ...args) {
    return this.run(name, () => this.outcome(name, this.x[name](...args)));
  }

  run(name, f) {
    if (this.broken) throw new ModuleError(name, -5, 'the instance trapped earlier; make a new one', { code: 'broken' });
    try {
      return f();
    } catch (e) {
      if (e instanceof ModuleError) {
        if (e.status === -5) this.broken = true;
        throw e;
      }
      this.broken = true;
      throw new ModuleError(name, -5, `trap: ${e?.message ?? e}`, { code: 'trap', cause: e });
    }
  }

  word(offset, signed = false) {
    const v = new DataView(this.x.memory.buffer, this.block, 20);
    return signed ? v.getInt32(offset, true) : v.getUint32(offset, true);
  }

  outcome(name, status) {
    if (status !== 0) {
      const msg = new Uint8Array(this.x.memory.buffer, this.word(4), this.word(8));
      throw new ModuleError(name, status, utf8Decode(msg.slice()));
    }
    return new Uint8Array(this.x.memory.buffer, this.word(12), this.word(16)).slice();
  }
}
