/**
 * Generic proximal block coordinate descent (native/bcd/prox_bcd.hpp), with the variance-reduced
 * cyclic scheme of Cai, Song, Wright and Diakonikolas (ICML 2023, "Cyclic block coordinate
 * descent with variance reduction for composite nonconvex optimization").
 *
 * The problem: minimise F(x) = f(x) + Σ_j g_j(x_j) over x ∈ ℝᵈ split into contiguous blocks x_j
 * (`blocks`: offsets 0 = o_0 < … < o_m = d; default one block). The smooth part f is
 *  - 'least-squares': f(x) = (1/(2n))‖Ax − y‖² (A n×d; the scale of lassoSync and sklearn's Lasso),
 *  - 'logistic': f(x) = (1/n) Σ_i log(1 + exp(−y_i a_iᵀx)), labels y_i ∈ {−1, +1} (0 read as −1),
 *  - 'quadratic': f(x) = ½xᵀQx − cᵀx (Q d×d symmetric, c default 0),
 *  - or a JS block gradient (x, block, gradOut) => void that writes ∇_j f(x) for block j into
 *    gradOut (|block j| entries, zero on entry; x holds all d entries). The Sync form calls it
 *    inline; the Promise form calls it on the main thread while the native loop waits. It is
 *    called once per block update and once per block for each gradient-mapping measurement
 *    (before the first epoch and after each), so m·(2·epochs + 1) times without backtracking.
 *    If it throws, the solve stops and that error is the call's; detaching a buffer it is handed
 *    fails the call with ERR_BUFFER_DETACHED.
 * The penalties g_j: 'none', 'l1' (λ‖x_j‖₁), 'group-l2' (λ‖x_j‖₂, block soft-thresholding), 'box'
 * (x_j ∈ [lo, hi]) or 'nonnegative' (x_j ≥ 0), one for every block or one per block.
 *
 * The step rule: each epoch visits every block once (in order, or a seeded permutation with
 * order 'random') and sets x_j ← prox_{η_j g_j}(x_j − η_j G_j), with η_j = 1/L_j (L_j the block
 * Lipschitz constant of ∇_j f, computed for the built-ins), the caller's `stepSizes`, or
 * 'backtracking' (L_j doubled until ‖∇_j f(x⁺) − ∇_j f(x)‖ ≤ L_j‖x⁺_j − x_j‖). G_j is the exact
 * block gradient at the current point (`variance` 'exact'), a minibatch estimate from `batchSize`
 * sampled rows ('stochastic': plain stochastic BCD, which stalls at a noise floor with a constant
 * step), or the recursive SPIDER/SARAH-style estimator of VR-CD ('recursive': exact gradients in
 * every `refreshEvery`-th epoch, in between G_j ← G_j + the minibatch gradient difference between
 * this epoch's and the previous epoch's point). 'stochastic' and 'recursive' need a finite sum
 * (least squares or logistic); 'recursive' needs order 'cyclic'. With the default steps too small a
 * batch can make the estimators diverge: the run then stops with reason 'non-finite'.
 *
 * The measure: the gradient-mapping norm ‖𝒢(x)‖ with 𝒢_j(x) = (x_j − prox_{η_j g_j}(x_j − η_j
 * ∇_j f(x)))/η_j (exact gradient), measured before the first epoch and after every epoch; the
 * run stops with reason 'tol' when it is ≤ tol. dataPasses counts the gradient oracle's work as
 * the paper does (∇_j f over all n rows costs |j|/d of a pass, over b rows (b/n)·|j|/d, the
 * recursive difference twice that); matrixPasses the entries of A (Q) read over its size.
 */
import { AsyncOptions, runJob } from './async';
import { checkDense, DenseMatrix, isDenseLike } from './dense';
import { fromNative } from './errors';
import {
  BCD_LAYOUTS,
  PROX_BCD,
  PROX_KINDS,
  PROX_SMOOTHS,
  PROX_VARIANCES,
  REASONS,
  SELECTIONS,
} from './layout';
import { native } from './native';
import { checkOptions } from './options';
import { Outcome } from './result';
import * as v from './validate';

/** A smooth part given as its block gradient: write ∇_j f(x) (block j's entries) into gradOut. */
export type BlockGradient = (x: Float64Array, block: number, gradOut: Float64Array) => void;

/** The smooth part f of {@link proxBcdSync}. */
export type SmoothSpec =
  | {
      /** (1/(2n))‖Ax − y‖² or (1/n) Σ log(1 + exp(−y_i a_iᵀx)) (labels ±1, or 0/1). */
      kind: 'least-squares' | 'logistic';
      /** n×d, 'F' (the fast path) or 'C'; read in place. */
      A: DenseMatrix;
      /** Targets (least squares) or labels (logistic), n entries. */
      y: Float64Array;
    }
  | {
      /** ½xᵀQx − cᵀx. */
      kind: 'quadratic';
      /** d×d symmetric: a DenseMatrix or its d·d entries. */
      Q: DenseMatrix | Float64Array;
      /** d entries. Default 0. */
      c?: Float64Array;
    }
  | BlockGradient;

/** One block's penalty g_j. */
export type BlockProxSpec =
  | 'none'
  | 'nonnegative'
  | 'box'
  | { kind: 'none' | 'nonnegative' }
  | { kind: 'l1' | 'group-l2'; /** λ ≥ 0 */ lambda: number }
  | { kind: 'box'; /** Default −∞. */ lo?: number; /** Default +∞. */ hi?: number };

/** The block-gradient estimator. */
export type VarianceSpec =
  | 'exact'
  | 'stochastic'
  | 'recursive'
  | {
      kind: 'exact' | 'stochastic' | 'recursive';
      /** Rows per sampled minibatch (with replacement), 1..n. Default ⌈√n⌉. */
      batchSize?: number;
      /** 'recursive': epochs between exact refreshes (≥ 1). Default 10. */
      refreshEvery?: number;
    };

/** Options of {@link proxBcdSync} (the whole problem). */
export interface ProxBcdOptions {
  /** The start point (length d ≥ 1; not modified). Required. */
  x0: Float64Array;
  /** The smooth part f. Required. */
  smooth: SmoothSpec;
  /** Block offsets 0 = o_0 < … < o_m = d. Default: one block [0, d). */
  blocks?: Int32Array | readonly number[];
  /** The penalties: one for every block, or an array of one per block. Default 'none'. */
  prox?: BlockProxSpec | readonly BlockProxSpec[];
  /**
   * η_j per block (Float64Array of m entries, finite and > 0), or 'backtracking' (variance
   * 'exact' only). Default: 1/L_j for the built-ins; a block gradient needs one of the two.
   */
  stepSizes?: Float64Array | 'backtracking';
  /** 'cyclic' (default) or 'random' (a fresh seeded permutation of the blocks per epoch). */
  order?: 'cyclic' | 'random';
  /** Seed of order 'random' and of the sampled batches. Default 0. */
  seed?: number;
  /** The block-gradient estimator. Default 'exact'. */
  variance?: VarianceSpec;
  /** Epoch limit (reason 'max-iterations'). Default 1000. */
  maxEpochs?: number;
  /** Stop when the gradient-mapping norm ≤ tol (reason 'tol'). Default 1e-8. */
  tol?: number;
  /** Record the gradient-mapping norm and the passes before the first epoch and after each. */
  history?: boolean;
  /** Stop after this many milliseconds (reason 'time-limit'). */
  timeLimitMs?: number;
}

/** What {@link proxBcdSync} returns. */
export type ProxBcdResult = Outcome<'tol'> & {
  /** The last iterate (length d). */
  x: Float64Array;
  /** Epochs run. */
  iterations: number;
  /** ‖𝒢(x)‖ at x (see the module doc). */
  gradientMappingNorm: number;
  /** Gradient-oracle work in passes over the data (the paper's count). */
  dataPasses: number;
  /** Entries of A (Q) read over its size (NaN for a block-gradient callback). */
  matrixPasses: number;
  /** F(x) = f(x) + Σ g_j(x_j) (NaN for a block-gradient callback). */
  objective: number;
  /** With `history`: the figures before the first epoch and after each. */
  history?: {
    gradientMappingNorm: Float64Array;
    dataPasses: Float64Array;
    matrixPasses: Float64Array;
  };
  elapsedMs: number;
};

const P = PROX_BCD.p;
const S = PROX_BCD.s;
const STATS = PROX_BCD.params.length;
const IO_LENGTH = STATS + PROX_BCD.stats.length;
const SMOOTH = (k: (typeof PROX_SMOOTHS)[number]) => PROX_SMOOTHS.indexOf(k);
const KIND = (k: (typeof PROX_KINDS)[number]) => PROX_KINDS.indexOf(k);

type NativeArgs = [
  x: Float64Array,
  blocks: Int32Array | null,
  prox: Float64Array,
  stepSizes: Float64Array | null,
  M: Float64Array | null,
  v: Float64Array | null,
  fn: BlockGradient | null,
  io: Float64Array,
];
type NativeHistory = { history?: ProxBcdResult['history'] };
type ProxNative = {
  proxBcd(...args: NativeArgs): NativeHistory;
  proxBcdAsync(...args: [...NativeArgs, options: object]): Promise<NativeHistory>;
};

function readBlocks(b: unknown, d: number): Int32Array | null {
  if (b === undefined) return null;
  let o: Int32Array;
  if (b instanceof Int32Array) o = v.i32('blocks', b);
  else if (Array.isArray(b)) {
    o = new Int32Array(b.length);
    b.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isInteger(x))
        throw v.invalid('blocks', 'integer offsets', b);
      o[i] = x;
    });
  } else throw v.invalid('blocks', 'an Int32Array or an array of offsets', b);
  if (o.length < 2 || o[0] !== 0 || o[o.length - 1] !== d)
    throw v.invalid('blocks', `offsets from 0 to x0.length (${d})`, b);
  for (let j = 1; j < o.length; j++)
    if (!(o[j] > o[j - 1])) throw v.invalid('blocks', 'strictly increasing offsets', b);
  return o;
}

function blockProx(g: unknown, out: Float64Array, at: number): void {
  const kind = typeof g === 'string' ? g : (g as { kind?: unknown } | null)?.kind;
  const spec = typeof g === 'object' && g !== null ? (g as Record<string, unknown>) : {};
  const keys = (allowed: string[]) => {
    for (const k of Object.keys(spec))
      if (k !== 'kind' && !allowed.includes(k))
        throw v.invalid('prox', `no key ${k} for kind '${String(kind)}'`, g);
  };
  let lambda = 0;
  let lo = -Infinity;
  let hi = Infinity;
  switch (kind) {
    case 'none':
    case 'nonnegative':
      keys([]);
      break;
    case 'l1':
    case 'group-l2':
      if (typeof g === 'string')
        throw v.invalid('prox', `{ kind: '${kind}', lambda } (the penalty needs its λ)`, g);
      keys(['lambda']);
      if (typeof spec.lambda !== 'number' || !(spec.lambda >= 0) || !Number.isFinite(spec.lambda))
        throw v.invalid('prox', 'lambda: a finite number >= 0', spec.lambda);
      lambda = spec.lambda;
      break;
    case 'box':
      keys(['lo', 'hi']);
      if (spec.lo !== undefined) {
        if (typeof spec.lo !== 'number' || Number.isNaN(spec.lo))
          throw v.invalid('prox', 'lo: a number', spec.lo);
        lo = spec.lo;
      }
      if (spec.hi !== undefined) {
        if (typeof spec.hi !== 'number' || Number.isNaN(spec.hi))
          throw v.invalid('prox', 'hi: a number', spec.hi);
        hi = spec.hi;
      }
      if (lo > hi) throw v.invalid('prox', `lo <= hi (lo ${lo}, hi ${hi})`, g);
      break;
    default:
      throw v.invalid(
        'prox',
        `${PROX_KINDS.map((k) => `'${k}'`).join(', ')} or { kind, lambda | lo, hi }`,
        g,
      );
  }
  out[at] = KIND(kind);
  out[at + 1] = lambda;
  out[at + 2] = lo;
  out[at + 3] = hi;
}

function readProx(p: unknown, m: number): Float64Array {
  if (p === undefined) return new Float64Array([KIND('none'), 0, -Infinity, Infinity]);
  if (!Array.isArray(p)) {
    const out = new Float64Array(4);
    blockProx(p, out, 0);
    return out;
  }
  if (p.length !== 1 && p.length !== m)
    throw v.mismatch('prox', `one entry or one per block (${m})`, `${p.length} entries`);
  const out = new Float64Array(4 * p.length);
  p.forEach((g, j) => blockProx(g, out, 4 * j));
  return out;
}

interface Variance {
  kind: number;
  batchSize: number;
  refreshEvery: number;
}

function readVariance(x: unknown, rows: number): Variance {
  const spec = typeof x === 'string' ? { kind: x } : x;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
    throw v.invalid('variance', "'exact', 'stochastic', 'recursive' or { kind, batchSize }", x);
  const s = spec as Record<string, unknown>;
  for (const k of Object.keys(s))
    if (!['kind', 'batchSize', 'refreshEvery'].includes(k))
      throw v.invalid('variance', `{ kind, batchSize?, refreshEvery? } (no key ${k})`, x);
  const kind = PROX_VARIANCES.indexOf(s.kind as (typeof PROX_VARIANCES)[number]);
  if (kind < 0) throw v.invalid('variance', "kind 'exact', 'stochastic' or 'recursive'", s.kind);
  if (kind !== 0 && rows === 0)
    throw v.invalid(
      'variance',
      "'exact' (stochastic and recursive estimators need a finite-sum smooth part: least squares or logistic)",
      s.kind,
    );
  const batchSize =
    s.batchSize === undefined
      ? Math.max(1, Math.min(rows, Math.ceil(Math.sqrt(rows))))
      : v.int('variance', s.batchSize, 1, Math.max(1, rows));
  const refreshEvery =
    s.refreshEvery === undefined ? 10 : v.int('variance', s.refreshEvery, 1, 2 ** 52);
  return { kind, batchSize, refreshEvery };
}

function prepare(options: unknown, io: Float64Array, sync: boolean) {
  const raw = v.options<ProxBcdOptions>('options', options);
  const x0 = v.f64('x0', raw.x0);
  const d = x0.length;
  if (d < 1) throw v.invalid('x0', 'a Float64Array with at least one entry', x0);
  // smooth first: its rows are the resolver's m
  const sm = raw.smooth;
  let kind: number;
  let rows = 0;
  let M: Float64Array | null = null;
  let vv: Float64Array | null = null;
  let fn: BlockGradient | null = null;
  let layout = 0;
  if (typeof sm === 'function') {
    kind = SMOOTH('callback');
    fn = sm;
  } else if (typeof sm === 'object' && sm !== null) {
    const s = sm as Record<string, unknown>;
    if (s.kind === 'least-squares' || s.kind === 'logistic') {
      for (const k of Object.keys(s))
        if (!['kind', 'A', 'y'].includes(k))
          throw v.invalid('smooth', `{ kind, A, y } (no key ${k})`, sm);
      kind = SMOOTH(s.kind);
      const A = checkDense('A', s.A, undefined, d);
      rows = A.rows;
      if (rows < 1) throw v.invalid('A', 'at least one row', s.A);
      M = A.data;
      layout = BCD_LAYOUTS.indexOf(A.order === 'F' ? 'colMajor' : 'rowMajor');
      vv = v.f64('y', s.y, rows);
    } else if (s.kind === 'quadratic') {
      for (const k of Object.keys(s))
        if (!['kind', 'Q', 'c'].includes(k))
          throw v.invalid('smooth', `{ kind, Q, c? } (no key ${k})`, sm);
      kind = SMOOTH('quadratic');
      M = isDenseLike(s.Q) ? checkDense('Q', s.Q, d, d).data : v.f64('Q', s.Q, d * d);
      vv = s.c === undefined ? null : v.f64('c', s.c, d);
    } else {
      throw v.invalid('smooth', "kind 'least-squares', 'logistic' or 'quadratic'", s.kind);
    }
  } else {
    throw v.invalid('smooth', '{ kind, … } or a block gradient (x, block, gradOut) => void', sm);
  }
  const o = checkOptions('proxBcd', options, sync, d, rows);
  const blocks = readBlocks(o.blocks, d);
  const m = blocks ? blocks.length - 1 : 1;
  const prox = readProx(o.prox, m);
  let steps: Float64Array | null = null;
  let backtracking = false;
  if (o.stepSizes === 'backtracking') backtracking = true;
  else if (o.stepSizes !== undefined) {
    if (!(o.stepSizes instanceof Float64Array))
      throw v.invalid('stepSizes', "a Float64Array or 'backtracking'", o.stepSizes);
    steps = v.f64('stepSizes', o.stepSizes, m);
    for (const s of steps)
      if (!(s > 0) || !Number.isFinite(s))
        throw v.invalid('stepSizes', 'finite steps > 0', o.stepSizes);
  } else if (fn) {
    throw v.invalid(
      'stepSizes',
      "a Float64Array or 'backtracking' (a block-gradient smooth part has no built-in steps)",
      undefined,
    );
  }
  const variance = readVariance(o.variance ?? 'exact', rows);
  if (backtracking && variance.kind !== 0)
    throw v.invalid(
      'stepSizes',
      "Float64Array steps (backtracking needs variance 'exact')",
      'backtracking',
    );
  if (variance.kind === PROX_VARIANCES.indexOf('recursive') && o.order === 'random')
    throw v.invalid('order', "'cyclic' (the recursive estimator needs cyclic order)", o.order);
  const x = Float64Array.from(x0);
  io[P.d] = d;
  io[P.rows] = rows;
  io[P.smooth] = kind;
  io[P.layout] = layout;
  io[P.blocks] = blocks ? m : 0;
  io[P.prox] = prox.length / 4;
  io[P.backtracking] = backtracking ? 1 : 0;
  io[P.order] = SELECTIONS.indexOf(o.order);
  io[P.seed] = o.seed;
  io[P.variance] = variance.kind;
  io[P.batchSize] = variance.batchSize;
  io[P.refreshEvery] = variance.refreshEvery;
  io[P.maxEpochs] = o.maxEpochs;
  io[P.tol] = o.tol;
  io[P.history] = o.history ? 1 : 0;
  io[P.timeLimitMs] = o.timeLimitMs ?? 0;
  const args: NativeArgs = [x, blocks, prox, steps, M, vv, fn, io];
  return { args, x, o };
}

function result(x: Float64Array, io: Float64Array, h: NativeHistory): ProxBcdResult {
  const reason = REASONS[io[STATS + S.reason]];
  const r = {
    x,
    converged: reason === 'tol',
    reason,
    iterations: io[STATS + S.epochs],
    gradientMappingNorm: io[STATS + S.gradientMappingNorm],
    dataPasses: io[STATS + S.dataPasses],
    matrixPasses: io[STATS + S.matrixPasses],
    objective: io[STATS + S.objective],
    elapsedMs: io[STATS + S.elapsedMs],
  };
  return (h.history === undefined ? r : { ...r, history: h.history }) as ProxBcdResult;
}

const bound = () => native() as unknown as ProxNative;

/**
 * Proximal block coordinate descent on F(x) = f(x) + Σ_j g_j(x_j) (see the module doc for the
 * problem, the step rule and the gradient-mapping measure). Runs on the calling thread; a
 * block-gradient callback is called inline.
 */
export function proxBcdSync(options: ProxBcdOptions): ProxBcdResult {
  const io = new Float64Array(IO_LENGTH);
  const p = prepare(options, io, true);
  let h: NativeHistory;
  try {
    h = bound().proxBcd(...p.args);
  } catch (e) {
    throw fromNative(e);
  }
  return result(p.x, io, h);
}

/**
 * Promise form of {@link proxBcdSync}: runs off the event loop (a block-gradient callback is
 * called on the main thread while the native loop waits); takes signal (an AbortError with the
 * partial result), timeLimitMs and onProgress (the gradient-mapping norm after each epoch).
 */
export function proxBcd(options: ProxBcdOptions & AsyncOptions): Promise<ProxBcdResult> {
  const io = new Float64Array(IO_LENGTH);
  let p: ReturnType<typeof prepare>;
  try {
    p = prepare(options, io, false);
  } catch (e) {
    return Promise.reject(e);
  }
  return runJob(
    p.o,
    (opts) => bound().proxBcdAsync(...p.args, opts),
    (h) => result(p.x, io, h),
  );
}
