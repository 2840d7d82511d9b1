import type { REASONS } from './layout';

/**
 * Why an iterative method stopped: 'rtol' / 'atol' (a linear solver converged), 'tol' (a method
 * with its own tolerance test converged, e.g. optimal transport's marginal error), 'optimal' (an
 * exact method reached its optimum), 'max-iterations', 'breakdown', 'indefinite', 'non-finite',
 * 'aborted' (only on an AbortError's `result`), 'time-limit', 'stagnation' (a restarted method
 * stopped making progress) or 'divergence' (the residual grew past a divergence bound: PETSc's
 * KSP_DIVERGED_DTOL, from petscSolve).
 */
export type StopReason = (typeof REASONS)[number];

/** The reasons of a converged run (a given method reports a subset: see its Outcome). */
export type ConvergedReason = 'rtol' | 'atol' | 'tol' | 'optimal';
/** The reasons of a run that did not converge. */
export type NotConvergedReason = Exclude<StopReason, ConvergedReason>;

/**
 * `converged` and `reason` together: `if (r.converged)` narrows `r.reason` to the method's
 * converged reasons C ('rtol' | 'atol' for the linear solvers, the default), and the else branch
 * to the other reasons.
 */
export type Outcome<C extends ConvergedReason = 'rtol' | 'atol'> =
  { converged: true; reason: C } | { converged: false; reason: NotConvergedReason };

/** What every iterative method reports besides its outcome. */
export interface IterativeFields {
  iterations: number;
  /** Per-iteration figure (residual norm, eigenvalue estimate), when `history: true`. */
  history?: Float64Array;
  elapsedMs: number;
}

/** The result shape every iterative method shares (a union discriminated by `converged`). */
export type IterativeResult<C extends ConvergedReason = 'rtol' | 'atol'> = IterativeFields &
  Outcome<C>;

/** Whether a reason is one of a converged run (every method's converged reasons). */
export function isConvergedReason(r: StopReason): r is ConvergedReason {
  return r === 'rtol' || r === 'atol' || r === 'tol' || r === 'optimal';
}
