import { CsrMatrix } from '../csr';
import { poisson2d } from '../problems';
import * as v from '../validate';
import { Xoshiro128 } from './random';

/** One system of {@link relaxSyntheticTask}: A = A₀ + c·I, right-hand side b, context c. */
export interface RelaxInstance {
  A: CsrMatrix;
  b: Float64Array;
  /** The diagonal offset c (the context a contextual tuner is given). */
  c: number;
}

export interface RelaxSyntheticTaskOptions {
  /** 'high': c = −0.15 + 0.6·Beta(0.5, 1.5); 'low': c = −0.15 + 0.6·Beta(2, 6). */
  variance: 'high' | 'low';
  /** Seed of the offsets and right-hand sides (an integer in [0, 2³² − 1]). */
  seed: number;
  /** Number of instances. Default 5000 (the paper's T). */
  count?: number;
}

/** The grid of the synthetic task: 10×10 interior points, n = 100. */
const GRID = 10;

/**
 * The synthetic task of "Learning to Relax" (Khodak et al., ICLR 2024), section 3 of issue 9:
 * A₀ the 2D 5-point Laplacian on a 10×10 interior grid (n = 100, diagonal 4, off-diagonal −1,
 * no h² scaling) and, per instance, A = A₀ + c·I with c = −0.15 + 0.6·Beta(0.5, 1.5) (high
 * variance) or −0.15 + 0.6·Beta(2, 6) (low variance), and b a standard Gaussian vector resampled
 * until ‖b‖₂ ≤ √n. Solve from x₀ = 0 to rtol 1e-8. Deterministic for a given seed: per instance c
 * is drawn first, then b. The instances share `rowPtr` and `colIdx`; each has its own values.
 */
export function relaxSyntheticTask(options: RelaxSyntheticTaskOptions): RelaxInstance[] {
  const o = v.options<RelaxSyntheticTaskOptions>('options', options);
  if (o.variance !== 'high' && o.variance !== 'low')
    throw v.invalid('options.variance', "'high' or 'low'", o.variance);
  const seed = v.int('options.seed', o.seed, 0, 2 ** 32 - 1);
  const count = o.count === undefined ? 5000 : v.int('options.count', o.count, 0, 1e7);
  const [a, b] = o.variance === 'high' ? [0.5, 1.5] : [2, 6];
  const A0 = poisson2d(GRID);
  const n = A0.rows;
  const diag = new Int32Array(n);
  for (let r = 0; r < n; r++)
    for (let k = A0.rowPtr[r]; k < A0.rowPtr[r + 1]; k++) if (A0.colIdx[k] === r) diag[r] = k;
  const rand = new Xoshiro128(seed);
  const out: RelaxInstance[] = [];
  for (let t = 0; t < count; t++) {
    const c = -0.15 + 0.6 * rand.beta(a, b);
    const values = A0.values.slice();
    for (let r = 0; r < n; r++) values[diag[r]] += c;
    const rhs = new Float64Array(n);
    for (;;) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        rhs[i] = rand.normal();
        s += rhs[i] * rhs[i];
      }
      if (s <= n) break;
    }
    out.push({
      A: new CsrMatrix(n, n, A0.rowPtr, A0.colIdx, values, { validate: false }),
      b: rhs,
      c,
    });
  }
  return out;
}
