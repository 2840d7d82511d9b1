import { AsyncOptions, runJob } from './async';
import { callNative } from './errors';
import { BATCH, REASONS } from './layout';
import { native } from './native';
import {
  checkOperator,
  checkPreconditionerForOperator,
  nativeOperatorArgs,
  OperatorInput,
} from './operator';
import { checkOptions } from './options';
import { PreconditionerSpec, resolvePreconditioner } from './preconditioner';
import { Outcome, StopReason } from './result';
import * as v from './validate';

export interface CgBatchOptions {
  /** Start vectors, column-major n×k like B (not modified). Default: zeros. */
  x0?: Float64Array;
  /** Where the solutions go (n×k, column-major); may be `x0`. */
  out?: Float64Array;
  /** Per column: stop when ‖b_c − A x_c‖₂ ≤ max(rtol·‖b_c‖₂, atol). Default 1e-8. */
  rtol?: number;
  atol?: number;
  /** Default 10·n. */
  maxIterations?: number;
  /** A kind or a built Preconditioner (a function is not supported for batches). */
  preconditioner?: Exclude<PreconditionerSpec, (r: Float64Array, z: Float64Array) => void>;
  history?: boolean;
  trueResidualEvery?: number;
  timeLimitMs?: number;
}

/** One column's outcome (`converged` narrows `reason`, as in every result). */
export type CgBatchColumn = Outcome & {
  iterations: number;
  /** ‖b_c − A x_c‖₂ recomputed at exit. */
  residualNorm: number;
  history?: Float64Array;
};

/**
 * `converged`: every column converged (then `reason` is 'rtol'); otherwise `reason` is that of
 * the first column that did not.
 */
export type CgBatchResult = Outcome & CgBatchFields;

export interface CgBatchFields {
  /** Solutions, column-major n×k. */
  x: Float64Array;
  /** Most iterations any column ran (= shared passes over A). */
  iterations: number;
  /** Largest column residual norm. */
  residualNorm: number;
  /** Products with A, counting a shared pass over A for all columns as one per column. */
  matvecs: number;
  columns: CgBatchColumn[];
  elapsedMs: number;
}

// The binding takes (rowPtr, colIdx, values, B, X, io, stats[, preconditioner])
// (bindings/batch.cpp), a matrix-free operator in the rowPtr slot: io holds the layout's batch params, stats gets the solve stats of every
// column (SOLVE_STATS, one after another).
const P = BATCH.p;
const S = BATCH.s;
const NSTATS = BATCH.stats.length;

function prepare(A: OperatorInput, B: Float64Array, options: unknown, sync: boolean) {
  const { rows: n, matrix } = checkOperator('A', A, true);
  v.f64('B', B);
  if (n === 0 || B.length === 0 || B.length % n !== 0)
    throw v.mismatch(
      'B',
      `a non-empty length that is a multiple of n = ${n} (column-major n×k)`,
      `length ${B.length}`,
    );
  const k = B.length / n;
  const o = checkOptions('cgBatch', options, sync, n);
  const [precond, omega] = resolvePreconditioner('preconditioner', o.preconditioner, n, false);
  checkPreconditionerForOperator('preconditioner', precond, matrix);
  let x: Float64Array;
  if (o.out === undefined) {
    x = o.x0 === undefined ? new Float64Array(n * k) : v.f64('x0', o.x0, n * k).slice();
  } else {
    x = v.f64('out', o.out, n * k);
    if (o.x0 === undefined) x.fill(0);
    else if (v.f64('x0', o.x0, n * k) !== x) x.set(o.x0);
  }
  const io = new Float64Array(BATCH.params.length);
  io[P.rows] = n;
  io[P.cols] = n;
  io[P.trusted] = 1; // A is a validated CsrMatrix (or an operator)
  io[P.k] = k;
  io[P.omega] = omega;
  io[P.rtol] = o.rtol;
  io[P.atol] = o.atol;
  io[P.maxIterations] = o.maxIterations;
  io[P.history] = o.history ? 1 : 0;
  io[P.trueResidualEvery] = o.trueResidualEvery;
  io[P.timeLimitMs] = o.timeLimitMs ?? 0;
  return { o, k, x, io, precond, stats: new Float64Array(NSTATS * k) };
}

function toResult(
  x: Float64Array,
  k: number,
  s: Float64Array,
  histories: Float64Array[] | undefined,
): CgBatchResult {
  const columns: CgBatchColumn[] = [];
  let iterations = 0;
  let matvecs = 0;
  let residualNorm = 0;
  let reason: StopReason | undefined;
  for (let c = 0; c < k; c++) {
    const at = NSTATS * c;
    const r = REASONS[s[at + S.reason]];
    const col = {
      converged: r === 'rtol' || r === 'atol',
      reason: r,
      iterations: s[at + S.iterations],
      residualNorm: s[at + S.residualNorm],
    } as CgBatchColumn;
    if (histories) col.history = histories[c];
    if (!col.converged && reason === undefined) reason = r;
    iterations = Math.max(iterations, col.iterations);
    matvecs += s[at + S.matvecs];
    residualNorm = Math.max(residualNorm, col.residualNorm);
    columns.push(col);
  }
  return {
    x,
    converged: reason === undefined,
    reason: reason ?? 'rtol',
    iterations,
    residualNorm,
    matvecs,
    columns,
    elapsedMs: k > 0 ? s[S.elapsedMs] : 0,
  } as CgBatchResult;
}

/**
 * Conjugate gradients on k right-hand sides at once: B holds them column-major (n×k) in one
 * Float64Array. Every column runs its own CG recurrence (with its own convergence and result),
 * while the products with A share each pass over A (SpMM), which is what makes it faster than
 * k separate solves. A may also be a matrix-free operator `{ rows, cols, multiply(x, out) }`
 * (lib/operator.ts): then each running column costs one `multiply` call per iteration. Runs on
 * the calling thread.
 */
export function cgBatchSync(
  A: OperatorInput,
  B: Float64Array,
  options?: CgBatchOptions,
): CgBatchResult {
  const p = prepare(A, B, options, true);
  const h = callNative(() =>
    p.precond === null
      ? native().cgBatch(...nativeOperatorArgs(A), B, p.x, p.io, p.stats)
      : native().cgBatch(...nativeOperatorArgs(A), B, p.x, p.io, p.stats, p.precond),
  );
  return toResult(p.x, p.k, p.stats, h);
}

/** Promise form of {@link cgBatchSync}: runs off the event loop; takes signal, timeLimitMs, onProgress. */
export function cgBatch(
  A: OperatorInput,
  B: Float64Array,
  options?: CgBatchOptions & AsyncOptions,
): Promise<CgBatchResult> {
  let p: ReturnType<typeof prepare>;
  try {
    p = prepare(A, B, options, false);
  } catch (e) {
    return Promise.reject(e);
  }
  return runJob(
    p.o,
    (opts) =>
      native().cgBatchAsync(...nativeOperatorArgs(A), B, p.x, p.io, p.stats, p.precond, opts),
    (h) => toResult(p.x, p.k, p.stats, h),
  );
}
