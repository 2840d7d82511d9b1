/**
 * Optimal transport (native/ot/): the Sinkhorn family, Sinkhorn-Newton-Sparse, exact OT by the
 * network simplex, cost matrices and Wasserstein distances.
 *
 * Convention (POT's): minimise ⟨C, P⟩ + ε·Σ P_ij (log P_ij − 1) subject to P1 = a, Pᵀ1 = b, for
 * histograms a (length n) and b (length m) — non-negative, finite, with equal sums (to 1e-12
 * relative) — and an n×m cost matrix C, a row-major Float64Array or a {@link DenseMatrix}. The
 * plan is P = exp((f_i + g_j − C_ij)/ε) for the dual potentials f, g. The stopping test of every
 * Sinkhorn method is the marginal error ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ ≤ tol (reason 'tol'); the exact
 * method stops at its optimum (reason 'optimal'). Zeros in a (b) give zero rows (columns) of P and
 * potentials −∞ there (emd: finite potentials). Mistakes in a, b or C are ERR_INVALID_ARGUMENT
 * (ERR_DIMENSION_MISMATCH for lengths) errors naming the argument.
 *
 * Every solver has a Sync form (runs on the calling thread) and a Promise form (off the event
 * loop; signal, timeLimitMs, onProgress with the marginal error as `value`; an abort rejects with
 * an AbortError carrying the partial result).
 */
import { AbortError, fromNative } from './errors';
import { AsyncOptions, runJob } from './async';
import { CsrMatrix } from './csr';
import { checkDense, colMajor, DenseMatrix, isDenseLike, rowMajor } from './dense';
import {
  COST_MATRIX,
  EMD,
  METRICS,
  OT_INDEX,
  REASONS,
  SINKHORN,
  SINKHORN_BATCH,
  SINKHORN_METHODS,
  SINKHORN_NEWTON,
} from './layout';
import { native, NativeCsr, NativeJobOptions } from './native';
import { checkOptions, ResolvedOptions } from './options';
import { IterativeFields, Outcome, StopReason } from './result';
import * as v from './validate';

export type { DenseMatrix };

/** A Sinkhorn method; 'auto' resolves to the fastest safe one for C/ε (see {@link SinkhornOptions.method}). */
export type SinkhornMethod = (typeof SINKHORN_METHODS)[number];
/** The ground metric of {@link costMatrix}. */
export type Metric = (typeof METRICS)[number];
/** A cost matrix: n×m row-major entries, or a DenseMatrix of either order ('F' is copied). */
export type CostMatrixInput = Float64Array | DenseMatrix;

/** Dual potentials (e.g. a previous result's, as a warm start). */
export interface Potentials {
  /** Length n. */
  f: Float64Array;
  /** Length m. */
  g: Float64Array;
}

/** Options of {@link sinkhornSync}. */
export interface SinkhornOptions {
  /** Entropic regularisation ε > 0 (required). */
  epsilon: number;
  /**
   * 'auto' (the default: 'scaling' when max C − min C ≤ 200 ε, where exp(−C/ε) and the scalings
   * stay well inside double range, else 'log'), 'scaling' (Sinkhorn-Knopp on K = exp(−C/ε)),
   * 'log' (log-domain, stable for any ε), 'stabilized' (scalings absorbed into the potentials)
   * or 'epsilon-scaling' (ε annealed down to its target with warm starts).
   */
  method?: SinkhornMethod;
  /** Stop when the marginal error ≤ tol. Default 1e-9. */
  tol?: number;
  /** Iteration limit (one iteration: f then g). Default 1000 (POT's numItermax). */
  maxIterations?: number;
  /** Iterations between two checks of the marginal error. Default 10. */
  checkEvery?: number;
  /** Start potentials (not modified); entries on zero rows/columns of a/b are ignored. */
  warmStart?: Potentials;
  /** 'dense' (default): the n×m plan; 'none': potentials and figures only. */
  plan?: 'dense' | 'none';
  /** Where the dense plan goes (n·m entries). Default: a new array. */
  out?: Float64Array;
  /** Record the marginal error at every check. */
  history?: boolean;
  /** Stop after this many milliseconds (reason 'time-limit'). */
  timeLimitMs?: number;
}

/** What every entropic OT solver reports besides its outcome. */
export interface OtFields extends IterativeFields {
  /** The potentials (−∞ on zero rows of a / columns of b). */
  f: Float64Array;
  g: Float64Array;
  /** ⟨C, P⟩. */
  cost: number;
  /** ⟨C, P⟩ + ε Σ P (log P − 1). */
  objective: number;
  /** ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁, recomputed exactly from f and g at exit. */
  marginalError: number;
}

export interface SinkhornFields extends OtFields {
  /** The dense plan, n×m row-major (absent with plan: 'none'). */
  plan?: Float64Array;
  /** The method that ran ('auto' resolved; 'log' when 'auto' fell back from an underflow). */
  method: Exclude<SinkhornMethod, 'auto'>;
}
/**
 * Sinkhorn's result: `if (r.converged)` narrows `r.reason` to 'tol' (the exact marginal error at
 * exit meets tol). Otherwise 'max-iterations', 'time-limit', 'non-finite' ('scaling' whose
 * exp(−C/ε) or scalings under/overflow: f, g are the last finite iterate), or 'stagnation' (an
 * iteration changed no bit of the iterate: ε so small against C that floating point cannot
 * reach tol; SNS: neither a Newton step nor a Sinkhorn block made progress).
 */
export type SinkhornResult = SinkhornFields & Outcome<'tol'>;

/** Options of {@link sinkhornBatchSync}. */
export type SinkhornBatchOptions = Omit<SinkhornOptions, 'warmStart' | 'plan' | 'out'>;

/** One pair's outcome in a batch. */
export type SinkhornBatchPair = {
  iterations: number;
  marginalError: number;
  cost: number;
  objective: number;
  /** The pair's marginal error per check, when `history: true`. */
  history?: Float64Array;
} & Outcome<'tol'>;

export interface SinkhornBatchFields {
  /** ⟨C, P_c⟩ per pair. */
  cost: Float64Array;
  objective: Float64Array;
  /** Potentials, n×k column-major (pair c's f at f[c·n ...]). */
  f: Float64Array;
  /** m×k column-major. */
  g: Float64Array;
  pairs: SinkhornBatchPair[];
  /** The most iterations of any pair. */
  iterations: number;
  method: Exclude<SinkhornMethod, 'auto'>;
  elapsedMs: number;
}
/** converged: every pair converged; reason: the first failing pair's, else 'tol'. */
export type SinkhornBatchResult = SinkhornBatchFields & Outcome<'tol'>;

/** k histograms of one length: k Float64Arrays (copied) or an n×k DenseMatrix ('F': no copy). */
export type Histograms = Float64Array[] | DenseMatrix;

/** The CG that solves each Newton system. */
export interface NewtonCgOptions {
  /**
   * The tightest relative tolerance (default 1e-10): inexact Newton, each system is solved to
   * clamp(√(marginal error / Σa), rtol, 0.1).
   */
  rtol?: number;
  /** Iteration limit per system. Default 10·(n + m). */
  maxIterations?: number;
}

/** Options of {@link sinkhornNewtonSync}. */
export interface SinkhornNewtonOptions {
  epsilon: number;
  /** Stop when the marginal error ≤ tol. Default 1e-12. */
  tol?: number;
  /**
   * Log-domain Sinkhorn iterations before the first Newton step. Default 20. Where a Newton step
   * fails (or barely helps), a block of log-domain iterations runs before the next one.
   */
  warmupIterations?: number;
  /** Newton step limit (reason 'max-iterations'). Default 100. */
  maxNewtonIterations?: number;
  /** Plan entries kept per row in the sparsified Hessian (raised adaptively). Default 8. */
  sparsity?: number;
  cg?: NewtonCgOptions;
  /** 'dense' (default), 'sparse' (a CsrMatrix) or 'none'. */
  plan?: 'dense' | 'sparse' | 'none';
  /** Where a dense plan goes. */
  out?: Float64Array;
  /** plan 'sparse': drop entries below sparseDropTol · max(P). Default 0 (keep every positive one). */
  sparseDropTol?: number;
  warmStart?: Potentials;
  /** Record the marginal error after each warm-up check and Newton step. */
  history?: boolean;
  timeLimitMs?: number;
}

export interface SinkhornNewtonFields<
  P extends Float64Array | CsrMatrix = Float64Array,
> extends OtFields {
  /** The plan: n×m row-major ('dense'), a CsrMatrix ('sparse'), absent ('none'). */
  plan?: P;
  method: 'newton';
  /**
   * Log-domain Sinkhorn iterations: the warm-up plus any fallback blocks (iterations = these +
   * Newton steps).
   */
  warmupIterations: number;
  newtonIterations: number;
  /** CG iterations over all Newton systems. */
  cgIterations: number;
  /** Nonzeros of the sparse plan (0 otherwise). */
  planNnz: number;
}
export type SinkhornNewtonResult<P extends Float64Array | CsrMatrix = Float64Array> =
  SinkhornNewtonFields<P> & Outcome<'tol'>;

/** Options of {@link emdSync}. */
export interface EmdOptions {
  /** Pivot limit (reason 'max-iterations': a feasible plan, not optimal). Default 1e8. */
  maxIterations?: number;
  timeLimitMs?: number;
}

export interface EmdFields {
  /** The optimal basic plan: at most n + m − 1 nonzeros. */
  plan: CsrMatrix;
  /** ⟨C, P⟩. */
  cost: number;
  /** = cost. */
  objective: number;
  /**
   * ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ for the b given (rounding only, or b's rescaling to sum(a) when the
   * sums differed within 1e-12 relative).
   */
  marginalError: number;
  /** Dual potentials: f_i + g_j ≤ C_ij, with equality on the plan's support. */
  f: Float64Array;
  g: Float64Array;
  /** Pivots. */
  iterations: number;
  elapsedMs: number;
}
/** emd's result: `if (r.converged)` narrows `r.reason` to 'optimal'. */
export type EmdResult = EmdFields & Outcome<'optimal'>;

/** Options of {@link costMatrix}. */
export interface CostMatrixOptions {
  /** Default 'sqeuclidean'. */
  metric?: Metric;
  /** Where C goes (n·m entries, row-major). Default: a new array. */
  out?: Float64Array;
  /** d, when X and Y are Float64Arrays of points (row-major n×d and m×d). */
  dimension?: number;
}

/** Options of {@link wassersteinSync}: p, and those of the method it runs. */
export interface WassersteinOptions
  extends
    Omit<SinkhornOptions, 'epsilon' | 'method' | 'plan'>,
    Omit<SinkhornNewtonOptions, 'epsilon' | 'plan'>,
    EmdOptions {
  /** The order p ≥ 1: solves with C^p (elementwise), distance = cost^(1/p). Default 1. */
  p?: number;
  /** Absent: exact OT (emd); given: Sinkhorn (or method 'newton') with this ε. */
  epsilon?: number;
  /** With epsilon: a Sinkhorn method (default 'auto') or 'newton'. */
  method?: SinkhornMethod | 'newton';
  plan?: 'dense' | 'sparse' | 'none';
}
/** The underlying result plus `distance` = cost^(1/p). */
export type WassersteinResult = (
  SinkhornResult | SinkhornNewtonResult<Float64Array | CsrMatrix> | EmdResult
) & { distance: number };

// ---------------------------------------------------------------------------------------------
// shared checks

interface Problem {
  n: number;
  m: number;
  a: Float64Array;
  b: Float64Array;
  C: Float64Array;
}

function histogram(argument: string, x: unknown): Float64Array {
  const h = v.f64(argument, x);
  if (h.length === 0) throw v.invalid(argument, 'a non-empty Float64Array', h);
  return h;
}

/** a, b and C's kinds and lengths (their values are the native validate()'s to check). */
function problem(a: unknown, b: unknown, C: unknown): Problem {
  const aa = histogram('a', a);
  const bb = histogram('b', b);
  const n = aa.length;
  const m = bb.length;
  return { n, m, a: aa, b: bb, C: costArg(C, n, m) };
}

function costArg(C: unknown, n: number, m: number): Float64Array {
  if (isDenseLike(C)) return rowMajor(checkDense('C', C, n, m));
  const c = v.f64('C', C);
  if (c.length !== n * m)
    throw v.mismatch(
      'C',
      `length n·m = ${n}·${m} = ${n * m} (n×m row-major)`,
      `length ${c.length}`,
    );
  return c;
}

function required(o: ResolvedOptions): number {
  if (o.epsilon === undefined) throw v.invalid('epsilon', 'a positive number', undefined);
  return o.epsilon;
}

/** f, g from a warm start (copied) or new. */
function potentials(
  o: ResolvedOptions,
  n: number,
  m: number,
): { f: Float64Array; g: Float64Array; warm: boolean } {
  const ws = o.warmStart as Record<string, unknown> | undefined;
  if (ws === undefined) return { f: new Float64Array(n), g: new Float64Array(m), warm: false };
  for (const key of Object.keys(ws))
    if (key !== 'f' && key !== 'g' && ws[key] !== undefined)
      throw v.invalid(`warmStart.${key}`, 'no such key (warmStart is { f, g })', ws[key]);
  return {
    f: v.f64('warmStart.f', ws.f, n).slice(),
    g: v.f64('warmStart.g', ws.g, m).slice(),
    warm: true,
  };
}

function planOut(o: ResolvedOptions, n: number, m: number): Float64Array | null {
  if (o.plan !== 'dense') return null;
  return v.outF64('out', o.out, n * m);
}

function cgOptions(o: ResolvedOptions): { rtol: number; maxIterations: number } {
  const cg = (o.cg ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(cg))
    if (key !== 'rtol' && key !== 'maxIterations' && cg[key] !== undefined)
      throw v.invalid(`cg.${key}`, 'no such option (cg takes rtol and maxIterations)', cg[key]);
  const rtol = cg.rtol === undefined ? 1e-10 : v.num('cg.rtol', cg.rtol, { min: 0 });
  const maxIterations =
    cg.maxIterations === undefined ? -1 : v.int('cg.maxIterations', cg.maxIterations, 0, 2 ** 52);
  return { rtol, maxIterations };
}

const STATS = SINKHORN.s; // the one OT stats list (every OT layout's stats)

function reasonAt(s: Float64Array, at: number): StopReason {
  return REASONS[s[at + STATS.reason]];
}

function fields(s: Float64Array, at: number, f: Float64Array, g: Float64Array) {
  const reason = reasonAt(s, at);
  return {
    f,
    g,
    cost: s[at + STATS.cost],
    objective: s[at + STATS.objective],
    marginalError: s[at + STATS.marginalError],
    iterations: s[at + STATS.iterations],
    converged: reason === 'tol',
    reason,
  };
}

function resolvedMethod(s: Float64Array, at: number): Exclude<SinkhornMethod, 'auto'> {
  return SINKHORN_METHODS[s[at + STATS.method]] as Exclude<SinkhornMethod, 'auto'>;
}

/** Runs a prepared operation in its Sync or Promise form. */
function call<R, N>(
  sync: boolean,
  o: ResolvedOptions,
  syncCall: () => N,
  asyncCall: (opts: NativeJobOptions) => Promise<N>,
  finish: (n: N) => R,
): R | Promise<R> {
  if (sync) {
    let r: N;
    try {
      r = syncCall();
    } catch (e) {
      throw fromNative(e);
    }
    return finish(r);
  }
  return runJob(o, asyncCall, finish);
}

/** Runs `prepare` for a Promise form: its mistakes reject rather than throw. */
function promised<R>(f: () => R | Promise<R>): Promise<R> {
  try {
    return Promise.resolve(f());
  } catch (e) {
    return Promise.reject(e);
  }
}

// ---------------------------------------------------------------------------------------------
// sinkhorn

function sinkhornRun(
  a: unknown,
  b: unknown,
  C: unknown,
  options: unknown,
  sync: boolean,
): SinkhornResult | Promise<SinkhornResult> {
  const p = problem(a, b, C);
  const { n, m } = p;
  const o = checkOptions('sinkhorn', options, sync, n, m);
  const P = SINKHORN.p;
  const io = new Float64Array(SINKHORN.params.length + SINKHORN.stats.length);
  io[P.n] = n;
  io[P.m] = m;
  io[P.method] = OT_INDEX.method[o.method as SinkhornMethod];
  io[P.epsilon] = required(o);
  io[P.tol] = o.tol;
  io[P.maxIterations] = o.maxIterations;
  io[P.checkEvery] = o.checkEvery;
  io[P.history] = o.history ? 1 : 0;
  const { f, g, warm } = potentials(o, n, m);
  io[P.warmStart] = warm ? 1 : 0;
  io[P.timeLimitMs] = o.timeLimitMs ?? 0;
  const plan = planOut(o, n, m);
  const at = SINKHORN.params.length;
  const finish = (r: { history?: Float64Array }): SinkhornResult => {
    const res = {
      ...fields(io, at, f, g),
      method: resolvedMethod(io, at),
      elapsedMs: io[at + STATS.elapsedMs],
    } as SinkhornResult;
    if (plan !== null) res.plan = plan;
    if (r.history !== undefined) res.history = r.history;
    return res;
  };
  return call(
    sync,
    o,
    () => native().sinkhorn(p.a, p.b, p.C, f, g, plan, io),
    (opts) => native().sinkhornAsync(p.a, p.b, p.C, f, g, plan, io, opts),
    finish,
  );
}

/**
 * Entropic OT by Sinkhorn's iteration: the plan P = diag(u) K diag(v) (K = exp(−C/ε)), or its
 * log-domain / stabilised / ε-scaling forms, to a marginal error ≤ tol. Runs on the calling
 * thread.
 */
export function sinkhornSync(
  a: Float64Array,
  b: Float64Array,
  C: CostMatrixInput,
  options: SinkhornOptions,
): SinkhornResult {
  return sinkhornRun(a, b, C, options, true) as SinkhornResult;
}
/** Promise form of {@link sinkhornSync}: off the event loop; takes signal, timeLimitMs, onProgress. */
export function sinkhorn(
  a: Float64Array,
  b: Float64Array,
  C: CostMatrixInput,
  options: SinkhornOptions & AsyncOptions,
): Promise<SinkhornResult> {
  return promised(() => sinkhornRun(a, b, C, options, false));
}

// ---------------------------------------------------------------------------------------------
// sinkhornBatch

/** k histograms as one column-major array (length × k). */
function histograms(argument: string, H: unknown, length?: number, k?: number) {
  if (isDenseLike(H)) {
    const M = checkDense(argument, H, length, k);
    if (M.rows === 0 || M.cols === 0)
      throw v.invalid(argument, 'a non-empty matrix of histograms', `${M.rows}×${M.cols}`);
    return { data: colMajor(M), length: M.rows, k: M.cols };
  }
  if (!Array.isArray(H) || H.length === 0)
    throw v.invalid(argument, 'a non-empty array of Float64Arrays or a DenseMatrix', H);
  if (k !== undefined && H.length !== k)
    throw v.mismatch(argument, `${k} histograms (as many as A)`, `${H.length}`);
  const len = length ?? histogram(`${argument}[0]`, H[0]).length;
  const data = new Float64Array(len * H.length);
  H.forEach((h, c) => data.set(v.f64(`${argument}[${c}]`, h, len), c * len));
  return { data, length: len, k: H.length };
}

function batchRun(
  A: unknown,
  B: unknown,
  C: unknown,
  options: unknown,
  sync: boolean,
): SinkhornBatchResult | Promise<SinkhornBatchResult> {
  const a = histograms('A', A);
  const n = a.length;
  const k = a.k;
  const bh = histograms('B', B, undefined, k);
  const m = bh.length;
  const Cm = costArg(C, n, m);
  const o = checkOptions('sinkhornBatch', options, sync, n, m);
  const P = SINKHORN_BATCH.p;
  const io = new Float64Array(SINKHORN_BATCH.params.length);
  io[P.n] = n;
  io[P.m] = m;
  io[P.k] = k;
  io[P.method] = OT_INDEX.method[o.method as SinkhornMethod];
  io[P.epsilon] = required(o);
  io[P.tol] = o.tol;
  io[P.maxIterations] = o.maxIterations;
  io[P.checkEvery] = o.checkEvery;
  io[P.history] = o.history ? 1 : 0;
  io[P.timeLimitMs] = o.timeLimitMs ?? 0;
  const NS = SINKHORN_BATCH.stats.length;
  const stats = new Float64Array(NS * k);
  const F = new Float64Array(n * k);
  const G = new Float64Array(m * k);
  const finish = (r: { history?: Float64Array[] }): SinkhornBatchResult => {
    const cost = new Float64Array(k);
    const objective = new Float64Array(k);
    const pairs: SinkhornBatchPair[] = [];
    let iterations = 0;
    let failed: StopReason | undefined;
    for (let c = 0; c < k; c++) {
      const at = NS * c;
      const reason = reasonAt(stats, at);
      const pair = {
        converged: reason === 'tol',
        reason,
        iterations: stats[at + STATS.iterations],
        marginalError: stats[at + STATS.marginalError],
        cost: stats[at + STATS.cost],
        objective: stats[at + STATS.objective],
      } as SinkhornBatchPair;
      if (r.history) pair.history = r.history[c];
      cost[c] = pair.cost;
      objective[c] = pair.objective;
      iterations = Math.max(iterations, pair.iterations);
      if (!pair.converged && failed === undefined) failed = reason;
      pairs.push(pair);
    }
    return {
      cost,
      objective,
      f: F,
      g: G,
      pairs,
      iterations,
      method: resolvedMethod(stats, 0),
      converged: failed === undefined,
      reason: failed ?? 'tol',
      elapsedMs: stats[STATS.elapsedMs],
    } as SinkhornBatchResult;
  };
  return call(
    sync,
    o,
    () => native().sinkhornBatch(a.data, bh.data, Cm, F, G, io, stats),
    (opts) => native().sinkhornBatchAsync(a.data, bh.data, Cm, F, G, io, stats, opts),
    finish,
  );
}

/**
 * k pairs of histograms (A_c, B_c) sharing one C, each solved as {@link sinkhornSync} would: with
 * 'scaling' (or 'auto' resolving to it) one pass over K per half-iteration serves every pair.
 * Each pair stops on its own.
 */
export function sinkhornBatchSync(
  A: Histograms,
  B: Histograms,
  C: CostMatrixInput,
  options: SinkhornBatchOptions,
): SinkhornBatchResult {
  return batchRun(A, B, C, options, true) as SinkhornBatchResult;
}
/** Promise form of {@link sinkhornBatchSync}. */
export function sinkhornBatch(
  A: Histograms,
  B: Histograms,
  C: CostMatrixInput,
  options: SinkhornBatchOptions & AsyncOptions,
): Promise<SinkhornBatchResult> {
  return promised(() => batchRun(A, B, C, options, false));
}

// ---------------------------------------------------------------------------------------------
// sinkhornNewton

function wrapCsr(c: NativeCsr): CsrMatrix {
  return new CsrMatrix(c.rows, c.cols, c.rowPtr, c.colIdx, c.values, { validate: false });
}

function newtonRun(
  a: unknown,
  b: unknown,
  C: unknown,
  options: unknown,
  sync: boolean,
):
  | SinkhornNewtonResult<Float64Array | CsrMatrix>
  | Promise<SinkhornNewtonResult<Float64Array | CsrMatrix>> {
  const p = problem(a, b, C);
  const { n, m } = p;
  const o = checkOptions('sinkhornNewton', options, sync, n, m);
  const P = SINKHORN_NEWTON.p;
  const io = new Float64Array(SINKHORN_NEWTON.params.length + SINKHORN_NEWTON.stats.length);
  io[P.n] = n;
  io[P.m] = m;
  io[P.epsilon] = required(o);
  io[P.tol] = o.tol;
  io[P.warmupIterations] = o.warmupIterations;
  io[P.maxNewtonIterations] = o.maxNewtonIterations;
  io[P.sparsity] = o.sparsity;
  const cg = cgOptions(o);
  io[P.cgRtol] = cg.rtol;
  io[P.cgMaxIterations] = cg.maxIterations;
  io[P.plan] = OT_INDEX.plan[o.plan];
  io[P.sparseDropTol] = o.sparseDropTol;
  io[P.history] = o.history ? 1 : 0;
  const { f, g, warm } = potentials(o, n, m);
  io[P.warmStart] = warm ? 1 : 0;
  io[P.timeLimitMs] = o.timeLimitMs ?? 0;
  const plan = planOut(o, n, m);
  const at = SINKHORN_NEWTON.params.length;
  const finish = (r: { history?: Float64Array; plan?: NativeCsr }) => {
    const res = {
      ...fields(io, at, f, g),
      method: 'newton',
      warmupIterations: io[at + STATS.warmupIterations],
      newtonIterations: io[at + STATS.newtonIterations],
      cgIterations: io[at + STATS.cgIterations],
      planNnz: io[at + STATS.planNnz],
      elapsedMs: io[at + STATS.elapsedMs],
    } as SinkhornNewtonResult<Float64Array | CsrMatrix>;
    if (plan !== null) res.plan = plan;
    else if (r.plan !== undefined) res.plan = wrapCsr(r.plan);
    if (r.history !== undefined) res.history = r.history;
    return res;
  };
  return call(
    sync,
    o,
    () => native().sinkhornNewton(p.a, p.b, p.C, f, g, plan, io),
    (opts) => native().sinkhornNewtonAsync(p.a, p.b, p.C, f, g, plan, io, opts),
    finish,
  );
}

/**
 * Sinkhorn-Newton-Sparse (Tang et al., ICLR 2024): log-domain Sinkhorn warm-up, then Newton steps
 * on the concave dual with a sparsified Hessian solved by CG, to a marginal error ≤ tol (default
 * 1e-12) in far fewer iterations than Sinkhorn at small ε. `plan: 'sparse'` returns a CsrMatrix.
 */
export function sinkhornNewtonSync(
  a: Float64Array,
  b: Float64Array,
  C: CostMatrixInput,
  options: SinkhornNewtonOptions & { plan: 'sparse' },
): SinkhornNewtonResult<CsrMatrix>;
export function sinkhornNewtonSync(
  a: Float64Array,
  b: Float64Array,
  C: CostMatrixInput,
  options: SinkhornNewtonOptions,
): SinkhornNewtonResult;
export function sinkhornNewtonSync(
  a: Float64Array,
  b: Float64Array,
  C: CostMatrixInput,
  options: SinkhornNewtonOptions,
): SinkhornNewtonResult<Float64Array | CsrMatrix> {
  return newtonRun(a, b, C, options, true) as SinkhornNewtonResult<Float64Array | CsrMatrix>;
}
/** Promise form of {@link sinkhornNewtonSync}. */
export function sinkhornNewton(
  a: Float64Array,
  b: Float64Array,
  C: CostMatrixInput,
  options: SinkhornNewtonOptions & AsyncOptions & { plan: 'sparse' },
): Promise<SinkhornNewtonResult<CsrMatrix>>;
export function sinkhornNewton(
  a: Float64Array,
  b: Float64Array,
  C: CostMatrixInput,
  options: SinkhornNewtonOptions & AsyncOptions,
): Promise<SinkhornNewtonResult>;
export function sinkhornNewton(
  a: Float64Array,
  b: Float64Array,
  C: CostMatrixInput,
  options: SinkhornNewtonOptions & AsyncOptions,
): Promise<SinkhornNewtonResult<Float64Array | CsrMatrix>> {
  return promised(() => newtonRun(a, b, C, options, false));
}

// ---------------------------------------------------------------------------------------------
// emd

function emdRun(
  a: unknown,
  b: unknown,
  C: unknown,
  options: unknown,
  sync: boolean,
): EmdResult | Promise<EmdResult> {
  const p = problem(a, b, C);
  const { n, m } = p;
  const o = checkOptions('emd', options, sync, n, m);
  const P = EMD.p;
  const io = new Float64Array(EMD.params.length + EMD.stats.length);
  io[P.n] = n;
  io[P.m] = m;
  io[P.maxIterations] = o.maxIterations;
  io[P.timeLimitMs] = o.timeLimitMs ?? 0;
  const f = new Float64Array(n);
  const g = new Float64Array(m);
  const at = EMD.params.length;
  const finish = (r: { plan: NativeCsr }): EmdResult => {
    const reason = reasonAt(io, at);
    return {
      plan: wrapCsr(r.plan),
      cost: io[at + STATS.cost],
      objective: io[at + STATS.objective],
      marginalError: io[at + STATS.marginalError],
      f,
      g,
      iterations: io[at + STATS.iterations],
      converged: reason === 'optimal',
      reason,
      elapsedMs: io[at + STATS.elapsedMs],
    } as EmdResult;
  };
  return call(
    sync,
    o,
    () => native().emd(p.a, p.b, p.C, f, g, io),
    (opts) => native().emdAsync(p.a, p.b, p.C, f, g, io, opts),
    finish,
  );
}

/**
 * Exact OT by the network simplex (block search pivoting, as POT's ot.emd): the optimal basic
 * plan (a CsrMatrix with at most n + m − 1 nonzeros), its cost, and dual potentials satisfying
 * complementary slackness. b is rescaled to sum(a) first.
 */
export function emdSync(
  a: Float64Array,
  b: Float64Array,
  C: CostMatrixInput,
  options?: EmdOptions,
): EmdResult {
  return emdRun(a, b, C, options, true) as EmdResult;
}
/** Promise form of {@link emdSync}. */
export function emd(
  a: Float64Array,
  b: Float64Array,
  C: CostMatrixInput,
  options?: EmdOptions & AsyncOptions,
): Promise<EmdResult> {
  return promised(() => emdRun(a, b, C, options, false));
}

// ---------------------------------------------------------------------------------------------
// costMatrix

function points(argument: string, X: unknown, d: number | undefined) {
  if (isDenseLike(X)) {
    const M = checkDense(argument, X, undefined, d);
    return { data: rowMajor(M), rows: M.rows, d: M.cols };
  }
  const x = v.f64(argument, X);
  if (d === undefined)
    throw v.invalid(
      'dimension',
      `a positive integer when ${argument} is a Float64Array (or give ${argument} as a DenseMatrix)`,
      undefined,
    );
  if (x.length % d !== 0)
    throw v.mismatch(argument, `a length that is a multiple of d = ${d}`, `length ${x.length}`);
  return { data: x, rows: x.length / d, d };
}

/**
 * The n×m cost matrix between point clouds X (n×d) and Y (m×d), row-major: squared Euclidean
 * (default), Euclidean or cityblock distances. X, Y: DenseMatrix (order 'C' read in place) or
 * Float64Array with `dimension`.
 */
export function costMatrix(
  X: Float64Array | DenseMatrix,
  Y: Float64Array | DenseMatrix,
  options?: CostMatrixOptions,
): Float64Array {
  const o = checkOptions('costMatrix', options, true, 0);
  const x = points('X', X, o.dimension);
  const y = points('Y', Y, x.d);
  const out = v.outF64('out', o.out, x.rows * y.rows);
  const P = COST_MATRIX.p;
  const io = new Float64Array(COST_MATRIX.params.length);
  io[P.n] = x.rows;
  io[P.m] = y.rows;
  io[P.d] = x.d;
  io[P.metric] = OT_INDEX.metric[o.metric];
  try {
    return native().costMatrix(x.data, y.data, out, io);
  } catch (e) {
    throw fromNative(e);
  }
}

// ---------------------------------------------------------------------------------------------
// wasserstein

type AnyOtResult = SinkhornResult | SinkhornNewtonResult<Float64Array | CsrMatrix> | EmdResult;

function wassersteinRun(
  a: unknown,
  b: unknown,
  C: unknown,
  options: unknown,
  sync: boolean,
): WassersteinResult | Promise<WassersteinResult> {
  const pr = problem(a, b, C);
  const o = checkOptions('wasserstein', options, sync, pr.n, pr.m);
  const given = { ...(options as Record<string, unknown>) };
  delete given.p;
  const p = o.p;
  let Cp = pr.C;
  if (p !== 1) {
    Cp = new Float64Array(pr.C.length);
    for (let i = 0; i < Cp.length; i++) Cp[i] = Math.pow(pr.C[i], p);
  }
  const withDistance = (r: AnyOtResult): WassersteinResult => {
    const w = r as WassersteinResult;
    w.distance = Math.pow(Math.max(r.cost, 0), 1 / p);
    return w;
  };
  let run: AnyOtResult | Promise<AnyOtResult>;
  if (o.epsilon === undefined) {
    if (o.method !== undefined)
      throw v.invalid('epsilon', `a positive number (method '${o.method}' is entropic)`, undefined);
    run = emdRun(pr.a, pr.b, Cp, given, sync);
  } else if (o.method === 'newton') {
    delete given.method;
    run = newtonRun(pr.a, pr.b, Cp, given, sync);
  } else {
    run = sinkhornRun(pr.a, pr.b, Cp, given, sync);
  }
  if (!(run instanceof Promise)) return withDistance(run);
  return run.then(withDistance, (e: unknown) => {
    if (e instanceof AbortError && e.result !== undefined) withDistance(e.result as AnyOtResult);
    throw e;
  });
}

/**
 * The p-Wasserstein distance for the ground distance C: OT with cost C^p (elementwise), exact
 * (emd) when epsilon is absent, else entropic (Sinkhorn, or SNS with method 'newton');
 * distance = cost^(1/p), with the underlying result's fields. Options other than p, epsilon and
 * method are passed on to (and checked by) the method that runs.
 */
export function wassersteinSync(
  a: Float64Array,
  b: Float64Array,
  C: CostMatrixInput,
  options?: WassersteinOptions,
): WassersteinResult {
  return wassersteinRun(a, b, C, options, true) as WassersteinResult;
}
/** Promise form of {@link wassersteinSync}. */
export function wasserstein(
  a: Float64Array,
  b: Float64Array,
  C: CostMatrixInput,
  options?: WassersteinOptions & AsyncOptions,
): Promise<WassersteinResult> {
  return promised(() => wassersteinRun(a, b, C, options, false));
}
