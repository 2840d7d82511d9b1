import { AsyncOptions, runJob } from './async';
import { CsrMatrix } from './csr';
import { callNative } from './errors';
import { POWER, REASONS } from './layout';
import { native } from './native';
import { checkOptions } from './options';
import { squareCheck } from './preconditioner';
import { rng } from './problems';
import { IterativeFields, Outcome } from './result';
import * as v from './validate';

export interface PowerIterationOptions {
  /** Start vector (length n); default: seeded pseudo-random entries in [-1, 1). Not modified. */
  x0?: Float64Array;
  /** Seed of the default start vector. Default 1. */
  seed?: number;
  /** Where the eigenvector estimate goes (length n). */
  out?: Float64Array;
  /** Stop when |λₖ − λₖ₋₁| ≤ rtol·|λₖ|. Default 1e-8; 0 runs to maxIterations. */
  rtol?: number;
  /** Default 1000. */
  maxIterations?: number;
  /** Record λ per iteration. */
  history?: boolean;
  /** Stop after this many milliseconds (reason 'time-limit'). */
  timeLimitMs?: number;
}

export interface PowerIterationFields extends IterativeFields {
  /** Rayleigh-quotient estimate of the dominant eigenvalue. */
  eigenvalue: number;
  /** Unit-norm eigenvector estimate. */
  vector: Float64Array;
  /** Last relative change of the estimate. */
  change: number;
  matvecs: number;
}

/** Power iteration's result: `converged` (reason 'rtol') narrows `reason` as in every result. */
export type PowerIterationResult = PowerIterationFields & Outcome;

// The binding takes (rowPtr, colIdx, values, x, io) (bindings/eigen.cpp): io holds the layout's
// power params followed by its stats; x is the start vector and receives the eigenvector.
const P = POWER.p;
const S = POWER.s;
const STATS = POWER.params.length;

function prepare(A: CsrMatrix, options: unknown, sync: boolean) {
  if (!(A instanceof CsrMatrix)) throw v.invalid('A', 'a CsrMatrix', A);
  squareCheck(A);
  const n = A.rows;
  const o = checkOptions('powerIteration', options, sync, n);
  const x = o.out === undefined ? new Float64Array(n) : v.f64('out', o.out, n);
  if (o.x0 !== undefined) {
    v.f64('x0', o.x0, n);
    if (o.x0 !== x) x.set(o.x0);
  } else {
    // A random start is (almost surely) not orthogonal to the dominant eigenvector; a constant
    // vector can be (e.g. for the Poisson matrix on an even grid).
    const rand = rng(o.seed);
    for (let i = 0; i < x.length; i++) x[i] = rand() * 2 - 1;
  }
  const io = new Float64Array(STATS + POWER.stats.length);
  io[P.rows] = n;
  io[P.cols] = n;
  io[P.trusted] = 1; // A is a validated CsrMatrix
  io[P.maxIterations] = o.maxIterations;
  io[P.rtol] = o.rtol;
  io[P.history] = o.history ? 1 : 0;
  io[P.timeLimitMs] = o.timeLimitMs ?? 0;
  return { o, x, io };
}

/** @internal */
export function powerResult(
  x: Float64Array,
  io: Float64Array,
  history: Float64Array | undefined,
  wanted: boolean,
): PowerIterationResult {
  const reason = REASONS[io[STATS + S.reason]];
  const res = {
    converged: reason === 'rtol' || reason === 'atol',
    reason,
    iterations: io[STATS + S.iterations],
    eigenvalue: io[STATS + S.eigenvalue],
    vector: x,
    change: io[STATS + S.change],
    matvecs: io[STATS + S.matvecs],
    elapsedMs: io[STATS + S.elapsedMs],
  } as PowerIterationResult;
  if (wanted) res.history = history ?? new Float64Array(0);
  return res;
}

/**
 * Dominant eigenvalue of a square matrix by power iteration (Rayleigh quotient; meant for
 * symmetric matrices, e.g. to bound a spectrum). Runs on the calling thread.
 */
export function powerIterationSync(
  A: CsrMatrix,
  options?: PowerIterationOptions,
): PowerIterationResult {
  const { o, x, io } = prepare(A, options, true);
  const h = callNative(() => native().powerIteration(A.rowPtr, A.colIdx, A.values, x, io));
  return powerResult(x, io, h, o.history);
}

/** Promise form of powerIterationSync: runs off the event loop; takes signal, timeLimitMs, onProgress. */
export function powerIteration(
  A: CsrMatrix,
  options?: PowerIterationOptions & AsyncOptions,
): Promise<PowerIterationResult> {
  let p: ReturnType<typeof prepare>;
  try {
    p = prepare(A, options, false);
  } catch (e) {
    return Promise.reject(e);
  }
  return runJob(
    p.o,
    (opts) => native().powerIterationAsync(A.rowPtr, A.colIdx, A.values, p.x, p.io, opts),
    (h) => powerResult(p.x, p.io, h, p.o.history),
  );
}
