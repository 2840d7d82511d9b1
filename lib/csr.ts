// csc.ts imports this module too; both only use the other's class inside methods, so the cycle
// resolves whichever module loads first.
import { CscMatrix } from './csc';
import { callNative, ItersolveError } from './errors';
import { native, NativeCsr } from './native';
import * as v from './validate';

/** Which construction checks to run. All default to true; turn one off only for trusted data. */
export interface CsrCheckOptions {
  /** rowPtr[0] = 0, non-decreasing, rowPtr[rows] = nnz, column indices in [0, cols). */
  structure?: boolean;
  /** Column indices strictly increasing within each row (sorted, no duplicates). */
  sorted?: boolean;
  /** Every value finite (no NaN, no ±Infinity). */
  finite?: boolean;
}

export interface CsrMatrixOptions {
  /** `false` skips every check (trusted data); an object turns single checks off. Default: all on. */
  validate?: boolean | CsrCheckOptions;
}

const CHECK_STRUCTURE = 1;
const CHECK_SORTED = 2;
const CHECK_FINITE = 4;

function checkFlags(opt: CsrMatrixOptions['validate']): number {
  if (opt === undefined || opt === true) return CHECK_STRUCTURE | CHECK_SORTED | CHECK_FINITE;
  if (opt === false) return 0;
  const o = v.options<CsrCheckOptions>('options.validate', opt);
  let f = 0;
  if (o.structure !== false) f |= CHECK_STRUCTURE;
  if (o.sorted !== false) f |= CHECK_SORTED;
  if (o.finite !== false) f |= CHECK_FINITE;
  return f;
}

/**
 * A sparse matrix in compressed sparse row form over the caller's own typed arrays: nothing is
 * copied, and the arrays are read in place by every operation. Changing `rowPtr` or `colIdx`
 * after construction is not supported (construction validated them); changing `values` is fine
 * as long as they stay finite.
 */
export class CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly rowPtr: Int32Array;
  readonly colIdx: Int32Array;
  readonly values: Float64Array;

  constructor(
    rows: number,
    cols: number,
    rowPtr: Int32Array,
    colIdx: Int32Array,
    values: Float64Array,
    options?: CsrMatrixOptions,
  ) {
    this.rows = v.int('rows', rows);
    this.cols = v.int('cols', cols);
    this.rowPtr = v.i32('rowPtr', rowPtr);
    this.colIdx = v.i32('colIdx', colIdx);
    this.values = v.f64('values', values);
    const opts = v.options<CsrMatrixOptions>('options', options);
    if (rowPtr.length !== rows + 1)
      throw v.mismatch('rowPtr', `length rows + 1 = ${rows + 1}`, `length ${rowPtr.length}`);
    const nnz = rowPtr[rows];
    if (colIdx.length !== nnz)
      throw v.mismatch('colIdx', `length nnz = rowPtr[rows] = ${nnz}`, `length ${colIdx.length}`);
    if (values.length !== nnz)
      throw v.mismatch('values', `length nnz = rowPtr[rows] = ${nnz}`, `length ${values.length}`);
    const flags = checkFlags(opts.validate);
    // Even unchecked matrices must not let a kernel index outside the arrays: rowPtr[0] and
    // rowPtr[rows] are checked above/here in O(1); the O(nnz) scans are the optional part.
    if (rowPtr[0] !== 0 && !(flags & CHECK_STRUCTURE))
      throw new ItersolveError(
        'ERR_INVALID_MATRIX',
        `rowPtr: expected rowPtr[0] = 0, received ${rowPtr[0]}`,
        {
          argument: 'rowPtr',
        },
      );
    if (flags !== 0)
      callNative(() => native().csrValidate(rows, cols, rowPtr, colIdx, values, flags));
  }

  /** Number of stored entries. */
  get nnz(): number {
    return this.rowPtr[this.rows];
  }

  /** @internal positional arguments for the binding */
  args(): [number, number, Int32Array, Int32Array, Float64Array, boolean] {
    return [this.rows, this.cols, this.rowPtr, this.colIdx, this.values, true];
  }

  private static wrap(m: NativeCsr): CsrMatrix {
    return new CsrMatrix(m.rows, m.cols, m.rowPtr, m.colIdx, m.values, { validate: false });
  }

  /** From coordinates (0-based; any order; duplicates are summed). */
  static fromCoo(
    rows: number,
    cols: number,
    rowIdx: Int32Array,
    colIdx: Int32Array,
    values: Float64Array,
  ): CsrMatrix {
    v.int('rows', rows);
    v.int('cols', cols);
    v.i32('rowIdx', rowIdx);
    v.i32('colIdx', colIdx, rowIdx.length);
    v.f64('values', values, rowIdx.length);
    const m = callNative(() => native().csrFromCoo(rows, cols, rowIdx, colIdx, values));
    const A = CsrMatrix.wrap(m);
    checkFinite(A);
    return A;
  }

  /** From a dense row-major `rows × cols` array; exact zeros are not stored. */
  static fromDense(rows: number, cols: number, data: Float64Array): CsrMatrix {
    v.int('rows', rows);
    v.int('cols', cols);
    v.f64('data', data, rows * cols);
    const A = CsrMatrix.wrap(callNative(() => native().csrFromDense(rows, cols, data)));
    checkFinite(A);
    return A;
  }

  /** Dense row-major copy (`rows × cols`), into `out` when given. */
  toDense(out?: Float64Array): Float64Array {
    const o = v.outF64('out', out, this.rows * this.cols);
    return callNative(() => native().csrToDense(...this.args(), o));
  }

  /** The CSC form of this matrix (CscMatrix.fromCsr): sorted columns, in O(nnz). */
  toCsc(): CscMatrix {
    return CscMatrix.fromCsr(this);
  }

  /** Aᵀ as a new matrix (sorted rows). */
  transpose(): CsrMatrix {
    return CsrMatrix.wrap(callNative(() => native().csrTranspose(...this.args())));
  }

  /** Main diagonal (length min(rows, cols)); missing entries are 0. */
  diagonal(out?: Float64Array): Float64Array {
    const o = v.outF64('out', out, Math.min(this.rows, this.cols));
    return callNative(() => native().csrDiagonal(...this.args(), o));
  }

  /**
   * Whether A equals Aᵀ within `tol`: |a_ij − a_ji| ≤ tol·max(|a_ij|, |a_ji|) for every pair
   * (a missing entry counts as 0). `tol` defaults to 0: exact symmetry.
   */
  isSymmetric(tol = 0): boolean {
    v.num('tol', tol, { min: 0 });
    return callNative(() => native().csrIsSymmetric(...this.args(), tol));
  }

  /** y = A x (x: cols, y: rows), into `out` when given. */
  multiply(x: Float64Array, out?: Float64Array): Float64Array {
    v.f64('x', x, this.cols);
    const y = v.outF64('out', out, this.rows);
    return callNative(() => native().spmv(...this.args(), x, y));
  }

  /** y = Aᵀ x (x: rows, y: cols), into `out` when given. */
  multiplyTranspose(x: Float64Array, out?: Float64Array): Float64Array {
    v.f64('x', x, this.rows);
    const y = v.outF64('out', out, this.cols);
    return callNative(() => native().spmvTranspose(...this.args(), x, y));
  }
}

function checkFinite(A: CsrMatrix): void {
  const vals = A.values;
  for (let k = 0; k < vals.length; k++) {
    if (!Number.isFinite(vals[k]))
      throw new ItersolveError(
        'ERR_INVALID_MATRIX',
        `values: expected finite values, received ${vals[k]} at entry ${k}`,
        {
          argument: 'values',
        },
      );
  }
}
