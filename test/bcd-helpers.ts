// What the coordinate-descent tap tests share (bcd, logistic, group-lasso, path, cli-lasso,
// bcd-sklearn): the test/fixtures/bcd loaders, lasso.json's case shape, the design forms of one
// column-major matrix, maxDiff, the `code:argument` probe of a thrown error, the seeded generator
// of the slow problems the abort tests interrupt, and the rejection of an awaited fit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CscMatrix, DenseMatrix } from '../lib/index';

/** test/fixtures/bcd/<name>, parsed. */
export function loadBcdFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', 'bcd', name), 'utf8')) as T;
}

/** One case of test/fixtures/bcd/lasso.json (scikit-learn's Lasso / ElasticNet fits). */
export interface LassoCase {
  design: string;
  estimator: string;
  sparse: boolean;
  fitIntercept: boolean;
  positive: boolean;
  sampleWeight: string | null;
  l1Ratio: number;
  lambda: number;
  lambdaRatio: number;
  coef: number[];
  intercept: number;
  objective: number;
}

/** The row-major copy of a column-major n×p array. */
export function rowMajor(n: number, p: number, F: ArrayLike<number>): Float64Array {
  const C = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) C[i * p + j] = F[j * n + i];
  return C;
}

/** The CSC form of a column-major n×p array (written out here, not CscMatrix.fromDense). */
export function cscOf(n: number, p: number, F: ArrayLike<number>): CscMatrix {
  const colPtr = [0];
  const rowIdx: number[] = [];
  const values: number[] = [];
  for (let j = 0; j < p; j++) {
    for (let i = 0; i < n; i++)
      if (F[j * n + i] !== 0) {
        rowIdx.push(i);
        values.push(F[j * n + i]);
      }
    colPtr.push(rowIdx.length);
  }
  return new CscMatrix(
    n,
    p,
    Int32Array.from(colPtr),
    Int32Array.from(rowIdx),
    Float64Array.from(values),
  );
}

/** A column-major n×p array as dense 'F', dense 'C' (a row-major copy) and CSC. */
export function designForms(
  n: number,
  p: number,
  data: ArrayLike<number>,
): { F: DenseMatrix; C: DenseMatrix; csc: CscMatrix } {
  const F = Float64Array.from(data);
  return {
    F: { rows: n, cols: p, data: F, order: 'F' },
    C: { rows: n, cols: p, data: rowMajor(n, p, F), order: 'C' },
    csc: cscOf(n, p, F),
  };
}

export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** `code:argument` of the error fn throws, or 'no error'. */
export function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    const x = e as { code?: string; argument?: string };
    return `${x.code}:${x.argument}`;
  }
  return 'no error';
}

/** The seeded linear congruential generator of the slow test problems: uniform in [0, 1). */
export function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/**
 * `length` entries uniform in [-1, 1) from lcg(seed) (the data of a slow problem), and `rnd`, the
 * same stream, to draw more from.
 */
export function uniformData(
  length: number,
  seed: number,
): { data: Float64Array; rnd: () => number } {
  const u = lcg(seed);
  const rnd = () => u() * 2 - 1;
  return { data: new Float64Array(length).map(rnd), rnd };
}

/** What the promise rejects with, or null where it resolves. */
export function rejection<E>(promise: Promise<unknown>): Promise<E | null> {
  return promise.then(
    () => null,
    (e: unknown) => e as E,
  );
}
