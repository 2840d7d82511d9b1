/** Why an iterative method stopped. */
export type StopReason =
  | 'rtol'
  | 'atol'
  | 'max-iterations'
  | 'breakdown'
  | 'indefinite'
  | 'non-finite'
  | 'aborted'
  | 'time-limit';

/** The result shape every iterative method shares. */
export interface IterativeResult {
  converged: boolean;
  reason: StopReason;
  iterations: number;
  /** Per-iteration figure (residual norm, eigenvalue estimate), when `history: true`. */
  history?: Float64Array;
  elapsedMs: number;
}
