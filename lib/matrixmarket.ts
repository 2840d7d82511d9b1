import * as fs from 'fs';
import * as zlib from 'zlib';
import { runJob, AsyncOptions } from './async';
import { CsrMatrix } from './csr';
import { callNative, ItersolveError } from './errors';
import { MatrixMarketHeader, native, NativeCsr } from './native';
import * as v from './validate';

export type { MatrixMarketHeader } from './native';

export interface ReadMatrixMarketOptions {
  /**
   * Reject NaN and infinite values (default true): the first one is an ERR_PARSE naming its line
   * (`err.line`). `false` reads them as they are.
   */
  finite?: boolean;
}

type NativeRead = NativeCsr & {
  header: MatrixMarketHeader;
  nonFiniteLine?: number;
  nonFiniteText?: string;
};

/** Text, not a path: starts with the banner or spans lines. */
function looksLikeText(s: string): boolean {
  return /^\s*%%MatrixMarket/i.test(s) || s.includes('\n');
}

/** A path whose file is gzip-compressed (`.gz`, read and written through node:zlib). */
function isGzipPath(s: string): boolean {
  return /\.gz$/i.test(s);
}

function isGzipBytes(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

function ioError(where: string, e: unknown): ItersolveError {
  const err = e as NodeJS.ErrnoException;
  return new ItersolveError('ERR_IO', `${where}: ${err && err.message ? err.message : String(e)}`, {
    cause: e,
  });
}

function gunzipError(where: string, e: unknown): ItersolveError {
  const err = e as Error;
  return new ItersolveError(
    'ERR_PARSE',
    `${where}: not a valid gzip stream (${err && err.message ? err.message : String(e)})`,
    {
      cause: e,
    },
  );
}

function gunzipSync(where: string, b: Uint8Array): Uint8Array {
  try {
    return zlib.gunzipSync(b);
  } catch (e) {
    throw gunzipError(where, e);
  }
}

function gunzipAsync(where: string, b: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) =>
    zlib.gunzip(b, (e, out) => (e ? reject(gunzipError(where, e)) : resolve(out))),
  );
}

/** What the addon reads: a path, the text, or bytes (gunzipped here when compressed). */
interface Source {
  where: string;
  gz: boolean; // a .gz path: read and gunzip in JS, then hand the bytes over
  source: string | Uint8Array;
  isText: boolean;
}

function source(pathOrText: unknown): Source {
  if (pathOrText instanceof Uint8Array)
    return { where: '<bytes>', gz: false, source: pathOrText, isText: true };
  const s = v.str('pathOrText', pathOrText as string);
  if (looksLikeText(s)) return { where: '<text>', gz: false, source: s, isText: true };
  return { where: s, gz: isGzipPath(s), source: s, isText: false };
}

/** Errors of a gunzipped file's bytes name the file, not `<bytes>`. */
function renamed<T>(where: string, gz: boolean, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (gz && e instanceof ItersolveError && e.message.startsWith('<bytes>'))
      e.message = where + e.message.slice(7);
    throw e;
  }
}

function toMatrix(m: NativeRead, finite: boolean, where: string): CsrMatrix {
  if (finite && m.nonFiniteLine !== undefined)
    throw new ItersolveError(
      'ERR_PARSE',
      `${where}:${m.nonFiniteLine}: non-finite value ${m.nonFiniteText} (NaN and infinite values are not accepted; ` +
        'pass { finite: false } to read them)',
      { argument: 'values', line: m.nonFiniteLine },
    );
  return new CsrMatrix(m.rows, m.cols, m.rowPtr, m.colIdx, m.values, { validate: false });
}

/**
 * Reads a Matrix Market file (`coordinate` real/integer/pattern, general/symmetric/skew-symmetric,
 * or `array`) into a CsrMatrix with full storage (symmetric halves expanded, duplicates summed).
 * `pathOrText` is a file path (`.gz`: gzip-compressed), the file's text itself when it starts with
 * `%%MatrixMarket` (or contains a newline), or its bytes as a Uint8Array (gzip-compressed or not).
 * Malformed input throws ItersolveError ERR_PARSE naming the line (`err.line`); so does a NaN or
 * infinite value unless `finite: false`.
 */
export function readMatrixMarket(
  pathOrText: string | Uint8Array,
  options?: ReadMatrixMarketOptions,
): CsrMatrix {
  return readMatrixMarketWithHeader(pathOrText, options).matrix;
}

/** Like readMatrixMarket, also returning the header as read. */
export function readMatrixMarketWithHeader(
  pathOrText: string | Uint8Array,
  options?: ReadMatrixMarketOptions,
): { matrix: CsrMatrix; header: MatrixMarketHeader } {
  const src = source(pathOrText);
  const o = v.options<ReadMatrixMarketOptions>('options', options);
  let input = src.source;
  if (src.gz) {
    let raw: Uint8Array;
    try {
      raw = fs.readFileSync(src.where);
    } catch (e) {
      throw ioError(src.where, e);
    }
    input = gunzipSync(src.where, raw);
  } else if (input instanceof Uint8Array && isGzipBytes(input)) {
    input = gunzipSync(src.where, input);
  }
  const m = renamed(src.where, src.gz, () =>
    callNative(() => native().mmRead(input, src.gz || src.isText)),
  ) as NativeRead;
  return { matrix: toMatrix(m, o.finite !== false, src.where), header: m.header };
}

/**
 * Promise form: parses off the event loop (a `.gz` file is read and gunzipped asynchronously
 * first), with `signal`, `timeLimitMs` and byte-count progress.
 */
export async function readMatrixMarketAsync(
  pathOrText: string | Uint8Array,
  options?: ReadMatrixMarketOptions & AsyncOptions,
): Promise<CsrMatrix> {
  const src = source(pathOrText);
  const o = v.options<ReadMatrixMarketOptions & AsyncOptions>('options', options);
  let input = src.source;
  if (src.gz) {
    let raw: Uint8Array;
    try {
      raw = await fs.promises.readFile(src.where);
    } catch (e) {
      throw ioError(src.where, e);
    }
    input = await gunzipAsync(src.where, raw);
  } else if (input instanceof Uint8Array && isGzipBytes(input)) {
    input = await gunzipAsync(src.where, input);
  }
  let m: NativeRead;
  try {
    m = (await runJob(o, (opts) =>
      native().mmReadAsync(input, src.gz || src.isText, opts),
    )) as NativeRead;
  } catch (e) {
    return renamed(src.where, src.gz, () => {
      throw e;
    });
  }
  return toMatrix(m, o.finite !== false, src.where);
}

export interface WriteMatrixMarketOptions {
  /** Write only the lower triangle with a `symmetric` header (A must be symmetric). */
  symmetric?: boolean;
  /** A comment line written after the banner. */
  comment?: string;
  /**
   * zlib compression level of a `.gz` path, 1 (fastest: about 10x faster, 1.5x larger) to 9
   * (smallest); default 6, gzip's own default.
   */
  gzipLevel?: number;
}

function writeArgs(
  A: CsrMatrix,
  o: Partial<WriteMatrixMarketOptions>,
): [boolean, string | undefined] {
  if (!(A instanceof CsrMatrix)) throw v.invalid('A', 'a CsrMatrix', A);
  const symmetric = o.symmetric === undefined ? false : v.bool('options.symmetric', o.symmetric);
  const comment = o.comment === undefined ? undefined : v.str('options.comment', o.comment);
  if (comment !== undefined && /[\r\n]/.test(comment))
    throw v.invalid('options.comment', 'a single line', comment);
  if (symmetric && !A.isSymmetric())
    throw new ItersolveError(
      'ERR_INVALID_MATRIX',
      'A: expected a symmetric matrix for options.symmetric, received a non-symmetric one',
      {
        argument: 'A',
      },
    );
  return [symmetric, comment];
}

/**
 * Writes A as `coordinate real general` (or `symmetric`), 1-based, values in shortest
 * round-trip form so reading the file back gives the same matrix bit for bit. A path ending in
 * `.gz` is written gzip-compressed.
 */
export function writeMatrixMarket(
  A: CsrMatrix,
  path: string,
  options?: WriteMatrixMarketOptions,
): void {
  v.str('path', path);
  const o = v.options<WriteMatrixMarketOptions>('options', options);
  const [symmetric, comment] = writeArgs(A, o);
  const level = o.gzipLevel === undefined ? 6 : v.int('options.gzipLevel', o.gzipLevel, 1, 9);
  if (isGzipPath(path)) {
    // `.gz`: the native writer's text, compressed by node:zlib (no zlib linked into the addon).
    const text = callNative(() =>
      native().mmWrite(
        null,
        A.rows,
        A.cols,
        A.rowPtr,
        A.colIdx,
        A.values,
        true,
        symmetric,
        comment,
      ),
    ) as string;
    const gz = zlib.gzipSync(Buffer.from(text, 'latin1'), { level });
    try {
      fs.writeFileSync(path, gz);
    } catch (e) {
      throw ioError(path, e);
    }
    return;
  }
  callNative(() =>
    native().mmWrite(path, A.rows, A.cols, A.rowPtr, A.colIdx, A.values, true, symmetric, comment),
  );
}

/** The Matrix Market text of A (see writeMatrixMarket). */
export function matrixMarketString(A: CsrMatrix, options?: WriteMatrixMarketOptions): string {
  const [symmetric, comment] = writeArgs(
    A,
    v.options<WriteMatrixMarketOptions>('options', options),
  );
  return callNative(() =>
    native().mmWrite(null, A.rows, A.cols, A.rowPtr, A.colIdx, A.values, true, symmetric, comment),
  ) as string;
}
