/** The base class of every error the package reports; `code` is stable. */
export class SeminarError extends Error {
  readonly code: string;
  /** The module's status code (docs/abi.md), when a module call failed. */
  readonly status?: number;
  constructor(code: string, message: string, extra?: { status?: number; cause?: unknown });
}

/** A module call that returned a status other than ok, or trapped (code 'trap', status −5). */
export class ModuleError extends SeminarError {
  readonly code: 'bad-argument' | 'bad-input' | 'out-of-memory' | 'not-loaded' | 'internal' | 'trap' | 'broken' | string;
  readonly status: number;
  /** The export that failed. */
  readonly call: string;
}

/** A failure of the on-device history. */
export class HistoryError extends SeminarError {
  readonly code: 'quota' | 'corrupt' | 'codec' | 'unavailable' | 'storage';
}

/** A failure to get the model or a module. */
export class ModelError extends SeminarError {
  readonly code: 'fetch' | 'checksum' | 'abi';
}
