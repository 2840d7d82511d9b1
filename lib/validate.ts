import { ItersolveError } from './errors';

/**
 * Short description of a received value for error messages.
 * @internal
 */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : `${v}`;
  if (typeof v === 'string')
    return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'bigint') return `bigint ${v}`;
  if (typeof v === 'boolean' || typeof v === 'symbol') return typeof v;
  if (typeof v === 'function') return 'function';
  if (ArrayBuffer.isView(v)) {
    const name = (v as object).constructor?.name ?? 'typed array';
    const len = 'length' in v ? (v as unknown as { length: number }).length : v.byteLength;
    return `${name}(${len})`;
  }
  if (Array.isArray(v)) return `Array(${v.length})`;
  return (v as object).constructor?.name ?? 'object';
}

/** @internal */
export function invalid(argument: string, expected: string, received: unknown): ItersolveError {
  return new ItersolveError(
    'ERR_INVALID_ARGUMENT',
    `${argument}: expected ${expected}, received ${describe(received)}`,
    {
      argument,
    },
  );
}

/** @internal */
export function mismatch(argument: string, expected: string, received: string): ItersolveError {
  return new ItersolveError(
    'ERR_DIMENSION_MISMATCH',
    `${argument}: expected ${expected}, received ${received}`,
    {
      argument,
    },
  );
}

function isDetached(v: ArrayBufferView): boolean {
  const buf = v.buffer as ArrayBuffer & { detached?: boolean };
  if (typeof buf.detached === 'boolean') return buf.detached;
  if (buf.byteLength !== 0) return false;
  // Before ArrayBuffer.prototype.detached (Node < 22): a view over a detached buffer cannot be
  // constructed, while one over an empty live buffer can.
  try {
    new Uint8Array(buf);
    return false;
  } catch {
    return true;
  }
}

function checkLive(argument: string, v: ArrayBufferView, kind: string): void {
  if (v.byteLength === 0 && isDetached(v))
    throw new ItersolveError(
      'ERR_BUFFER_DETACHED',
      `${argument}: expected ${kind} with a live buffer, received one whose ArrayBuffer is detached`,
      { argument },
    );
}

/** @internal */
export function f64(argument: string, v: unknown, length?: number): Float64Array {
  if (!(v instanceof Float64Array)) throw invalid(argument, 'a Float64Array', v);
  checkLive(argument, v, 'a Float64Array');
  if (length !== undefined && v.length !== length)
    throw mismatch(argument, `length ${length}`, `length ${v.length}`);
  return v;
}

/** @internal */
export function i32(argument: string, v: unknown, length?: number): Int32Array {
  if (!(v instanceof Int32Array)) throw invalid(argument, 'an Int32Array', v);
  checkLive(argument, v, 'an Int32Array');
  if (length !== undefined && v.length !== length)
    throw mismatch(argument, `length ${length}`, `length ${v.length}`);
  return v;
}

/**
 * Output buffer: the caller's `out` (checked) or a new one.
 * @internal
 */
export function outF64(argument: string, out: unknown, length: number): Float64Array {
  if (out === undefined || out === null) return new Float64Array(length);
  return f64(argument, out, length);
}

/** @internal */
export function int(argument: string, v: unknown, min = 0, max = 2147483647): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw invalid(argument, `an integer in [${min}, ${max}]`, v);
  return v;
}

/** @internal */
export function num(
  argument: string,
  v: unknown,
  opts: { min?: number; positive?: boolean } = {},
): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(argument, 'a finite number', v);
  if (opts.positive && !(v > 0)) throw invalid(argument, 'a positive number', v);
  if (opts.min !== undefined && v < opts.min) throw invalid(argument, `a number >= ${opts.min}`, v);
  return v;
}

/** @internal */
export function bool(argument: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw invalid(argument, 'a boolean', v);
  return v;
}

/** @internal */
export function str(argument: string, v: unknown): string {
  if (typeof v !== 'string') throw invalid(argument, 'a string', v);
  return v;
}

/** @internal */
export function options<T extends object>(argument: string, v: unknown): Partial<T> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v))
    throw invalid(argument, 'an options object', v);
  return v as Partial<T>;
}

/** @internal */
export function optFn<F extends (...args: never[]) => unknown>(
  argument: string,
  v: unknown,
): F | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'function') throw invalid(argument, 'a function', v);
  return v as F;
}

/**
 * An AbortSignal, or an object that behaves as one (another realm's, a polyfill).
 * @internal
 */
export function isAbortSignal(s: unknown): s is AbortSignal {
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof (s as AbortSignal).aborted === 'boolean' &&
    typeof (s as AbortSignal).addEventListener === 'function'
  );
}
