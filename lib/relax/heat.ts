/**
 * The heat equation with time-varying diffusion of issue 9 §3 (the "Learning to Relax" paper's
 * 2D experiment, Khodak et al., ICLR 2024): a sequence of 5 000 related SPD systems on which a
 * learned SSOR relaxation ω is compared with fixed ones, Young's ω* and unpreconditioned CG.
 *
 *   u_t = κ(t) Δu + f(t, x) on the unit square, u = 0 on the boundary,
 *   κ(t) = max(0.1 sin 2πt, −10 sin 2πt)                 (0 ≤ κ ≤ 10),
 *   f(t, x) = 32·bump(x; (0.5 + cos(16πt)/4, 0.5 + sin(16πt)/4), 0.125),
 *   u(0, x) = bump(x; (0.5, 0.5), 0.25),
 *   bump(x; c, r) = exp(1 − 1/(1 − min(1, ‖x − c‖²/r²)))  (1 at c, 0 from distance r on).
 *
 * Space: nx intervals per side (default 100), dx = 1/nx, the (nx − 1)² interior points
 * x_ij = ((i + 1)·dx, (j + 1)·dx), unknown i·(nx − 1) + j (j fastest: poisson2d's order), L the
 * 5-point Laplacian / dx². Time: Crank-Nicolson with dt (default 1e-3). Step k (k = 0, 1, …)
 * advances u_k at t_k = k·dt to u_{k+1}; κ and f are taken at the half step t_{k+½} = (k + ½)·dt
 * (as the paper's reference code does), so step k solves
 *
 *   A_k u_{k+1} = b_k,  A_k = I − (dt/2)·κ(t_{k+½})·L,  b_k = (I + (dt/2)·κ(t_{k+½})·L)·u_k + dt·f(t_{k+½}),
 *
 * with b_k computed as 2·u_k − A_k·u_k + dt·f. A_k is SPD (κ ≥ 0; A_k = I where κ = 0). The
 * context a contextual tuner sees is κ(t_{k+½}), the coefficient in A_k (the reference code
 * passes κ(t_k); the two differ by at most 10·π·dt ≈ 0.03).
 *
 * The matrix is built once: A_k is one CsrMatrix whose `values` are rewritten in place each step
 * (CsrMatrix allows changing values as long as they stay finite), from the 5-point stencil's
 * values kept aside: an O(nnz) pass, no allocation.
 */
import { CsrMatrix } from '../csr';
import { AbortError } from '../errors';
import { cgSync } from '../krylov';
import type { SolveOptions, SolveResult } from '../krylov';
import { poisson2d } from '../problems';
import * as v from '../validate';
import { optimalSorOmega } from './omega';

/** bump(p; c, r) = exp(1 − 1/(1 − min(1, ‖p − c‖²/r²))) at p = (x, y): 1 at c, 0 from distance r on. */
export function bump(x: number, y: number, cx: number, cy: number, r: number): number {
  const d2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (r * r);
  return d2 >= 1 ? 0 : Math.exp(1 - 1 / (1 - d2));
}

/** κ(t) = max(0.1 sin 2πt, −10 sin 2πt): 0.1-scale diffusion half the period, 10-scale the other half. */
export function heatKappa(t: number): number {
  const s = Math.sin(2 * Math.PI * t);
  return Math.max(0.1 * s, -10 * s);
}

export interface HeatOptions {
  /** Intervals per side (n = (nx − 1)² unknowns). Default 100. */
  nx?: number;
  /** Time step. Default 1e-3. */
  dt?: number;
}

/**
 * One heat-equation simulation: the grid, the Crank-Nicolson matrix A (rewritten in place by
 * {@link HeatEquation.assemble}) and the state u_k.
 */
export class HeatEquation {
  readonly nx: number;
  /** Interior points per side, nx − 1. */
  readonly m: number;
  /** Unknowns, (nx − 1)². */
  readonly n: number;
  readonly dx: number;
  readonly dt: number;
  /** A_k of the last assemble() (I before the first). */
  readonly A: CsrMatrix;
  /** u_k: the initial bump, then each step's solution (solve into it in place). */
  readonly u: Float64Array;
  /** b_k of the last assemble(). */
  readonly b: Float64Array;
  /** The step the next assemble() builds. */
  k = 0;
  // The 5-point stencil's values (4 on the diagonal, −1 off it) = −dx²·L, and which are diagonal.
  private readonly stencil: Float64Array;
  private readonly isDiag: Uint8Array;
  private readonly f: Float64Array;
  private readonly Au: Float64Array;

  constructor(options: HeatOptions = {}) {
    const o = v.options<HeatOptions>('options', options);
    this.nx = o.nx === undefined ? 100 : v.int('nx', o.nx, 2, 46341);
    this.dt = o.dt === undefined ? 1e-3 : v.num('dt', o.dt, { positive: true });
    this.m = this.nx - 1;
    this.n = this.m * this.m;
    this.dx = 1 / this.nx;
    this.A = poisson2d(this.m);
    this.stencil = this.A.values.slice();
    this.isDiag = new Uint8Array(this.stencil.length);
    const { rowPtr, colIdx } = this.A;
    for (let r = 0; r < this.n; r++)
      for (let p = rowPtr[r]; p < rowPtr[r + 1]; p++) if (colIdx[p] === r) this.isDiag[p] = 1;
    this.setMatrix(0);
    this.u = this.field(0.5, 0.5, 0.25, 1, new Float64Array(this.n));
    this.b = new Float64Array(this.n);
    this.f = new Float64Array(this.n);
    this.Au = new Float64Array(this.n);
  }

  /** Grid coordinate of interior index i (0-based): (i + 1)·dx. */
  coord(i: number): number {
    return (i + 1) * this.dx;
  }

  /** scale·bump(x_ij; (cx, cy), r) at every interior point, into out. */
  field(cx: number, cy: number, r: number, scale: number, out: Float64Array): Float64Array {
    const m = this.m;
    for (let i = 0; i < m; i++) {
      const x = this.coord(i);
      for (let j = 0; j < m; j++) out[i * m + j] = scale * bump(x, this.coord(j), cx, cy, r);
    }
    return out;
  }

  /** The forcing f(t, ·) at every interior point, into out. */
  forcing(t: number, out: Float64Array = new Float64Array(this.n)): Float64Array {
    const a = 16 * Math.PI * t;
    return this.field(0.5 + Math.cos(a) / 4, 0.5 + Math.sin(a) / 4, 0.125, 32, out);
  }

  /** A = I − (dt/2)·κ·L = I + (dt·κ/(2dx²))·stencil, written into A.values. */
  setMatrix(kappa: number): void {
    const c = (this.dt * kappa) / (2 * this.dx * this.dx);
    const a = this.A.values;
    const s = this.stencil;
    const d = this.isDiag;
    for (let p = 0; p < a.length; p++) a[p] = d[p] + c * s[p];
  }

  /**
   * Builds step k's system: A_k (in A) and b_k (in b) from u = u_k. Returns κ(t_{k+½}), the
   * context. Call {@link HeatEquation.advance} once u holds u_{k+1}.
   */
  assemble(): number {
    const t = (this.k + 0.5) * this.dt;
    const kappa = heatKappa(t);
    this.setMatrix(kappa);
    this.A.multiply(this.u, this.Au);
    this.forcing(t, this.f);
    const { u, b, Au, f, dt } = this;
    for (let i = 0; i < b.length; i++) b[i] = 2 * u[i] - Au[i] + dt * f[i];
    return kappa;
  }

  /** Marks u as u_{k+1}: the next assemble() builds step k + 1. */
  advance(): void {
    this.k++;
  }
}

/**
 * Anything that picks ω from a context and learns from iteration counts: a RelaxationTuner
 * (lib/relax/tuner.ts), or any object with the same two methods.
 */
export interface HeatTuner {
  suggest(context?: number): number;
  observe(omega: number, iterations: number, context?: number): void;
  /** A RelaxationTuner's context option: when set, the tuner is given κ as its context. */
  readonly context?: { kind: string } | undefined;
}

/**
 * How each step is solved: SSOR-PCG with a fixed ω (a number in (0, 2)); 'optimal', SSOR-PCG with
 * Young's ω* of that step's A_k (optimalSorOmega, a Lanczos run; A_k depends on κ(t_{k+½}) alone,
 * so it runs once per distinct κ (to 10 digits) and is reused: κ repeats with period 1/dt steps
 * and is symmetric within each half period, so 5000 steps of dt 1e-3 need 500 runs); a tuner
 * (suggest, solve, observe the iteration count): a RelaxationTuner itself (given κ as context when
 * it has a context option), or `{ tuner, label?, context? }` to name it and say whether it takes κ;
 * or 'cg', unpreconditioned CG.
 */
export type HeatStrategy =
  number | 'optimal' | 'cg' | HeatTuner | { tuner: HeatTuner; label?: string; context?: boolean };

type Normalized = number | 'optimal' | 'cg' | { tuner: HeatTuner; label: string; context: boolean };

/** The strategy with a bare tuner wrapped; throws ERR_INVALID_ARGUMENT for anything else. */
function normalize(s: HeatStrategy): Normalized {
  if (typeof s === 'number') {
    if (!(s > 0 && s < 2)) throw v.invalid('strategy', 'an ω in (0, 2)', s);
    return s;
  }
  if (s === 'optimal' || s === 'cg') return s;
  const isTuner = (x: unknown): x is HeatTuner =>
    typeof x === 'object' &&
    x !== null &&
    typeof (x as HeatTuner).suggest === 'function' &&
    typeof (x as HeatTuner).observe === 'function';
  if (isTuner(s)) {
    const kind = s.context?.kind;
    return { tuner: s, label: kind ? `tuner (${kind})` : 'tuner', context: kind !== undefined };
  }
  if (typeof s === 'object' && s !== null && isTuner((s as { tuner?: unknown }).tuner)) {
    const w = s as { tuner: HeatTuner; label?: string; context?: boolean };
    return { tuner: w.tuner, label: w.label ?? 'tuner', context: w.context === true };
  }
  throw v.invalid(
    'strategy',
    "a number in (0, 2), 'optimal', 'cg', a tuner or { tuner: { suggest, observe } }",
    s,
  );
}

export interface HeatRunOptions extends HeatOptions {
  steps: number;
  strategy: HeatStrategy;
  /** Each step's stopping tolerance, relative to ‖b_k‖ (cgSync's rule). Default 1e-8. */
  rtol?: number;
  /** Called after each step (step index, 1-based count done, the step's result). */
  onStep?: (step: HeatStepInfo) => void;
  /** runHeat only: checked between steps; once aborted, runHeat rejects with an AbortError. */
  signal?: AbortSignal;
}

export interface HeatStepInfo {
  step: number;
  steps: number;
  kappa: number;
  omega: number;
  iterations: number;
  converged: boolean;
}

export interface HeatRunResult {
  /** A name for the strategy: 'ω = 1.5', 'optimalSorOmega', 'cg', or the tuner's label. */
  label: string;
  steps: number;
  n: number;
  /** Σ iterations over the steps. */
  totalIterations: number;
  /** Wall time of the whole run: assembling, choosing ω, solving (ms). */
  elapsedMs: number;
  /** Of that, choosing ω: optimalSorOmega's Lanczos runs, or the tuner's suggest + observe (ms). */
  omegaMs: number;
  /** Per step: iterations, ω used (NaN for 'cg'), κ(t_{k+½}). */
  iterations: Int32Array;
  omegas: Float64Array;
  kappas: Float64Array;
  /** Steps that stopped without converging (maxIterations 10·n, or breakdown). */
  notConverged: number;
  /** 'optimal': optimalSorOmega calls (one per distinct κ); 0 otherwise. */
  oracleCalls: number;
  /** u after the last step. */
  u: Float64Array;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

/** The strategy's label: 'ω = 1.5', 'optimalSorOmega', 'cg (none)', or the tuner's. */
export function strategyLabel(s: HeatStrategy): string {
  const n = normalize(s);
  if (typeof n === 'number') return `ω = ${n}`;
  if (n === 'optimal') return 'optimalSorOmega';
  if (n === 'cg') return 'cg (none)';
  return n.label;
}

/** The simulation as a generator that yields after each step (the async runner pauses there). */
function* heatSteps(o: HeatRunOptions): Generator<void, HeatRunResult, void> {
  const steps = v.int('steps', o.steps, 0, 1e9);
  const rtol = o.rtol === undefined ? 1e-8 : v.num('rtol', o.rtol, { min: 0 });
  const s = normalize(o.strategy);
  const h = new HeatEquation(o);
  const iterations = new Int32Array(steps);
  const omegas = new Float64Array(steps);
  const kappas = new Float64Array(steps);
  const opts: SolveOptions = { x0: h.u, out: h.u, rtol };
  const pre = { type: 'ssor' as const, omega: 1 };
  let total = 0;
  let omegaMs = 0;
  let notConverged = 0;
  // 'optimal': ω* depends on A_k, i.e. on κ alone: computed once per distinct κ (to 10 digits).
  const oracle = new Map<string, number>();
  const t0 = now();
  for (let k = 0; k < steps; k++) {
    const kappa = h.assemble();
    let omega = NaN;
    let r: SolveResult;
    if (s === 'cg') {
      r = cgSync(h.A, h.b, opts);
    } else {
      const tw = now();
      if (typeof s === 'number') omega = s;
      else if (s === 'optimal') {
        const key = kappa.toPrecision(10);
        const w = oracle.get(key);
        if (w === undefined) {
          omega = optimalSorOmega(h.A);
          oracle.set(key, omega);
        } else omega = w;
      } else omega = s.context ? s.tuner.suggest(kappa) : s.tuner.suggest();
      omegaMs += now() - tw;
      pre.omega = omega;
      opts.preconditioner = pre;
      r = cgSync(h.A, h.b, opts);
      if (typeof s === 'object') {
        const to = now();
        if (s.context) s.tuner.observe(omega, r.iterations, kappa);
        else s.tuner.observe(omega, r.iterations);
        omegaMs += now() - to;
      }
    }
    h.advance();
    iterations[k] = r.iterations;
    omegas[k] = omega;
    kappas[k] = kappa;
    total += r.iterations;
    if (!r.converged) notConverged++;
    o.onStep?.({
      step: k,
      steps,
      kappa,
      omega,
      iterations: r.iterations,
      converged: r.converged,
    });
    yield;
  }
  return {
    label: strategyLabel(o.strategy),
    steps,
    n: h.n,
    totalIterations: total,
    elapsedMs: now() - t0,
    omegaMs,
    iterations,
    omegas,
    kappas,
    notConverged,
    oracleCalls: oracle.size,
    u: h.u,
  };
}

/** Runs `steps` heat-equation steps with one strategy, synchronously. */
export function runHeatSync(options: HeatRunOptions): HeatRunResult {
  const g = heatSteps(options);
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
}

/**
 * Runs `steps` heat-equation steps with one strategy. Each step is a synchronous solve (a few ms
 * at n = 99²); every ~50 ms the loop yields to the event loop, so a progress display updates and
 * `signal` (checked between steps) can stop the run: it then rejects with an AbortError.
 * The time spent yielding is not counted in elapsedMs.
 */
export async function runHeat(options: HeatRunOptions): Promise<HeatRunResult> {
  const signal = options.signal;
  const g = heatSteps(options);
  let last = now();
  let paused = 0;
  for (;;) {
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
    const r = g.next();
    if (r.done) {
      r.value.elapsedMs -= paused;
      return r.value;
    }
    if (now() - last > 50) {
      const tp = now();
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = now();
      paused += last - tp;
    }
  }
}
