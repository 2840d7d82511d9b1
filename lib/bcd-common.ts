/**
 * What the coordinate-descent facades (lib/bcd.ts, lib/logistic.ts, lib/group-lasso.ts,
 * lib/path.ts) share: reading X, y and the common options, the io slots every estimator has, the
 * Sync / Promise plumbing around the native call, and the common result fields.
 * @internal
 */
import { runJob } from './async';
import { DesignArgs, designArgs } from './design';
import { fromNative } from './errors';
import { REASONS } from './layout';
import { NativeDesign, NativeJobOptions } from './native';
import { checkOptions, Operation, ResolvedOptions } from './options';
import * as v from './validate';

/**
 * An estimator's io (lib/layout.ts slots): P its param slots, S its stat slots counted from the
 * first stat, `at` where the stats start (after the params), `length` io's length.
 */
export function ioSlots<
  L extends { p: object; s: object; params: readonly unknown[]; stats: readonly unknown[] },
>(L: L): { P: L['p']; S: L['s']; at: number; length: number } {
  const at = L.params.length;
  return { P: L.p, S: L.s, at, length: at + L.stats.length };
}

/** X unpacked, y read and the options resolved: the start of every fit. */
export interface FitInputs {
  D: DesignArgs;
  /** X's three native argument slots. */
  X: NativeDesign;
  y: Float64Array;
  o: ResolvedOptions;
}

/**
 * Reads X (naming 'X'), y (`readY`: rows finite numbers by default) and the options of `op`, in
 * this order (the first bad one is the error).
 */
export function fitInputs(
  op: Operation,
  X: unknown,
  y: unknown,
  options: unknown,
  sync: boolean,
  readY: (y: unknown, rows: number) => Float64Array = (yy, rows) => v.f64('y', yy, rows),
): FitInputs {
  const D = designArgs(X);
  const yy = readY(y, D.rows);
  const o = checkOptions(op, options, sync, D.cols, D.rows);
  return { D, X: [D.X0, D.X1, D.X2], y: yy, o };
}

/** The required λ (an error naming 'lambda' when it is missing). */
export function requireLambda(o: ResolvedOptions): number {
  if (o.lambda === undefined) throw v.invalid('lambda', 'a number >= 0', undefined);
  return o.lambda;
}

/** The coefficient output (cols entries), holding coef0 when given (the warm start). */
export function startCoef(o: ResolvedOptions, cols: number): Float64Array {
  const coef = new Float64Array(cols);
  if (o.coef0 !== undefined) coef.set(v.f64('coef0', o.coef0, cols));
  return coef;
}

/** sampleWeight (rows entries) or null. */
export function sampleWeightArg(o: ResolvedOptions, rows: number): Float64Array | null {
  return o.sampleWeight === undefined ? null : v.f64('sampleWeight', o.sampleWeight, rows);
}

/** penaltyFactor (cols entries) or null. */
export function penaltyFactorArg(o: ResolvedOptions, cols: number): Float64Array | null {
  return o.penaltyFactor === undefined ? null : v.f64('penaltyFactor', o.penaltyFactor, cols);
}

/** A bound option: a number (every feature) or a Float64Array (cols entries); NaN refused. */
function boundArg(name: 'lower' | 'upper', b: unknown, cols: number): Float64Array | null {
  if (b === undefined) return null;
  let out: Float64Array;
  if (typeof b === 'number') out = new Float64Array(cols).fill(b);
  else if (b instanceof Float64Array) out = v.f64(name, b, cols);
  else throw v.invalid(name, 'a number or a Float64Array', b);
  for (let j = 0; j < out.length; j++)
    if (Number.isNaN(out[j])) throw v.invalid(name, `a number (entry ${j} is NaN)`, out[j]);
  const bad = name === 'lower' ? Infinity : -Infinity;
  if (out.includes(bad)) throw v.invalid(name, `bounds other than ${bad}`, bad);
  return out;
}

/**
 * The box bounds lower / upper (cols entries each, or null), checked to hold a point: lower ≤
 * upper entrywise, with positive raising lower to 0 (an error naming 'lower' otherwise).
 */
export function boundArgs(
  o: ResolvedOptions,
  cols: number,
): { lo: Float64Array | null; hi: Float64Array | null } {
  const lo = boundArg('lower', o.lower, cols);
  const hi = boundArg('upper', o.upper, cols);
  if (lo !== null || hi !== null)
    for (let j = 0; j < cols; j++) {
      const l = Math.max(lo === null ? -Infinity : lo[j], o.positive ? 0 : -Infinity);
      const u = hi === null ? Infinity : hi[j];
      if (l > u)
        throw v.invalid(
          'lower',
          `bounds <= upper (entry ${j}: ${l} > ${u}${o.positive ? ', positive raises lower to 0' : ''})`,
          l,
        );
    }
  return { lo, hi };
}

type Slot = number | undefined;
/** An estimator's io param slots: those every one has, and the optional common ones. */
export type FitSlots = Readonly<
  Record<'rows' | 'cols' | 'layout' | 'tol' | 'maxIterations' | 'timeLimitMs', number>
> &
  Readonly<
    Partial<
      Record<
        'lambda' | 'fitIntercept' | 'positive' | 'selection' | 'seed' | 'warmStart' | 'history',
        number
      >
    >
  >;

/**
 * Writes the common io params: X's rows, cols and layout, tol, maxIterations and timeLimitMs, and
 * those of lambda, fitIntercept, positive, selection, seed, warmStart (coef0 given) and history
 * the estimator has (a slot in P).
 */
export function writeFitParams(io: Float64Array, P: FitSlots, D: DesignArgs, o: ResolvedOptions) {
  const set = (slot: Slot, value: number) => {
    if (slot !== undefined) io[slot] = value;
  };
  io[P.rows] = D.rows;
  io[P.cols] = D.cols;
  io[P.layout] = D.layout;
  io[P.tol] = o.tol;
  io[P.maxIterations] = o.maxIterations;
  io[P.timeLimitMs] = o.timeLimitMs ?? 0;
  set(P.lambda, o.lambda as number);
  set(P.fitIntercept, o.fitIntercept ? 1 : 0);
  set(P.positive, o.positive ? 1 : 0);
  set(P.selection, o.selection === 'random' ? 1 : 0);
  set(P.seed, o.seed);
  set(P.warmStart, o.coef0 === undefined ? 0 : 1);
  set(P.history, o.history ? 1 : 0);
}

/** Runs a prepared fit on the calling thread: native errors become ItersolveErrors. */
export function fitSync<Prep, Out, R>(
  prepare: () => Prep,
  call: (p: Prep) => Out,
  finish: (p: Prep, out: Out) => R,
): R {
  const p = prepare();
  let out: Out;
  try {
    out = call(p);
  } catch (e) {
    throw fromNative(e);
  }
  return finish(p, out);
}

/** The Promise form: bad input rejects; the native job runs through runJob (signal, progress…). */
export function fitAsync<Prep extends { o: ResolvedOptions }, Out, R>(
  prepare: () => Prep,
  start: (p: Prep, opts: NativeJobOptions) => Promise<Out>,
  finish: (p: Prep, out: Out) => R,
): Promise<R> {
  let p: Prep;
  try {
    p = prepare();
  } catch (e) {
    return Promise.reject(e);
  }
  return runJob(
    p.o,
    (opts) => start(p, opts),
    (out) => finish(p, out),
  );
}

/**
 * The Sync and Promise forms of an estimator from its steps: prepare(sync, ...args) (validation;
 * throws, or rejects for the Promise form), the native call and job, and the result.
 */
export function fitForms<A extends unknown[], Prep extends { o: ResolvedOptions }, Out, R>(
  prepare: (sync: boolean, ...args: A) => Prep,
  call: (p: Prep) => Out,
  start: (p: Prep, opts: NativeJobOptions) => Promise<Out>,
  finish: (p: Prep, out: Out) => R,
) {
  return {
    sync: (...args: A): R => fitSync(() => prepare(true, ...args), call, finish),
    async: (...args: A): Promise<R> => fitAsync(() => prepare(false, ...args), start, finish),
  };
}

type Stats<K extends string> = Readonly<Record<K, number>>;

/** converged, reason and elapsedMs from io's stats (starting at `at`). */
export function stopFields(io: Float64Array, at: number, S: Stats<'reason' | 'elapsedMs'>) {
  const reason = REASONS[io[at + S.reason]];
  return { converged: reason === 'tol', reason, elapsedMs: io[at + S.elapsedMs] };
}

/** iterations, converged, reason and elapsedMs from io's stats (starting at `at`). */
export function outcomeFields(
  io: Float64Array,
  at: number,
  S: Stats<'reason' | 'iterations' | 'elapsedMs'>,
) {
  return { iterations: io[at + S.iterations], ...stopFields(io, at, S) };
}

/** coef, and intercept, objective and dualGap from io's stats (starting at `at`). */
export function coefFields(
  coef: Float64Array,
  io: Float64Array,
  at: number,
  S: Stats<'intercept' | 'objective' | 'dualGap'>,
) {
  return {
    coef,
    intercept: io[at + S.intercept],
    objective: io[at + S.objective],
    dualGap: io[at + S.dualGap],
  };
}

/** r, with `history` when it was recorded. */
export function withHistory<T extends object>(r: T, history: Float64Array | undefined) {
  return history === undefined ? r : { ...r, history };
}
