/**
 * Group Lasso by block coordinate descent (native/bcd/group_lasso.hpp). The objective minimised is
 *
 *     P(w, c) = (1/(2n)) ‖y − Xw − c‖² + λ Σ_g ω_g ‖w_g‖₂
 *
 * (with sample weights s the squared norm is Σ s_i (…)² and n is Σ s_i; c the intercept, 0 without
 * fitIntercept; ω_g the group weights, √|g| by default, 0 leaving a group unpenalised). The run
 * stops (reason 'tol') when the duality gap, at the residual rescaled into the dual feasible set,
 * is ≤ tol·‖y − ȳ‖²/n (ȳ the (weighted) mean of y, 0 without intercept) — the rule of lasso (lib/bcd.ts)
 * and scikit-learn. Each block step is w_g ← max(0, 1 − λnω_g/(L_g‖z‖))·z with z = w_g + X_gᵀr/L_g
 * and L_g the largest eigenvalue of X_gᵀX_g (centred, weighted; up to 5 such steps per visit of a
 * group, through its Gram matrix), inside working sets of groups with Gap Safe screening and
 * Anderson extrapolation. λ ≥ λ_max = max_g ‖X_gᵀ(y − ȳ)‖/(n ω_g)
 * gives exactly w = 0. X: a DenseMatrix ('F' fast, 'C' read in place), a CscMatrix or a CsrMatrix.
 */
import { AsyncOptions } from './async';
import type { LassoResult } from './bcd';
import * as cd from './bcd-common';
import { Design } from './design';
import { GROUP_KINDS, GROUP_LASSO } from './layout';
import { native, NativeGroupLassoArgs, NativeGroupLassoOut } from './native';
import * as v from './validate';

export type { Design } from './design';

/** Integers as an Int32Array or a plain array. */
export type IntegerList = Int32Array | readonly number[];

/**
 * The groups of features:
 * - `{ offsets }`: G + 1 increasing integers from 0 to cols; group g is the features
 *   offsets[g] .. offsets[g+1] − 1 (contiguous groups);
 * - `{ labels }`: one integer per feature (cols of them, any values); features with equal labels form a
 *   group, groups need not be contiguous, and group g is the one with the g-th smallest label (the
 *   order of groupWeights and activeGroups);
 * - a bare list: labels when it has cols entries, offsets otherwise (a list of cols entries that
 *   also reads as offsets is ambiguous and rejected: say which with `{ offsets }` / `{ labels }`).
 */
export type GroupSpec = IntegerList | { offsets: IntegerList } | { labels: IntegerList };

/** Options of {@link groupLassoSync}. */
export interface GroupLassoOptions {
  /** Penalty strength λ ≥ 0. Required. */
  lambda: number;
  /** The groups (offsets or labels). Required. */
  groups: GroupSpec;
  /** ω_g ≥ 0, one per group (0 leaves a group unpenalised). Default √|g|. */
  groupWeights?: Float64Array;
  /** Stop when the duality gap ≤ tol·‖y − ȳ‖²/n (reason 'tol'). Default 1e-4. */
  tol?: number;
  /** Epoch limit (one epoch: a pass over the working set's groups; reason 'max-iterations'). Default 1000. */
  maxIterations?: number;
  /** Fit an unpenalised intercept (X and y centred implicitly, never copied). Default true. */
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

/** What a group Lasso fit returns: lasso's result and the groups with w_g ≠ 0. */
export type GroupLassoResult = LassoResult & {
  /** Indices of the groups with w_g ≠ 0, increasing (group order as in {@link GroupSpec}). */
  activeGroups: Int32Array;
};

const { P, S, at: STATS, length: IO_LENGTH } = cd.ioSlots(GROUP_LASSO);
const KIND = { offsets: GROUP_KINDS.indexOf('offsets'), labels: GROUP_KINDS.indexOf('labels') };

function integers(list: unknown, what: string): Int32Array {
  if (list instanceof Int32Array) return v.i32('groups', list);
  if (!Array.isArray(list)) throw v.invalid('groups', `${what} (an Int32Array or number[])`, list);
  const out = new Int32Array(list.length);
  list.forEach((x: unknown, i) => {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < -(2 ** 31) || x >= 2 ** 31)
      throw v.invalid('groups', `32-bit integers (entry ${i})`, x);
    out[i] = x;
  });
  return out;
}

function validOffsets(a: Int32Array, p: number): boolean {
  if (a.length < 1 || a[0] !== 0 || a[a.length - 1] !== p) return false;
  for (let k = 1; k < a.length; k++) if (!(a[k] > a[k - 1])) return false;
  return true;
}

function checkOffsets(a: Int32Array, p: number): void {
  if (a.length < 1) throw v.invalid('groups', 'offsets starting at 0', a);
  if (a[0] !== 0) throw v.invalid('groups', 'offsets starting at 0', a[0]);
  for (let k = 1; k < a.length; k++) {
    if (a[k] === a[k - 1]) throw v.invalid('groups', `no empty group (group ${k - 1})`, a);
    if (a[k] < a[k - 1])
      throw v.invalid('groups', `increasing offsets (offsets[${k}] = ${a[k]} < ${a[k - 1]})`, a);
  }
  if (a[a.length - 1] !== p)
    throw v.mismatch('groups', `offsets ending at ${p} (the columns of X)`, `${a[a.length - 1]}`);
}

/** The groups as the native call takes them: the array, its kind and G. */
function resolveGroups(spec: unknown, p: number): { kind: number; a: Int32Array; G: number } {
  let kind: 'offsets' | 'labels';
  let a: Int32Array;
  if (spec instanceof Int32Array || Array.isArray(spec)) {
    a = integers(spec, 'offsets or labels');
    if (a.length !== p) kind = 'offsets';
    else if (p >= 2 && validOffsets(a, p))
      throw v.invalid(
        'groups',
        `{ offsets } or { labels } (a list of ${p} entries reads both ways)`,
        spec,
      );
    else kind = 'labels';
  } else if (typeof spec === 'object' && spec !== null && 'offsets' in spec) {
    kind = 'offsets';
    a = integers((spec as { offsets: unknown }).offsets, 'offsets');
  } else if (typeof spec === 'object' && spec !== null && 'labels' in spec) {
    kind = 'labels';
    a = integers((spec as { labels: unknown }).labels, 'labels');
  } else {
    throw v.invalid(
      'groups',
      'offsets or labels (Int32Array, number[], { offsets } or { labels })',
      spec,
    );
  }
  if (kind === 'offsets') {
    checkOffsets(a, p);
    return { kind: KIND.offsets, a, G: a.length - 1 };
  }
  if (a.length !== p) throw v.mismatch('groups', `${p} labels (the columns of X)`, `${a.length}`);
  return { kind: KIND.labels, a, G: new Set(a).size };
}

function prepare(sync: boolean, X: unknown, y: unknown, options: unknown) {
  const f = cd.fitInputs('groupLasso', X, y, options, sync);
  const { D, o } = f;
  cd.requireLambda(o);
  if (o.groups === undefined) throw v.invalid('groups', 'offsets or labels', undefined);
  const g = resolveGroups(o.groups, D.cols);
  let gw: Float64Array | null = null;
  if (o.groupWeights !== undefined) {
    gw = v.f64('groupWeights', o.groupWeights, g.G);
    gw.forEach((x, i) => {
      if (!(x >= 0) || !Number.isFinite(x))
        throw v.invalid('groupWeights', `finite numbers >= 0 (entry ${i})`, x);
    });
  }
  const coef = cd.startCoef(o, D.cols);
  const sw = cd.sampleWeightArg(o, D.rows);
  const io = new Float64Array(IO_LENGTH);
  cd.writeFitParams(io, P, D, o);
  io[P.groupsKind] = g.kind;
  io[P.groupsLength] = g.a.length;
  const args: NativeGroupLassoArgs = [...f.X, f.y, sw, g.a, gw, coef, io];
  return { args, coef, io, o };
}

function result(
  p: { coef: Float64Array; io: Float64Array },
  out: NativeGroupLassoOut,
): GroupLassoResult {
  const r = {
    ...cd.coefFields(p.coef, p.io, STATS, S),
    ...cd.outcomeFields(p.io, STATS, S),
    activeGroups: out.activeGroups,
  };
  return cd.withHistory(r, out.history) as GroupLassoResult;
}

const fit = cd.fitForms(
  prepare,
  (p) => native().groupLasso(...p.args),
  (p, opts) => native().groupLassoAsync(...p.args, opts),
  result,
);

/**
 * Group Lasso: minimises (1/(2n))‖y − Xw − c‖² + λ Σ_g ω_g‖w_g‖₂ by block coordinate descent
 * (block soft-thresholding); stops when the duality gap ≤ tol·‖y − ȳ‖²/n. Runs on the calling
 * thread.
 */
export function groupLassoSync(
  X: Design,
  y: Float64Array,
  options: GroupLassoOptions,
): GroupLassoResult {
  return fit.sync(X, y, options);
}

/**
 * Promise form of {@link groupLassoSync}: runs off the event loop; takes signal (an AbortError
 * with the partial result), timeLimitMs and onProgress (the duality gap, once per outer
 * iteration at most 20 times a second).
 */
export function groupLasso(
  X: Design,
  y: Float64Array,
  options: GroupLassoOptions & AsyncOptions,
): Promise<GroupLassoResult> {
  return fit.async(X, y, options);
}
