import { AsyncOptions, runJob } from './async';
import { CsrMatrix } from './csr';
import { fromNative } from './errors';
import { native } from './native';
import { PreconditionerSpec, resolvePreconditioner, squareCheck } from './preconditioner';
import { IterativeResult, StopReason } from './result';
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

export interface ConjugateDirectionOptions extends Omit<SolveOptions, 'preconditioner'> {
  /**
   * Direction oracle q = oracle(r / ‖r‖): any preconditioner, or a function `(r, out) => void`
   * that may be nonlinear (a neural network, an inner truncated solve). Default: identity.
   */
  oracle?: PreconditionerSpec;
  /** Number of past directions each new one is A-orthogonalised against. Default 2; 0 = steepest descent. */
  memory?: number;
}

/** The result of every solver. */
export interface SolveResult extends IterativeResult {
  /** The solution (the caller's `out` when given). */
  x: Float64Array;
  /** ‖b − A x‖₂ recomputed from x at exit. */
  residualNorm: number;
  /** Products with A. */
  matvecs: number;
}

export type SolverMethod = 'cg' | 'bicgstab' | 'gmres' | 'minres' | 'conjugateDirection';
const METHOD: Record<SolverMethod, number> = { cg: 0, bicgstab: 1, gmres: 2, minres: 3, conjugateDirection: 4 };

/** Native Reason enum order (native/core/result.hpp). */
export const REASONS: readonly StopReason[] = [
  'rtol',
  'atol',
  'max-iterations',
  'breakdown',
  'indefinite',
  'non-finite',
  'aborted',
  'time-limit',
];

type AnyOptions = GmresOptions & ConjugateDirectionOptions & { preconditioner?: PreconditionerSpec };

// The binding takes (rowPtr, colIdx, values, b, x, io[, preconditioner]) (see
// bindings/solvers.cpp): one Float64Array `io` carries every number,
// [method, rows, cols, trusted, omega, rtol, atol, maxIterations, history, trueResidualEvery,
//  restart, flexible, memory, timeLimitMs, zeroStart], followed by the stats the binding writes
// back, [reason, iterations, residualNorm, matvecs, elapsedMs]. Numbers in one array instead of
// a dozen arguments keep a small solve's call cheap.
const PARAMS = 15;
const IO_LENGTH = PARAMS + 5;
type Prepared = {
  x: Float64Array;
  precond: unknown;
  history: boolean;
  o: Partial<AnyOptions & AsyncOptions>;
};

function prepare(method: SolverMethod, A: CsrMatrix, b: Float64Array, options: unknown, io: Float64Array): Prepared {
  if (!(A instanceof CsrMatrix)) throw v.invalid('A', 'a CsrMatrix', A);
  squareCheck(A);
  const n = A.rows;
  v.f64('b', b, n);
  const o = v.options<AnyOptions & AsyncOptions>('options', options);
  const rtol = o.rtol === undefined ? 1e-8 : v.num('rtol', o.rtol, { min: 0 });
  const atol = o.atol === undefined ? 0 : v.num('atol', o.atol, { min: 0 });
  const maxIterations = o.maxIterations === undefined ? 10 * n : v.int('maxIterations', o.maxIterations, 0, 2 ** 52);
  const history = o.history === undefined ? false : v.bool('history', o.history);
  const tre = o.trueResidualEvery === undefined ? 0 : v.int('trueResidualEvery', o.trueResidualEvery, 0, 2 ** 52);
  let restart = 30;
  let flexible = false;
  let memory = 2;
  let spec: unknown = o.preconditioner;
  if (method === 'gmres') {
    if (o.restart !== undefined) restart = v.int('restart', o.restart, 1, 100000);
    if (o.flexible !== undefined) flexible = v.bool('flexible', o.flexible);
  }
  if (method === 'conjugateDirection') {
    if (o.preconditioner !== undefined) throw v.invalid('preconditioner', 'no preconditioner (conjugateDirection takes `oracle`)', o.preconditioner);
    if (o.memory !== undefined) memory = v.int('memory', o.memory, 0, 100000);
    spec = o.oracle;
  }
  const [precond, omega] = resolvePreconditioner(method === 'conjugateDirection' ? 'oracle' : 'preconditioner', spec, n);
  // Without x0 the binding zeroes x and starts from r = b (no product with A).
  let x: Float64Array;
  if (o.out === undefined) {
    x = o.x0 === undefined ? new Float64Array(n) : v.f64('x0', o.x0, n).slice();
  } else {
    x = v.f64('out', o.out, n);
    if (o.x0 !== undefined && v.f64('x0', o.x0, n) !== x) x.set(o.x0);
  }
  if (o.timeLimitMs !== undefined) v.num('timeLimitMs', o.timeLimitMs, { positive: true });
  io[0] = METHOD[method];
  io[1] = n;
  io[2] = n;
  io[3] = 1; // trusted: A is a validated CsrMatrix
  io[4] = omega;
  io[5] = rtol;
  io[6] = atol;
  io[7] = maxIterations;
  io[8] = history ? 1 : 0;
  io[9] = tre;
  io[10] = restart;
  io[11] = flexible ? 1 : 0;
  io[12] = memory;
  io[13] = o.timeLimitMs ?? 0;
  io[14] = o.x0 === undefined ? 1 : 0;
  return { x, precond, history, o };
}

/**
 * Turns the binding's stats (reason, iterations, residual, matvecs, elapsedMs), at s[at..at+5),
 * into a result.
 */
export function solveResult(x: Float64Array, s: Float64Array, history: Float64Array | undefined, at = 0): SolveResult {
  const reason = REASONS[s[at]];
  const converged = reason === 'rtol' || reason === 'atol';
  return history === undefined
    ? { x, converged, reason, iterations: s[at + 1], residualNorm: s[at + 2], matvecs: s[at + 3], elapsedMs: s[at + 4] }
    : { x, converged, reason, iterations: s[at + 1], residualNorm: s[at + 2], history, matvecs: s[at + 3], elapsedMs: s[at + 4] };
}

// Reused by every sync solve (read by the binding, and copied into the result, before returning).
const syncIo = new Float64Array(IO_LENGTH);

function solveSync(method: SolverMethod, A: CsrMatrix, b: Float64Array, options: unknown): SolveResult {
  const p = prepare(method, A, b, options, syncIo);
  let h: Float64Array | undefined;
  try {
    const nat = native();
    h =
      p.precond === null
        ? nat.krylov(A.rowPtr, A.colIdx, A.values, b, p.x, syncIo)
        : nat.krylov(A.rowPtr, A.colIdx, A.values, b, p.x, syncIo, p.precond);
  } catch (e) {
    throw fromNative(e);
  }
  return solveResult(p.x, syncIo, h, PARAMS);
}

async function solveAsync(
  method: SolverMethod,
  A: CsrMatrix,
  b: Float64Array,
  options: unknown,
): Promise<SolveResult> {
  const io = new Float64Array(IO_LENGTH);
  const p = prepare(method, A, b, options, io);
  const h = await runJob(p.o, (opts) => native().krylovAsync(A.rowPtr, A.colIdx, A.values, b, p.x, io, p.precond, opts));
  return solveResult(p.x, io, h, PARAMS);
}

/**
 * Conjugate gradients for symmetric positive definite A (preconditioned when asked; SSOR runs in
 * Eisenstat's form, about one SpMV per iteration). Reports 'indefinite' when pᵀAp ≤ 0.
 * Runs on the calling thread.
 */
export function cgSync(A: CsrMatrix, b: Float64Array, options?: SolveOptions): SolveResult {
  return solveSync('cg', A, b, options);
}
/** Promise form of {@link cgSync}: runs off the event loop; takes signal, timeLimitMs, onProgress. */
export function cg(A: CsrMatrix, b: Float64Array, options?: SolveOptions & AsyncOptions): Promise<SolveResult> {
  return solveAsync('cg', A, b, options);
}

/** BiCGSTAB for general square A (right-preconditioned). Runs on the calling thread. */
export function bicgstabSync(A: CsrMatrix, b: Float64Array, options?: SolveOptions): SolveResult {
  return solveSync('bicgstab', A, b, options);
}
/** Promise form of {@link bicgstabSync}. */
export function bicgstab(A: CsrMatrix, b: Float64Array, options?: SolveOptions & AsyncOptions): Promise<SolveResult> {
  return solveAsync('bicgstab', A, b, options);
}

/**
 * Restarted GMRES(restart) for general square A, right-preconditioned (so the residual it tracks
 * is the true one); `flexible: true` runs FGMRES. One iteration is one Arnoldi step.
 */
export function gmresSync(A: CsrMatrix, b: Float64Array, options?: GmresOptions): SolveResult {
  return solveSync('gmres', A, b, options);
}
/** Promise form of {@link gmresSync}. */
export function gmres(A: CsrMatrix, b: Float64Array, options?: GmresOptions & AsyncOptions): Promise<SolveResult> {
  return solveAsync('gmres', A, b, options);
}

/** MINRES for symmetric (possibly indefinite) A, with an optional SPD preconditioner. */
export function minresSync(A: CsrMatrix, b: Float64Array, options?: SolveOptions): SolveResult {
  return solveSync('minres', A, b, options);
}
/** Promise form of {@link minresSync}. */
export function minres(A: CsrMatrix, b: Float64Array, options?: SolveOptions & AsyncOptions): Promise<SolveResult> {
  return solveAsync('minres', A, b, options);
}

/**
 * Conjugate-direction method with a pluggable direction oracle (DCDM, Kaneda et al., ICML 2023),
 * for symmetric positive definite A. Each iteration asks the oracle for a direction from the
 * normalised residual, A-orthogonalises it against the last `memory` directions and steps along
 * it. With the identity oracle the iterates are CG's; with a good (even nonlinear) oracle far
 * fewer iterations are needed. The Sync form calls a function oracle inline; the Promise form
 * calls it on the main thread, once per iteration, while the native loop waits.
 */
export function conjugateDirectionSync(A: CsrMatrix, b: Float64Array, options?: ConjugateDirectionOptions): SolveResult {
  return solveSync('conjugateDirection', A, b, options);
}
/** Promise form of {@link conjugateDirectionSync}. */
export function conjugateDirection(
  A: CsrMatrix,
  b: Float64Array,
  options?: ConjugateDirectionOptions & AsyncOptions,
): Promise<SolveResult> {
  return solveAsync('conjugateDirection', A, b, options);
}

function isMethod(m: unknown): m is SolverMethod {
  return typeof m === 'string' && Object.prototype.hasOwnProperty.call(METHOD, m);
}

/** Runs any solver by name (for tools such as the CLI). */
export function solveSyncBy(method: SolverMethod, A: CsrMatrix, b: Float64Array, options?: AnyOptions): SolveResult {
  if (!isMethod(method)) throw v.invalid('method', Object.keys(METHOD).join(', '), method);
  return solveSync(method, A, b, options);
}
/** Promise form of {@link solveSyncBy}. */
export function solveBy(
  method: SolverMethod,
  A: CsrMatrix,
  b: Float64Array,
  options?: AnyOptions & AsyncOptions,
): Promise<SolveResult> {
  if (!isMethod(method)) return Promise.reject(v.invalid('method', Object.keys(METHOD).join(', '), method));
  return solveAsync(method, A, b, options);
}

