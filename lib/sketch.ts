import { AsyncOptions, runJob } from './async';
import { CsrMatrix } from './csr';
import { callNative } from './errors';
import { SolveResult, solveResult } from './krylov';
import { native } from './native';
import * as v from './validate';

export type SketchKind = 'kaczmarz' | 'block-kaczmarz' | 'gaussian';

export interface SketchSolveOptions {
  /** Default 'kaczmarz'. */
  sketch?: SketchKind;
  /** How rows are drawn (Kaczmarz kinds): ∝ ‖a_i‖² ('norm', default) or 'uniform'. */
  sampling?: 'norm' | 'uniform';
  /** Rows per block ('block-kaczmarz') or sketch size ('gaussian'). Default min(8, m). */
  blockSize?: number;
  /** Seed of the random choices; the same seed gives the same run. Default 1. */
  seed?: number;
  /** Stop when ‖b − A x‖₂ ≤ max(rtol·‖b‖₂, atol). Default 1e-8. */
  rtol?: number;
  atol?: number;
  /** Projection steps. Default 100·m for 'kaczmarz', 100·⌈m / blockSize⌉ otherwise. */
  maxIterations?: number;
  /** Start vector (length n). Default zeros (then Kaczmarz converges to the minimum-norm solution). */
  x0?: Float64Array;
  out?: Float64Array;
  /** Residual norm after each step (`history[0]` is the initial one). */
  history?: boolean;
  /** Recompute the incrementally updated residual as b − A x every k steps. */
  trueResidualEvery?: number;
  timeLimitMs?: number;
}

const KIND: Record<SketchKind, number> = { kaczmarz: 0, 'block-kaczmarz': 1, gaussian: 2 };

function prepare(A: CsrMatrix, b: Float64Array, options: unknown) {
  if (!(A instanceof CsrMatrix)) throw v.invalid('A', 'a CsrMatrix', A);
  const m = A.rows;
  const n = A.cols;
  v.f64('b', b, m);
  const o = v.options<SketchSolveOptions & AsyncOptions>('options', options);
  const sketch = o.sketch ?? 'kaczmarz';
  if (typeof sketch !== 'string' || !Object.prototype.hasOwnProperty.call(KIND, sketch)) throw v.invalid('sketch', "'kaczmarz', 'block-kaczmarz' or 'gaussian'", sketch);
  const sampling = o.sampling ?? 'norm';
  if (sampling !== 'norm' && sampling !== 'uniform') throw v.invalid('sampling', "'norm' or 'uniform'", sampling);
  if (m === 0) throw v.invalid('A', 'a matrix with at least one row', `${m}x${n}`);
  const blockSize = o.blockSize === undefined ? Math.min(8, m) : v.int('blockSize', o.blockSize, 1, m);
  const seed = o.seed === undefined ? 1 : v.int('seed', o.seed, 0, Number.MAX_SAFE_INTEGER);
  const rtol = o.rtol === undefined ? 1e-8 : v.num('rtol', o.rtol, { min: 0 });
  const atol = o.atol === undefined ? 0 : v.num('atol', o.atol, { min: 0 });
  const maxIterations =
    o.maxIterations === undefined
      ? Math.max(1, sketch === 'kaczmarz' ? 100 * m : 100 * Math.ceil(m / blockSize))
      : v.int('maxIterations', o.maxIterations, 1, 2 ** 52);
  const history = o.history === undefined ? false : v.bool('history', o.history);
  const tre = o.trueResidualEvery === undefined ? 0 : v.int('trueResidualEvery', o.trueResidualEvery, 0, 2 ** 52);
  let x: Float64Array;
  if (o.out === undefined) {
    x = o.x0 === undefined ? new Float64Array(n) : v.f64('x0', o.x0, n).slice();
  } else {
    x = v.f64('out', o.out, n);
    if (o.x0 === undefined) x.fill(0);
    else if (v.f64('x0', o.x0, n) !== x) x.set(o.x0);
  }
  if (o.timeLimitMs !== undefined) v.num('timeLimitMs', o.timeLimitMs, { positive: true });
  const args = [KIND[sketch], sampling === 'norm' ? 0 : 1, blockSize, seed, rtol, atol, maxIterations, history, tre] as const;
  return { o, x, args, stats: new Float64Array(5) };
}

/**
 * Randomized iterative sketching for a consistent system A x = b, A m×n (rectangular, possibly
 * indefinite or nonsymmetric): randomized Kaczmarz (rows ∝ ‖a_i‖² or uniform), block Kaczmarz, or
 * Gaussian sketch-and-project. The residual is updated incrementally after each step (not
 * recomputed) and confirmed against b − A x before convergence is reported. Reproducible by
 * `seed`. Runs on the calling thread.
 */
export function sketchSolveSync(A: CsrMatrix, b: Float64Array, options?: SketchSolveOptions): SolveResult {
  const p = prepare(A, b, options);
  const h = callNative(() => native().sketchSolve(...A.args(), b, p.x, ...p.args, p.stats, p.o.timeLimitMs ?? 0));
  return solveResult(p.x, p.stats, h);
}

/** Promise form of {@link sketchSolveSync}: runs off the event loop; takes signal, timeLimitMs, onProgress. */
export async function sketchSolve(
  A: CsrMatrix,
  b: Float64Array,
  options?: SketchSolveOptions & AsyncOptions,
): Promise<SolveResult> {
  const p = prepare(A, b, options);
  const h = await runJob(p.o, (opts) => native().sketchSolveAsync(...A.args(), b, p.x, ...p.args, p.stats, opts));
  return solveResult(p.x, p.stats, h);
}
