// SciPy 1.10's own iterative-solver tests (scipy/sparse/linalg/_isolve/tests: test_iterative,
// test_minres, test_gcrotmk, test_lgmres — the real-valued cases), rebuilt against itersolve's
// cg / bicgstab / gmres / minres / gcrotmk. The cases, and what SciPy returned for each, are in
// test/fixtures/scipy-isolve/cases.json, written by scripts/scipy-isolve-fixtures.py (see its
// docstring for how SciPy's options map onto ours). This file never runs Python.
//
// Every case asserts what SciPy's test asserts of that run, checked here independently of the
// solver's own figures (the residual is recomputed with a plain-JS SpMV):
//   - never a crash (an exception fails the case, unless SciPy's test expects one);
//   - `converged` implies ‖b − A x‖ ≤ max(rtol·‖b‖, atol) (no false convergence) and a finite x;
//   - expect 'converge': converged; 'no-converge': not converged; 'any': only the implication;
//   - the test-specific checks (`checks` in the fixture, e.g. one iteration for maxiter=1, x = 0
//     for b = 0, the least-squares residual after breakdown, M A x = M b for a singular M);
//   - iteration counts within ±10 % or ±2 of SciPy's where the algorithm and stopping rule are the
//     same (`compareIterations`: unpreconditioned / identity-preconditioned CG and GMRES(restart)
//     on well-conditioned matrices).
// One assertion per case (the list of what went wrong, empty when all is well), so a failure
// names the case and every discrepancy at once.
import * as fs from 'fs';
import * as path from 'path';
import t from 'tap';
import { naiveSpmv as spmv } from './helpers';
import {
  bicgstab,
  bicgstabSync,
  cg,
  cgSync,
  CsrMatrix,
  gcrotmk,
  gcrotmkSync,
  gmres,
  gmresSync,
  minres,
  minresSync,
  SolveResult,
} from '../lib/index';

type Vec = number[] | { fill: number | string; n: number } | { arange: number } | { ref: string };
type Num = number | 'inf' | '-inf' | 'nan';
type MSpec =
  | 'identity'
  | 'jacobi'
  | { dense: string; scale: number }
  | { diag: number[] }
  | { inverse: string };
interface Case {
  id: string;
  family: string;
  source: string;
  solver: 'cg' | 'bicgstab' | 'gmres' | 'minres' | 'gcrotmk';
  matrix: string;
  b: Vec;
  x0?: Vec;
  options: {
    rtol: Num;
    atol: Num;
    maxIterations: number;
    restart?: number;
    recycle?: number;
    preconditioner?: MSpec;
    checkSymmetry?: boolean;
  };
  scipy: {
    info?: number;
    iterations?: number;
    matvecs?: number;
    relres?: Num;
    x?: number[];
    raises?: string;
  };
  expect: 'converge' | 'no-converge' | 'any' | 'throws';
  throwsCode?: string;
  checks?: string[];
  /** Compare with SciPy's count of this (gcrotmk: products with A, as SciPy counts outer cycles). */
  compareIterations?: 'iterations' | 'matvecs';
}
interface Fixture {
  generator: { scipy: string };
  counts: Record<string, number>;
  matrices: Record<
    string,
    { n: number; rowPtr: number[]; colIdx: number[]; values: Num[] } | { sameAs: string }
  >;
  dense: Record<string, { n: number; values: number[] }>;
  vectors: Record<string, Num[]>;
  leftOut: { test: string; why: string }[];
  cases: Case[];
}

const fx: Fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'fixtures', 'scipy-isolve', 'cases.json'), 'utf8'),
);

const num = (v: Num): number =>
  v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v === 'nan' ? NaN : v;
// itersolve's tolerances must be finite; SciPy's tol/atol = inf ("accept anything") maps to the
// largest double, which gives the same bound (rtol·‖b‖ overflows to ∞).
const tolOption = (v: Num): number => (v === 'inf' ? Number.MAX_VALUE : num(v));

function vector(v: Vec): Float64Array {
  if (Array.isArray(v)) return Float64Array.from(v, (x) => num(x as Num));
  if ('ref' in v) return Float64Array.from(fx.vectors[v.ref], num);
  if ('arange' in v) return Float64Array.from({ length: v.arange }, (_, i) => i);
  return new Float64Array(v.n).fill(num(v.fill as Num));
}

const matrices = new Map<string, CsrMatrix>();
function matrix(name: string): CsrMatrix {
  let A = matrices.get(name);
  if (!A) {
    let m = fx.matrices[name];
    if ('sameAs' in m) m = fx.matrices[m.sameAs];
    if ('sameAs' in m) throw new Error(`${name}: sameAs chain`);
    const values = Float64Array.from(m.values, num);
    // The NaN test matrix (test_nans) must get past validation: the solver is what is tested.
    const finite = values.every(Number.isFinite);
    A = new CsrMatrix(
      m.n,
      m.n,
      Int32Array.from(m.rowPtr),
      Int32Array.from(m.colIdx),
      values,
      finite ? {} : { validate: false },
    );
    matrices.set(name, A);
  }
  return A;
}

/** ‖|A| |x|‖₂: the scale of the rounding error in computing A x. */
function absSpmvNorm(A: CsrMatrix, x: ArrayLike<number>): number {
  let t2 = 0;
  for (let r = 0; r < A.rows; r++) {
    let s = 0;
    for (let k = A.rowPtr[r]; k < A.rowPtr[r + 1]; k++) s += Math.abs(A.values[k] * x[A.colIdx[k]]);
    t2 += s * s;
  }
  return Math.sqrt(t2);
}
function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}
function sub(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: a.length }, (_, i) => a[i] - b[i]);
}
/** numpy.allclose(a, b, rtol, atol): |a − b| ≤ atol + rtol·|b| elementwise. */
function allclose(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, atol: number): boolean {
  for (let i = 0; i < b.length; i++)
    if (!(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]))) return false;
  return true;
}
const fmt = (v: number) => (Number.isFinite(v) ? v.toExponential(3) : String(v));

// ------------------------------------------------------------------------------------------------
// Preconditioners: SciPy's M is applied as z = M r.

/** Direct solver for the exact-inverse preconditioner (SciPy: np.linalg.solve / splu). */
function directSolver(A: CsrMatrix): (r: Float64Array, z: Float64Array) => void {
  const n = A.rows;
  // Band LU without pivoting when A is banded and diagonally dominant enough to need none (the
  // 2D Poisson matrix, n = 1600, half-bandwidth 40); dense LU with partial pivoting otherwise.
  let bw = 0;
  for (let r = 0; r < n; r++)
    for (let k = A.rowPtr[r]; k < A.rowPtr[r + 1]; k++)
      bw = Math.max(bw, Math.abs(A.colIdx[k] - r));
  const useBand = n > 200;
  const w = useBand ? 2 * bw + 1 : n; // row storage: band columns c - r + bw, or dense
  const L = new Float64Array(n * w);
  const at = (r: number, c: number) => (useBand ? r * w + (c - r + bw) : r * n + c);
  for (let r = 0; r < n; r++)
    for (let k = A.rowPtr[r]; k < A.rowPtr[r + 1]; k++) L[at(r, A.colIdx[k])] = A.values[k];
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  if (useBand) {
    for (let k = 0; k < n; k++) {
      const piv = L[at(k, k)];
      if (!(Math.abs(piv) > 0)) throw new Error(`band LU: zero pivot at ${k}`);
      for (let i = k + 1; i <= Math.min(n - 1, k + bw); i++) {
        const f = (L[at(i, k)] /= piv);
        if (f !== 0)
          for (let j = k + 1; j <= Math.min(n - 1, k + bw); j++) L[at(i, j)] -= f * L[at(k, j)];
      }
    }
  } else {
    for (let k = 0; k < n; k++) {
      let p = k;
      for (let i = k + 1; i < n; i++) if (Math.abs(L[i * n + k]) > Math.abs(L[p * n + k])) p = i;
      if (p !== k) {
        for (let j = 0; j < n; j++) [L[k * n + j], L[p * n + j]] = [L[p * n + j], L[k * n + j]];
        [perm[k], perm[p]] = [perm[p], perm[k]];
      }
      const piv = L[k * n + k];
      if (piv === 0) throw new Error(`dense LU: singular at ${k}`);
      for (let i = k + 1; i < n; i++) {
        const f = (L[i * n + k] /= piv);
        if (f !== 0) for (let j = k + 1; j < n; j++) L[i * n + j] -= f * L[k * n + j];
      }
    }
  }
  const lo = (i: number) => (useBand ? Math.max(0, i - bw) : 0);
  const hi = (i: number) => (useBand ? Math.min(n - 1, i + bw) : n - 1);
  return (r, z) => {
    for (let i = 0; i < n; i++) {
      let s = r[perm[i]];
      for (let j = lo(i); j < i; j++) s -= L[at(i, j)] * z[j];
      z[i] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = z[i];
      for (let j = i + 1; j <= hi(i); j++) s -= L[at(i, j)] * z[j];
      z[i] = s / L[at(i, i)];
    }
  };
}

type PrecondFn = (r: Float64Array, z: Float64Array) => void;
const inverses = new Map<string, PrecondFn>();
function preconditioner(spec: MSpec | undefined): PrecondFn | 'jacobi' | undefined {
  if (spec === undefined || spec === 'jacobi') return spec;
  if (spec === 'identity') return (r, z) => z.set(r);
  if ('diag' in spec) {
    const d = spec.diag;
    return (r, z) => {
      for (let i = 0; i < d.length; i++) z[i] = d[i] * r[i];
    };
  }
  if ('dense' in spec) {
    const { n, values } = fx.dense[spec.dense];
    const s = spec.scale;
    return (r, z) => {
      for (let i = 0; i < n; i++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += values[i * n + j] * r[j];
        z[i] = s * acc;
      }
    };
  }
  let f = inverses.get(spec.inverse);
  if (!f) inverses.set(spec.inverse, (f = directSolver(matrix(spec.inverse))));
  return f;
}
/** The preconditioner as a matrix applied to a vector (for the M A x = M b check). */
function applyM(spec: MSpec | undefined, v: Float64Array): Float64Array {
  const p = preconditioner(spec);
  if (typeof p !== 'function') return v.slice();
  const z = new Float64Array(v.length);
  p(v, z);
  return z;
}

// ------------------------------------------------------------------------------------------------
// Running a case

const SYNC = {
  cg: cgSync,
  bicgstab: bicgstabSync,
  gmres: gmresSync,
  minres: minresSync,
  gcrotmk: gcrotmkSync,
} as const;
const ASYNC = { cg, bicgstab, gmres, minres, gcrotmk } as const;

function optionsOf(c: Case, history: boolean): Record<string, unknown> {
  const o = c.options;
  const opts: Record<string, unknown> = {
    rtol: tolOption(o.rtol),
    atol: tolOption(o.atol),
    maxIterations: o.maxIterations,
  };
  if (o.restart !== undefined) opts.restart = o.restart;
  if (o.recycle !== undefined) opts.recycle = o.recycle;
  if (o.checkSymmetry) opts.checkSymmetry = true;
  const p = preconditioner(o.preconditioner);
  if (p !== undefined) opts.preconditioner = p;
  if (c.x0 !== undefined) opts.x0 = vector(c.x0);
  if (history) opts.history = true;
  return opts;
}

// Cases whose checks read the residual history, and the cases x0Changes compares them with.
const historyIds = new Set(
  fx.cases.flatMap((c) =>
    (c.checks ?? [])
      .filter((k) => k.startsWith('x0Changes:'))
      .map((k) => k.slice('x0Changes:'.length)),
  ),
);
const wantsHistory = (c: Case) =>
  historyIds.has(c.id) ||
  (c.checks ?? []).some((k) => /^(firstRelres|monotoneHistory|x0Changes)/.test(k));

interface Run {
  r?: SolveResult;
  error?: unknown;
  /** SciPy's tests assert x0 is not overwritten (assert_array_equal(x0, 0*b)). */
  x0Modified?: boolean;
}
function runSync(c: Case): Run {
  const opts = optionsOf(c, wantsHistory(c));
  const x0 = opts.x0 as Float64Array | undefined;
  const before = x0?.slice();
  try {
    const r = (SYNC[c.solver] as (A: CsrMatrix, b: Float64Array, o: unknown) => SolveResult)(
      matrix(c.matrix),
      vector(c.b),
      opts,
    );
    return { r, x0Modified: x0 !== undefined && !x0.every((v, i) => Object.is(v, before![i])) };
  } catch (error) {
    return { error };
  }
}

/** Everything SciPy's test asserts of this run that the result violates (empty: the case passes). */
function problems(c: Case, run: Run, runs: Map<string, Run>): string[] {
  const out: string[] = [];
  if (c.expect === 'throws') {
    const code = (run.error as { code?: string } | undefined)?.code;
    if (code !== c.throwsCode)
      out.push(`expected a throw with code ${c.throwsCode}, got ${run.error ? code : 'a result'}`);
    return out;
  }
  if (run.error !== undefined || !run.r) {
    const e = run.error as Error;
    return [`threw ${e?.name} ${(e as { code?: string })?.code ?? ''}: ${e?.message}`];
  }
  const r = run.r;
  const A = matrix(c.matrix);
  const b = vector(c.b);
  const n = A.rows;
  if (r.x.length !== n) out.push(`x has length ${r.x.length}, expected ${n}`);
  if (run.x0Modified) out.push('x0 was modified');
  const Ax = spmv(A, r.x);
  const res = sub(b, Ax);
  const rTrue = norm(res);
  const bn = norm(b);
  const bound = Math.max(num(c.options.rtol) * bn, num(c.options.atol));
  // SciPy's own slack (1.00025, gh-17839) plus the rounding of computing b − A x at all.
  const slack = 8 * Number.EPSILON * (absSpmvNorm(A, r.x) + bn);
  const finiteX = r.x.every(Number.isFinite);
  const said = `${r.reason} after ${r.iterations} (SciPy info ${c.scipy.info}, ${c.scipy.iterations} iterations); ‖b−Ax‖ = ${fmt(rTrue)}, bound ${fmt(bound)}`;
  if (r.converged !== (r.reason === 'rtol' || r.reason === 'atol'))
    out.push(`converged ${r.converged} with reason ${r.reason}`);
  if (r.converged) {
    if (!finiteX) out.push('converged with a non-finite x');
    if (!(rTrue <= 1.00025 * bound + slack)) out.push(`false convergence: ${said}`);
  }
  if (c.expect === 'converge' && !r.converged)
    out.push(`did not converge where SciPy does: ${said}`);
  if (c.expect === 'no-converge' && r.converged)
    out.push(`converged where SciPy's test expects it not to: ${said}`);

  if (c.compareIterations) {
    const what = c.compareIterations;
    const ours = what === 'matvecs' ? r.matvecs : r.iterations;
    const s = c.scipy[what]!;
    if (!(Math.abs(ours - s) <= Math.max(2, 0.1 * s)))
      out.push(`${ours} ${what}, SciPy ${s} (allowed ±10 % or ±2)`);
  }
  if (c.scipy.x) {
    // Same algorithm, same arithmetic up to rounding: one GMRES(15) cycle from x0 = 0.
    if (!allclose(r.x, c.scipy.x, 1e-6, 1e-12)) out.push("x differs from SciPy's (rtol 1e-6)");
  }
  for (const check of c.checks ?? []) {
    const [name, ...args] = check.split(':');
    const a0 = args.length ? Number(args[0]) : NaN;
    switch (name) {
      case 'oneIteration': // test_maxiter: exactly one callback, info == 1
        if (r.iterations !== 1)
          out.push(`maxIterations 1: ${r.iterations} iterations (${r.reason})`);
        break;
      case 'reason': // SciPy's test asserts info == maxiter: the iteration limit, not a breakdown (info < 0)
        if (r.reason !== args[0])
          out.push(
            `reason ${r.reason} after ${r.iterations} iterations, expected ${args[0]} (SciPy info ${c.scipy.info})`,
          );
        break;
      case 'iterationsExactly':
        if (r.iterations !== a0) out.push(`${r.iterations} iterations, expected ${a0}`);
        break;
      case 'residualNotAboveB': // check_convergence for nonconvergence: ‖Ax − b‖ ≤ ‖b‖
        if (!(rTrue <= bn * (1 + 1e-12)))
          out.push(`residual ${fmt(rTrue)} above ‖b‖ = ${fmt(bn)} after ${r.reason}`);
        break;
      case 'matvecsAtMost': // test_precond_inverse ("nearly instant"), test_preconditioner: with M = A⁻¹, ≤ 3 products with A
        if (!(r.matvecs <= a0))
          out.push(
            `${r.matvecs} products with A with the exact inverse as M (SciPy ${c.scipy.matvecs}, at most ${a0})`,
          );
        break;
      case 'atolBound': // test_atol: covered by the converged bound above (1.00025·max(atol, tol‖b‖))
        break;
      case 'xZero': // assert_allclose(x, 0, atol)
        if (!r.x.every((v) => Math.abs(v) <= a0))
          out.push(`b = 0: max|x| = ${fmt(Math.max(...r.x.map(Math.abs)))} > ${a0}`);
        break;
      case 'xZeroIfConverged': // if info == 0: assert_allclose(x, 0) (rtol 1e-7 against 0: exactly 0)
        if (r.converged && !r.x.every((v) => v === 0)) out.push('b = 0, converged, but x is not 0');
        break;
      case 'x0Approx': {
        const [want, rtol] = args.map(Number);
        if (!(Math.abs(r.x[0] - want) <= rtol * Math.abs(want)))
          out.push(`x[0] = ${r.x[0]}, SciPy's test wants ${want} ±${rtol * 100} %`);
        break;
      }
      case 'firstRelres': {
        const [want, rtol] = args.map(Number);
        const got = r.history && r.history.length > 1 ? r.history[1] / bn : NaN;
        if (!(Math.abs(got - want) <= rtol * want))
          out.push(`relative residual after one step ${got}, expected ${want}`);
        break;
      }
      case 'xEqualsB':
        if (!allclose(r.x, b, a0, 0)) out.push(`x differs from b beyond rtol ${a0}`);
        break;
      case 'finiteX':
        if (!finiteX) out.push('x has NaN/Inf');
        break;
      case 'MAxEqualsMb': {
        const spec = c.options.preconditioner;
        if (!allclose(applyM(spec, Ax), applyM(spec, b), 1e-7, 1e-12))
          out.push('M A x differs from M b');
        break;
      }
      case 'AAxEqualsAb':
        // SciPy: allclose(A A x, A b) with atol 0; 1e-12 here for the entries where A b is 0.
        if (!allclose(spmv(A, Ax), spmv(A, b), 1e-7, 1e-12))
          out.push(`A A x = [${Array.from(spmv(A, Ax))}] differs from A b`);
        break;
      case 'monotoneHistory': {
        const h = r.history ?? new Float64Array();
        for (let i = 1; i < h.length; i++)
          if (h[i] > h[i - 1] * (1 + 1e-12)) {
            out.push(`residual grew at iteration ${i}: ${h[i - 1]} -> ${h[i]}`);
            break;
          }
        break;
      }
      case 'x0Changes': {
        // test_x0_is_used_by: a start vector changes the first iterate
        const other = runs.get(args[0])?.r;
        if (!other?.history || !r.history) out.push(`no history to compare with ${args[0]}`);
        else if (other.history[1] === r.history[1]) out.push('x0 did not change the first iterate');
        break;
      }
      case 'allcloseAxB':
        if (!allclose(Ax, b, a0, a0))
          out.push(`A x differs from b beyond ${a0} (‖b−Ax‖ = ${fmt(rTrue)})`);
        break;
      case 'allcloseAxBIfConverged':
        if (r.converged && !allclose(Ax, b, a0, 0))
          out.push(`converged but A x differs from b beyond rtol ${a0}`);
        break;
      case 'halfMatvecsOf': {
        // fewer than half the products of the unpreconditioned solve
        const other = runs.get(args[0])?.r;
        if (!other || !(r.matvecs < other.matvecs / 2))
          out.push(
            `${r.matvecs} products with A, unpreconditioned ${other?.matvecs} (SciPy ${c.scipy.matvecs})`,
          );
        break;
      }
      case 'sameX': {
        // allclose(x1, x0, rtol=1e-14) (numpy's default atol 1e-8)
        const other = runs.get(args[0])?.r;
        if (!other || !allclose(r.x, other.x, 1e-14, 1e-8)) out.push(`x differs from ${args[0]}'s`);
        break;
      }
      case 'sameXAs': {
        // test_arnoldi: one GCROT(15, 0) cycle = one GMRES(15) cycle
        const other = runs.get(args[0])?.r;
        if (!other || !allclose(r.x, other.x, Number(args[1]), 1e-14))
          out.push(`x differs from ${args[0]}'s beyond rtol ${args[1]}`);
        break;
      }
      case 'residualAbove':
        if (!(rTrue > a0)) out.push(`residual ${fmt(rTrue)} not above ${a0}`);
        break;
      case 'residualAtol': // assert_allclose(A x − b, 0, atol): when SciPy's test needs info == 0, or if info == 0
        if ((c.expect === 'converge' || r.converged) && !res.every((v) => Math.abs(v) <= a0))
          out.push(`|A x − b| above ${a0}: ${fmt(Math.max(...res.map(Math.abs)))}`);
        break;
      case 'lstsqResidual': // test_breakdown_underdetermined: the least-squares residual over K_n(A, b)
        if (!(Math.abs(rTrue - a0) <= 1e-7 * a0 + 1e-14))
          out.push(`residual ${rTrue}, least-squares minimum ${a0}`);
        break;
      default:
        out.push(`unknown check ${check}`);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------

const runs = new Map<string, Run>();
const elapsed = new Map<string, number>();
for (const c of fx.cases) {
  const t0 = performance.now();
  runs.set(c.id, runSync(c));
  elapsed.set(c.solver, (elapsed.get(c.solver) ?? 0) + performance.now() - t0);
}

// ITERSOLVE_SCIPY_ISOLVE_DUMP=file.json writes every case's outcome next to SciPy's (for reports).
if (process.env.ITERSOLVE_SCIPY_ISOLVE_DUMP) {
  const rows = fx.cases.map((c) => {
    const run = runs.get(c.id)!;
    const r = run.r;
    return {
      id: c.id,
      expect: c.expect,
      scipy: {
        info: c.scipy.info,
        iterations: c.scipy.iterations,
        matvecs: c.scipy.matvecs,
        relres: c.scipy.relres,
      },
      ours: r
        ? {
            reason: r.reason,
            iterations: r.iterations,
            matvecs: r.matvecs,
            relres: norm(sub(vector(c.b), spmv(matrix(c.matrix), r.x))) / norm(vector(c.b)),
          }
        : { error: String(run.error) },
      problems: problems(c, run, runs),
    };
  });
  fs.writeFileSync(
    process.env.ITERSOLVE_SCIPY_ISOLVE_DUMP,
    JSON.stringify(rows, null, 0).replace(/},{"id"/g, '},\n{"id"'),
  );
}

t.test(`fixture: SciPy ${fx.generator.scipy}, ${fx.cases.length} cases`, async (t) => {
  const counts: Record<string, number> = {};
  for (const c of fx.cases) counts[c.solver] = (counts[c.solver] ?? 0) + 1;
  t.same(counts, fx.counts, 'per-solver case counts as recorded by the generator');
  t.ok(fx.cases.length >= 1500, `${fx.cases.length} cases`);
  t.equal(new Set(fx.cases.map((c) => c.id)).size, fx.cases.length, 'case ids are unique');
});

const families = [...new Set(fx.cases.map((c) => c.family))];
for (const family of families) {
  const cases = fx.cases.filter((c) => c.family === family);
  t.test(
    `${family} (${cases[0].source.replace(/^.*tests\//, '')}${cases.some((c) => c.source !== cases[0].source) ? ' …' : ''}): ${cases.length} cases`,
    async (t) => {
      for (const c of cases) t.same(problems(c, runs.get(c.id)!, runs), [], c.id);
    },
  );
}

t.test(
  "Promise forms give the Sync forms' results (a sample of every family and solver)",
  async (t) => {
    // Every 20th case plus the first of each (family, solver) pair.
    const seen = new Set<string>();
    const sample = fx.cases.filter((c, i) => {
      const key = `${c.family}/${c.solver}`;
      const first = !seen.has(key);
      seen.add(key);
      return c.expect !== 'throws' && (first || i % 20 === 0);
    });
    t.ok(sample.length >= 80, `${sample.length} cases`);
    for (const c of sample) {
      const s = runs.get(c.id)!;
      let a: SolveResult | undefined;
      let error: unknown;
      try {
        a = await (
          ASYNC[c.solver] as (A: CsrMatrix, b: Float64Array, o: unknown) => Promise<SolveResult>
        )(matrix(c.matrix), vector(c.b), optionsOf(c, wantsHistory(c)));
      } catch (e) {
        error = e;
      }
      if (s.error !== undefined || error !== undefined) {
        t.equal(
          (error as { code?: string })?.code,
          (s.error as { code?: string })?.code,
          `${c.id}: same error`,
        );
        continue;
      }
      t.same(
        {
          converged: a!.converged,
          reason: a!.reason,
          iterations: a!.iterations,
          matvecs: a!.matvecs,
        },
        {
          converged: s.r!.converged,
          reason: s.r!.reason,
          iterations: s.r!.iterations,
          matvecs: s.r!.matvecs,
        },
        `${c.id}: same outcome`,
      );
      // Equal non-finite entries (a non-converged overflow, e.g. test_denormals' x = ±∞) count as the same.
      const same = a!.x.every(
        (v, i) =>
          Object.is(v, s.r!.x[i]) ||
          Math.abs(v - s.r!.x[i]) <= 1e-12 * Math.abs(s.r!.x[i]) + 1e-300,
      );
      t.ok(
        same,
        `${c.id}: same x`,
        same ? {} : { sync: Array.from(s.r!.x.slice(0, 8)), promise: Array.from(a!.x.slice(0, 8)) },
      );
    }
  },
);

t.test(
  'checkSymmetry throws ERR_NOT_SYMMETRIC in the Promise form too (test_asymmetric_fail)',
  async (t) => {
    const c = fx.cases.find((x) => x.expect === 'throws')!;
    await t.rejects(minres(matrix(c.matrix), vector(c.b), optionsOf(c, false)), {
      code: c.throwsCode,
    });
  },
);

t.test('time per solver (informational)', async (t) => {
  t.comment([...elapsed].map(([s, ms]) => `${s} ${ms.toFixed(0)} ms`).join(', '));
  t.pass();
});
