/**
 * Dense matrices as plain objects: `rows × cols` numbers in one Float64Array, row-major ('C', the
 * default, as NumPy's default) or column-major ('F', as Fortran / LAPACK). Functions that take a
 * DenseMatrix read the layout they work in without a copy and copy the other one.
 */
import * as v from './validate';

export interface DenseMatrix {
  rows: number;
  cols: number;
  /** rows·cols entries: row i at data[i·cols ...] ('C') or column j at data[j·rows ...] ('F'). */
  data: Float64Array;
  /** 'C' (row-major, the default) or 'F' (column-major). */
  order?: 'C' | 'F';
}

/**
 * Whether `x` looks like a DenseMatrix (an object with a `data` key) rather than an array.
 * @internal
 */
export function isDenseLike(x: unknown): x is DenseMatrix {
  return typeof x === 'object' && x !== null && !ArrayBuffer.isView(x) && 'data' in x;
}

/**
 * Checks M (naming `argument`; rows and cols when given) and returns it with `order` resolved.
 * @internal
 */
export function checkDense(
  argument: string,
  M: unknown,
  rows?: number,
  cols?: number,
): Required<DenseMatrix> {
  if (!isDenseLike(M)) throw v.invalid(argument, 'a DenseMatrix { rows, cols, data, order? }', M);
  const r = v.int(`${argument}.rows`, M.rows);
  const c = v.int(`${argument}.cols`, M.cols);
  const data = v.f64(`${argument}.data`, M.data, r * c);
  const order = M.order ?? 'C';
  if (order !== 'C' && order !== 'F') throw v.invalid(`${argument}.order`, "'C' or 'F'", order);
  if (rows !== undefined && r !== rows)
    throw v.mismatch(argument, `${rows} rows`, `${r} rows (a ${r}×${c} matrix)`);
  if (cols !== undefined && c !== cols)
    throw v.mismatch(argument, `${cols} columns`, `${c} columns (a ${r}×${c} matrix)`);
  return { rows: r, cols: c, data, order };
}

/** Row-major entries of an `order` 'F' matrix (its transpose's column-major ones). */
function transposed(rows: number, cols: number, data: Float64Array): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let j = 0; j < cols; j++) {
    const col = j * rows;
    for (let i = 0; i < rows; i++) out[i * cols + j] = data[col + i];
  }
  return out;
}

/**
 * The row-major entries of a checked M: M.data itself when 'C', a copy when 'F'.
 * @internal
 */
export function rowMajor(M: Required<DenseMatrix>): Float64Array {
  return M.order === 'C' ? M.data : transposed(M.rows, M.cols, M.data);
}

/**
 * The column-major entries of a checked M: M.data itself when 'F', a copy when 'C'.
 * @internal
 */
export function colMajor(M: Required<DenseMatrix>): Float64Array {
  // a row-major rows×cols array is the column-major cols×rows one
  return M.order === 'F' ? M.data : transposed(M.cols, M.rows, M.data);
}
