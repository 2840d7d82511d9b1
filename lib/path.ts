/**
 * Lasso and elastic-net regularisation paths (native/bcd/path.hpp): scikit-learn's lasso_path /
 * enet_path. The objective at each λ is lib/bcd.ts's
 *
 *     P(w, c) = (1/(2n)) ‖y − Xw − c‖² + λ Σ_j f_j (a·|w_j| + (1 − a)/2·w_j²)
 *
 * (a = l1Ratio, 1 for lassoPath), solved for a decreasing sequence of λ values, each fit by
 * coordinate descent warm-started from the previous λ's coefficients (the first from zero), each
 * stopped when its duality gap ≤ tol·‖y − ȳ‖²/n. The grid, unless `lambdas` is given, is sklearn's:
 * nLambdas values log-spaced from λ_max (the smallest λ whose solution is zero; see lambdaMax)
 * down to lambdaMinRatio·λ_max, both ends exact (λ_max ignores box bounds, as lambdaMax does).
 * The other options are lasso's (lib/bcd.ts), fitIntercept true by default as there: sklearn's
 * lasso_path fits no intercept (fitIntercept: false matches it). X is a DenseMatrix ('F' the fast
 * path), a CscMatrix or a CsrMatrix, read in place.
 */
import { AsyncOptions } from './async';
import type { LassoOptions } from './bcd';
import * as cd from './bcd-common';
import { Design } from './design';
import { LASSO_PATH, REASONS } from './layout';
import { native, NativePathArgs, NativePathResult } from './native';
import { PathOperation } from './options';
import type { NotConvergedReason, StopReason } from './result';
import * as v from './validate';

/** Options of {@link lassoPathSync} (and {@link elasticNetPathSync}, which adds l1Ratio). */
export interface LassoPathOptions extends Pick<
  LassoOptions,
  | 'tol'
  | 'maxIterations'
  | 'fitIntercept'
  | 'sampleWeight'
  | 'penaltyFactor'
  | 'positive'
  | 'lower'
  | 'upper'
  | 'selection'
  | 'seed'
  | 'timeLimitMs'
> {
  /** Values on the automatic grid (≥ 1). Default 100 (sklearn's n_alphas). */
  nLambdas?: number;
  /** The automatic grid ends at lambdaMinRatio·λ_max, in (0, 1). Default 1e-3 (sklearn's eps). */
  lambdaMinRatio?: number;
  /**
   * The λ values to fit instead of the grid: ≥ 0, non-increasing (warm starts run downhill).
   * nLambdas is then their count.
   */
  lambdas?: Float64Array;
}

/** Options of {@link elasticNetPathSync}. */
export interface ElasticNetPathOptions extends LassoPathOptions {
  /** Mix a ∈ [0, 1] of the penalty (1: lasso). Default 0.5. The automatic grid needs a > 0. */
  l1Ratio?: number;
}

/** What a path returns: one entry (one row of coefs) per λ fitted. */
export type LassoPathResult = {
  /** The λ values (the grid, or the lambdas given), as many as fitted. */
  lambdas: Float64Array;
  /** Coefficients, row-major lambdas.length × cols: row k holds λ_k's w. */
  coefs: Float64Array;
  /** Intercepts per λ (0 without fitIntercept). */
  intercepts: Float64Array;
  /** P(w, c) per λ. */
  objectives: Float64Array;
  /** Duality gap per λ (objective units). */
  dualGaps: Float64Array;
  /** Epochs per λ. */
  iterationsPerLambda: Float64Array;
  /** Each fit's reason ('tol', 'max-iterations', …; the interrupted one's last). */
  reasonsPerLambda: StopReason[];
  /** Epochs over the whole path. */
  iterations: number;
  /** λ_max when the grid was computed (undefined with given lambdas). */
  lambdaMax?: number;
  elapsedMs: number;
} & (
  | { converged: true; reason: 'tol' }
  | {
      converged: false;
      /**
       * The first λ's reason that is not 'tol' ('max-iterations': that fit ran out, the path
       * went on), or 'aborted' / 'time-limit' / 'non-finite' when the path was cut short: then
       * the arrays hold the λ values fitted plus the interrupted one (its iterate as reached).
       */
      reason: NotConvergedReason;
    }
);

const { P, S, at: STATS, length: IO_LENGTH } = cd.ioSlots(LASSO_PATH);

function prepare(sync: boolean, op: PathOperation, X: unknown, y: unknown, options: unknown) {
  const f = cd.fitInputs(op, X, y, options, sync);
  const { D, o } = f;
  const { rows, cols } = D;
  let lambdas: Float64Array;
  let K: number;
  if (o.lambdas !== undefined) {
    const given = o.lambdas;
    if (given.length < 1) throw v.invalid('lambdas', 'at least one value', given);
    for (let k = 0; k < given.length; k++) {
      if (!(given[k] >= 0) || !Number.isFinite(given[k]))
        throw v.invalid('lambdas', 'finite values >= 0', `${given[k]} at index ${k}`);
      if (k > 0 && given[k] > given[k - 1])
        throw v.invalid(
          'lambdas',
          'non-increasing values (the path runs from large λ to small)',
          `${given[k]} at index ${k} after ${given[k - 1]}`,
        );
    }
    K = given.length;
    lambdas = Float64Array.from(given);
  } else {
    K = o.nLambdas;
    if (op === 'elasticNetPath' && o.l1Ratio === 0)
      throw v.invalid(
        'l1Ratio',
        'a number in (0, 1] for the automatic λ grid (λ_max is infinite for ridge; give lambdas)',
        0,
      );
    lambdas = new Float64Array(K);
  }
  if (K * cols > 2 ** 31 - 1)
    throw v.invalid(
      'nLambdas',
      `at most ${Math.floor((2 ** 31 - 1) / Math.max(cols, 1))} values for ${cols} columns`,
      K,
    );
  const sw = cd.sampleWeightArg(o, rows);
  const pf = cd.penaltyFactorArg(o, cols);
  const { lo, hi } = cd.boundArgs(o, cols);
  const coefs = new Float64Array(K * cols);
  const io = new Float64Array(IO_LENGTH);
  cd.writeFitParams(io, P, D, o);
  io[P.l1Ratio] = op === 'lassoPath' ? 1 : o.l1Ratio;
  io[P.nLambdas] = K;
  io[P.lambdaMinRatio] = o.lambdaMinRatio;
  io[P.givenLambdas] = o.lambdas !== undefined ? 1 : 0;
  const args: NativePathArgs = [...f.X, f.y, sw, pf, lo, hi, lambdas, coefs, io];
  return { args, lambdas, coefs, io, cols, given: o.lambdas !== undefined, o };
}

function result(p: ReturnType<typeof prepare>, n: NativePathResult): LassoPathResult {
  const io = p.io;
  const count = io[STATS + S.count];
  const whole = count === p.lambdas.length;
  const r = {
    lambdas: whole ? p.lambdas : p.lambdas.slice(0, count),
    coefs: whole ? p.coefs : p.coefs.slice(0, count * p.cols),
    intercepts: n.intercepts,
    objectives: n.objectives,
    dualGaps: n.dualGaps,
    iterationsPerLambda: n.iterations,
    reasonsPerLambda: Array.from(n.reasons, (i) => REASONS[i]),
    iterations: io[STATS + S.iterations],
    ...(p.given ? {} : { lambdaMax: io[STATS + S.lambdaMax] }),
    ...cd.stopFields(io, STATS, S),
  };
  return r as LassoPathResult;
}

const fit = cd.fitForms(
  prepare,
  (p) => native().lassoPath(...p.args),
  (p, opts) => native().lassoPathAsync(...p.args, opts),
  result,
);

/**
 * Lasso path: lasso fits (1/(2n))‖y − Xw − c‖² + λ‖w‖₁ for each λ of a decreasing grid (sklearn's
 * lasso_path), warm-started along it. Runs on the calling thread.
 */
export function lassoPathSync(
  X: Design,
  y: Float64Array,
  options: LassoPathOptions = {},
): LassoPathResult {
  return fit.sync('lassoPath', X, y, options);
}
/**
 * Promise form of {@link lassoPathSync}: runs off the event loop; takes signal (an AbortError
 * whose `result` is the partial path), timeLimitMs (the path stops where the time runs out, reason
 * 'time-limit') and onProgress (once per λ finished: iteration = λ values done, total = their
 * count, value = the λ just fitted).
 */
export function lassoPath(
  X: Design,
  y: Float64Array,
  options: LassoPathOptions & AsyncOptions = {},
): Promise<LassoPathResult> {
  return fit.async('lassoPath', X, y, options);
}

/**
 * Elastic-net path: (1/(2n))‖y − Xw − c‖² + λ(a‖w‖₁ + (1 − a)/2‖w‖₂²), a = l1Ratio (default 0.5),
 * for each λ of a decreasing grid (sklearn's enet_path).
 */
export function elasticNetPathSync(
  X: Design,
  y: Float64Array,
  options: ElasticNetPathOptions = {},
): LassoPathResult {
  return fit.sync('elasticNetPath', X, y, options);
}
/** Promise form of {@link elasticNetPathSync} (signal, timeLimitMs, onProgress as lassoPath). */
export function elasticNetPath(
  X: Design,
  y: Float64Array,
  options: ElasticNetPathOptions & AsyncOptions = {},
): Promise<LassoPathResult> {
  return fit.async('elasticNetPath', X, y, options);
}
