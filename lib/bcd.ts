/**
 * Lasso and elastic net by coordinate descent (native/bcd/lasso.hpp): scikit-learn's Lasso and
 * ElasticNet, λ playing sklearn's `alpha`. The objective minimised is
 *
 *     P(w, c) = (1/(2n)) ‖y − Xw − c‖² + λ Σ_j f_j (a·|w_j| + (1 − a)/2·w_j²)
 *
 * (a = l1Ratio, 1 for lasso; f_j the penalty factors, default 1; with sample weights s the squared
 * norm is Σ s_i (…)² and n is Σ s_i). c is the intercept (0 without fitIntercept). The run stops
 * (reason 'tol') when the duality gap computed as sklearn's enet_coordinate_descent does is
 * ≤ tol·‖y − ȳ‖²/n (ȳ the (weighted) mean of y, 0 without intercept), tol 1e-4 by default as in
 * sklearn. X is read in place: a DenseMatrix ('F' is the fast path, 'C' is read row-major without a
 * copy), a CscMatrix, or a CsrMatrix (converted to CSC once). λ ≥ λ_max gives exactly w = 0.
 */
import { AsyncOptions } from './async';
import * as cd from './bcd-common';
import { Design, designArgs, useGram } from './design';
import { fromNative } from './errors';
import { LASSO, NNLS } from './layout';
import { native, NativeFitOut, NativeLassoArgs, NativeNnlsArgs } from './native';
import { BcdOperation, checkOptions } from './options';
import { IterativeFields, Outcome } from './result';
import * as v from './validate';

export type { Design } from './design';

/** Options of {@link lassoSync} (and {@link elasticNetSync}, which adds l1Ratio). */
export interface LassoOptions {
  /** Penalty strength λ ≥ 0 (scikit-learn's `alpha`). Required. */
  lambda: number;
  /** Stop when the duality gap ≤ tol·‖y − ȳ‖²/n (reason 'tol'). Default 1e-4 (sklearn's). */
  tol?: number;
  /** Epoch limit (one epoch: a pass over the working set; reason 'max-iterations'). Default 1000. */
  maxIterations?: number;
  /** Fit an unpenalised intercept (X and y centred implicitly, never copied). Default true. */
  fitIntercept?: boolean;
  /** Per-sample weights ≥ 0 (length rows; they act as row multiplicities). Default: all 1. */
  sampleWeight?: Float64Array;
  /** Per-feature penalty factors ≥ 0 (length cols; 0 leaves a feature unpenalised). Default 1. */
  penaltyFactor?: Float64Array;
  /** Constrain w ≥ 0 (raises every lower bound to 0). Default false. */
  positive?: boolean;
  /**
   * Box bounds l ≤ w ≤ u: a number (every feature) or a Float64Array of cols entries; −∞ / +∞
   * allowed. Default unbounded. The coordinate step clips; the duality gap is then the exact
   * Fenchel gap of the boxed problem (still an upper bound on the suboptimality).
   */
  lower?: number | Float64Array;
  /** Upper bounds (see `lower`): a number or a Float64Array of cols entries. Default +∞. */
  upper?: number | Float64Array;
  /** Coordinate order: 'cyclic' (default) or 'random' (seeded by `seed`). */
  selection?: 'cyclic' | 'random';
  /** Seed of selection 'random'. Default 0. */
  seed?: number;
  /**
   * Precompute the Gram matrix XᵀX (dense X only: a coordinate step then costs O(cols) instead of
   * O(rows)): true, false (default, as sklearn's Lasso), or 'auto' (dense X with rows ≥ 2·cols and
   * cols ≤ 4096). The solution is the same either way. It pays when rows ≫ cols and the fit takes
   * many epochs over a large support (measured: 10000×200 correlated, λ = 0.001·λ_max: 25 ms vs
   * 52 ms), and costs when the working sets keep the fit short (same data at 0.01·λ_max: 32 vs 18
   * ms), hence off by default.
   */
  precompute?: boolean | 'auto';
  /** Warm start: the initial coefficients (length cols; not modified). Default zeros. */
  coef0?: Float64Array;
  /** Record the duality gap after each outer iteration. */
  history?: boolean;
  /** Stop after this many milliseconds (reason 'time-limit'). */
  timeLimitMs?: number;
}

/** Options of {@link elasticNetSync}. */
export interface ElasticNetOptions extends LassoOptions {
  /** Mix a ∈ [0, 1] of the penalty a·|w_j| + (1 − a)/2·w_j² (1: lasso). Default 0.5 (sklearn's). */
  l1Ratio?: number;
}

/** What a lasso / elastic-net fit returns. */
export type LassoResult = IterativeFields &
  Outcome<'tol'> & {
    /** The coefficients w (length cols). */
    coef: Float64Array;
    /** The intercept c (0 without fitIntercept). */
    intercept: number;
    /** P(w, c), the objective above (sklearn's scale). */
    objective: number;
    /** The duality gap at w (sklearn's dual_gap_, in the objective's scale). */
    dualGap: number;
  };

const { P, S, at: STATS, length: IO_LENGTH } = cd.ioSlots(LASSO);

function prepare(sync: boolean, op: BcdOperation, X: unknown, y: unknown, options: unknown) {
  const f = cd.fitInputs(op, X, y, options, sync);
  const { D, o } = f;
  cd.requireLambda(o);
  const coef = cd.startCoef(o, D.cols);
  const sw = cd.sampleWeightArg(o, D.rows);
  const pf = cd.penaltyFactorArg(o, D.cols);
  const { lo, hi } = cd.boundArgs(o, D.cols);
  const io = new Float64Array(IO_LENGTH);
  cd.writeFitParams(io, P, D, o);
  io[P.l1Ratio] = op === 'lasso' ? 1 : o.l1Ratio;
  io[P.gram] = useGram(o.precompute, D) ? 1 : 0;
  const args: NativeLassoArgs = [...f.X, f.y, sw, pf, lo, hi, coef, io];
  return { args, coef, io, o };
}

function result(p: { coef: Float64Array; io: Float64Array }, out: NativeFitOut): LassoResult {
  const r = { ...cd.coefFields(p.coef, p.io, STATS, S), ...cd.outcomeFields(p.io, STATS, S) };
  return cd.withHistory(r, out.history) as LassoResult;
}

const fit = cd.fitForms(
  prepare,
  (p) => native().lasso(...p.args),
  (p, opts) => native().lassoAsync(...p.args, opts),
  result,
);

/**
 * Lasso: minimises (1/(2n))‖y − Xw − c‖² + λ‖w‖₁ (scikit-learn's Lasso with alpha = λ) by
 * coordinate descent; stops when the duality gap ≤ tol·‖y − ȳ‖²/n. Runs on the calling thread.
 */
export function lassoSync(X: Design, y: Float64Array, options: LassoOptions): LassoResult {
  return fit.sync('lasso', X, y, options);
}
/**
 * Promise form of {@link lassoSync}: runs off the event loop; takes signal (an AbortError with the
 * partial result), timeLimitMs and onProgress (called once per outer iteration, at most 20 times a
 * second: iteration = epochs so far, value = the duality gap, fraction from the gap's log-distance
 * to its target).
 */
export function lasso(
  X: Design,
  y: Float64Array,
  options: LassoOptions & AsyncOptions,
): Promise<LassoResult> {
  return fit.async('lasso', X, y, options);
}

/**
 * Elastic net: minimises (1/(2n))‖y − Xw − c‖² + λ(a‖w‖₁ + (1 − a)/2‖w‖₂²), a = l1Ratio
 * (scikit-learn's ElasticNet with alpha = λ); stops when the duality gap ≤ tol·‖y − ȳ‖²/n.
 */
export function elasticNetSync(
  X: Design,
  y: Float64Array,
  options: ElasticNetOptions,
): LassoResult {
  return fit.sync('elasticNet', X, y, options);
}
/** Promise form of {@link elasticNetSync}. */
export function elasticNet(
  X: Design,
  y: Float64Array,
  options: ElasticNetOptions & AsyncOptions,
): Promise<LassoResult> {
  return fit.async('elasticNet', X, y, options);
}

/** Options of {@link lambdaMax}. */
export interface LambdaMaxOptions {
  /** The elastic-net mix a ∈ [0, 1] (λ_max scales as 1/a; +∞ at a = 0). Default 1 (lasso). */
  l1Ratio?: number;
  /** With an intercept (X and y centred). Default true. */
  fitIntercept?: boolean;
  /** Per-sample weights ≥ 0 (length rows). Default: all 1. */
  sampleWeight?: Float64Array;
  /** Per-feature penalty factors ≥ 0 (length cols); features with 0 are fitted first. */
  penaltyFactor?: Float64Array;
  /** With w ≥ 0: the largest positive correlation counts (0 when none is positive). */
  positive?: boolean;
}

const LAMBDA_MAX_KEYS = ['l1Ratio', 'fitIntercept', 'sampleWeight', 'penaltyFactor', 'positive'];

/**
 * λ_max: the smallest λ at which w = 0 solves the lasso / elastic net with these options,
 * max_j |⟨x_j − x̄_j, y − ȳ⟩_s| / (n·a·f_j) over the penalised features (the unpenalised ones,
 * f_j = 0, fitted first; n = Σ s_i). 0 when every correlation is 0, +∞ when l1Ratio = 0 and some
 * is not. The grid of {@link lassoPath}-style paths starts here.
 */
export function lambdaMax(X: Design, y: Float64Array, options?: LambdaMaxOptions): number {
  const { rows, cols, X0, X1, X2, layout } = designArgs(X);
  const yy = v.f64('y', y, rows);
  const o = v.options<LambdaMaxOptions>('options', options);
  for (const k of Object.keys(o))
    if (!LAMBDA_MAX_KEYS.includes(k))
      throw v.invalid(k, `one of the lambdaMax options (${LAMBDA_MAX_KEYS.join(', ')})`, k);
  const l1Ratio = o.l1Ratio === undefined ? 1 : v.num('l1Ratio', o.l1Ratio, { min: 0 });
  if (l1Ratio > 1) throw v.invalid('l1Ratio', 'a number in [0, 1]', l1Ratio);
  const fitIntercept = o.fitIntercept === undefined ? true : v.bool('fitIntercept', o.fitIntercept);
  const positive = o.positive === undefined ? false : v.bool('positive', o.positive);
  const sw = o.sampleWeight === undefined ? null : v.f64('sampleWeight', o.sampleWeight, rows);
  const pf = o.penaltyFactor === undefined ? null : v.f64('penaltyFactor', o.penaltyFactor, cols);
  const io = new Float64Array(STATS);
  io[P.rows] = rows;
  io[P.cols] = cols;
  io[P.layout] = layout;
  io[P.l1Ratio] = l1Ratio;
  io[P.fitIntercept] = fitIntercept ? 1 : 0;
  io[P.positive] = positive ? 1 : 0;
  try {
    return native().lambdaMax(X0, X1, X2, yy, sw, pf, io);
  } catch (e) {
    throw fromNative(e);
  }
}

/** Options of {@link nnlsSync}. */
export interface NnlsOptions {
  /**
   * Stop (reason 'tol') when the KKT measure ≤ tol·‖Aᵀb‖_∞ (the measure at x = 0). Default 1e-10.
   */
  tol?: number;
  /** Coordinate-descent epochs plus active-set iterations. Default 3·n + 50. */
  maxIterations?: number;
  /** Record the KKT measure after each epoch / active-set iteration. */
  history?: boolean;
  /** Stop after this many milliseconds (reason 'time-limit'). */
  timeLimitMs?: number;
}

/** What {@link nnlsSync} returns. */
export type NnlsResult = IterativeFields &
  Outcome<'tol'> & {
    /** The solution x ≥ 0 (length cols). */
    x: Float64Array;
    /** ‖Ax − b‖₂ (scipy.optimize.nnls's rnorm). */
    residualNorm: number;
    /** ½‖Ax − b‖₂². */
    objective: number;
    /**
     * The projected-gradient optimality measure: with g = Aᵀ(Ax − b),
     * max(max_{x_j > 0} |g_j|, max_{x_j = 0} max(0, −g_j)); 0 exactly at the solution.
     */
    kkt: number;
  };

const { P: NP, S: NS, at: NNLS_STATS_AT, length: NNLS_IO } = cd.ioSlots(NNLS);

function prepareNnls(sync: boolean, A: unknown, b: unknown, options: unknown) {
  const D = designArgs(A, 'A');
  const { rows, cols } = D;
  const bb = v.f64('b', b);
  if (bb.length !== rows)
    throw v.mismatch('b', `${rows} entries (A's rows)`, `${bb.length} entries`);
  for (let i = 0; i < rows; i++)
    if (!Number.isFinite(bb[i])) throw v.invalid('b', `finite entries (entry ${i})`, bb[i]);
  const o = checkOptions('nnls', options, sync, cols, rows);
  const x = new Float64Array(cols);
  const io = new Float64Array(NNLS_IO);
  cd.writeFitParams(io, NP, D, o);
  const args: NativeNnlsArgs = [D.X0, D.X1, D.X2, bb, x, io];
  return { args, x, io, o };
}

function nnlsResult(p: { x: Float64Array; io: Float64Array }, out: NativeFitOut): NnlsResult {
  const io = p.io;
  const r = {
    x: p.x,
    residualNorm: io[NNLS_STATS_AT + NS.residualNorm],
    objective: io[NNLS_STATS_AT + NS.objective],
    kkt: io[NNLS_STATS_AT + NS.kkt],
    ...cd.outcomeFields(io, NNLS_STATS_AT, NS),
  };
  return cd.withHistory(r, out.history) as NnlsResult;
}

const nnlsFit = cd.fitForms(
  prepareNnls,
  (p) => native().nnls(...p.args),
  (p, opts) => native().nnlsAsync(...p.args, opts),
  nnlsResult,
);

/**
 * Non-negative least squares, scipy.optimize.nnls: minimises ½‖Ax − b‖₂² subject to x ≥ 0
 * (A a DenseMatrix, CscMatrix or CsrMatrix, m×n). Coordinate descent finds the support, then the
 * Lawson–Hanson active-set method finishes from it with exact least-squares solves (Householder
 * QR, one refinement step), so x is scipy's solution to rounding. Stops (reason 'tol') when the
 * projected-gradient measure `kkt` ≤ tol·‖Aᵀb‖_∞ (tol 1e-10 by default). Runs on the calling
 * thread.
 */
export function nnlsSync(A: Design, b: Float64Array, options?: NnlsOptions): NnlsResult {
  return nnlsFit.sync(A, b, options);
}

/**
 * Promise form of {@link nnlsSync}: runs off the event loop; takes signal (an AbortError with the
 * partial, feasible x), timeLimitMs and onProgress (value = the KKT measure, once per epoch /
 * active-set iteration, at most 20 times a second).
 */
export function nnls(
  A: Design,
  b: Float64Array,
  options?: NnlsOptions & AsyncOptions,
): Promise<NnlsResult> {
  return nnlsFit.async(A, b, options);
}
