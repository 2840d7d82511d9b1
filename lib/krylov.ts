import { AsyncOptions, runJob } from './async';
import { CsrMatrix } from './csr';
import { fromNative, ItersolveError } from './errors';
import { KRYLOV, METHOD_INDEX, METHODS, REASONS } from './layout';
import { native } from './native';
import {
  checkOperator,
  checkPreconditionerForOperator,
  nativeOperatorArgs,
  OperatorInput,
} from './operator';
import { checkOptions, SolverMethod } from './options';
import { PreconditionerSpec, resolvePreconditioner } from './preconditioner';
import { IterativeFields, Outcome } from './result';
import * as v from './validate';

/** Options every Krylov solver takes. */
export interface SolveOptions {
  /** Start vector (length n; not modified). Default: zeros. */
  x0?: Float64Array;
  /** Where the solution goes (length n); it may be `x0`. Default: a new array. */
  out?: Float64Array;
  /** Stop when ‖b − A x‖₂ ≤ max(rtol·‖b‖₂, atol). Default 1e-8. */
  rtol?: number;
  /** Default 0. */
  atol?: number;
  /** Default 10·n. */
  maxIterations?: number;
  /** Default 'none'. See {@link PreconditionerSpec}. */
  preconditioner?: PreconditionerSpec;
  /** Record the residual norm per iteration (`history[0]` is the initial residual). */
  history?: boolean;
  /** Recompute the residual as b − A x every k iterations (residual replacement). Default: never. */
  trueResidualEvery?: number;
  /** Stop after this many milliseconds (reason 'time-limit'). */
  timeLimitMs?: number;
}

export interface GmresOptions extends SolveOptions {
  /** Krylov subspace dimension per cycle. Default 30. */
  restart?: number;
  /** FGMRES: the preconditioner may change from step to step (e.g. a nonlinear function). */
  flexible?: boolean;
}

export interface GcrotmkOptions extends SolveOptions {
  /** m: inner GMRES steps per cycle. Default 20 (as SciPy's gcrotmk). */
  restart?: number;
  /** k: directions carried from cycle to cycle (an integer ≥ 0). Default: `restart`. */
  recycle?: number;
}

export interface MinresOptions extends SolveOptions {
  /**
   * Check that A is symmetric first (to within ε^(1/3) ≈ 6e-6 relative, SciPy's tolerance) and
   * throw ERR_NOT_SYMMETRIC (argument 'A') when it is not. Default false. A built preconditioner
   * is not checked.
   */
  checkSymmetry?: boolean;
}

export interface ConjugateDirectionOptions extends Omit<SolveOptions, 'preconditioner'> {
  /**
   * Direction oracle q = oracle(r / ‖r‖): any preconditioner, or a function `(r, out) => void`
   * that may be nonlinear (a neural network, an inner truncated solve). Default: identity.
   */
  oracle?: PreconditionerSpec;
  /** Number of past directions each new one is A-orthogonalised against. Default 2; 0 = steepest descent. */
  memory?: number;
}

/** What every solver reports besides its outcome. */
export interface SolveFields extends IterativeFields {
  /** The solution (the caller's `out` when given). */
  x: Float64Array;
  /** ‖b − A x‖₂ recomputed from x at exit. */
  residualNorm: number;
  /** Products with A. */
  matvecs: number;
}

/**
 * The result of every solver: `if (r.converged)` narrows `r.reason` to 'rtol' | 'atol'; otherwise
 * it is 'max-iterations', 'breakdown', 'indefinite', 'non-finite', 'time-limit', 'stagnation'
 * (or 'aborted', on an AbortError's `result`).
 */
export type SolveResult = SolveFields & Outcome;

export type { SolverMethod };

type AnyOptions = GmresOptions &
  GcrotmkOptions &
  MinresOptions &
  ConjugateDirectionOptions & { preconditioner?: PreconditionerSpec };

// The binding takes (rowPtr, colIdx, values, b, x, io[, preconditioner]) (bindings/krylov.cpp),
// or a matrix-free operator in the rowPtr slot (lib/operator.ts nativeOperatorArgs):
// one Float64Array `io` carries every number, the layout's krylov params (lib/layout.ts) followed
// by the stats the binding writes back. Numbers in one array instead of a dozen arguments keep a
// small solve's call cheap.
const P = KRYLOV.p;
const STATS = KRYLOV.params.length;
const IO_LENGTH = STATS + KRYLOV.stats.length;
type Prepared = {
  x: Float64Array;
  precond: unknown;
  history: boolean;
  o: Partial<AsyncOptions>;
};

/**
 * SciPy's minres(check=True) tolerance: A counts as symmetric when every pair of entries agrees
 * to within ε^(1/3) ≈ 6e-6 relative.
 * @internal
 */
export const SYMMETRY_TOLERANCE = Number.EPSILON ** (1 / 3);

function prepare(
  method: SolverMethod,
  A: OperatorInput,
  b: Float64Array,
  options: unknown,
  io: Float64Array,
  sync: boolean,
): Prepared {
  const { rows: n, matrix } = checkOperator('A', A, true);
  v.f64('b', b, n);
  const o = checkOptions(method, options, sync, n);
  const cd = method === 'conjugateDirection';
  const argument = cd ? 'oracle' : 'preconditioner';
  const [precond, omega] = resolvePreconditioner(argument, cd ? o.oracle : o.preconditioner, n);
  checkPreconditionerForOperator(argument, precond, matrix);
  if (o.checkSymmetry && matrix === null)
    throw v.invalid('checkSymmetry', 'false with a matrix-free A (its entries are unknown)', true);
  if (o.checkSymmetry && !(matrix as CsrMatrix).isSymmetric(SYMMETRY_TOLERANCE))
    throw new ItersolveError(
      'ERR_NOT_SYMMETRIC',
      `A: expected a symmetric matrix (|a_ij − a_ji| ≤ ${SYMMETRY_TOLERANCE.toPrecision(2)}·max(|a_ij|, |a_ji|)), received a nonsymmetric one`,
      { argument: 'A' },
    );
  // Without x0 the binding zeroes x and starts from r = b (no product with A).
  let x: Float64Array;
  if (o.out === undefined) {
    x = o.x0 === undefined ? new Float64Array(n) : v.f64('x0', o.x0, n).slice();
  } else {
    x = v.f64('out', o.out, n);
    if (o.x0 !== undefined && v.f64('x0', o.x0, n) !== x) x.set(o.x0);
  }
  io[P.method] = METHOD_INDEX[method];
  io[P.rows] = n;
  io[P.cols] = n;
  io[P.trusted] = 1; // A is a validated CsrMatrix (or an operator), b and x checked Float64Arrays
  io[P.omega] = omega;
  io[P.rtol] = o.rtol;
  io[P.atol] = o.atol;
  io[P.maxIterations] = o.maxIterations;
  io[P.history] = o.history ? 1 : 0;
  io[P.trueResidualEvery] = o.trueResidualEvery;
  // Slots of options this method does not take get values the binding accepts and ignores.
  io[P.restart] = o.restart ?? 1;
  io[P.flexible] = o.flexible ? 1 : 0;
  io[P.memory] = o.memory ?? 0;
  io[P.timeLimitMs] = o.timeLimitMs ?? 0;
  io[P.zeroStart] = o.x0 === undefined ? 1 : 0;
  io[P.recycle] = o.recycle ?? -1;
  return { x, precond, history: o.history, o };
}

const S = KRYLOV.s;

/**
 * Turns the binding's solve stats (layout's SOLVE_STATS), at s[at..], into a result.
 * @internal
 */
export function solveResult(
  x: Float64Array,
  s: Float64Array,
  history: Float64Array | undefined,
  at = 0,
): SolveResult {
  const reason = REASONS[s[at + S.reason]];
  const converged = reason === 'rtol' || reason === 'atol';
  const iterations = s[at + S.iterations];
  const residualNorm = s[at + S.residualNorm];
  const matvecs = s[at + S.matvecs];
  const elapsedMs = s[at + S.elapsedMs];
  return (
    history === undefined
      ? { x, converged, reason, iterations, residualNorm, matvecs, elapsedMs }
      : { x, converged, reason, iterations, residualNorm, history, matvecs, elapsedMs }
  ) as SolveResult;
}

// Reused by every sync solve (read by the binding, and copied into the result, before returning).
const syncIo = new Float64Array(IO_LENGTH);

function solveSync(
  method: SolverMethod,
  A: OperatorInput,
  b: Float64Array,
  options: unknown,
): SolveResult {
  const p = prepare(method, A, b, options, syncIo, true);
  let h: Float64Array | undefined;
  try {
    const nat = native();
    const [rp, ci, va] = nativeOperatorArgs(A);
    h =
      p.precond === null
        ? nat.krylov(rp, ci, va, b, p.x, syncIo)
        : nat.krylov(rp, ci, va, b, p.x, syncIo, p.precond);
  } catch (e) {
    throw fromNative(e);
  }
  return solveResult(p.x, syncIo, h, STATS);
}

function solveAsync(
  method: SolverMethod,
  A: OperatorInput,
  b: Float64Array,
  options: unknown,
): Promise<SolveResult> {
  const io = new Float64Array(IO_LENGTH);
  let p: Prepared;
  try {
    p = prepare(method, A, b, options, io, false);
  } catch (e) {
    return Promise.reject(e);
  }
  return runJob(
    p.o,
    (opts) => native().krylovAsync(...nativeOperatorArgs(A), b, p.x, io, p.precond, opts),
    (h) => solveResult(p.x, io, h, STATS),
  );
}

// Every solver here takes A as a CsrMatrix or as a matrix-free LinearOperatorLike
// { rows, cols, multiply(x, out) } (square; lib/operator.ts). With an operator each product with A
// is a call of multiply (inline in the Sync forms, on the main thread in the Promise forms); the
// preconditioner kinds built from A's entries ('jacobi', 'ssor', 'ic0', 'ilu0') then need a built
// Preconditioner or a function instead.

/**
 * Conjugate gradients for symmetric positive definite A (preconditioned when asked; SSOR runs in
 * Eisenstat's form, about one SpMV per iteration). Reports 'indefinite' when pᵀAp ≤ 0.
 * Runs on the calling thread.
 */
export function cgSync(A: OperatorInput, b: Float64Array, options?: SolveOptions): SolveResult {
  return solveSync('cg', A, b, options);
}
/** Promise form of {@link cgSync}: runs off the event loop; takes signal, timeLimitMs, onProgress. */
export function cg(
  A: OperatorInput,
  b: Float64Array,
  options?: SolveOptions & AsyncOptions,
): Promise<SolveResult> {
  return solveAsync('cg', A, b, options);
}

/** BiCGSTAB for general square A (right-preconditioned). Runs on the calling thread. */
export function bicgstabSync(
  A: OperatorInput,
  b: Float64Array,
  options?: SolveOptions,
): SolveResult {
  return solveSync('bicgstab', A, b, options);
}
/** Promise form of {@link bicgstabSync}. */
export function bicgstab(
  A: OperatorInput,
  b: Float64Array,
  options?: SolveOptions & AsyncOptions,
): Promise<SolveResult> {
  return solveAsync('bicgstab', A, b, options);
}

/**
 * Restarted GMRES(restart) for general square A, right-preconditioned (so the residual it tracks
 * is the true one); `flexible: true` runs FGMRES. One iteration is one Arnoldi step.
 */
export function gmresSync(A: OperatorInput, b: Float64Array, options?: GmresOptions): SolveResult {
  return solveSync('gmres', A, b, options);
}
/** Promise form of {@link gmresSync}. */
export function gmres(
  A: OperatorInput,
  b: Float64Array,
  options?: GmresOptions & AsyncOptions,
): Promise<SolveResult> {
  return solveAsync('gmres', A, b, options);
}

/**
 * MINRES for symmetric (possibly indefinite) A, with an optional SPD preconditioner.
 * `checkSymmetry: true` verifies A's symmetry first (ERR_NOT_SYMMETRIC).
 */
export function minresSync(
  A: OperatorInput,
  b: Float64Array,
  options?: MinresOptions,
): SolveResult {
  return solveSync('minres', A, b, options);
}
/** Promise form of {@link minresSync}. */
export function minres(
  A: OperatorInput,
  b: Float64Array,
  options?: MinresOptions & AsyncOptions,
): Promise<SolveResult> {
  return solveAsync('minres', A, b, options);
}

/**
 * GCROT(m, k) (Hicken and Zingg; SciPy's gcrotmk) for general square A, right-preconditioned:
 * GMRES cycles of m = `restart` inner steps (default 20) that keep the k = `recycle` most useful
 * directions (default m) from cycle to cycle, where plain restarted GMRES would discard them.
 * One iteration is one inner step (one product with A).
 */
export function gcrotmkSync(
  A: OperatorInput,
  b: Float64Array,
  options?: GcrotmkOptions,
): SolveResult {
  return solveSync('gcrotmk', A, b, options);
}
/** Promise form of {@link gcrotmkSync}. */
export function gcrotmk(
  A: OperatorInput,
  b: Float64Array,
  options?: GcrotmkOptions & AsyncOptions,
): Promise<SolveResult> {
  return solveAsync('gcrotmk', A, b, options);
}

/**
 * Conjugate-direction method with a pluggable direction oracle (DCDM, Kaneda et al., ICML 2023),
 * for symmetric positive definite A. Each iteration asks the oracle for a direction from the
 * normalised residual, A-orthogonalises it against the last `memory` directions and steps along
 * it. With the identity oracle the iterates are CG's; with a good (even nonlinear) oracle far
 * fewer iterations are needed. The Sync form calls a function oracle inline; the Promise form
 * calls it on the main thread, once per iteration, while the native loop waits.
 */
export function conjugateDirectionSync(
  A: OperatorInput,
  b: Float64Array,
  options?: ConjugateDirectionOptions,
): SolveResult {
  return solveSync('conjugateDirection', A, b, options);
}
/** Promise form of {@link conjugateDirectionSync}. */
export function conjugateDirection(
  A: OperatorInput,
  b: Float64Array,
  options?: ConjugateDirectionOptions & AsyncOptions,
): Promise<SolveResult> {
  return solveAsync('conjugateDirection', A, b, options);
}

function isMethod(m: unknown): m is SolverMethod {
  return typeof m === 'string' && (METHODS as readonly string[]).includes(m);
}

/** Runs any solver by name (for tools such as the CLI). */
export function solveSyncBy(
  method: SolverMethod,
  A: OperatorInput,
  b: Float64Array,
  options?: AnyOptions,
): SolveResult {
  if (!isMethod(method)) throw v.invalid('method', METHODS.join(', '), method);
  return solveSync(method, A, b, options);
}
/** Promise form of {@link solveSyncBy}. */
export function solveBy(
  method: SolverMethod,
  A: OperatorInput,
  b: Float64Array,
  options?: AnyOptions & AsyncOptions,
): Promise<SolveResult> {
  if (!isMethod(method)) return Promise.reject(v.invalid('method', METHODS.join(', '), method));
  return solveAsync(method, A, b, options);
}
