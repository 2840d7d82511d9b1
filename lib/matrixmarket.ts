import { runJob, AsyncOptions } from './async';
import { CsrMatrix } from './csr';
import { callNative, ItersolveError } from './errors';
import { MatrixMarketHeader, native, NativeCsr } from './native';
import * as v from './validate';

export type { MatrixMarketHeader } from './native';

export interface ReadMatrixMarketOptions {
  /** Run the finite-values check on the result (default true: NaN/Inf entries are an error). */
  finite?: boolean;
}

/** Text, not a path: starts with the banner or spans lines. */
function looksLikeText(s: string): boolean {
  return /^\s*%%MatrixMarket/i.test(s) || s.includes('\n');
}

function toMatrix(m: NativeCsr, finite: boolean): CsrMatrix {
  const A = new CsrMatrix(m.rows, m.cols, m.rowPtr, m.colIdx, m.values, { validate: false });
  if (finite) {
    const vals = A.values;
    for (let k = 0; k < vals.length; k++)
      if (!Number.isFinite(vals[k]))
        throw new ItersolveError('ERR_PARSE', `values: expected finite values, received ${vals[k]} (entry ${k} after sorting)`, {
          argument: 'values',
        });
  }
  return A;
}

/**
 * Reads a Matrix Market file (`coordinate` real/integer/pattern, general/symmetric/skew-symmetric,
 * or `array`) into a CsrMatrix with full storage (symmetric halves expanded, duplicates summed).
 * `pathOrText` is a file path, or the file's text itself when it starts with `%%MatrixMarket`
 * (or contains a newline). Malformed input throws ItersolveError ERR_PARSE naming the line.
 */
export function readMatrixMarket(pathOrText: string, options?: ReadMatrixMarketOptions): CsrMatrix {
  return readMatrixMarketWithHeader(pathOrText, options).matrix;
}

/** Like readMatrixMarket, also returning the header as read. */
export function readMatrixMarketWithHeader(
  pathOrText: string,
  options?: ReadMatrixMarketOptions,
): { matrix: CsrMatrix; header: MatrixMarketHeader } {
  v.str('pathOrText', pathOrText);
  const o = v.options<ReadMatrixMarketOptions>('options', options);
  const m = callNative(() => native().mmRead(pathOrText, looksLikeText(pathOrText)));
  return { matrix: toMatrix(m, o.finite !== false), header: m.header };
}

/** Promise form: parses off the event loop with `signal`, `timeLimitMs` and byte-count progress. */
export async function readMatrixMarketAsync(
  pathOrText: string,
  options?: ReadMatrixMarketOptions & AsyncOptions,
): Promise<CsrMatrix> {
  v.str('pathOrText', pathOrText);
  const o = v.options<ReadMatrixMarketOptions & AsyncOptions>('options', options);
  const m = await runJob(o, (opts) => native().mmReadAsync(pathOrText, looksLikeText(pathOrText), opts));
  return toMatrix(m, o.finite !== false);
}

export interface WriteMatrixMarketOptions {
  /** Write only the lower triangle with a `symmetric` header (A must be symmetric). */
  symmetric?: boolean;
  /** A comment line written after the banner. */
  comment?: string;
}

function writeArgs(A: CsrMatrix, o: Partial<WriteMatrixMarketOptions>): [boolean, string | undefined] {
  if (!(A instanceof CsrMatrix)) throw v.invalid('A', 'a CsrMatrix', A);
  const symmetric = o.symmetric === undefined ? false : v.bool('options.symmetric', o.symmetric);
  const comment = o.comment === undefined ? undefined : v.str('options.comment', o.comment);
  if (comment !== undefined && /[\r\n]/.test(comment)) throw v.invalid('options.comment', 'a single line', comment);
  if (symmetric && !A.isSymmetric())
    throw new ItersolveError('ERR_INVALID_MATRIX', 'A: expected a symmetric matrix for options.symmetric, received a non-symmetric one', {
      argument: 'A',
    });
  return [symmetric, comment];
}

/**
 * Writes A as `coordinate real general` (or `symmetric`), 1-based, values in shortest
 * round-trip form so reading the file back gives the same matrix bit for bit.
 */
export function writeMatrixMarket(A: CsrMatrix, path: string, options?: WriteMatrixMarketOptions): void {
  v.str('path', path);
  const [symmetric, comment] = writeArgs(A, v.options<WriteMatrixMarketOptions>('options', options));
  callNative(() => native().mmWrite(path, A.rows, A.cols, A.rowPtr, A.colIdx, A.values, true, symmetric, comment));
}

/** The Matrix Market text of A (see writeMatrixMarket). */
export function matrixMarketString(A: CsrMatrix, options?: WriteMatrixMarketOptions): string {
  const [symmetric, comment] = writeArgs(A, v.options<WriteMatrixMarketOptions>('options', options));
  return callNative(() => native().mmWrite(null, A.rows, A.cols, A.rowPtr, A.colIdx, A.values, true, symmetric, comment)) as string;
}
