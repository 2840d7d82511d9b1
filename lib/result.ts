import type { REASONS } from './layout';

/**
 * Why an iterative method stopped: 'rtol' / 'atol' (converged), 'max-iterations', 'breakdown',
 * 'indefinite', 'non-finite', 'aborted' (only on an AbortError's `result`), 'time-limit' or
 * 'stagnation' (a restarted method stopped making progress).
 */
export type StopReason = (typeof REASONS)[number];

/** The result shape every iterative method shares. */
export interface IterativeResult {
  converged: boolean;
  reason: StopReason;
  iterations: number;
  /** Per-iteration figure (residual norm, eigenvalue estimate), when `history: true`. */
  history?: Float64Array;
  elapsedMs: number;
}
