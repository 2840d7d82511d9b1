// csc.ts imports this module too; both only use the other's class inside methods, so the cycle
// resolves whichever module loads first.
import { CscMatrix } from './csc';
import { checkDense, isDenseLike, rowMajor, type DenseMatrix } from './dense';
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
 * Which rows or columns `slice` keeps: a `[start, end)` range (a `[start, end]` tuple or
 * `{ start, end }`) or an Int32Array of indices. Ranges follow Python slices: a negative bound
 * counts from the end, bounds are clamped to [0, n], and `end <= start` selects nothing. Index
 * arrays follow NumPy / SciPy fancy indexing: any order, repeats allowed (the row or column is
 * repeated), negative indices count from the end; an index outside [−n, n) is an error.
 */
export type IndexSelection =
  readonly [number, number] | { start: number; end: number } | Int32Array;

/** `slice`'s selection; an omitted `rows` or `cols` keeps every row or column. */
export interface SliceSpec {
  rows?: IndexSelection;
  cols?: IndexSelection;
}

/** Coordinate (COO) arrays, as `fromCoo` takes them: entry k is (rowIdx[k], colIdx[k]) = values[k]. */
export interface CooArrays {
  rows: number;
  cols: number;
  rowIdx: Int32Array;
  colIdx: Int32Array;
  values: Float64Array;
}

/** One row's stored entries (`getRow`): column indices and values, copies in storage order. */
export interface SparseRow {
  indices: Int32Array;
  values: Float64Array;
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

  /** @internal a native result (canonical, in range) as a CsrMatrix, unchecked */
  static wrapNative(m: NativeCsr): CsrMatrix {
    return CsrMatrix.wrap(m);
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

  // ---- sparse arithmetic and access (native/formats/csr_ops.hpp) ----
  //
  // Results are new matrices with canonical rows (sorted, no duplicates); this matrix is never
  // changed. Explicit zeros follow SciPy 1.17: add / subtract / matmul drop entries that come out
  // exactly 0 (A.subtract(A) has no entries), while scale, slice, kron, vstack / hstack and
  // setDiagonal keep every stored entry (scale(0) keeps the pattern, as `A * 0` does in SciPy).

  /** A + B (same shape; B a CsrMatrix or CscMatrix). Exactly zero sums are not stored. */
  add(B: CsrMatrix | CscMatrix): CsrMatrix {
    return this.combine(B, 1, 'B');
  }

  /** A − B (same shape; B a CsrMatrix or CscMatrix). Exactly zero differences are not stored. */
  subtract(B: CsrMatrix | CscMatrix): CsrMatrix {
    return this.combine(B, -1, 'B');
  }

  private combine(B: CsrMatrix | CscMatrix, beta: number, name: string): CsrMatrix {
    const b = asCsr(name, B);
    if (b.rows !== this.rows || b.cols !== this.cols)
      throw v.mismatch(
        name,
        `a ${this.rows}×${this.cols} matrix (the shape of A)`,
        `a ${b.rows}×${b.cols} matrix`,
      );
    const C = CsrMatrix.wrap(
      callNative(() => native().csrAdd(...this.args(), ...b.args(), 1, beta)),
    );
    return finiteResult(C, name);
  }

  /** α·A: the same pattern (explicit zeros kept, even for α = 0), values scaled. */
  scale(alpha: number): CsrMatrix {
    v.num('alpha', alpha);
    const vals = new Float64Array(this.values.length);
    for (let k = 0; k < vals.length; k++) vals[k] = alpha * this.values[k];
    const C = new CsrMatrix(this.rows, this.cols, this.rowPtr.slice(), this.colIdx.slice(), vals, {
      validate: false,
    });
    return finiteResult(C, 'alpha');
  }

  /**
   * A·B, as SciPy's `A @ B`: a CsrMatrix (or CscMatrix) B gives the sparse product (Gustavson's
   * algorithm, rows split over the threads; the result is bit for bit the same for any thread
   * count; exactly zero entries are not stored); a Float64Array of length `cols` gives the vector
   * A·x (as `multiply`); a DenseMatrix gives a dense row-major `rows × B.cols` DenseMatrix.
   */
  matmul(B: CsrMatrix | CscMatrix): CsrMatrix;
  matmul(B: Float64Array): Float64Array;
  matmul(B: DenseMatrix): Required<DenseMatrix>;
  matmul(
    B: CsrMatrix | CscMatrix | Float64Array | DenseMatrix,
  ): CsrMatrix | Float64Array | Required<DenseMatrix> {
    if (B instanceof Float64Array) return this.multiply(B);
    if (isDenseLike(B)) return this.matmulDense(B);
    const b = asCsr('B', B);
    if (b.rows !== this.cols)
      throw v.mismatch('B', `${this.cols} rows (the columns of A)`, `a ${b.rows}×${b.cols} matrix`);
    const C = CsrMatrix.wrap(callNative(() => native().csrMatmul(...this.args(), ...b.args())));
    return finiteResult(C, 'B');
  }

  private matmulDense(B0: DenseMatrix): Required<DenseMatrix> {
    const B = checkDense('B', B0, this.cols);
    const k = B.cols;
    const b = rowMajor(B);
    const out = new Float64Array(this.rows * k);
    const { rowPtr, colIdx, values } = this;
    for (let i = 0; i < this.rows; i++) {
      const o = i * k;
      for (let q = rowPtr[i]; q < rowPtr[i + 1]; q++) {
        const a = values[q];
        const src = colIdx[q] * k;
        for (let j = 0; j < k; j++) out[o + j] += a * b[src + j];
      }
    }
    return { rows: this.rows, cols: k, data: out, order: 'C' };
  }

  /**
   * Entry (i, j) (0 when not stored; repeated entries of an unsorted matrix are summed). Negative
   * indices count from the end, as in SciPy (`get(-1, -1)` is the last diagonal entry).
   */
  get(i: number, j: number): number {
    const r = wrapIndex('i', i, this.rows);
    const c = wrapIndex('j', j, this.cols);
    let s = 0;
    for (let q = this.rowPtr[r]; q < this.rowPtr[r + 1]; q++)
      if (this.colIdx[q] === c) s += this.values[q];
    return s;
  }

  /** Row i's stored entries (copies; negative i counts from the end). */
  getRow(i: number): SparseRow {
    const r = wrapIndex('i', i, this.rows);
    const b = this.rowPtr[r];
    const e = this.rowPtr[r + 1];
    return { indices: this.colIdx.slice(b, e), values: this.values.slice(b, e) };
  }

  /**
   * A[rows, cols] (see IndexSelection): ranges or index arrays with repeats in any order, as
   * SciPy's `A[rows][:, cols]`. Stored entries are kept (explicit zeros too).
   */
  slice(spec: SliceSpec = {}): CsrMatrix {
    const o = v.options<SliceSpec>('spec', spec);
    const rows = selection('rows', o.rows, this.rows);
    const cols = selection('cols', o.cols, this.cols);
    return CsrMatrix.wrap(callNative(() => native().csrSlice(...this.args(), rows, cols)));
  }

  /** The coordinate form: one (rowIdx, colIdx, value) triple per stored entry, in storage order. */
  toCoo(): CooArrays {
    const rowIdx = new Int32Array(this.nnz);
    for (let r = 0; r < this.rows; r++) rowIdx.fill(r, this.rowPtr[r], this.rowPtr[r + 1]);
    return {
      rows: this.rows,
      cols: this.cols,
      rowIdx,
      colIdx: this.colIdx.slice(),
      values: this.values.slice(),
    };
  }

  /**
   * A copy with diagonal k (0 the main one, k > 0 above, k < 0 below) set to `d`: a number for
   * every entry of that diagonal, or a Float64Array of at most its length (the first d.length
   * entries are set, as SciPy's `setdiag`). Missing entries are inserted; every value given is
   * stored, zeros included. CsrMatrix wraps its arrays and never changes their structure, so this
   * returns a new matrix rather than changing A.
   */
  setDiagonal(d: number | Float64Array, k = 0): CsrMatrix {
    v.int('k', k, -2147483647);
    const m = diagonalLength(this.rows, this.cols, k);
    let vals: Float64Array;
    if (typeof d === 'number') {
      v.num('d', d);
      vals = new Float64Array(m).fill(d);
    } else {
      vals = v.f64('d', d);
      if (vals.length > m)
        throw v.mismatch(
          'd',
          `at most ${m} values (the length of diagonal ${k} of a ${this.rows}×${this.cols} matrix)`,
          `length ${vals.length}`,
        );
      checkFiniteArray('d', vals);
    }
    return CsrMatrix.wrap(callNative(() => native().csrSetDiagonal(...this.args(), vals, k)));
  }

  /** The n×n identity (n stored ones). */
  static identity(n: number): CsrMatrix {
    v.int('n', n);
    return CsrMatrix.wrap(callNative(() => native().csrIdentity(n)));
  }

  /**
   * The n×n matrix with `d` (length n) on its diagonal; exact zeros are not stored (as SciPy's
   * `diags(d).tocsr()`).
   */
  static diagonalMatrix(d: Float64Array): CsrMatrix {
    v.f64('d', d);
    checkFiniteArray('d', d);
    return CsrMatrix.wrap(callNative(() => native().csrDiagonalMatrix(d)));
  }

  /** The Kronecker product A ⊗ B (every stored pair's product is stored, zeros included). */
  static kron(A: CsrMatrix | CscMatrix, B: CsrMatrix | CscMatrix): CsrMatrix {
    const a = asCsr('A', A);
    const b = asCsr('B', B);
    const C = CsrMatrix.wrap(callNative(() => native().csrKron(...a.args(), ...b.args())));
    return finiteResult(C, 'B');
  }

  /** The matrices stacked top to bottom (all with the same number of columns). */
  static vstack(matrices: readonly (CsrMatrix | CscMatrix)[]): CsrMatrix {
    return stack(matrices, false);
  }

  /** The matrices side by side, left to right (all with the same number of rows). */
  static hstack(matrices: readonly (CsrMatrix | CscMatrix)[]): CsrMatrix {
    return stack(matrices, true);
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

function asCsr(name: string, B: unknown): CsrMatrix {
  if (B instanceof CsrMatrix) return B;
  if (B instanceof CscMatrix) return B.toCsr();
  throw v.invalid(name, 'a CsrMatrix or CscMatrix', B);
}

/** A result whose values overflowed (finite inputs, infinite sums or products) is refused. */
function finiteResult(C: CsrMatrix, name: string): CsrMatrix {
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

function checkFiniteArray(name: string, d: Float64Array): void {
  for (let k = 0; k < d.length; k++)
    if (!Number.isFinite(d[k])) throw v.invalid(`${name}[${k}]`, 'a finite number', d[k]);
}

function wrapIndex(name: string, i: number, n: number): number {
  if (typeof i !== 'number' || !Number.isInteger(i) || i < -n || i >= n)
    throw v.invalid(name, `an integer in [${-n}, ${n - 1}]`, i);
  return i < 0 ? i + n : i;
}

function diagonalLength(rows: number, cols: number, k: number): number {
  const r0 = k < 0 ? -k : 0;
  const c0 = k > 0 ? k : 0;
  return r0 >= rows || c0 >= cols ? 0 : Math.min(rows - r0, cols - c0);
}

/** The index array of a selection (null: all), negative indices wrapped, checked. */
function selection(name: string, sel: IndexSelection | undefined, n: number): Int32Array | null {
  if (sel === undefined || sel === null) return null;
  if (sel instanceof Int32Array) {
    v.i32(name, sel);
    let out: Int32Array | null = null;
    for (let k = 0; k < sel.length; k++) {
      const i = sel[k];
      if (i < -n || i >= n)
        throw new ItersolveError(
          'ERR_INVALID_ARGUMENT',
          `${name}: expected indices in [${-n}, ${n - 1}], received ${name}[${k}] = ${i}`,
          { argument: name },
        );
      if (i < 0) {
        out ??= sel.slice();
        out[k] = i + n;
      }
    }
    return out ?? sel;
  }
  let start: unknown, end: unknown;
  if (Array.isArray(sel) && sel.length === 2) [start, end] = sel;
  else if (typeof sel === 'object' && !Array.isArray(sel) && !ArrayBuffer.isView(sel))
    ({ start, end } = sel as { start: unknown; end: unknown });
  else throw v.invalid(name, 'a [start, end) range or an Int32Array of indices', sel);
  const clamp = (arg: string, b: unknown): number => {
    if (typeof b !== 'number' || !Number.isInteger(b)) throw v.invalid(arg, 'an integer', b);
    const x = b < 0 ? b + n : b;
    return Math.min(Math.max(x, 0), n);
  };
  const s0 = clamp(`${name}.start`, start);
  const e0 = clamp(`${name}.end`, end);
  const len = Math.max(0, e0 - s0);
  const out = new Int32Array(len);
  for (let k = 0; k < len; k++) out[k] = s0 + k;
  return out;
}

function stack(matrices: readonly (CsrMatrix | CscMatrix)[], horizontal: boolean): CsrMatrix {
  if (!Array.isArray(matrices)) throw v.invalid('matrices', 'an array of matrices', matrices);
  if (matrices.length === 0) throw v.invalid('matrices', 'at least one matrix', matrices);
  const parts = matrices.map((M, i) => asCsr(`matrices[${i}]`, M));
  for (let i = 1; i < parts.length; i++) {
    const want = horizontal ? parts[0].rows : parts[0].cols;
    const got = horizontal ? parts[i].rows : parts[i].cols;
    if (want !== got)
      throw v.mismatch(
        `matrices[${i}]`,
        `${want} ${horizontal ? 'rows' : 'columns'} (as matrices[0])`,
        `a ${parts[i].rows}×${parts[i].cols} matrix`,
      );
  }
  return CsrMatrix.wrapNative(
    callNative(() =>
      native().csrStack(
        parts.map((P) => P.args()),
        horizontal,
      ),
    ),
  );
}
