/**
 * Learned relaxation across a sequence of linear systems (issue 9 §2; Khodak et al., "Learning to
 * Relax", ICLR 2024): a bandit over a grid of ω that sees only iteration counts.
 *
 * - No context: ½-Tsallis-INF (Zimmert and Seldin), learning rate η_t = 2/√t, losses shifted by 1
 *   (the fewest iterations possible) and divided by a running scale (mean loss − 1).
 * - context `{ kind: 'bins' }`: one independent Tsallis-INF learner per bin of the context range.
 * - context `{ kind: 'chebyshev' }`: per ω a ridge-regularised least-squares model of the loss on
 *   Chebyshev features T_0..T_degree of the context, played by inverse-gap weighting (Foster and
 *   Rakhlin's SquareCB; the paper's ChebCB).
 */
import { AsyncOptions } from '../async';
import { CsrMatrix } from '../csr';
import { ItersolveError } from '../errors';
import { cg, cgSync, SolveResult } from '../krylov';
import { sor, sorSync, SorOptions } from '../stationary';
import * as v from '../validate';
import { Xoshiro128 } from './random';

/** What the tuner runs: SOR (`sor`/`sorSync`) or CG preconditioned by SSOR(ω) (`cg`/`cgSync`). */
export type RelaxationMethod = 'sor' | 'ssor-pcg';

/** Independent Tsallis-INF learners, one per equal-width bin of [range[0], range[1]]. */
export interface RelaxationBinsContext {
  kind: 'bins';
  range: [number, number];
  /** Number of bins (an integer ≥ 1). */
  bins: number;
}

/** Per-ω least squares on Chebyshev features of the context, inverse-gap weighting (SquareCB). */
export interface RelaxationChebyshevContext {
  kind: 'chebyshev';
  /** The context interval mapped onto [−1, 1] (contexts outside are clamped to its ends). */
  range: [number, number];
  /** Highest Chebyshev degree (features T_0..T_degree). Default 5 (the paper's six features). */
  degree?: number;
}

export type RelaxationContext = RelaxationBinsContext | RelaxationChebyshevContext;

export interface RelaxationTunerOptions {
  method: RelaxationMethod;
  /** The ω grid (distinct numbers in (0, 2)). Default: 20 values evenly spaced on [1, 1.95]. */
  omegas?: readonly number[];
  /** Seed of the tuner's random choices (an integer in [0, 2³² − 1]). */
  seed: number;
  /** A context-dependent tuner (then suggest, observe and solve take a context number). */
  context?: RelaxationContext;
}

/**
 * Options of {@link RelaxationTuner.solve}: the solver's own (x0, out, rtol, atol, maxIterations,
 * history, timeLimitMs; `ordering` for 'sor'; signal and onProgress for the Promise form), except
 * ω and the preconditioner, which the tuner sets, plus the instance's `context`.
 */
export interface RelaxationSolveOptions extends Omit<SorOptions, 'omega' | 'ordering'> {
  /** The instance's context number (required by a contextual tuner). */
  context?: number;
  /** 'sor' only: see {@link SorOptions.ordering}. */
  ordering?: SorOptions['ordering'];
}

/** A solver's result and the ω the tuner chose for it. */
export type RelaxationSolveResult = SolveResult & { omega: number };

/** What {@link RelaxationTuner.toJSON} returns (plain JSON data). */
export interface RelaxationTunerJSON {
  version: 1;
  method: RelaxationMethod;
  omegas: number[];
  seed: number;
  context: RelaxationContext | null;
  rng: (number | null)[];
  learner: unknown;
  /** Suggestions awaiting their observation: [arm, probability, context]. */
  pending: [number, number, number | null][];
}

const FORMAT_VERSION = 1;
/** Suggestions from suggest() kept for observe(): the oldest is dropped beyond this. */
const MAX_PENDING = 1024;
/** SquareCB: γ_t = GAMMA · √(K·t) (losses in units of the running mean loss − 1). */
const GAMMA = 1;
/** Ridge regularisation of the Chebyshev least squares (on raw losses − 1). */
const RIDGE = 1;
const DEFAULT_DEGREE = 5;

function defaultOmegas(): number[] {
  return Array.from({ length: 20 }, (_, i) => 1 + (0.95 * i) / 19);
}

/** Index of a draw u ∈ [0, 1) under the (normalised) probabilities p. */
function sample(p: Float64Array, u: number): number {
  let acc = 0;
  let last = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] > 0) {
      acc += p[i];
      last = i;
      if (u < acc) return i;
    }
  }
  return last; // rounding: u ≥ Σp
}

/** Running scale of the losses: mean(loss) − 1, or 1 while that is not positive. */
function lossScale(sum: number, count: number): number {
  const s = count > 0 ? sum / count - 1 : 0;
  return s > 0 ? s : 1;
}

/**
 * ½-Tsallis-INF over K arms: p_i = 4 / (η (L̂_i/s − x))², η = 2/√t, s the loss scale, with the
 * normaliser x from Newton's method started at x₀ = min L̂/s − 2/η, where the best arm alone has
 * probability 1 (Σp ≥ 1): Σp is convex and increasing in x below the pole, so the iterates move
 * monotonically to the root without crossing it.
 * @internal
 */
export class TsallisInf {
  readonly L: Float64Array;
  readonly p: Float64Array;
  sumLoss = 0;
  count = 0;
  private fresh = false;
  /** Newton steps of the last normalisation (diagnostics). */
  newtonSteps = 0;

  constructor(K: number) {
    this.L = new Float64Array(K);
    this.p = new Float64Array(K);
  }

  /** Fills `p` (cached until the next update). */
  probabilities(): Float64Array {
    if (this.fresh) return this.p;
    const { L, p } = this;
    const K = L.length;
    const eta = 2 / Math.sqrt(this.count + 1);
    const inv = 1 / lossScale(this.sumLoss, this.count);
    let min = Infinity;
    for (let i = 0; i < K; i++) min = Math.min(min, L[i]);
    let x = min * inv - 2 / eta;
    let sum = 0;
    let steps = 0;
    for (; steps < 100; steps++) {
      sum = 0;
      let d1 = 0; // η Σ p_i^{3/2} = d(Σp)/dx
      for (let i = 0; i < K; i++) {
        const r = 2 / (eta * (L[i] * inv - x)); // √p_i
        const pi = r * r;
        p[i] = pi;
        sum += pi;
        d1 += pi * r;
      }
      const f = sum - 1;
      if (f <= 1e-13) break;
      const dx = f / (eta * d1);
      x -= dx;
      if (dx <= 1e-15 * Math.max(1, Math.abs(x))) break;
    }
    this.newtonSteps = steps;
    for (let i = 0; i < K; i++) p[i] /= sum;
    this.fresh = true;
    return p;
  }

  /** Arm for a draw u ∈ [0, 1). */
  choose(u: number): number {
    return sample(this.probabilities(), u);
  }

  /** Importance-weighted update of the played arm (its probability when it was chosen). */
  update(arm: number, loss: number, prob: number): void {
    this.L[arm] += (loss - 1) / prob;
    this.sumLoss += loss;
    this.count++;
    this.fresh = false;
  }

  toJSON(): { L: number[]; sumLoss: number; count: number } {
    return { L: Array.from(this.L), sumLoss: this.sumLoss, count: this.count };
  }

  static fromJSON(argument: string, K: number, j: unknown): TsallisInf {
    const o = j as { L?: unknown; sumLoss?: unknown; count?: unknown } | null;
    if (typeof o !== 'object' || o === null) throw v.invalid(argument, 'a learner state', j);
    const t = new TsallisInf(K);
    t.L.set(numbers(`${argument}.L`, o.L, K));
    t.sumLoss = v.num(`${argument}.sumLoss`, o.sumLoss, { min: 0 });
    t.count = v.int(`${argument}.count`, o.count, 0, Number.MAX_SAFE_INTEGER);
    return t;
  }
}

/**
 * SquareCB over K arms with one ridge regression per arm on Chebyshev features of the context:
 * ŷ_a(c) = θ_aᵀφ(c) / s (s the loss scale), p_a = 1 / (K + γ(ŷ_a − ŷ_best)) for a ≠ best and
 * the rest to the best arm, γ = GAMMA·√(K t). The per-arm normal equations (Gram matrix plus
 * RIDGE·I, and Σφ·(loss − 1)) are kept and θ_a re-solved (Cholesky) when arm a is observed.
 * @internal
 */
export class ChebyshevCB {
  readonly K: number;
  readonly m: number;
  readonly G: Float64Array; // K × m × m
  readonly r: Float64Array; // K × m
  readonly theta: Float64Array; // K × m
  readonly p: Float64Array;
  readonly phi: Float64Array;
  private readonly chol: Float64Array;
  private readonly y: Float64Array;
  sumLoss = 0;
  count = 0;

  constructor(
    K: number,
    degree: number,
    readonly lo: number,
    readonly hi: number,
  ) {
    this.K = K;
    const m = (this.m = degree + 1);
    this.G = new Float64Array(K * m * m);
    for (let a = 0; a < K; a++) for (let i = 0; i < m; i++) this.G[a * m * m + i * m + i] = RIDGE;
    this.r = new Float64Array(K * m);
    this.theta = new Float64Array(K * m);
    this.p = new Float64Array(K);
    this.phi = new Float64Array(m);
    this.chol = new Float64Array(m * m);
    this.y = new Float64Array(m);
  }

  /** φ(c) = (T_0(u), …, T_degree(u)), u = c mapped from [lo, hi] to [−1, 1] (clamped). */
  features(c: number): Float64Array {
    const { phi, m } = this;
    let u = (2 * (c - this.lo)) / (this.hi - this.lo) - 1;
    u = u < -1 ? -1 : u > 1 ? 1 : u;
    phi[0] = 1;
    if (m > 1) phi[1] = u;
    for (let j = 2; j < m; j++) phi[j] = 2 * u * phi[j - 1] - phi[j - 2];
    return phi;
  }

  /** Fills `p` for context c. */
  probabilities(c: number): Float64Array {
    const { K, m, theta, p } = this;
    const phi = this.features(c);
    const inv = 1 / lossScale(this.sumLoss, this.count);
    let best = 0;
    let yBest = Infinity;
    for (let a = 0; a < K; a++) {
      let y = 0;
      for (let j = 0; j < m; j++) y += theta[a * m + j] * phi[j];
      p[a] = y * inv; // the prediction, for now
      if (p[a] < yBest) {
        yBest = p[a];
        best = a;
      }
    }
    const gamma = GAMMA * Math.sqrt(K * (this.count + 1));
    let rest = 0;
    for (let a = 0; a < K; a++) {
      if (a === best) continue;
      p[a] = 1 / (K + gamma * (p[a] - yBest));
      rest += p[a];
    }
    p[best] = Math.max(0, 1 - rest);
    return p;
  }

  choose(c: number, u: number): number {
    return sample(this.probabilities(c), u);
  }

  update(arm: number, loss: number, c: number): void {
    const { m, G, r } = this;
    const phi = this.features(c);
    const g = arm * m * m;
    for (let i = 0; i < m; i++) {
      r[arm * m + i] += phi[i] * (loss - 1);
      for (let j = 0; j < m; j++) G[g + i * m + j] += phi[i] * phi[j];
    }
    this.sumLoss += loss;
    this.count++;
    this.solve(arm);
  }

  /** θ_arm = G_arm⁻¹ r_arm by Cholesky (G is SPD: RIDGE·I plus a Gram matrix). */
  private solve(arm: number): void {
    const { m, G, r, theta, chol: Lc, y } = this;
    const g = arm * m * m;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j <= i; j++) {
        let s = G[g + i * m + j];
        for (let k = 0; k < j; k++) s -= Lc[i * m + k] * Lc[j * m + k];
        Lc[i * m + j] = i === j ? Math.sqrt(s) : s / Lc[j * m + j];
      }
    }
    for (let i = 0; i < m; i++) {
      let s = r[arm * m + i];
      for (let k = 0; k < i; k++) s -= Lc[i * m + k] * y[k];
      y[i] = s / Lc[i * m + i];
    }
    for (let i = m - 1; i >= 0; i--) {
      let s = y[i];
      for (let k = i + 1; k < m; k++) s -= Lc[k * m + i] * theta[arm * m + k];
      theta[arm * m + i] = s / Lc[i * m + i];
    }
  }

  toJSON(): { G: number[]; r: number[]; sumLoss: number; count: number } {
    return {
      G: Array.from(this.G),
      r: Array.from(this.r),
      sumLoss: this.sumLoss,
      count: this.count,
    };
  }

  static fromJSON(
    argument: string,
    K: number,
    degree: number,
    lo: number,
    hi: number,
    j: unknown,
  ): ChebyshevCB {
    const o = j as { G?: unknown; r?: unknown; sumLoss?: unknown; count?: unknown } | null;
    if (typeof o !== 'object' || o === null) throw v.invalid(argument, 'a learner state', j);
    const cb = new ChebyshevCB(K, degree, lo, hi);
    cb.G.set(numbers(`${argument}.G`, o.G, cb.G.length));
    cb.r.set(numbers(`${argument}.r`, o.r, cb.r.length));
    cb.sumLoss = v.num(`${argument}.sumLoss`, o.sumLoss, { min: 0 });
    cb.count = v.int(`${argument}.count`, o.count, 0, Number.MAX_SAFE_INTEGER);
    for (let a = 0; a < K; a++) cb.solve(a);
    return cb;
  }
}

function numbers(argument: string, x: unknown, length: number): number[] {
  if (
    !Array.isArray(x) ||
    x.length !== length ||
    !x.every((e) => typeof e === 'number' && Number.isFinite(e))
  )
    throw v.invalid(argument, `an array of ${length} finite numbers`, x);
  return x as number[];
}

function checkKeys(argument: string, o: object, allowed: readonly string[]): void {
  for (const k of Object.keys(o))
    if (!allowed.includes(k))
      throw new ItersolveError(
        'ERR_INVALID_ARGUMENT',
        `${argument}.${k}: unknown option (expected ${allowed.join(', ')})`,
        { argument: `${argument}.${k}` },
      );
}

function checkOmegas(argument: string, w: unknown): number[] {
  const list = Array.isArray(w) ? w : w instanceof Float64Array ? Array.from(w) : null;
  if (list === null || list.length === 0 || list.length > 10000)
    throw v.invalid(argument, 'a non-empty array of numbers in (0, 2)', w);
  list.forEach((x, i) => {
    if (typeof x !== 'number' || !(x > 0 && x < 2))
      throw v.invalid(`${argument}[${i}]`, 'a number in (0, 2)', x);
  });
  if (new Set(list).size !== list.length)
    throw v.invalid(argument, 'distinct numbers in (0, 2)', w);
  return list.slice();
}

function checkContext(argument: string, c: unknown): RelaxationContext | undefined {
  if (c === undefined || c === null) return undefined;
  const o = v.options<RelaxationContext>(argument, c) as Record<string, unknown>;
  const range = o.range;
  const kindOk = o.kind === 'bins' || o.kind === 'chebyshev';
  if (!kindOk) throw v.invalid(`${argument}.kind`, "'bins' or 'chebyshev'", o.kind);
  checkKeys(
    argument,
    o,
    o.kind === 'bins' ? ['kind', 'range', 'bins'] : ['kind', 'range', 'degree'],
  );
  if (
    !Array.isArray(range) ||
    range.length !== 2 ||
    typeof range[0] !== 'number' ||
    typeof range[1] !== 'number' ||
    !Number.isFinite(range[0]) ||
    !Number.isFinite(range[1]) ||
    !(range[0] < range[1])
  )
    throw v.invalid(`${argument}.range`, 'two finite numbers [lo, hi] with lo < hi', range);
  const r: [number, number] = [range[0], range[1]];
  if (o.kind === 'bins')
    return { kind: 'bins', range: r, bins: v.int(`${argument}.bins`, o.bins, 1, 100000) };
  const degree =
    o.degree === undefined ? DEFAULT_DEGREE : v.int(`${argument}.degree`, o.degree, 0, 30);
  return { kind: 'chebyshev', range: r, degree };
}

/**
 * Chooses the relaxation parameter ω of SOR (or of the SSOR preconditioner of CG) for each of a
 * sequence of related systems, learning from the iteration counts alone; see the module comment
 * for the algorithms. Deterministic for a given seed and sequence of calls, and persistent:
 * `RelaxationTuner.fromJSON(JSON.parse(JSON.stringify(tuner)))` continues exactly where the
 * tuner was (same learned state, same random stream, same pending suggestions).
 *
 * `suggest` / `observe` are the low-level pair: observe matches the oldest pending suggestion of
 * the same ω (and context: the same bin, or the same number for 'chebyshev') to weight the loss by
 * the probability it had when it was suggested; an ω observed without a pending suggestion is
 * weighted by its current probability. At most 1024 suggestions wait for their observation (the
 * oldest is forgotten beyond). `solve` / `solveSync` do all three; concurrent `solve` calls each
 * take their own suggestion, and are observed as they finish.
 */
export class RelaxationTuner {
  readonly method: RelaxationMethod;
  readonly omegas: readonly number[];
  readonly seed: number;
  readonly context: RelaxationContext | undefined;
  private rng: Xoshiro128;
  private readonly tsallis: TsallisInf[]; // one, or one per bin
  private cheb: ChebyshevCB | undefined;
  // Pending suggestions, oldest first.
  private readonly pendArm = new Int32Array(MAX_PENDING);
  private readonly pendProb = new Float64Array(MAX_PENDING);
  private readonly pendCtx = new Float64Array(MAX_PENDING);
  private pending = 0;
  // Probability of the last arm drawn (set by draw()).
  private lastProb = 1;

  constructor(options: RelaxationTunerOptions) {
    const o = v.options<RelaxationTunerOptions>('options', options);
    if (options === undefined || options === null)
      throw v.invalid('options', 'an options object with method and seed', options);
    checkKeys('options', o, ['method', 'omegas', 'seed', 'context']);
    if (o.method !== 'sor' && o.method !== 'ssor-pcg')
      throw v.invalid('options.method', "'sor' or 'ssor-pcg'", o.method);
    this.method = o.method;
    this.omegas = Object.freeze(
      o.omegas === undefined ? defaultOmegas() : checkOmegas('options.omegas', o.omegas),
    );
    this.seed = v.int('options.seed', o.seed, 0, 2 ** 32 - 1);
    this.context = checkContext('options.context', o.context);
    this.rng = new Xoshiro128(this.seed);
    const K = this.omegas.length;
    const c = this.context;
    this.tsallis = [];
    if (c === undefined) this.tsallis.push(new TsallisInf(K));
    else if (c.kind === 'bins')
      for (let i = 0; i < c.bins; i++) this.tsallis.push(new TsallisInf(K));
    this.cheb =
      c?.kind === 'chebyshev'
        ? new ChebyshevCB(K, c.degree ?? DEFAULT_DEGREE, c.range[0], c.range[1])
        : undefined;
  }

  /** The ω to use next (a contextual tuner needs the instance's context number). */
  suggest(context?: number): number {
    const c = this.checkCtx(context);
    const arm = this.draw(c);
    this.push(arm, this.lastProb, c);
    return this.omegas[arm];
  }

  /**
   * Reports the iteration count a solve with `omega` (one of the tuner's) took. A solve that did
   * not converge is reported with its count too (at most maxIterations): the loss still ranks ω.
   */
  observe(omega: number, iterations: number, context?: number): void {
    const arm = this.omegas.indexOf(omega);
    if (arm < 0)
      throw v.invalid('omega', `one of the tuner's omegas (${this.omegas.length} values)`, omega);
    v.num('iterations', iterations, { min: 0 });
    const c = this.checkCtx(context);
    const prob = this.takePending(arm, c);
    this.learn(arm, iterations, c, prob);
  }

  /**
   * Suggest ω, run the solver (Promise form: `sor`, or `cg` with the SSOR(ω) preconditioner),
   * observe its iteration count, and resolve to the solver's result plus `omega`. A run that did
   * not converge (max-iterations, time-limit, non-finite, …) is observed as max(iterations,
   * maxIterations): a bad ω still ranks last. A rejected run (an invalid option, an abort) is not
   * observed. Several may run at once: each draws its own ω and keeps its own probability for the
   * importance weight, applied when it finishes.
   */
  solve(
    A: CsrMatrix,
    b: Float64Array,
    options?: RelaxationSolveOptions & AsyncOptions,
  ): Promise<RelaxationSolveResult> {
    let run: ReturnType<RelaxationTuner['start']>;
    try {
      run = this.start(A, options);
    } catch (e) {
      return Promise.reject(e);
    }
    const { arm, prob, c, opts, cap } = run;
    const omega = this.omegas[arm];
    const p: Promise<SolveResult> =
      this.method === 'sor'
        ? sor(A, b, { ...opts, omega })
        : cg(A, b, { ...opts, preconditioner: { type: 'ssor', omega } });
    return p.then((r) => {
      this.learn(arm, r.converged ? r.iterations : Math.max(r.iterations, cap), c, prob);
      (r as RelaxationSolveResult).omega = omega;
      return r as RelaxationSolveResult;
    });
  }

  /** Sync form of {@link solve}: suggest, run sorSync or cgSync, observe (same rules). */
  solveSync(
    A: CsrMatrix,
    b: Float64Array,
    options?: RelaxationSolveOptions,
  ): RelaxationSolveResult {
    const { arm, prob, c, opts, cap } = this.start(A, options);
    const omega = this.omegas[arm];
    const r =
      this.method === 'sor'
        ? sorSync(A, b, { ...opts, omega })
        : cgSync(A, b, { ...opts, preconditioner: { type: 'ssor', omega } });
    this.learn(arm, r.converged ? r.iterations : Math.max(r.iterations, cap), c, prob);
    (r as RelaxationSolveResult).omega = omega;
    return r as RelaxationSolveResult;
  }

  /**
   * Current probabilities of the omegas (for context `context` when contextual): a copy, for
   * inspection; suggest() samples from these.
   */
  probabilities(context?: number): Float64Array {
    const c = this.checkCtx(context);
    return this.cheb ? this.cheb.probabilities(c).slice() : this.learner(c).probabilities().slice();
  }

  /** Observations so far. */
  get observations(): number {
    return this.cheb ? this.cheb.count : this.tsallis.reduce((s, t) => s + t.count, 0);
  }

  /** The whole state as plain JSON data (JSON.stringify calls this). */
  toJSON(): RelaxationTunerJSON {
    const pending: [number, number, number | null][] = [];
    for (let i = 0; i < this.pending; i++)
      pending.push([
        this.pendArm[i],
        this.pendProb[i],
        Number.isNaN(this.pendCtx[i]) ? null : this.pendCtx[i],
      ]);
    return {
      version: FORMAT_VERSION,
      method: this.method,
      omegas: this.omegas.slice(),
      seed: this.seed,
      context:
        this.context === undefined
          ? null
          : { ...this.context, range: [this.context.range[0], this.context.range[1]] },
      rng: this.rng.state(),
      learner: this.cheb
        ? this.cheb.toJSON()
        : this.context === undefined
          ? this.tsallis[0].toJSON()
          : this.tsallis.map((t) => t.toJSON()),
      pending,
    };
  }

  /** A tuner from {@link toJSON}'s data (or its JSON text), checked. */
  static fromJSON(json: RelaxationTunerJSON | string): RelaxationTuner {
    let parsed: unknown = json;
    if (typeof json === 'string') {
      try {
        parsed = JSON.parse(json);
      } catch (e) {
        throw v.invalid('json', `JSON text (${(e as Error).message})`, json);
      }
    }
    const j = parsed as Partial<RelaxationTunerJSON>;
    if (typeof j !== 'object' || j === null || Array.isArray(j))
      throw v.invalid('json', 'the data of RelaxationTuner.toJSON()', j);
    if (j.version !== FORMAT_VERSION)
      throw v.invalid('json.version', `${FORMAT_VERSION}`, j.version);
    const t = new RelaxationTuner({
      method: j.method as RelaxationMethod,
      omegas: j.omegas,
      seed: j.seed as number,
      context: j.context ?? undefined,
    });
    t.rng = Xoshiro128.fromState('json.rng', j.rng);
    const K = t.omegas.length;
    const c = t.context;
    if (c === undefined) t.tsallis[0] = TsallisInf.fromJSON('json.learner', K, j.learner);
    else if (c.kind === 'bins') {
      if (!Array.isArray(j.learner) || j.learner.length !== c.bins)
        throw v.invalid('json.learner', `an array of ${c.bins} learner states`, j.learner);
      const states = j.learner as unknown[];
      states.forEach((s, i) => (t.tsallis[i] = TsallisInf.fromJSON(`json.learner[${i}]`, K, s)));
    } else {
      const cb = ChebyshevCB.fromJSON(
        'json.learner',
        K,
        c.degree ?? DEFAULT_DEGREE,
        c.range[0],
        c.range[1],
        j.learner,
      );
      t.cheb = cb;
    }
    const pend = j.pending;
    if (!Array.isArray(pend) || pend.length > MAX_PENDING)
      throw v.invalid('json.pending', `an array of at most ${MAX_PENDING} suggestions`, pend);
    pend.forEach((e, i) => {
      const arg = `json.pending[${i}]`;
      if (!Array.isArray(e) || e.length !== 3)
        throw v.invalid(arg, '[arm, probability, context]', e);
      t.pendArm[i] = v.int(`${arg}[0]`, e[0], 0, K - 1);
      const p = v.num(`${arg}[1]`, e[1]);
      if (!(p > 0 && p <= 1)) throw v.invalid(`${arg}[1]`, 'a probability in (0, 1]', p);
      t.pendProb[i] = p;
      t.pendCtx[i] = e[2] === null ? NaN : v.num(`${arg}[2]`, e[2]);
    });
    t.pending = pend.length;
    return t;
  }

  // ---- internals ----

  private checkCtx(context: unknown): number {
    if (this.context === undefined) {
      if (context !== undefined)
        throw v.invalid('context', 'undefined (the tuner has no context option)', context);
      return NaN;
    }
    return v.num('context', context);
  }

  private bin(c: number): number {
    const ctx = this.context as RelaxationBinsContext;
    const [lo, hi] = ctx.range;
    const k = Math.floor(((c - lo) / (hi - lo)) * ctx.bins);
    return k < 0 ? 0 : k >= ctx.bins ? ctx.bins - 1 : k;
  }

  private learner(c: number): TsallisInf {
    return this.context === undefined ? this.tsallis[0] : this.tsallis[this.bin(c)];
  }

  /** Draws an arm for context c (NaN: none); its probability goes to lastProb. */
  private draw(c: number): number {
    const u = this.rng.next();
    if (this.cheb) {
      const arm = this.cheb.choose(c, u);
      this.lastProb = this.cheb.p[arm];
      return arm;
    }
    const t = this.learner(c);
    const arm = t.choose(u);
    this.lastProb = t.p[arm];
    return arm;
  }

  private learn(arm: number, iterations: number, c: number, prob: number): void {
    // Fewer than one iteration (b already solved) counts as one: losses stay ≥ the shift.
    const loss = iterations < 1 ? 1 : iterations;
    if (this.cheb) this.cheb.update(arm, loss, c);
    else this.learner(c).update(arm, loss, prob);
  }

  private push(arm: number, prob: number, c: number): void {
    if (this.pending === MAX_PENDING) this.remove(0);
    const i = this.pending++;
    this.pendArm[i] = arm;
    this.pendProb[i] = prob;
    this.pendCtx[i] = c;
  }

  private remove(i: number): void {
    this.pendArm.copyWithin(i, i + 1, this.pending);
    this.pendProb.copyWithin(i, i + 1, this.pending);
    this.pendCtx.copyWithin(i, i + 1, this.pending);
    this.pending--;
  }

  /** The probability of the oldest matching pending suggestion (removed), or the current one. */
  private takePending(arm: number, c: number): number {
    const bins = this.context?.kind === 'bins';
    const b = bins ? this.bin(c) : 0;
    for (let i = 0; i < this.pending; i++) {
      if (this.pendArm[i] !== arm) continue;
      const pc = this.pendCtx[i];
      const same = this.context === undefined || (bins ? this.bin(pc) === b : pc === c);
      if (same) {
        const p = this.pendProb[i];
        this.remove(i);
        return p;
      }
    }
    return this.cheb ? 1 : this.learner(c).probabilities()[arm];
  }

  private start(A: CsrMatrix, options: unknown) {
    const o = v.options<RelaxationSolveOptions>('options', options);
    if ('omega' in o)
      throw v.invalid(
        'options.omega',
        'no omega (the tuner chooses ω)',
        (o as { omega: unknown }).omega,
      );
    if ('preconditioner' in o)
      throw v.invalid(
        'options.preconditioner',
        'no preconditioner (the tuner uses SSOR(ω))',
        (o as { preconditioner: unknown }).preconditioner,
      );
    if (!(A instanceof CsrMatrix)) throw v.invalid('A', 'a CsrMatrix', A);
    const { context, ...opts } = o;
    const c = this.checkCtx(context);
    const cap = opts.maxIterations ?? 10 * A.cols;
    const arm = this.draw(c);
    return { arm, prob: this.lastProb, c, opts, cap };
  }
}
