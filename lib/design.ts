/**
 * The design matrix X of the coordinate-descent estimators (lib/bcd.ts and the other bcd facades):
 * a DenseMatrix ('F' is the fast path, 'C' is read row-major without a copy), a CscMatrix, or a
 * CsrMatrix (converted to CSC once). Unpacked into the three native argument slots and the io
 * `layout` slot that bindings/bcd_common.hpp reads.
 */
import { CscMatrix } from './csc';
import { CsrMatrix } from './csr';
import { checkDense, DenseMatrix, isDenseLike } from './dense';
import { BCD_LAYOUTS } from './layout';
import * as v from './validate';

/** The design matrix X (rows = samples, cols = features). */
export type Design = DenseMatrix | CscMatrix | CsrMatrix;

/** X unpacked for the native call: X0, X1, X2 and the index in BCD_LAYOUTS. */
export interface DesignArgs {
  rows: number;
  cols: number;
  X0: Float64Array | Int32Array;
  X1: Int32Array | null;
  X2: Float64Array | null;
  layout: number;
}

const LAYOUT = {
  colMajor: BCD_LAYOUTS.indexOf('colMajor'),
  rowMajor: BCD_LAYOUTS.indexOf('rowMajor'),
  csc: BCD_LAYOUTS.indexOf('csc'),
} as const;

/**
 * Whether to precompute the Gram matrix (option `precompute`: true, false or 'auto'): 'auto' takes
 * it for a dense X with rows ≥ 2·cols and cols ≤ 4096 (a coordinate step then costs O(cols), and
 * forming XᵀX once is cheap next to the epochs); true with a sparse X is an error naming it.
 */
export function useGram(precompute: unknown, X: DesignArgs): boolean {
  if (precompute === 'auto')
    return X.layout !== LAYOUT.csc && X.rows >= 2 * X.cols && X.cols <= 4096;
  if (precompute === true || precompute === false) {
    if (precompute && X.layout === LAYOUT.csc)
      throw v.invalid(
        'precompute',
        "false or 'auto' with a sparse X (the Gram path is dense only)",
        true,
      );
    return precompute;
  }
  throw v.invalid('precompute', "true, false or 'auto'", precompute);
}

/** Validates X (naming `name`, 'X' by default) and unpacks it; throws ItersolveError otherwise. */
export function designArgs(X: unknown, name = 'X'): DesignArgs {
  if (X instanceof CscMatrix || X instanceof CsrMatrix) {
    const C = X instanceof CsrMatrix ? X.toCsc() : X;
    return {
      rows: C.rows,
      cols: C.cols,
      X0: C.colPtr,
      X1: C.rowIdx,
      X2: C.values,
      layout: LAYOUT.csc,
    };
  }
  if (isDenseLike(X)) {
    const D = checkDense(name, X);
    return {
      rows: D.rows,
      cols: D.cols,
      X0: D.data,
      X1: null,
      X2: null,
      layout: D.order === 'F' ? LAYOUT.colMajor : LAYOUT.rowMajor,
    };
  }
  throw v.invalid(name, 'a DenseMatrix, CscMatrix or CsrMatrix', X);
}
