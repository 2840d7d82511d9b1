/**
 * ℓ1-regularised logistic regression (native/bcd/logistic.hpp). The objective minimised is the
 * mean log-loss plus an ℓ1 penalty,
 *
 *     P(w, c) = (1/n) Σ_i log(1 + exp(−y_i (x_iᵀw + c))) + λ‖w‖₁,
 *
 * with labels y_i ∈ {−1, +1} (0/1 labels are read as −1/+1) and c an explicit, unpenalised
 * intercept (0 without fitIntercept). With sample weights s the sum is Σ s_i (…) and n is Σ s_i.
 * scikit-learn's `LogisticRegression(penalty='l1', C)` minimises C·Σ_i log(1 + exp(…)) + ‖w‖₁,
 * the same problem with λ = 1/(C·n).
 *
 * Solver: proximal Newton (glmnet / celer / skglm style) on working sets of features, coordinate
 * descent on each quadratic model, a line search on the true objective. The run stops (reason
 * 'tol') when the duality gap — the dual point being the gradient of the log-loss rescaled into
 * the dual-feasible set — is ≤ tol·P₀, where P₀ is the objective at w = 0 with the best intercept:
 * log 2 without an intercept, the binary entropy of the share of positive labels with one.
 * λ ≥ λ_max (returned as `lambdaMax`: ‖Xᵀ(y₊ − p̄)‖∞/n with an intercept, ‖Xᵀy‖∞/(2n) without)
 * gives exactly w = 0. Other reasons: 'max-iterations' (maxIterations Newton steps), 'time-limit',
 * 'aborted' (on an AbortError's result), 'stagnation' (every feature in the working set and no
 * Newton step lowers the objective any more while the gap is above tol: the rounding floor, e.g.
 * with tol = 0), 'non-finite'. λ = 0 is accepted, but then the gap is P itself (the only
 * dual-feasible point is θ = 0): use λ > 0. X is read in place: a DenseMatrix ('F' or 'C'), a CscMatrix, or a
 * CsrMatrix (converted to CSC once).
 */
import { AsyncOptions } from './async';
import * as cd from './bcd-common';
import { Design } from './design';
import { LOGISTIC } from './layout';
import { native, NativeFitOut, NativeLogisticArgs } from './native';
import { IterativeFields, Outcome } from './result';
import * as v from './validate';

export type { Design } from './design';

/** Options of {@link logisticL1Sync}. */
export interface LogisticL1Options {
  /** Penalty strength λ ≥ 0 (1/(C·n) for scikit-learn's LogisticRegression C). Required. */
  lambda: number;
  /** Stop when the duality gap ≤ tol·P₀ (P₀: the objective at w = 0; reason 'tol'). Default 1e-4. */
  tol?: number;
  /** Proximal Newton step limit (reason 'max-iterations'). Default 100. */
  maxIterations?: number;
  /** Fit an unpenalised intercept c (explicit; X is not centred). Default true. */
  fitIntercept?: boolean;
  /** Per-sample weights ≥ 0 (length rows; they act as row multiplicities). Default: all 1. */
  sampleWeight?: Float64Array;
  /** Warm start: the initial coefficients (length cols; not modified). Default zeros. */
  coef0?: Float64Array;
  /** Record the duality gap after each outer iteration. */
  history?: boolean;
  /** Stop after this many milliseconds (reason 'time-limit'). */
  timeLimitMs?: number;
}

/** What {@link logisticL1} returns (the shape of a lasso fit, plus lambdaMax). */
export type LogisticL1Result = IterativeFields &
  Outcome<'tol'> & {
    /** The coefficients w (length cols). */
    coef: Float64Array;
    /** The intercept c (0 without fitIntercept). */
    intercept: number;
    /** P(w, c), the mean log-loss plus λ‖w‖₁. */
    objective: number;
    /** The duality gap at (w, c), in the objective's units. */
    dualGap: number;
    /** The smallest λ whose solution is w = 0. */
    lambdaMax: number;
  };

const { P, S, at: STATS, length: IO_LENGTH } = cd.ioSlots(LOGISTIC);

/** Labels: ±1 or 0/1, finite; anything else names 'y'. */
function labels(y: unknown, rows: number): Float64Array {
  const yy = v.f64('y', y, rows);
  let minus = false;
  let zero = false;
  for (let i = 0; i < yy.length; i++) {
    const l = yy[i];
    if (l === -1) minus = true;
    else if (l === 0) zero = true;
    else if (l !== 1) throw v.invalid('y', `labels -1/+1 or 0/1 (entry ${i})`, l);
  }
  if (minus && zero) throw v.invalid('y', 'labels -1/+1 or 0/1, not both -1 and 0', 'a mix');
  return yy;
}

function prepare(sync: boolean, X: unknown, y: unknown, options: unknown) {
  const f = cd.fitInputs('logisticL1', X, y, options, sync, labels);
  const { D, o } = f;
  cd.requireLambda(o);
  const coef = cd.startCoef(o, D.cols);
  const sw = cd.sampleWeightArg(o, D.rows);
  const io = new Float64Array(IO_LENGTH);
  cd.writeFitParams(io, P, D, o);
  const args: NativeLogisticArgs = [...f.X, f.y, sw, coef, io];
  return { args, coef, io, o };
}

function result(p: { coef: Float64Array; io: Float64Array }, out: NativeFitOut): LogisticL1Result {
  const r = {
    ...cd.coefFields(p.coef, p.io, STATS, S),
    lambdaMax: p.io[STATS + S.lambdaMax],
    ...cd.outcomeFields(p.io, STATS, S),
  };
  return cd.withHistory(r, out.history) as LogisticL1Result;
}

const fit = cd.fitForms(
  prepare,
  (p) => native().logisticL1(...p.args),
  (p, opts) => native().logisticL1Async(...p.args, opts),
  result,
);

/**
 * ℓ1-logistic regression: minimises (1/n) Σ log(1 + exp(−y_i(x_iᵀw + c))) + λ‖w‖₁ (labels ±1 or
 * 0/1; λ = 1/(C·n) for scikit-learn's C) by proximal Newton with working sets; stops when the
 * duality gap ≤ tol·P₀ (P₀ = the objective at w = 0 with the best intercept, log 2 without one).
 * Runs on the calling thread.
 */
export function logisticL1Sync(
  X: Design,
  y: Float64Array,
  options: LogisticL1Options,
): LogisticL1Result {
  return fit.sync(X, y, options);
}

/**
 * Promise form of {@link logisticL1Sync}: runs off the event loop; takes signal (an AbortError
 * with the partial result), timeLimitMs and onProgress (once per outer iteration: value = the
 * duality gap, iteration = Newton steps so far).
 */
export function logisticL1(
  X: Design,
  y: Float64Array,
  options: LogisticL1Options & AsyncOptions,
): Promise<LogisticL1Result> {
  return fit.async(X, y, options);
}
