// Typed errors. Every failure the package reports is a SeminarError with a stable `code`;
// failures of a module call also carry the module's `status` (docs/abi.md). Errors cross the
// Worker boundary as plain objects (toJSON) and are rebuilt as the same class (fromJSON).

/** The module's status codes, by value. */
export const STATUS = Object.freeze({
  0: 'ok', [-1]: 'bad-argument', [-2]: 'bad-input', [-3]: 'out-of-memory', [-4]: 'not-loaded',
  [-5]: 'internal',
});

/** SeminarError is the base class of the package's errors. */
export class SeminarError extends Error {
  /**
   * @param {string} code a stable name of the failure
   * @param {string} message what went wrong, for people
   * @param {{status?: number, cause?: unknown}} [extra]
   */
  constructor(code, message, extra = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'SeminarError';
    this.code = code;
    if (extra.status !== undefined) this.status = extra.status;
  }

  toJSON() {
    return { name: this.name, code: this.code, status: this.status, message: this.message };
  }
}

/** ModuleError is a module call that returned a status other than ok, or trapped. */
export class ModuleError extends SeminarError {
  /**
   * @param {string} call the export
   * @param {number} status the module's status, or -5 for a trap
   * @param {string} message the module's message
   * @param {{code?: string, cause?: unknown}} [extra] code 'trap' for a trap
   */
  constructor(call, status, message, extra = {}) {
    super(extra.code ?? STATUS[status] ?? `status-${status}`, `${call}: ${message}`, { ...extra, status });
    this.name = 'ModuleError';
    this.call = call;
  }

  toJSON() { return { ...super.toJSON(), call: this.call }; }
}

/**
 * HistoryError is a failure of the on-device history: code 'quota' (storage is full), 'corrupt'
 * (a record failed its checksum and was dropped), 'codec' (the history was made by another
 * model's codec), 'unavailable' (no storage) or 'storage' (any other storage failure).
 */
export class HistoryError extends SeminarError {
  constructor(code, message, extra = {}) {
    super(code, message, extra);
    this.name = 'HistoryError';
  }
}

/**
 * ModelError is a failure to get the model or a module: code 'fetch', 'checksum' (the bytes are
 * not the file expected) or 'abi' (a module of an incompatible ABI version).
 */
export class ModelError extends SeminarError {
  constructor(code, message, extra = {}) {
    super(code, message, extra);
    this.name = 'ModelError';
  }
}

const classes = { SeminarError, ModuleError, HistoryError, ModelError };

/** fromJSON rebuilds an error sent through postMessage; anything else becomes an 'internal' one. */
export function fromJSON(e) {
  if (e && e.name === 'ModuleError') {
    const err = new ModuleError(e.call, e.status, '', { code: e.code });
    err.message = e.message;
    return err;
  }
  const Class = classes[e?.name];
  if (Class) return new Class(e.code, e.message, { status: e.status });
  return new SeminarError('internal', String(e?.message ?? e));
}

/** toJSON turns any thrown value into a plain object that fromJSON rebuilds. */
export function errorToJSON(e) {
  if (e instanceof SeminarError) return e.toJSON();
  return { name: 'SeminarError', code: 'internal', message: String(e?.message ?? e) };
}
