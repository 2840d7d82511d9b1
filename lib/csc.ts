import { CsrMatrix, type CooArrays } from './csr';
import { checkDense, isDenseLike, type DenseMatrix } from './dense';
import { callNative, ItersolveError } from './errors';
import { native, NativeCsc, NativeCsr } from './native';
import * as v from './validate';

/** Which construction checks to run. All default to true; turn one off only for trusted data. */
export interface CscCheckOptions {
  /** colPtr[0] = 0, non-decreasing, colPtr[cols] = nnz, row indices in [0, rows). */
  structure?: boolean;
  /** Row indices strictly increasing within each column (sorted, no duplicates). */
  sorted?: boolean;
  /** Every value finite (no NaN, no ±Infinity). */
  finite?: boolean;
}

export interface CscMatrixOptions {
  /** `false` skips every check (trusted data); an object turns single checks off. Default: all on. */
  validate?: boolean | CscCheckOptions;
}

const CHECK_STRUCTURE = 1;
const CHECK_SORTED = 2;
const CHECK_FINITE = 4;

function checkFlags(opt: CscMatrixOptions['validate']): number {
  if (opt === undefined || opt === true) return CHECK_STRUCTURE | CHECK_SORTED | CHECK_FINITE;
  if (opt === false) return 0;
  const o = v.options<CscCheckOptions>('options.validate', opt);
  let f = 0;
  if (o.structure !== false) f |= CHECK_STRUCTURE;
  if (o.sorted !== false) f |= CHECK_SORTED;
  if (o.finite !== false) f |= CHECK_FINITE;
  return f;
}

/**
 * A sparse matrix in compressed sparse column form over the caller's own typed arrays: column j
 * holds rows `rowIdx[colPtr[j] .. colPtr[j+1])` with `values` alongside. Nothing is copied, and
 * the arrays are read in place by every operation. As with CsrMatrix, changing `colPtr` or
 * `rowIdx` after construction is not supported; changing `values` is fine as long as they stay
 * finite. Conversions (`fromCsr`, `toCsr`, `transpose`, `fromCoo`, `fromDense`) always return
 * sorted, duplicate-free matrices.
 */
export class CscMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly colPtr: Int32Array;
  readonly rowIdx: Int32Array;
  readonly values: Float64Array;
  /** Rows known strictly increasing in each column: lets the product split rows over threads. */
  #sortedRows: boolean;

  constructor(
    rows: number,
    cols: number,
    colPtr: Int32Array,
    rowIdx: Int32Array,
    values: Float64Array,
    options?: CscMatrixOptions,
  ) {
    this.rows = v.int('rows', rows);
    this.cols = v.int('cols', cols);
    this.colPtr = v.i32('colPtr', colPtr);
    this.rowIdx = v.i32('rowIdx', rowIdx);
    this.values = v.f64('values', values);
    const opts = v.options<CscMatrixOptions>('options', options);
    if (colPtr.length !== cols + 1)
      throw v.mismatch('colPtr', `length cols + 1 = ${cols + 1}`, `length ${colPtr.length}`);
    const nnz = colPtr[cols];
    if (rowIdx.length !== nnz)
      throw v.mismatch('rowIdx', `length nnz = colPtr[cols] = ${nnz}`, `length ${rowIdx.length}`);
    if (values.length !== nnz)
      throw v.mismatch('values', `length nnz = colPtr[cols] = ${nnz}`, `length ${values.length}`);
    const flags = checkFlags(opts.validate);
    // Even unchecked matrices must not let a kernel index outside the arrays: colPtr[0] and
    // colPtr[cols] are checked here in O(1); the O(nnz) scans are the optional part.
    if (colPtr[0] !== 0 && !(flags & CHECK_STRUCTURE))
      throw new ItersolveError(
        'ERR_INVALID_MATRIX',
        `colPtr: expected colPtr[0] = 0, received ${colPtr[0]}`,
        { argument: 'colPtr' },
      );
    if (flags !== 0)
      callNative(() => native().cscValidate(rows, cols, colPtr, rowIdx, values, flags));
    this.#sortedRows = (flags & CHECK_SORTED) !== 0;
  }

  /** Number of stored entries. */
  get nnz(): number {
    return this.colPtr[this.cols];
  }

  /** @internal positional arguments for the binding */
  args(): [number, number, Int32Array, Int32Array, Float64Array, boolean] {
    return [this.rows, this.cols, this.colPtr, this.rowIdx, this.values, true];
  }

  private static wrap(m: NativeCsc): CscMatrix {
    // Every native constructor returns sorted, duplicate-free columns with in-range rows.
    const A = new CscMatrix(m.rows, m.cols, m.colPtr, m.rowIdx, m.values, { validate: false });
    A.#sortedRows = true;
    return A;
  }

  /**
   * The CSC form of a CsrMatrix: one O(nnz) counting pass. Columns come out sorted; entries that
   * an unsorted (`validate: { sorted: false }`) A repeats are summed in storage order.
   */
  static fromCsr(A: CsrMatrix): CscMatrix {
    if (!(A instanceof CsrMatrix)) throw v.invalid('A', 'a CsrMatrix', A);
    return CscMatrix.wrap(callNative(() => native().cscFromCsr(...A.args())));
  }

  /** The CSR form of this matrix (sorted rows; repeated entries summed), in O(nnz). */
  toCsr(): CsrMatrix {
    const m = callNative(() => native().cscToCsr(...this.args()));
    return new CsrMatrix(m.rows, m.cols, m.rowPtr, m.colIdx, m.values, { validate: false });
  }

  /** Aᵀ as a new CscMatrix (its arrays are this matrix's CSR arrays). */
  transpose(): CscMatrix {
    const m = callNative(() => native().cscToCsr(...this.args()));
    return CscMatrix.wrap({
      rows: m.cols,
      cols: m.rows,
      colPtr: m.rowPtr,
      rowIdx: m.colIdx,
      values: m.values,
    });
  }

  /** From coordinates (0-based; any order; duplicates are summed in input order). */
  static fromCoo(
    rows: number,
    cols: number,
    rowIdx: Int32Array,
    colIdx: Int32Array,
    values: Float64Array,
  ): CscMatrix {
    v.int('rows', rows);
    v.int('cols', cols);
    v.i32('rowIdx', rowIdx);
    v.i32('colIdx', colIdx, rowIdx.length);
    v.f64('values', values, rowIdx.length);
    const A = CscMatrix.wrap(
      callNative(() => native().cscFromCoo(rows, cols, rowIdx, colIdx, values)),
    );
    checkFinite(A);
    return A;
  }

  /**
   * From a DenseMatrix (`order` 'F', column-major, is read as is; 'C' row-major likewise, no
   * copy), or from `rows, cols, data` with row-major data as CsrMatrix.fromDense. Exact zeros are
   * not stored.
   */
  static fromDense(M: DenseMatrix): CscMatrix;
  static fromDense(rows: number, cols: number, data: Float64Array): CscMatrix;
  static fromDense(a: DenseMatrix | number, cols?: number, data?: Float64Array): CscMatrix {
    let r: number, c: number, d: Float64Array, colMajor: boolean;
    if (isDenseLike(a)) {
      const M = checkDense('M', a);
      [r, c, d, colMajor] = [M.rows, M.cols, M.data, M.order === 'F'];
    } else {
      r = v.int('rows', a);
      c = v.int('cols', cols);
      d = v.f64('data', data, r * c);
      colMajor = false;
    }
    const A = CscMatrix.wrap(callNative(() => native().cscFromDense(r, c, d, colMajor)));
    checkFinite(A);
    return A;
  }

  /**
   * Dense copy (`rows × cols`), row-major ('C', the default, as CsrMatrix.toDense) or
   * column-major ('F'), into `out` when given.
   */
  toDense(out?: Float64Array, order: 'C' | 'F' = 'C'): Float64Array {
    const o = v.outF64('out', out, this.rows * this.cols);
    if (order !== 'C' && order !== 'F') throw v.invalid('order', "'C' or 'F'", order);
    return callNative(() => native().cscToDense(...this.args(), o, order === 'F'));
  }

  /**
   * y = A x (x: cols, y: rows), into `out` when given. Bit-identical for any thread count (rows
   * are split over threads only when the columns are known sorted).
   */
  multiply(x: Float64Array, out?: Float64Array): Float64Array {
    v.f64('x', x, this.cols);
    const y = v.outF64('out', out, this.rows);
    return callNative(() => native().cscSpmv(...this.args(), x, y, this.#sortedRows));
  }

  /** y = Aᵀ x (x: rows, y: cols), into `out` when given. */
  multiplyTranspose(x: Float64Array, out?: Float64Array): Float64Array {
    v.f64('x', x, this.rows);
    const y = v.outF64('out', out, this.cols);
    return callNative(() => native().cscSpmvTranspose(...this.args(), x, y));
  }

  // ---- arithmetic and access: the CSR kernels run on the transposed view (a CSC matrix's
  // arrays are the CSR arrays of its transpose), so no conversion is made. Same semantics as
  // CsrMatrix's methods (SciPy 1.17's explicit-zero rules; results canonical).

  /** The CSR arguments of Aᵀ over this matrix's own arrays. */
  private tArgs(): [number, number, Int32Array, Int32Array, Float64Array, boolean] {
    return [this.cols, this.rows, this.colPtr, this.rowIdx, this.values, true];
  }

  private static fromTransposedCsr(m: NativeCsr): CscMatrix {
    return CscMatrix.wrap({
      rows: m.cols,
      cols: m.rows,
      colPtr: m.rowPtr,
      rowIdx: m.colIdx,
      values: m.values,
    });
  }

  /** A + B (same shape; B a CscMatrix or CsrMatrix). Exactly zero sums are not stored. */
  add(B: CscMatrix | CsrMatrix): CscMatrix {
    return this.combine(B, 1);
  }

  /** A − B (same shape). Exactly zero differences are not stored. */
  subtract(B: CscMatrix | CsrMatrix): CscMatrix {
    return this.combine(B, -1);
  }

  private combine(B: CscMatrix | CsrMatrix, beta: number): CscMatrix {
    const b = asCsc('B', B);
    if (b.rows !== this.rows || b.cols !== this.cols)
      throw v.mismatch(
        'B',
        `a ${this.rows}×${this.cols} matrix (the shape of A)`,
        `a ${b.rows}×${b.cols} matrix`,
      );
    const C = CscMatrix.fromTransposedCsr(
      callNative(() => native().csrAdd(...this.tArgs(), ...b.tArgs(), 1, beta)),
    );
    return finiteResult(C, 'B');
  }

  /** α·A: the same pattern (explicit zeros kept), values scaled. */
  scale(alpha: number): CscMatrix {
    v.num('alpha', alpha);
    const vals = new Float64Array(this.values.length);
    for (let k = 0; k < vals.length; k++) vals[k] = alpha * this.values[k];
    const C = new CscMatrix(this.rows, this.cols, this.colPtr.slice(), this.rowIdx.slice(), vals, {
      validate: false,
    });
    C.#sortedRows = this.#sortedRows;
    return finiteResult(C, 'alpha');
  }

  /**
   * A·B for a CscMatrix (or CsrMatrix) B as a CscMatrix: (AB)ᵀ = BᵀAᵀ by the threaded CSR
   * product on the transposed views (deterministic for any thread count; exact zeros not
   * stored). A Float64Array x gives the vector A·x.
   */
  matmul(B: CscMatrix | CsrMatrix): CscMatrix;
  matmul(B: Float64Array): Float64Array;
  matmul(B: CscMatrix | CsrMatrix | Float64Array): CscMatrix | Float64Array {
    if (B instanceof Float64Array) return this.multiply(B);
    const b = asCsc('B', B);
    if (b.rows !== this.cols)
      throw v.mismatch('B', `${this.cols} rows (the columns of A)`, `a ${b.rows}×${b.cols} matrix`);
    const C = CscMatrix.fromTransposedCsr(
      callNative(() => native().csrMatmul(...b.tArgs(), ...this.tArgs())),
    );
    return finiteResult(C, 'B');
  }

  /** Entry (i, j) (0 when not stored); negative indices count from the end, as in SciPy. */
  get(i: number, j: number): number {
    const r = wrapIndex('i', i, this.rows);
    const c = wrapIndex('j', j, this.cols);
    let s = 0;
    for (let q = this.colPtr[c]; q < this.colPtr[c + 1]; q++)
      if (this.rowIdx[q] === r) s += this.values[q];
    return s;
  }

  /** The coordinate form: one (rowIdx, colIdx, value) triple per stored entry, column by column. */
  toCoo(): CooArrays {
    const colIdx = new Int32Array(this.nnz);
    for (let c = 0; c < this.cols; c++) colIdx.fill(c, this.colPtr[c], this.colPtr[c + 1]);
    return {
      rows: this.rows,
      cols: this.cols,
      rowIdx: this.rowIdx.slice(),
      colIdx,
      values: this.values.slice(),
    };
  }
}

function checkFinite(A: CscMatrix): void {
  const vals = A.values;
  for (let k = 0; k < vals.length; k++) {
    if (!Number.isFinite(vals[k]))
      throw new ItersolveError(
        'ERR_INVALID_MATRIX',
        `values: expected finite values, received ${vals[k]} at entry ${k}`,
        { argument: 'values' },
      );
  }
}

function asCsc(name: string, B: unknown): CscMatrix {
  if (B instanceof CscMatrix) return B;
  if (B instanceof CsrMatrix) return CscMatrix.fromCsr(B);
  throw v.invalid(name, 'a CscMatrix or CsrMatrix', B);
}

function finiteResult(C: CscMatrix, name: string): CscMatrix {
  const vals = C.values;
  for (let k = 0; k < vals.length; k++)
    if (!Number.isFinite(vals[k]))
      throw new ItersolveError(
        'ERR_INVALID_ARGUMENT',
        `${name}: expected a result with finite values, received ${vals[k]} (overflow) at entry ${k}`,
        { argument: name },
      );
  return C;
}

function wrapIndex(name: string, i: number, n: number): number {
  if (typeof i !== 'number' || !Number.isInteger(i) || i < -n || i >= n)
    throw v.invalid(name, `an integer in [${-n}, ${n - 1}]`, i);
  return i < 0 ? i + n : i;
}
