/**
 * Every error code of itersolve, in the order the addon exports them (`layout.errorCodes`, from
 * native/core/errors.hpp's kErrorCodes). Defined once here for lib; test/layout.test.ts checks
 * that it equals the addon's list.
 */
export const ERROR_CODES = [
  'ERR_INVALID_ARGUMENT',
  'ERR_DIMENSION_MISMATCH',
  'ERR_INVALID_MATRIX',
  'ERR_PARSE',
  'ERR_IO',
  'ERR_BUFFER_DETACHED',
  'ERR_UNSUPPORTED',
  'ERR_ZERO_PIVOT',
  'ERR_NOT_SYMMETRIC',
  'ERR_NOT_SPD',
  'ERR_SINGULAR',
  'ERR_NATIVE_LOAD',
  'ERR_NATIVE',
  'ERR_TIME_LIMIT',
  'ERR_UNAVAILABLE',
  'ERR_EXTERNAL',
  'ABORT_ERR',
] as const;

/** Error codes thrown (or rejected with) by itersolve. */
export type ItersolveErrorCode = (typeof ERROR_CODES)[number];

/**
 * The one error class of itersolve. `code` says what kind of problem it is, `argument` names the
 * argument at fault (when there is one), and the message says what was expected and what was
 * received. Non-convergence is never an error: it is reported in a solver's result.
 */
export class ItersolveError extends Error {
  readonly code: ItersolveErrorCode;
  declare readonly argument?: string;
  /** 1-based line of a Matrix Market parse error. */
  declare readonly line?: number;
  /** 0-based matrix row of a pivot failure (ERR_ZERO_PIVOT). */
  declare readonly row?: number;
  /**
   * 0-based column of the original matrix where a direct factorisation failed (ERR_NOT_SPD,
   * ERR_SINGULAR).
   */
  declare readonly column?: number;

  constructor(
    code: ItersolveErrorCode,
    message: string,
    options: {
      argument?: string;
      line?: number;
      row?: number;
      column?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = code === 'ABORT_ERR' ? 'AbortError' : 'ItersolveError';
    this.code = code;
    if (options.argument !== undefined) (this as { argument?: string }).argument = options.argument;
    if (options.line !== undefined) (this as { line?: number }).line = options.line;
    if (options.row !== undefined) (this as { row?: number }).row = options.row;
    if (options.column !== undefined) (this as { column?: number }).column = options.column;
  }
}

/**
 * The rejection of an aborted Promise-form operation, as `fs`, `timers/promises` and `fetch`
 * reject: name 'AbortError', code 'ABORT_ERR', `cause` the signal's reason. It is an
 * ItersolveError too. `result` holds the partial result of work that had started (the iterate
 * reached, with reason 'aborted'); it is absent when the signal was aborted before the start.
 */
export class AbortError<R = unknown> extends ItersolveError {
  declare readonly code: 'ABORT_ERR';
  /** The partial result (reason 'aborted'), when the work had started. */
  declare readonly result?: R;

  constructor(
    message = 'The operation was aborted',
    options: { cause?: unknown; result?: R } = {},
  ) {
    super('ABORT_ERR', message, { cause: options.cause });
    if (options.result !== undefined) (this as { result?: R }).result = options.result;
  }
}

const KNOWN: ReadonlySet<string> = new Set<string>(ERROR_CODES);

/**
 * Converts an error raised by the native binding into an ItersolveError (others pass through).
 * @internal
 */
export function fromNative(e: unknown): unknown {
  if (e instanceof ItersolveError) return e;
  if (e instanceof Error && typeof (e as { code?: unknown }).code === 'string') {
    const code = (e as unknown as { code: string }).code;
    if (KNOWN.has(code)) {
      const n = e as Error & { argument?: string; line?: number; row?: number; column?: number };
      return new ItersolveError(code as ItersolveErrorCode, e.message, {
        argument: n.argument,
        line: n.line,
        row: n.row,
        column: n.column,
      });
    }
  }
  return e;
}

/**
 * Runs a native call, converting its errors.
 * @internal
 */
export function callNative<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fromNative(e);
  }
}
