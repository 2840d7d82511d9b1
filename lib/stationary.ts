/**
 * Stationary iterative methods: (damped) Jacobi, Gauss-Seidel (forward, backward, symmetric), SOR
 * and SSOR, in natural or multicolour row order (native/stationary/).
 *
 * Unlike the Krylov solvers, they stop on the Khodak et al. rule: the TRUE residual
 * ‖b − A x‖₂ ≤ max(rtol·‖b − A x0‖₂, atol), relative to the initial residual (‖b‖ for x0 = 0),
 * checked after every iteration; the iteration count is therefore exact feedback (what a tuner of
 * ω learns from). One iteration is one sweep over the rows; a symmetric one (symmetric
 * Gauss-Seidel, SSOR: a forward then a backward sweep) counts once. The result has the Krylov
 * solvers' shape ({@link SolveResult}); `matvecs` counts passes over A (a symmetric sweep two).
 * A zero, non-finite or missing diagonal entry is an ERR_ZERO_PIVOT error (argument 'A') whose
 * `row` and message name the row.
 */
import { AsyncOptions, runJob } from './async';
import { CsrMatrix } from './csr';
import { fromNative } from './errors';
import { SolveResult, solveResult } from './krylov';
import { ORDERINGS, STATIONARY, STATIONARY_INDEX, STATIONARY_METHODS, SWEEPS } from './layout';
import { native } from './native';
import { checkOptions, StationaryMethod } from './options';
import { squareCheck } from './preconditioner';
import * as v from './validate';

export type { StationaryMethod };

/** A Gauss-Seidel sweep: rows 0..n−1, n−1..0, or both in turn (one iteration). */
export type SweepDirection = (typeof SWEEPS)[number];
/** The row order of a sweep: natural, or by colour (rows of one colour updated in parallel). */
export type SweepOrdering = (typeof ORDERINGS)[number];

/** Options every stationary method takes. */
export interface StationaryOptions {
  /** Start vector (length n; not modified). Default: zeros. */
  x0?: Float64Array;
  /** Where the solution goes (length n); it may be `x0`. Default: a new array. */
  out?: Float64Array;
  /**
   * Stop when ‖b − A x‖₂ ≤ max(rtol·‖b − A x0‖₂, atol): relative to the INITIAL residual (not to
   * ‖b‖, unless x0 = 0), checked on the true residual after every sweep. Default 1e-8.
   */
  rtol?: number;
  /** Absolute residual tolerance (see rtol). Default 0. */
  atol?: number;
  /**
   * Iteration limit (reason 'max-iterations'): one iteration is one sweep, a symmetric one
   * (forward then backward) counting once. Default 10·n.
   */
  maxIterations?: number;
  /** Record the true residual norm after every iteration (`history[0]` is ‖b − A x0‖₂). */
  history?: boolean;
  /** Stop after this many milliseconds (reason 'time-limit'). */
  timeLimitMs?: number;
}

export interface JacobiOptions extends StationaryOptions {
  /** Damping factor ω in (0, 2): each sweep sets x ← x + ω D⁻¹(b − A x). Default 1. */
  omega?: number;
}

export interface GaussSeidelOptions extends StationaryOptions {
  /**
   * 'forward' (rows 0..n−1, the default), 'backward' (n−1..0) or 'symmetric' (a forward then a
   * backward sweep per iteration).
   */
  sweep?: SweepDirection;
  /**
   * 'natural' (the default: rows in order, the textbook iteration counts) or 'multicolor' (a
   * greedy colouring of A's graph, red-black on 5-point stencils: the rows of one colour are
   * updated in parallel on the thread pool, colours in order). A different iteration: it needs
   * more sweeps than natural order (SOR ω = 1.9 on Poisson 200²: 4467 vs 3856), and in a
   * symmetric sweep (SSOR) the last colour is relaxed twice in a row, which for two colours
   * acts as one relaxation by 2ω − ω²: multicolour SSOR wants a moderate ω (≈ 1.3), not ω near 2.
   */
  ordering?: SweepOrdering;
}

export interface SorOptions extends StationaryOptions {
  /**
   * Relaxation factor ω in (0, 2): x_i ← x_i + ω (b_i − Σ_j a_ij x_j) / a_ii, rows in turn
   * (1: Gauss-Seidel; > 1 over-relaxes). Default 1.
   */
  omega?: number;
  /** 'natural' (default) or 'multicolor'; see {@link GaussSeidelOptions.ordering}. */
  ordering?: SweepOrdering;
}

/** SSOR: the options of SOR; ω relaxes both half-sweeps (ω = 1: symmetric Gauss-Seidel). */
export type SsorOptions = SorOptions;

// The binding takes (rowPtr, colIdx, values, b, x, io) (bindings/stationary.cpp): io holds the
// layout's stationary params followed by the solve stats.
const P = STATIONARY.p;
const STATS = STATIONARY.params.length;
const IO_LENGTH = STATS + STATIONARY.stats.length;

// The sweep each method runs: Gauss-Seidel's is an option, SOR's forward, SSOR's symmetric
// (Jacobi has none; the binding ignores the slot for it).
const IMPLIED_SWEEP: Record<StationaryMethod, SweepDirection> = {
  jacobi: 'forward',
  gaussSeidel: 'forward',
  sor: 'forward',
  ssor: 'symmetric',
};

function prepare(
  method: StationaryMethod,
  A: CsrMatrix,
  b: Float64Array,
  options: unknown,
  io: Float64Array,
  sync: boolean,
) {
  if (!(A instanceof CsrMatrix)) throw v.invalid('A', 'a CsrMatrix', A);
  squareCheck(A);
  const n = A.rows;
  v.f64('b', b, n);
  const o = checkOptions(method, options, sync, n);
  // Without x0 the binding zeroes x and starts from r = b (no product with A).
  let x: Float64Array;
  if (o.out === undefined) {
    x = o.x0 === undefined ? new Float64Array(n) : v.f64('x0', o.x0, n).slice();
  } else {
    x = v.f64('out', o.out, n);
    if (o.x0 !== undefined && v.f64('x0', o.x0, n) !== x) x.set(o.x0);
  }
  io[P.rows] = n;
  io[P.cols] = n;
  io[P.trusted] = 1; // A is a validated CsrMatrix, b and x checked Float64Arrays
  io[P.method] = STATIONARY_INDEX.method[method];
  // Slots of options this method does not take get the values it implies.
  io[P.omega] = method === 'gaussSeidel' ? 1 : o.omega;
  io[P.sweep] = STATIONARY_INDEX.sweep[method === 'gaussSeidel' ? o.sweep : IMPLIED_SWEEP[method]];
  io[P.ordering] = STATIONARY_INDEX.ordering[method === 'jacobi' ? 'natural' : o.ordering];
  io[P.rtol] = o.rtol;
  io[P.atol] = o.atol;
  io[P.maxIterations] = o.maxIterations;
  io[P.history] = o.history ? 1 : 0;
  io[P.timeLimitMs] = o.timeLimitMs ?? 0;
  io[P.zeroStart] = o.x0 === undefined ? 1 : 0;
  return { x, o };
}

// Reused by every sync solve (read by the binding, and copied into the result, before returning).
const syncIo = new Float64Array(IO_LENGTH);

function solveSync(
  method: StationaryMethod,
  A: CsrMatrix,
  b: Float64Array,
  options: unknown,
): SolveResult {
  const p = prepare(method, A, b, options, syncIo, true);
  let h: Float64Array | undefined;
  try {
    h = native().stationary(A.rowPtr, A.colIdx, A.values, b, p.x, syncIo);
  } catch (e) {
    throw fromNative(e);
  }
  return solveResult(p.x, syncIo, h, STATS);
}

function solveAsync(
  method: StationaryMethod,
  A: CsrMatrix,
  b: Float64Array,
  options: unknown,
): Promise<SolveResult> {
  const io = new Float64Array(IO_LENGTH);
  let p: ReturnType<typeof prepare>;
  try {
    p = prepare(method, A, b, options, io, false);
  } catch (e) {
    return Promise.reject(e);
  }
  return runJob(
    p.o,
    (opts) => native().stationaryAsync(A.rowPtr, A.colIdx, A.values, b, p.x, io, opts),
    (h) => solveResult(p.x, io, h, STATS),
  );
}

/**
 * (Damped) Jacobi: every sweep sets x ← x + ω D⁻¹(b − A x) from the previous iterate. Converges for strictly diagonally dominant A, and for SPD A when
 * ω < 2/λmax(D⁻¹A). Stops on the true residual relative to ‖b − A x0‖ (see {@link StationaryOptions}).
 * Runs on the calling thread.
 */
export function jacobiSync(A: CsrMatrix, b: Float64Array, options?: JacobiOptions): SolveResult {
  return solveSync('jacobi', A, b, options);
}
/** Promise form of {@link jacobiSync}: runs off the event loop; takes signal, timeLimitMs, onProgress. */
export function jacobi(
  A: CsrMatrix,
  b: Float64Array,
  options?: JacobiOptions & AsyncOptions,
): Promise<SolveResult> {
  return solveAsync('jacobi', A, b, options);
}

/**
 * Gauss-Seidel: x_i ← (b_i − Σ_{j≠i} a_ij x_j) / a_ii, rows in turn using the newest values;
 * `sweep` 'forward', 'backward' or 'symmetric' (both in one iteration), `ordering` natural or
 * multicolour. Converges for SPD and for strictly diagonally dominant A.
 */
export function gaussSeidelSync(
  A: CsrMatrix,
  b: Float64Array,
  options?: GaussSeidelOptions,
): SolveResult {
  return solveSync('gaussSeidel', A, b, options);
}
/** Promise form of {@link gaussSeidelSync}. */
export function gaussSeidel(
  A: CsrMatrix,
  b: Float64Array,
  options?: GaussSeidelOptions & AsyncOptions,
): Promise<SolveResult> {
  return solveAsync('gaussSeidel', A, b, options);
}

/**
 * Successive over-relaxation: forward Gauss-Seidel sweeps with x_i ← x_i + ω (b_i − Σ_j a_ij x_j)
 * / a_ii. For SPD A it converges for every ω in (0, 2); the best ω (Young's, for consistently
 * ordered A) cuts the iteration count by an order of magnitude on Poisson problems.
 */
export function sorSync(A: CsrMatrix, b: Float64Array, options?: SorOptions): SolveResult {
  return solveSync('sor', A, b, options);
}
/** Promise form of {@link sorSync}. */
export function sor(
  A: CsrMatrix,
  b: Float64Array,
  options?: SorOptions & AsyncOptions,
): Promise<SolveResult> {
  return solveAsync('sor', A, b, options);
}

/**
 * Symmetric SOR: one iteration is a forward SOR sweep then a backward one (rows n−1..0), both
 * with ω. For symmetric A its splitting matrix is symmetric (which is why SSOR also serves as a
 * CG preconditioner).
 */
export function ssorSync(A: CsrMatrix, b: Float64Array, options?: SsorOptions): SolveResult {
  return solveSync('ssor', A, b, options);
}
/** Promise form of {@link ssorSync}. */
export function ssor(
  A: CsrMatrix,
  b: Float64Array,
  options?: SsorOptions & AsyncOptions,
): Promise<SolveResult> {
  return solveAsync('ssor', A, b, options);
}

/**
 * Whether `m` names a stationary method.
 * @internal
 */
export function isStationaryMethod(m: unknown): m is StationaryMethod {
  return typeof m === 'string' && (STATIONARY_METHODS as readonly string[]).includes(m);
}

/**
 * Runs a stationary method by name (for tools such as the CLI; solveBy runs the Krylov ones).
 * @internal
 */
export function stationaryBy(
  method: StationaryMethod,
  A: CsrMatrix,
  b: Float64Array,
  options?: (JacobiOptions & GaussSeidelOptions & SorOptions) & AsyncOptions,
): Promise<SolveResult> {
  if (!isStationaryMethod(method))
    return Promise.reject(v.invalid('method', STATIONARY_METHODS.join(', '), method));
  return solveAsync(method, A, b, options);
}
