import { CsrMatrix } from './csr';
import { ItersolveError } from './errors';
import * as v from './validate';

/**
 * A matrix-free linear operator (SciPy's `LinearOperator`): any object that can form y = A·x.
 * Every Krylov solver (and `cgBatch`) takes one wherever it takes a `CsrMatrix`.
 *
 * - `multiply(x, out)` writes A·x into `out`. `x` has `cols` entries, `out` has `rows` entries and
 *   is zero on entry; both arrays are reused from call to call and valid only during the call
 *   (copy what you keep; writing to `x` changes nothing). What it returns is ignored.
 * - `multiplyTranspose(x, out)`, optional, writes Aᵀ·x (`x`: `rows` entries, `out`: `cols`).
 *
 * Methods are called with the operator as `this`. A Sync solve calls them inline; a Promise solve
 * calls them on the main thread, once per product, while the native loop waits (so the event loop
 * stays responsive between products). If `multiply` throws, the solve stops and that exception is
 * the operation's error. NaN or ±Inf written to `out` is a product like any other: the solver
 * stops with reason 'non-finite'.
 */
export interface LinearOperatorLike {
  /** Number of rows (the length of A·x). */
  readonly rows: number;
  /** Number of columns (the length of x). */
  readonly cols: number;
  /** out = A·x. */
  multiply(x: Float64Array, out: Float64Array): void;
  /** out = Aᵀ·x (optional). */
  multiplyTranspose?(x: Float64Array, out: Float64Array): void;
}

/** What the Krylov solvers take for A: a sparse matrix or a matrix-free operator. */
export type OperatorInput = CsrMatrix | LinearOperatorLike;

/**
 * Whether `A` is a matrix-free operator: an object (not a CsrMatrix) with a `multiply` function
 * and numeric `rows` and `cols`. A CsrMatrix is not one here (the solvers read its entries).
 */
export function isLinearOperator(A: unknown): A is LinearOperatorLike {
  if (typeof A !== 'object' || A === null || A instanceof CsrMatrix || ArrayBuffer.isView(A))
    return false;
  const o = A as Partial<LinearOperatorLike>;
  return (
    typeof o.multiply === 'function' && typeof o.rows === 'number' && typeof o.cols === 'number'
  );
}

/**
 * A CsrMatrix as a matrix-free operator (SciPy's `aslinearoperator`): `multiply` and
 * `multiplyTranspose` call the matrix's own. Mostly useful to compose operators in JS (wrap it,
 * add a term); a solver given the matrix itself is faster (no JS call per product, and the
 * preconditioners that need A's entries). An operator is returned as it is.
 */
export function aslinearoperator(A: CsrMatrix | LinearOperatorLike): LinearOperatorLike {
  if (A instanceof CsrMatrix) {
    return {
      rows: A.rows,
      cols: A.cols,
      multiply: (x: Float64Array, out: Float64Array) => void A.multiply(x, out),
      multiplyTranspose: (x: Float64Array, out: Float64Array) => void A.multiplyTranspose(x, out),
    };
  }
  checkOperator('A', A, false);
  return A;
}

/**
 * Checks a solver's A argument: a CsrMatrix, or an operator whose `rows` and `cols` are positive
 * integers and whose `multiply` (and `multiplyTranspose`, when given) is a function. `square`:
 * rows must equal cols (ERR_DIMENSION_MISMATCH). Returns its dimensions.
 * @internal
 */
export function checkOperator(
  name: string,
  A: unknown,
  square: boolean,
): { rows: number; cols: number; matrix: CsrMatrix | null } {
  let rows: number, cols: number;
  let matrix: CsrMatrix | null = null;
  if (A instanceof CsrMatrix) {
    matrix = A;
    rows = A.rows;
    cols = A.cols;
  } else {
    if (typeof A !== 'object' || A === null || ArrayBuffer.isView(A) || Array.isArray(A))
      throw v.invalid(name, 'a CsrMatrix or a linear operator { rows, cols, multiply(x, out) }', A);
    const o = A as Record<string, unknown>;
    if (typeof o.multiply !== 'function')
      throw v.invalid(`${name}.multiply`, 'a function (x, out) => void', o.multiply);
    if (o.multiplyTranspose !== undefined && typeof o.multiplyTranspose !== 'function')
      throw v.invalid(`${name}.multiplyTranspose`, 'a function or undefined', o.multiplyTranspose);
    rows = v.int(`${name}.rows`, o.rows, 1);
    cols = v.int(`${name}.cols`, o.cols, 1);
  }
  if (square && rows !== cols)
    throw new ItersolveError(
      'ERR_DIMENSION_MISMATCH',
      `${name}: expected a square ${matrix ? 'matrix' : 'operator'}, received ${rows}x${cols}`,
      { argument: name },
    );
  return { rows, cols, matrix };
}

/**
 * The preconditioner kinds built from A's entries cannot be used with a matrix-free A.
 * @internal
 */
export function checkPreconditionerForOperator(
  argument: string,
  precond: unknown,
  matrix: CsrMatrix | null,
): void {
  if (matrix === null && typeof precond === 'string')
    throw new ItersolveError(
      'ERR_INVALID_ARGUMENT',
      `${argument}: '${precond}' is built from the matrix's entries, and A is a matrix-free operator: pass a CsrMatrix, a preconditioner built from one, or a function`,
      { argument },
    );
}

/**
 * The binding's three A arguments: a CsrMatrix's rowPtr, colIdx, values, or the operator in the
 * first slot (bindings/linear_operator.hpp reads either). Typed as the CSR arrays the binding's
 * signatures name.
 * @internal
 */
export function nativeOperatorArgs(
  A: CsrMatrix | LinearOperatorLike,
): [Int32Array, Int32Array, Float64Array] {
  if (A instanceof CsrMatrix) return [A.rowPtr, A.colIdx, A.values];
  return [
    A as unknown as Int32Array,
    undefined as unknown as Int32Array,
    undefined as unknown as Float64Array,
  ];
}
