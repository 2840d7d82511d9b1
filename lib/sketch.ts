import { AsyncOptions, runJob } from './async';
import { CsrMatrix } from './csr';
import { callNative } from './errors';
import { SolveResult, solveResult } from './krylov';
import { SKETCH } from './layout';
import { native } from './native';
import { checkOptions } from './options';
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

// The sketch kinds and samplings by the values the io's `sketch` and `sampling` slots hold
// (native/sketch/sketch.hpp).
const KIND: Record<SketchKind, number> = { kaczmarz: 0, 'block-kaczmarz': 1, gaussian: 2 };
const SAMPLING = { norm: 0, uniform: 1 } as const;

// The binding takes (rowPtr, colIdx, values, b, x, io) (bindings/sketch.cpp): io holds the
// layout's sketch params followed by the solve stats.
const P = SKETCH.p;
const STATS = SKETCH.params.length;

function prepare(A: CsrMatrix, b: Float64Array, options: unknown, sync: boolean) {
  if (!(A instanceof CsrMatrix)) throw v.invalid('A', 'a CsrMatrix', A);
  const m = A.rows;
  const n = A.cols;
  v.f64('b', b, m);
  // before the options: blockSize's default and range depend on m
  if (m === 0) throw v.invalid('A', 'a matrix with at least one row', `${m}x${n}`);
  const o = checkOptions('sketchSolve', options, sync, n, m);
  let x: Float64Array;
  if (o.out === undefined) {
    x = o.x0 === undefined ? new Float64Array(n) : v.f64('x0', o.x0, n).slice();
  } else {
    x = v.f64('out', o.out, n);
    if (o.x0 === undefined) x.fill(0);
    else if (v.f64('x0', o.x0, n) !== x) x.set(o.x0);
  }
  const io = new Float64Array(STATS + SKETCH.stats.length);
  io[P.rows] = m;
  io[P.cols] = n;
  io[P.trusted] = 1; // A is a validated CsrMatrix
  io[P.sketch] = KIND[o.sketch];
  io[P.sampling] = SAMPLING[o.sampling];
  io[P.blockSize] = o.blockSize;
  io[P.seed] = o.seed;
  io[P.rtol] = o.rtol;
  io[P.atol] = o.atol;
  io[P.maxIterations] = o.maxIterations;
  io[P.history] = o.history ? 1 : 0;
  io[P.trueResidualEvery] = o.trueResidualEvery;
  io[P.timeLimitMs] = o.timeLimitMs ?? 0;
  return { o, x, io };
}

/**
 * Randomized iterative sketching for a consistent system A x = b, A m×n (rectangular, possibly
 * indefinite or nonsymmetric): randomized Kaczmarz (rows ∝ ‖a_i‖² or uniform), block Kaczmarz, or
 * Gaussian sketch-and-project. The residual is updated incrementally after each step (not
 * recomputed) and confirmed against b − A x before convergence is reported. Reproducible by
 * `seed`. Runs on the calling thread.
 */
export function sketchSolveSync(
  A: CsrMatrix,
  b: Float64Array,
  options?: SketchSolveOptions,
): SolveResult {
  const p = prepare(A, b, options, true);
  const h = callNative(() => native().sketchSolve(A.rowPtr, A.colIdx, A.values, b, p.x, p.io));
  return solveResult(p.x, p.io, h, STATS);
}

/** Promise form of {@link sketchSolveSync}: runs off the event loop; takes signal, timeLimitMs, onProgress. */
export function sketchSolve(
  A: CsrMatrix,
  b: Float64Array,
  options?: SketchSolveOptions & AsyncOptions,
): Promise<SolveResult> {
  let p: ReturnType<typeof prepare>;
  try {
    p = prepare(A, b, options, false);
  } catch (e) {
    return Promise.reject(e);
  }
  return runJob(
    p.o,
    (opts) => native().sketchSolveAsync(A.rowPtr, A.colIdx, A.values, b, p.x, p.io, opts),
    (h) => solveResult(p.x, p.io, h, STATS),
  );
}
