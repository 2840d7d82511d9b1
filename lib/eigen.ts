import { AsyncOptions, checkAsyncOptions, runJob } from './async';
import { CsrMatrix } from './csr';
import { callNative, ItersolveError } from './errors';
import { native, NativeIterResult } from './native';
import { rng } from './problems';
import { IterativeResult, StopReason } from './result';
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

export interface PowerIterationResult extends IterativeResult {
  /** Rayleigh-quotient estimate of the dominant eigenvalue. */
  eigenvalue: number;
  /** Unit-norm eigenvector estimate. */
  vector: Float64Array;
  /** Last relative change of the estimate. */
  change: number;
  matvecs: number;
}

function prepare(A: CsrMatrix, options: unknown) {
  if (!(A instanceof CsrMatrix)) throw v.invalid('A', 'a CsrMatrix', A);
  if (A.rows !== A.cols)
    throw new ItersolveError('ERR_DIMENSION_MISMATCH', `A: expected a square matrix, received ${A.rows}x${A.cols}`, {
      argument: 'A',
    });
  const o = v.options<PowerIterationOptions & AsyncOptions>('options', options);
  const rtol = o.rtol === undefined ? 1e-8 : v.num('rtol', o.rtol, { min: 0 });
  const maxIterations = o.maxIterations === undefined ? 1000 : v.int('maxIterations', o.maxIterations, 0, 2 ** 52);
  const history = o.history === undefined ? false : v.bool('history', o.history);
  const x = v.outF64('out', o.out, A.rows);
  if (o.x0 !== undefined) {
    v.f64('x0', o.x0, A.rows);
    if (o.x0 !== x) x.set(o.x0);
  } else {
    // A random start is (almost surely) not orthogonal to the dominant eigenvector; a constant
    // vector can be (e.g. for the Poisson matrix on an even grid).
    const rand = rng(o.seed === undefined ? 1 : v.int('seed', o.seed, 0, 2 ** 32 - 1));
    for (let i = 0; i < x.length; i++) x[i] = rand() * 2 - 1;
  }
  return { o, x, rtol, maxIterations, history };
}

function toResult(r: NativeIterResult, x: Float64Array, history: boolean): PowerIterationResult {
  const res: PowerIterationResult = {
    converged: r.converged,
    reason: r.reason as StopReason,
    iterations: r.iterations,
    eigenvalue: r.value,
    vector: x,
    change: r.change,
    matvecs: r.matvecs,
    elapsedMs: r.elapsedMs,
  };
  if (history) res.history = r.history ?? new Float64Array(0);
  return res;
}

/**
 * Dominant eigenvalue of a square matrix by power iteration (Rayleigh quotient; meant for
 * symmetric matrices, e.g. to bound a spectrum). Runs on the calling thread.
 */
export function powerIterationSync(A: CsrMatrix, options?: PowerIterationOptions): PowerIterationResult {
  const { o, x, rtol, maxIterations, history } = prepare(A, options);
  checkAsyncOptions({ timeLimitMs: o.timeLimitMs });
  const r = callNative(() => native().powerIteration(...A.args(), x, maxIterations, rtol, history, o.timeLimitMs ?? 0));
  return toResult(r, x, history);
}

/** Promise form of powerIterationSync: runs off the event loop; takes signal, timeLimitMs, onProgress. */
export async function powerIteration(
  A: CsrMatrix,
  options?: PowerIterationOptions & AsyncOptions,
): Promise<PowerIterationResult> {
  const { o, x, rtol, maxIterations, history } = prepare(A, options);
  const r = await runJob(o, (opts) => native().powerIterationAsync(...A.args(), x, maxIterations, rtol, history, opts));
  return toResult(r, x, history);
}
