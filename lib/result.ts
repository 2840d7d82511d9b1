import type { REASONS } from './layout';

/**
 * Why an iterative method stopped: 'rtol' / 'atol' (converged), 'max-iterations', 'breakdown',
 * 'indefinite', 'non-finite', 'aborted' (only on an AbortError's `result`), 'time-limit' or
 * 'stagnation' (a restarted method stopped making progress).
 */
export type StopReason = (typeof REASONS)[number];

/** The reasons of a converged run. */
export type ConvergedReason = 'rtol' | 'atol';
/** The reasons of a run that did not converge. */
export type NotConvergedReason = Exclude<StopReason, ConvergedReason>;

/**
 * `converged` and `reason` together: `if (r.converged)` narrows `r.reason` to 'rtol' | 'atol',
 * and the else branch to the other reasons.
 */
export type Outcome =
  { converged: true; reason: ConvergedReason } | { converged: false; reason: NotConvergedReason };

/** What every iterative method reports besides its outcome. */
export interface IterativeFields {
  iterations: number;
  /** Per-iteration figure (residual norm, eigenvalue estimate), when `history: true`. */
  history?: Float64Array;
  elapsedMs: number;
}

/** The result shape every iterative method shares (a union discriminated by `converged`). */
export type IterativeResult = IterativeFields & Outcome;
