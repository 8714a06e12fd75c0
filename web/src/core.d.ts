import type { Event, ModelInfo, RankReply, RankRequest, StoreOptions } from './abi.js';
import type { HistoryError } from './errors.js';

export type * from './abi.js';
export * from './errors.js';

/**
 * Where a history persists: one snapshot and the segments appended after it, each a binary event
 * store the module wrote. IdbStore and MemoryStore implement it; a phone app can back it with files.
 */
export interface HistoryStore {
  /** The snapshot (null when none) and the segments, in append order. */
  read(): Promise<{ snapshot: Uint8Array | null; segments: { key: number; bytes: Uint8Array }[] }>;
  /** Stores one segment; resolves once it is durable. */
  append(bytes: Uint8Array): Promise<void>;
  /** Sets the snapshot and deletes the segments with the given keys (all when null), atomically. */
  replace(snapshot: Uint8Array, keys: number[] | null): Promise<void>;
  /** Deletes the whole history. */
  clear(): Promise<void>;
  close(): void;
}

/** What the WASI layer takes from its host: the engine-specific parts, injected. */
export interface WasiEnv {
  /** A monotonic clock in milliseconds (performance.now). */
  now?: () => number;
  /** The time of day in milliseconds since the epoch (Date.now). */
  wallClock?: () => number;
  /** Fills the array with cryptographically random bytes (crypto.getRandomValues). */
  random?: (bytes: Uint8Array) => void;
  /** Receives what the module writes to stdout (1) and stderr (2). */
  write?: (fd: number, bytes: Uint8Array) => void;
}

/** The ranker's engine-neutral core: one module instance, the model and the history. */
export class RankerCore {
  static open(options: {
    module: WebAssembly.Module | BufferSource;
    model: Uint8Array;
    store?: HistoryStore | null;
    storeOptions?: StoreOptions;
    env?: WasiEnv;
  }): Promise<RankerCore>;
  readonly info: ModelInfo;
  readonly simd: boolean;
  readonly version: number;
  readonly events: number;
  readonly historyErrors: HistoryError[];
  append(events: Event[]): Promise<number>;
  replace(events: Event[], storeOptions?: StoreOptions): Promise<number>;
  rank(request: RankRequest): Promise<RankReply>;
  exportHistory(): Promise<Uint8Array>;
  forget(): Promise<void>;
  close(): Promise<void>;
}

export class MemoryStore implements HistoryStore {
  read(): Promise<{ snapshot: Uint8Array | null; segments: { key: number; bytes: Uint8Array }[] }>;
  append(bytes: Uint8Array): Promise<void>;
  replace(snapshot: Uint8Array, keys: number[] | null): Promise<void>;
  clear(): Promise<void>;
  close(): void;
}

/** The MessagePack codec of the module's messages. */
export function encode(value: unknown): Uint8Array;
export function decode(bytes: Uint8Array): unknown;
/** Whether this engine runs WebAssembly SIMD128. */
export function simdSupported(): boolean;
/** The ABI version this package speaks, major<<16 | minor<<8 | patch. */
export const ABI_VERSION: number;
