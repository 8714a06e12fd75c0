import type { Event, ModelInfo, RankReply, RankRequest, StoreOptions } from './abi.js';
import type { HistoryError } from './errors.js';
import type { HistoryStore } from './core.js';

export type * from './abi.js';
export type { HistoryStore, WasiEnv } from './core.js';
export { MemoryStore } from './core.js';
export * from './errors.js';

/** A module build: its URL, its bytes, or the compiled module. */
export type ModuleSource = string | URL | BufferSource | WebAssembly.Module;

/** Where the model comes from. */
export type ModelSource =
  | string
  | URL
  | Uint8Array
  | {
      url: string | URL;
      /** The expected SHA-256 of the whole file, hex; the file's own CRC-32 is always checked. */
      sha256?: string;
      /** Keep a verified copy in the Cache API (default true). */
      cache?: boolean;
    };

export interface RankerOptions {
  /** The model file. */
  model: ModelSource;
  /** Both builds of the module; the SIMD128 one runs where the engine supports it. */
  /** Both builds of the module; by default the ones the package ships (packagedModules()). */
  modules?: { simd: ModuleSource; scalar: ModuleSource };
  /**
   * Where the history persists: the name of an IndexedDB history (default "default"), a
   * HistoryStore (on the calling thread only), or null for none.
   */
  store?: string | HistoryStore | null | false;
  /** What the module keeps per event (docs/abi.md, StoreOptions). */
  storeOptions?: StoreOptions;
  /** Run the module in a dedicated Worker (default: true in a page, false in Node). */
  worker?: boolean;
  /** Load the scalar build even where SIMD128 is supported. */
  forceScalar?: boolean;
  /** Download progress of the model, in bytes; total is 0 when unknown. */
  onProgress?: (loaded: number, total: number) => void;
  /** What the module writes to stdout (1) or stderr (2). */
  onLog?: (text: string, fd: number) => void;
}

/** Reranks candidates for one user, over that user's history kept on the device. */
export class Ranker {
  static create(options: RankerOptions): Promise<Ranker>;
  /** The loaded model. */
  readonly info: ModelInfo;
  /** Whether the SIMD128 build runs. */
  readonly simd: boolean;
  /** Whether the module runs in a Worker. */
  readonly inWorker: boolean;
  /** The module's ABI version, major<<16 | minor<<8 | patch. */
  readonly version: number;
  /** The number of events in the history. */
  readonly events: number;
  /** Stored records that were corrupt and dropped when the history was restored. */
  readonly historyErrors: HistoryError[];
  /** Adds events to the history; resolves, with the event count, once they are stored durably. */
  append(events: Event[]): Promise<number>;
  /** Replaces the whole history. */
  replace(events: Event[], storeOptions?: StoreOptions): Promise<number>;
  /** Reorders the candidates for this user. */
  rank(request: RankRequest): Promise<RankReply>;
  /** The history as one binary snapshot. */
  exportHistory(): Promise<Uint8Array>;
  /** Deletes the whole history, in memory and in storage. */
  forget(): Promise<void>;
  /** Ends the ranker (and its Worker); the history stays stored. */
  close(): Promise<void>;
}

/** A HistoryStore in IndexedDB. */
export class IdbStore implements HistoryStore {
  static open(name: string, idb?: IDBFactory): Promise<IdbStore>;
  read(): Promise<{ snapshot: Uint8Array | null; segments: { key: number; bytes: Uint8Array }[] }>;
  append(bytes: Uint8Array): Promise<void>;
  replace(snapshot: Uint8Array, keys: number[] | null): Promise<void>;
  clear(): Promise<void>;
  close(): void;
}

/** Deletes the stored history of that name (no ranker may have it open). */
export function deleteHistory(name: string, idb?: IDBFactory): Promise<void>;
/** Whether this engine runs WebAssembly SIMD128. */
export function simdSupported(): boolean;
/** Checks a model file's CRC-32, and its SHA-256 when given. */
export function verifyModel(bytes: Uint8Array, sha256?: string): Promise<void>;
/** Fetches a verified model, from the Cache API when a copy is there. */
export function fetchModel(options: {
  url: string | URL;
  sha256?: string;
  onProgress?: (loaded: number, total: number) => void;
  cache?: boolean;
  fetch?: typeof fetch;
}): Promise<{ bytes: Uint8Array; cached: boolean }>;
/** Compiles the build that suits this engine. */
export function compileModule(
  modules: { simd: ModuleSource; scalar: ModuleSource },
  options?: { forceScalar?: boolean; fetch?: typeof fetch },
): Promise<{ module: WebAssembly.Module; simd: boolean }>;
/** The ABI version this package speaks. */
export const ABI_VERSION: number;

/** The URLs of the modules the npm package ships, beside its sources. */
export function packagedModules(): { simd: string; scalar: string };
