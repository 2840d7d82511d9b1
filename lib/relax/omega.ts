/**
 * Young's optimal SOR relaxation from the spectral radius of the Jacobi iteration matrix: the
 * oracle baseline of the relaxation tuners (issue 9 §2).
 */
import { CsrMatrix } from '../csr';
import { ItersolveError } from '../errors';
import { SYMMETRY_TOLERANCE } from '../krylov';
import { squareCheck } from '../preconditioner';
import * as v from '../validate';
import { Xoshiro128 } from './random';

export interface OptimalSorOmegaOptions {
  /**
   * Accuracy of β: Lanczos stops when the residual bound of the extreme Ritz values is ≤ tol
   * (relative to the spectrum's scale); power iteration when its two-step estimate changes by
   * ≤ tol (relative) between successive pairs of steps. Default 1e-8.
   */
  tol?: number;
  /** Iteration limit (Lanczos steps or power iterations). Default min(n, 2000) + 10, at least 50 for power iteration. */
  maxIterations?: number;
  /** Seed of the random start vector. Default 1. */
  seed?: number;
}

export interface JacobiSpectralRadius {
  /** β: the spectral radius of I − D⁻¹A (an estimate from inside: Ritz values). */
  beta: number;
  /** 'lanczos' (symmetric A with positive diagonal) or 'power'. */
  method: 'lanczos' | 'power';
  iterations: number;
  /** Whether the tolerance was met (else β is the last estimate). */
  converged: boolean;
}

function checkOpts(options: unknown) {
  const o = v.options<OptimalSorOmegaOptions>('options', options) as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (k !== 'tol' && k !== 'maxIterations' && k !== 'seed')
      throw new ItersolveError(
        'ERR_INVALID_ARGUMENT',
        `options.${k}: unknown option (expected tol, maxIterations, seed)`,
        { argument: `options.${k}` },
      );
  return {
    tol: o.tol === undefined ? 1e-8 : v.num('options.tol', o.tol, { positive: true }),
    maxIterations:
      o.maxIterations === undefined
        ? undefined
        : v.int('options.maxIterations', o.maxIterations, 1),
    seed: o.seed === undefined ? 1 : v.int('options.seed', o.seed, 0, 2 ** 32 - 1),
  };
}

/**
 * The spectral radius β of the Jacobi iteration matrix I − D⁻¹A. For symmetric A (to within
 * SciPy's ε^(1/3)) with a positive diagonal, by Lanczos on the similar symmetric matrix
 * D^{-1/2} A D^{-1/2} (β = max |1 − λ| over its extreme eigenvalues); otherwise by power iteration
 * on I − D⁻¹A itself (two-step growth √(‖J²x‖/‖x‖), which settles also when the dominant
 * eigenvalues are a ± pair, as on consistently ordered matrices; when it has not settled within
 * maxIterations, the geometric mean of the growth factors over the last half of the iterations). A zero (or missing, or non-finite) diagonal entry is an
 * ERR_ZERO_PIVOT error naming the row.
 */
export function jacobiSpectralRadius(
  A: CsrMatrix,
  options?: OptimalSorOmegaOptions,
): JacobiSpectralRadius {
  if (!(A instanceof CsrMatrix)) throw v.invalid('A', 'a CsrMatrix', A);
  squareCheck(A);
  const o = checkOpts(options);
  const n = A.rows;
  const d = A.diagonal();
  let positive = true;
  for (let i = 0; i < n; i++) {
    if (d[i] === 0 || !Number.isFinite(d[i]))
      throw new ItersolveError(
        'ERR_ZERO_PIVOT',
        `A: zero diagonal entry in row ${i}: the Jacobi iteration matrix I − D⁻¹A is undefined`,
        { argument: 'A', row: i },
      );
    if (d[i] < 0) positive = false;
  }
  if (n === 0) return { beta: 0, method: 'lanczos', iterations: 0, converged: true };
  const rand = new Xoshiro128(o.seed);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = rand.next() * 2 - 1;
  return positive && A.isSymmetric(SYMMETRY_TOLERANCE)
    ? lanczos(A, d, x, o.tol, o.maxIterations ?? Math.min(n, 2000) + 10)
    : power(A, d, x, o.tol, o.maxIterations ?? Math.max(50, Math.min(n, 2000) + 10));
}

/**
 * Young's optimal SOR relaxation ω* = 1 + (β / (1 + √(1 − β²)))² = 2 / (1 + √(1 − β²)), β the
 * spectral radius of the Jacobi iteration matrix ({@link jacobiSpectralRadius}). Exact for
 * consistently ordered matrices with real Jacobi eigenvalues (e.g. 5-point stencils in natural
 * order, SPD or not), a heuristic otherwise. When β ≥ 1 the Jacobi iteration does not converge
 * and the formula has no answer: that is an ERR_UNSUPPORTED error (argument 'A') stating β,
 * rather than a made-up value. Cost: one SpMV per Lanczos step plus O(n) work; a few dozen to a
 * few hundred steps (more for spectra whose extreme eigenvalues are closely spaced, such as
 * Laplacians on fine grids).
 */
export function optimalSorOmega(A: CsrMatrix, options?: OptimalSorOmegaOptions): number {
  const { beta } = jacobiSpectralRadius(A, options);
  if (!(beta < 1))
    throw new ItersolveError(
      'ERR_UNSUPPORTED',
      `A: the Jacobi iteration matrix I − D⁻¹A has spectral radius β = ${beta.toPrecision(6)} ≥ 1, so Young's ω* = 2/(1 + √(1 − β²)) is undefined (the Jacobi iteration diverges)`,
      { argument: 'A' },
    );
  const s = beta / (1 + Math.sqrt(1 - beta * beta));
  return 1 + s * s;
}

/** Number of eigenvalues of the j×j tridiagonal (alpha, beta) below σ (Sturm sequence). */
function countBelow(alpha: Float64Array, beta: Float64Array, j: number, sigma: number): number {
  let count = 0;
  let q = 1;
  for (let i = 0; i < j; i++) {
    const b2 = i > 0 ? beta[i - 1] * beta[i - 1] : 0;
    q = alpha[i] - sigma - (i > 0 ? b2 / q : 0);
    if (q === 0) q = -1e-300;
    if (q < 0) count++;
  }
  return count;
}

/** The eigenvalue with `target` eigenvalues below it (0-based) of the j×j tridiagonal, by bisection in [lo, hi]. */
function eigenvalueAt(
  alpha: Float64Array,
  beta: Float64Array,
  j: number,
  lo: number,
  hi: number,
  target: number,
): number {
  for (
    let it = 0;
    it < 200 && hi - lo > 1e-15 * Math.max(Math.abs(lo), Math.abs(hi), 1e-300);
    it++
  ) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    if (countBelow(alpha, beta, j, mid) > target) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * |last component| of the unit eigenvector of the tridiagonal for eigenvalue θ, by two steps of
 * inverse iteration with the shift moved off the spectrum (θ − δ below the smallest, θ + δ above
 * the largest: the shifted matrix is definite, so the elimination needs no pivoting).
 */
function lastComponent(
  alpha: Float64Array,
  beta: Float64Array,
  j: number,
  theta: number,
  delta: number,
  work: Float64Array,
  z: Float64Array,
): number {
  const sigma = theta + delta;
  z.fill(1, 0, j);
  for (let rep = 0; rep < 2; rep++) {
    // Solve (T − σI) y = z (Thomas algorithm), y into z.
    let piv = alpha[0] - sigma;
    work[0] = piv;
    for (let i = 1; i < j; i++) {
      const l = beta[i - 1] / piv;
      z[i] -= l * z[i - 1];
      piv = alpha[i] - sigma - l * beta[i - 1];
      work[i] = piv;
    }
    z[j - 1] /= work[j - 1];
    for (let i = j - 2; i >= 0; i--) z[i] = (z[i] - beta[i] * z[i + 1]) / work[i];
    let s = 0;
    for (let i = 0; i < j; i++) s += z[i] * z[i];
    s = 1 / Math.sqrt(s);
    if (!Number.isFinite(s)) return 0;
    for (let i = 0; i < j; i++) z[i] *= s;
  }
  return Math.abs(z[j - 1]);
}

function lanczos(
  A: CsrMatrix,
  d: Float64Array,
  q: Float64Array,
  tol: number,
  maxIt: number,
): JacobiSpectralRadius {
  const n = A.rows;
  const s = new Float64Array(n); // D^{-1/2}
  for (let i = 0; i < n; i++) s[i] = 1 / Math.sqrt(d[i]);
  const alpha = new Float64Array(maxIt);
  const beta = new Float64Array(maxIt);
  const work = new Float64Array(maxIt);
  const z = new Float64Array(maxIt);
  let qPrev: Float64Array = new Float64Array(n);
  const t = new Float64Array(n);
  const w = new Float64Array(n);
  let nrm = 0;
  for (let i = 0; i < n; i++) nrm += q[i] * q[i];
  nrm = Math.sqrt(nrm);
  for (let i = 0; i < n; i++) q[i] /= nrm;
  let lo = 0;
  let hi = 0;
  let j = 0;
  let converged = false;
  let bPrev = 0;
  for (; j < maxIt;) {
    // w = S A S q − β_{j−1} q_{j−1}
    for (let i = 0; i < n; i++) t[i] = s[i] * q[i];
    A.multiply(t, w);
    let a = 0;
    for (let i = 0; i < n; i++) {
      w[i] = s[i] * w[i] - bPrev * qPrev[i];
      a += w[i] * q[i];
    }
    let b = 0;
    for (let i = 0; i < n; i++) {
      w[i] -= a * q[i];
      b += w[i] * w[i];
    }
    b = Math.sqrt(b);
    alpha[j] = a;
    beta[j] = b;
    j++;
    // Gershgorin bounds of T_j bracket its extreme eigenvalues.
    let gLo = Infinity;
    let gHi = -Infinity;
    for (let i = 0; i < j; i++) {
      const r = (i > 0 ? Math.abs(beta[i - 1]) : 0) + (i < j - 1 ? Math.abs(beta[i]) : 0);
      gLo = Math.min(gLo, alpha[i] - r);
      gHi = Math.max(gHi, alpha[i] + r);
    }
    const scale = Math.max(Math.abs(gLo), Math.abs(gHi));
    const breakdown = b <= 1e-14 * scale || j === n;
    if (breakdown || j % 5 === 0 || j === maxIt) {
      lo = eigenvalueAt(alpha, beta, j, gLo, gHi, 0);
      hi = eigenvalueAt(alpha, beta, j, gLo, gHi, j - 1);
      if (breakdown) {
        converged = true;
        break;
      }
      // Error bounds of the extreme Ritz values: the residual r = β_j |s_j| and, sharper once the
      // next Ritz value is well separated, r²/gap (Parlett, The Symmetric Eigenvalue Problem §11).
      const delta = 1e-10 * scale;
      const rLo = b * lastComponent(alpha, beta, j, lo, -delta, work, z);
      const rHi = b * lastComponent(alpha, beta, j, hi, delta, work, z);
      let eLo = rLo;
      let eHi = rHi;
      if (j > 2) {
        const gapLo = eigenvalueAt(alpha, beta, j, lo, gHi, 1) - lo;
        const gapHi = hi - eigenvalueAt(alpha, beta, j, gLo, hi, j - 2);
        if (gapLo > rLo) eLo = Math.min(rLo, (rLo * rLo) / gapLo);
        if (gapHi > rHi) eHi = Math.min(rHi, (rHi * rHi) / gapHi);
      }
      if (Math.max(eLo, eHi) <= tol * scale) {
        converged = true;
        break;
      }
    }
    const tmp = qPrev;
    qPrev = q;
    q = tmp;
    for (let i = 0; i < n; i++) q[i] = w[i] / b;
    bPrev = b;
  }
  return {
    beta: Math.max(Math.abs(1 - lo), Math.abs(hi - 1)),
    method: 'lanczos',
    iterations: j,
    converged,
  };
}

function power(
  A: CsrMatrix,
  d: Float64Array,
  x: Float64Array,
  tol: number,
  maxIt: number,
): JacobiSpectralRadius {
  const n = A.rows;
  const y = new Float64Array(n);
  const logs = new Float64Array(maxIt); // log of the growth factor ‖J x‖ per step (x unit)
  let nrm = 0;
  for (let i = 0; i < n; i++) nrm += x[i] * x[i];
  nrm = Math.sqrt(nrm);
  for (let i = 0; i < n; i++) x[i] /= nrm;
  // Two-step estimate √(‖J²x‖/‖x‖): converges geometrically also when the dominant eigenvalues
  // are a ± pair (consistently ordered matrices), where one-step ratios alternate.
  const twoStep = (k: number) => Math.exp(0.5 * (logs[k - 1] + logs[k - 2]));
  let k = 0;
  for (; k < maxIt;) {
    // y = x − D⁻¹ A x
    A.multiply(x, y);
    let s = 0;
    for (let i = 0; i < n; i++) {
      y[i] = x[i] - y[i] / d[i];
      s += y[i] * y[i];
    }
    s = Math.sqrt(s);
    // J x = 0: J is nilpotent on the Krylov space of the start vector (β = 0 there).
    if (s === 0) return { beta: 0, method: 'power', iterations: k + 1, converged: true };
    logs[k++] = Math.log(s);
    for (let i = 0; i < n; i++) x[i] = y[i] / s;
    if (k >= 10) {
      const e = twoStep(k);
      if (Math.abs(e - twoStep(k - 2)) <= tol * e)
        return { beta: e, method: 'power', iterations: k, converged: true };
    }
  }
  // Not settled (e.g. a complex dominant pair): the geometric mean of the growth factors over
  // the last half of the iterations.
  const from = k >> 1;
  let sum = 0;
  for (let i = from; i < k; i++) sum += logs[i];
  return {
    beta: k > 0 ? Math.exp(sum / (k - from)) : 0,
    method: 'power',
    iterations: k,
    converged: false,
  };
}
