// Optimal transport against POT (issue 10, section 4). The references are in test/fixtures/ot/,
// written by scripts/ot-fixtures.py with Debian's POT 0.8.2 (see its docstring); this file never
// runs Python. Cost matrices are rebuilt here bit for bit as the script built them (point
// clouds: C_ij = dx·dx + dy·dy then divided by its maximum; grids: (i − j)²/scale).
//
// What is checked:
//   - every Sinkhorn method ('scaling', 'log', 'stabilized', 'epsilon-scaling', 'auto'),
//     sinkhornBatch and sinkhornNewton agree with POT's converged sinkhorn_knopp / sinkhorn_log
//     runs to 1e-8 relative in cost and 1e-9 absolute in plan entries, potentials up to the
//     gauge constant, on point clouds, histograms, zeros in a and b, 1×m, n×1 and a random
//     cost, at ε = 1e-4 … 10 × max C; 'scaling' where exp(−C/ε) underflows either agrees or
//     stops with 'non-finite' and finite potentials, never NaN; the others never produce NaN/Inf;
//   - SNS reaches the solution of a long log-domain Sinkhorn;
//   - emd: cost to 1e-12 relative, plan (unique in the non-degenerate cases), primal
//     feasibility, dual feasibility and complementary slackness, zero duality gap;
//   - cases of POT's own tests (test_ot.py, test_bregman.py) re-expressed against this API.
import * as fs from 'fs';
import * as path from 'path';
import t, { Test } from 'tap';
import {
  costMatrix,
  CsrMatrix,
  emd,
  emdSync,
  ItersolveError,
  sinkhorn,
  sinkhornBatchSync,
  sinkhornNewton,
  sinkhornNewtonSync,
  sinkhornSync,
  wassersteinSync,
} from '../lib/index';

const FIX = path.join(__dirname, 'fixtures', 'ot');
const load = (name: string) => JSON.parse(fs.readFileSync(path.join(FIX, name), 'utf8'));
const SK = load('sinkhorn.json');
const EMD = load('emd.json');
const PT = load('pot-tests.json');

interface ProblemJson {
  kind: 'points' | 'grid' | 'matrix';
  n: number;
  m: number;
  a: number[];
  b: number[];
  X?: number[];
  Y?: number[];
  C?: number[];
  scale?: number;
}
interface Prob {
  n: number;
  m: number;
  a: Float64Array;
  b: Float64Array;
  C: Float64Array;
}
type Pot = (number | null)[];

const f64 = (x: ArrayLike<number>) => Float64Array.from(x);

/** C_ij = Σ_k (x_ik − y_jk)², summed in k order (as scripts/ot-fixtures.py's sqdist). */
function sqdist(X: ArrayLike<number>, Y: ArrayLike<number>, n: number, m: number, d = 2) {
  const C = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const e = X[i * d + k] - Y[j * d + k];
        s = s + e * e;
      }
      C[i * m + j] = s;
    }
  return C;
}
function gridCost(n: number, m: number, scale = 1) {
  const C = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) C[i * m + j] = ((i - j) * (i - j)) / scale;
  return C;
}
function divMax(C: Float64Array) {
  let mx = 0;
  for (const v of C) mx = Math.max(mx, v);
  return C.map((v) => v / mx);
}
function problem(p: ProblemJson): Prob {
  let C: Float64Array;
  if (p.kind === 'points') C = divMax(sqdist(p.X!, p.Y!, p.n, p.m));
  else if (p.kind === 'grid') C = gridCost(p.n, p.m, p.scale);
  else C = f64(p.C!);
  return { n: p.n, m: p.m, a: f64(p.a), b: f64(p.b), C };
}
const PROBS: Record<string, Prob> = {};
for (const [k, v] of Object.entries(SK.problems as Record<string, ProblemJson>))
  PROBS[k] = problem(v);

function maxAbsDiff(x: ArrayLike<number>, y: ArrayLike<number>) {
  let d = 0;
  for (let i = 0; i < y.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
}
const relDiff = (x: number, y: number) => Math.abs(x - y) / Math.max(Math.abs(y), 1e-300);
function marginalError(P: ArrayLike<number>, p: Prob) {
  let e = 0;
  const col = new Float64Array(p.m);
  for (let i = 0; i < p.n; i++) {
    let s = 0;
    for (let j = 0; j < p.m; j++) {
      s += P[i * p.m + j];
      col[j] += P[i * p.m + j];
    }
    e += Math.abs(s - p.a[i]);
  }
  for (let j = 0; j < p.m; j++) e += Math.abs(col[j] - p.b[j]);
  return e;
}
function allFinite(x: ArrayLike<number>) {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}
/** NaN anywhere, or a non-finite potential on the support (a_i > 0), or a finite one off it. */
function potentialProblems(f: ArrayLike<number>, w: ArrayLike<number>, name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < f.length; i++) {
    if (Number.isNaN(f[i])) out.push(`${name}[${i}] NaN`);
    else if (w[i] > 0 && !Number.isFinite(f[i])) out.push(`${name}[${i}] = ${f[i]} on the support`);
    else if (w[i] === 0 && f[i] !== -Infinity) out.push(`${name}[${i}] = ${f[i]} on a zero weight`);
  }
  return out.slice(0, 3);
}
/**
 * Largest difference of (f, g) and the reference up to the gauge: the potentials are unique up to
 * one constant per connected component of the plan's support graph (rows and columns linked by
 * the entries of the reference plan that are ≥ LINK, i.e. that the marginals can see; at tiny ε
 * exp(−C/ε) leaves many entries at 1e-300 and below, which splits the graph). Per component:
 * f + c, g − c with c the mean difference over its rows. Entries off the support are skipped.
 */
const LINK = 1e-10;
function gaugeDiff(
  f: ArrayLike<number>,
  g: ArrayLike<number>,
  fr: Pot,
  gr: Pot,
  Pref?: ArrayLike<number>,
) {
  const n = fr.length;
  const m = gr.length;
  const parent = Array.from({ length: n + m }, (_, i) => i);
  const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x])));
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) if (!Pref || Pref[i * m + j] >= LINK) parent[find(i)] = find(n + j);
  const sum = new Float64Array(n + m);
  const cnt = new Float64Array(n + m);
  for (let i = 0; i < n; i++)
    if (fr[i] !== null) {
      sum[find(i)] += (fr[i] as number) - f[i];
      cnt[find(i)]++;
    }
  const shift = (x: number) => (cnt[find(x)] ? sum[find(x)] / cnt[find(x)] : 0);
  let d = 0;
  for (let i = 0; i < n; i++)
    if (fr[i] !== null) d = Math.max(d, Math.abs(f[i] + shift(i) - (fr[i] as number)));
  for (let j = 0; j < m; j++)
    if (gr[j] !== null) d = Math.max(d, Math.abs(g[j] - shift(n + j) - (gr[j] as number)));
  return d;
}
/** fn throws an ItersolveError with this code and/or argument. */
function throwsWith(
  t: Test,
  fn: () => unknown,
  want: { code?: string; argument?: string },
  msg: string,
) {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  const ok =
    err instanceof ItersolveError &&
    (want.code === undefined || err.code === want.code) &&
    (want.argument === undefined || err.argument === want.argument);
  t.ok(
    ok,
    `${msg}: ${err instanceof Error ? `${(err as ItersolveError).code} ${(err as ItersolveError).argument} ${err.message}` : 'no error'}`,
  );
}
function dense(P: CsrMatrix) {
  const D = new Float64Array(P.rows * P.cols);
  for (let i = 0; i < P.rows; i++)
    for (let k = P.rowPtr[i]; k < P.rowPtr[i + 1]; k++) D[i * P.cols + P.colIdx[k]] += P.values[k];
  return D;
}

// Tolerances of the comparisons (the issue's) and of the runs behind them. Our runs go to an L1
// marginal error of 1e-12 (POT's references: ≤ 2e-13, see the fixture); at ε ≤ 1e-3 the
// exponent carries f/ε ≈ 1e3–1e4 times the rounding of f, so the attainable marginal error is
// ~1e-12 there and the runs stop at 1e-11.
const COST_RTOL = 1e-8;
const PLAN_ATOL = 1e-9;
const POT_TOL = 1e-8; // potentials, up to the gauge constant, relative to max C (= 1 here)
const runTol = (eps: number) => (eps <= 1e-3 ? 1e-11 : 1e-12);
const METHODS = ['scaling', 'log', 'stabilized', 'epsilon-scaling', 'auto'] as const;
type Method = (typeof METHODS)[number];

interface SinkCase {
  problem: string;
  epsilon: number;
  knopp: { converged: boolean; cost?: number; f?: Pot; g?: Pot };
  log: { converged: boolean; cost?: number; f?: Pot; g?: Pot };
  plan?: number[];
  planFrom?: 'log' | 'knopp';
}
const CASES = SK.cases as SinkCase[];

/** Everything wrong with a Sinkhorn-type result against a case's POT reference ([] when fine). */
function compare(
  r: { plan?: unknown; f: Float64Array; g: Float64Array; cost: number; marginalError: number },
  c: SinkCase,
  p: Prob,
): string[] {
  const bad: string[] = [];
  bad.push(...potentialProblems(r.f, p.a, 'f'), ...potentialProblems(r.g, p.b, 'g'));
  const P = r.plan instanceof CsrMatrix ? dense(r.plan) : (r.plan as Float64Array);
  if (!allFinite(P)) bad.push('plan not finite');
  const ref = c.planFrom ? c[c.planFrom] : null;
  if (!ref || !c.plan) return bad;
  const dc = relDiff(r.cost, ref.cost!);
  if (!(dc <= COST_RTOL))
    bad.push(`cost ${r.cost} vs POT ${ref.cost} (rel ${dc.toExponential(2)})`);
  const dp = maxAbsDiff(P, c.plan);
  if (!(dp <= PLAN_ATOL)) bad.push(`plan differs by ${dp.toExponential(2)}`);
  const dg = gaugeDiff(r.f, r.g, ref.f!, ref.g!, c.plan);
  if (!(dg <= POT_TOL)) bad.push(`potentials differ by ${dg.toExponential(2)} (up to the gauge)`);
  const me = marginalError(P, p);
  if (!(me <= 1e-9)) bad.push(`marginal error of the plan ${me.toExponential(2)}`);
  for (let i = 0; i < p.n; i++)
    if (p.a[i] === 0)
      for (let j = 0; j < p.m; j++)
        if (P[i * p.m + j] !== 0) bad.push(`P[${i},${j}] ≠ 0 on a zero row`);
  for (let j = 0; j < p.m; j++)
    if (p.b[j] === 0)
      for (let i = 0; i < p.n; i++)
        if (P[i * p.m + j] !== 0) bad.push(`P[${i},${j}] ≠ 0 on a zero column`);
  return bad.slice(0, 6);
}

t.test('fixtures: generator and the cases POT could solve', async (t) => {
  t.equal(SK.generator.pot, '0.8.2');
  // Every case has a converged POT reference except the random cost at ε = 1e-3 (neither POT
  // method reaches 1e-12 in 1e5 iterations there); sinkhorn_knopp breaks down on zeros in a.
  const missing = CASES.filter((c) => !c.plan).map((c) => `${c.problem}@${c.epsilon}`);
  t.same(missing, ['random@0.001']);
  t.ok(CASES.filter((c) => c.problem === 'zeros').every((c) => !c.knopp.converged));
});

t.test(
  'sinkhorn: every method agrees with POT (cost 1e-8 rel, plan 1e-9 abs, potentials)',
  async (t) => {
    for (const c of CASES) {
      const p = PROBS[c.problem];
      for (const method of METHODS) {
        const r = sinkhornSync(p.a, p.b, p.C, {
          epsilon: c.epsilon,
          method,
          tol: runTol(c.epsilon),
          maxIterations: 200000,
        });
        const label = `${c.problem} ε=${c.epsilon} ${method} (${r.method}, ${r.iterations} its, ${r.reason}, err ${r.marginalError.toExponential(2)})`;
        const scalingMayFail = r.method === 'scaling' && c.epsilon <= 1e-3;
        if (scalingMayFail && !r.converged) {
          // Underflow of exp(−C/ε): stops as 'non-finite' with the last finite potentials (or,
          // where POT could not converge either, runs out of iterations), never NaN.
          t.ok(
            r.reason === 'non-finite' || (!c.plan && r.reason === 'max-iterations'),
            `${label}: scaling stops as non-finite`,
          );
          t.same(
            [...potentialProblems(r.f, p.a, 'f'), ...potentialProblems(r.g, p.b, 'g')],
            [],
            `${label}: finite potentials`,
          );
          continue;
        }
        if (c.plan) t.ok(r.converged, `${label}: converged`);
        t.same(compare(r, c, p), [], label);
      }
    }
  },
);

t.test('sinkhorn: auto resolves to scaling where exp(−C/ε) is safe, log otherwise', async (t) => {
  const p = PROBS.points;
  t.equal(sinkhornSync(p.a, p.b, p.C, { epsilon: 0.1, plan: 'none' }).method, 'scaling');
  t.equal(sinkhornSync(p.a, p.b, p.C, { epsilon: 1e-3, plan: 'none' }).method, 'log');
});

t.test('sinkhornNewton agrees with POT and with a long log-domain Sinkhorn', async (t) => {
  for (const c of CASES) {
    if (!c.plan) continue;
    const p = PROBS[c.problem];
    const r = sinkhornNewtonSync(p.a, p.b, p.C, {
      epsilon: c.epsilon,
      tol: runTol(c.epsilon),
      plan: 'dense',
    });
    const label = `${c.problem} ε=${c.epsilon} SNS (${r.warmupIterations}+${r.newtonIterations} its, ${r.reason}, err ${r.marginalError.toExponential(2)})`;
    t.ok(r.converged, `${label}: converged`);
    t.same(compare(r, c, p), [], label);
  }
  // The SNS paper's claim at small scale: same solution as a long log-domain run, with Newton
  // steps doing the work (the warm-up alone is far from converged at these ε).
  for (const [name, eps] of [
    ['points', 1e-3],
    ['hist', 1e-3],
    ['random', 1e-2],
  ] as const) {
    const p = PROBS[name];
    const sns = sinkhornNewtonSync(p.a, p.b, p.C, { epsilon: eps, tol: 1e-11, plan: 'dense' });
    const lg = sinkhornSync(p.a, p.b, p.C, {
      epsilon: eps,
      method: 'log',
      tol: 1e-11,
      maxIterations: 200000,
    });
    const label = `${name} ε=${eps}: SNS ${sns.warmupIterations}+${sns.newtonIterations} vs log ${lg.iterations}`;
    t.ok(sns.converged && lg.converged, `${label}: both converged`);
    t.ok(sns.newtonIterations > 0, `${label}: Newton steps used`);
    t.ok(sns.iterations < lg.iterations, `${label}: fewer iterations`);
    t.ok(relDiff(sns.cost, lg.cost) <= COST_RTOL, `${label}: cost`);
    t.ok(
      maxAbsDiff(sns.plan as Float64Array, lg.plan as Float64Array) <= PLAN_ATOL,
      `${label}: plan`,
    );
    t.ok(gaugeDiff(sns.f, sns.g, [...lg.f], [...lg.g], lg.plan) <= POT_TOL, `${label}: potentials`);
  }
  // plan: 'sparse' holds the same entries (no drop tolerance: every entry > 0 kept).
  const p = PROBS.hist;
  const d = sinkhornNewtonSync(p.a, p.b, p.C, { epsilon: 1e-2, plan: 'dense' });
  const s = sinkhornNewtonSync(p.a, p.b, p.C, { epsilon: 1e-2, plan: 'sparse' });
  t.ok(s.plan instanceof CsrMatrix);
  t.ok(
    maxAbsDiff(dense(s.plan as CsrMatrix), d.plan as Float64Array) <= 1e-15,
    'sparse plan = dense plan',
  );
  t.equal(s.planNnz, (s.plan as CsrMatrix).values.length);
});

t.test('sinkhornBatch agrees with POT, pair by pair', async (t) => {
  // Two pairs sharing C (the same pair twice): each must match POT's run on its own.
  for (const eps of [1e-1, 1e-2]) {
    const c = CASES.find((x) => x.problem === 'points' && x.epsilon === eps)!;
    const p = PROBS.points;
    const r = sinkhornBatchSync([p.a, p.a], [p.b, p.b], p.C, {
      epsilon: eps,
      tol: 1e-12,
      maxIterations: 100000,
    });
    t.ok(r.converged, `ε=${eps}: converged`);
    for (let k = 0; k < 2; k++) {
      const f = r.f.subarray(k * p.n, (k + 1) * p.n);
      const g = r.g.subarray(k * p.m, (k + 1) * p.m);
      t.ok(relDiff(r.cost[k], c.log.cost!) <= COST_RTOL, `ε=${eps} pair ${k}: cost`);
      t.ok(
        gaugeDiff(f, g, c.log.f!, c.log.g!, c.plan) <= POT_TOL,
        `ε=${eps} pair ${k}: potentials`,
      );
    }
  }
});

t.test(
  'every method on zeros, 1×m, n×1 and ε from 1e-4 to 10 × max C: no NaN, no Inf',
  async (t) => {
    // The agreement is checked above; here the shapes of the results on the edge cases, with the
    // default iteration budget (not converged is allowed; garbage is not).
    for (const name of ['zeros', 'row', 'col'])
      for (const eps of [1e-4, 1e-3, 1e-2, 1e-1, 1, 10]) {
        const p = PROBS[name];
        for (const method of ['log', 'stabilized', 'epsilon-scaling'] as Method[]) {
          const r = sinkhornSync(p.a, p.b, p.C, { epsilon: eps, method });
          const label = `${name} ε=${eps} ${method} (${r.reason})`;
          t.same(
            [...potentialProblems(r.f, p.a, 'f'), ...potentialProblems(r.g, p.b, 'g')],
            [],
            `${label}: potentials`,
          );
          t.ok(
            allFinite(r.plan as Float64Array) &&
              Number.isFinite(r.cost) &&
              Number.isFinite(r.marginalError),
            `${label}: finite`,
          );
        }
        if (name !== 'zeros') {
          // One row (column): the plan is b (a) whatever ε (to the rounding of exp((f + g −
          // C)/ε), whose exponent carries |f|/ε ≈ 1e4 times the rounding of f at ε = 1e-4).
          const r = sinkhornSync(p.a, p.b, p.C, { epsilon: eps });
          const want = name === 'row' ? p.b : p.a;
          t.ok(
            r.converged && maxAbsDiff(r.plan as Float64Array, want) <= 1e-12,
            `${name} ε=${eps}: plan = the other marginal`,
          );
        }
      }
    // ε from 1e-4 of max C on the grid problem with its raw cost (max C = 23² = 529): still no NaN.
    const h = PROBS.hist;
    const raw = gridCost(h.n, h.m);
    for (const method of ['log', 'stabilized'] as Method[]) {
      const r = sinkhornSync(h.a, h.b, raw, {
        epsilon: 1e-4 * 529,
        method,
        maxIterations: 20000,
        tol: 1e-9,
      });
      t.ok(
        allFinite(r.plan as Float64Array) && allFinite(r.f) && allFinite(r.g),
        `hist raw ε=1e-4·max C ${method}: finite`,
      );
    }
  },
);

t.test('sinkhorn approaches emd as ε → 0', async (t) => {
  for (const name of ['points', 'hist', 'zeros']) {
    const p = PROBS[name];
    const ex = EMD.cases.find((c: { problem: string }) => c.problem === name).cost as number;
    for (const eps of [1e-2, 1e-3, 1e-4]) {
      const c = CASES.find((x) => x.problem === name && x.epsilon === eps)!;
      const ref = c.log.cost!;
      // 0 ≤ ⟨C, P_ε⟩ − emd ≤ ε·log(n·m) (entropy of a plan of mass 1 is at most log(n·m)).
      const gap = ref - ex;
      t.ok(
        gap >= -1e-12 && gap <= eps * Math.log(p.n * p.m),
        `${name} ε=${eps}: POT gap ${gap.toExponential(2)}`,
      );
      const r = sinkhornSync(p.a, p.b, p.C, {
        epsilon: eps,
        method: 'epsilon-scaling',
        tol: runTol(eps),
        maxIterations: 200000,
        plan: 'none',
      });
      t.ok(
        r.converged && r.cost - ex >= -1e-12 && r.cost - ex <= eps * Math.log(p.n * p.m),
        `${name} ε=${eps}: our gap ${(r.cost - ex).toExponential(2)} (${r.reason})`,
      );
    }
  }
});

// ---- exact OT ------------------------------------------------------------------------------

interface EmdPot {
  cost: number;
  u: number[];
  v: number[];
  nnz: number;
  plan: { rows: number[]; cols: number[]; values: number[] };
}

/** Everything wrong with an emd result as an optimal solution of (a, b, C) ([] when fine). */
function emdProblems(
  r: { plan: CsrMatrix; cost: number; objective: number; f: Float64Array; g: Float64Array },
  p: Prob,
): string[] {
  const bad: string[] = [];
  const P = r.plan;
  let maxC = 0;
  for (const v of p.C) maxC = Math.max(maxC, Math.abs(v));
  const tol = 1e-12 * Math.max(maxC, 1e-300);
  if (P.rows !== p.n || P.cols !== p.m) bad.push('plan shape');
  if (P.values.length > p.n + p.m - 1) bad.push(`nnz ${P.values.length} > n + m − 1`);
  let cost = 0;
  for (let i = 0; i < p.n; i++)
    for (let k = P.rowPtr[i]; k < P.rowPtr[i + 1]; k++) {
      const j = P.colIdx[k];
      if (!(P.values[k] > 0)) bad.push(`P[${i},${j}] = ${P.values[k]} not positive`);
      if (k > P.rowPtr[i] && P.colIdx[k - 1] >= j) bad.push(`row ${i} columns not sorted`);
      cost += P.values[k] * p.C[i * p.m + j];
      const slack = p.C[i * p.m + j] - r.f[i] - r.g[j];
      if (!(Math.abs(slack) <= tol))
        bad.push(`complementary slackness at (${i},${j}): ${slack.toExponential(2)}`);
    }
  const me = marginalError(dense(P), p);
  if (!(me <= 1e-14)) bad.push(`primal marginal error ${me.toExponential(2)}`);
  if (!allFinite(r.f) || !allFinite(r.g)) bad.push('duals not finite');
  let viol = -Infinity;
  for (let i = 0; i < p.n; i++)
    for (let j = 0; j < p.m; j++) viol = Math.max(viol, r.f[i] + r.g[j] - p.C[i * p.m + j]);
  if (!(viol <= tol)) bad.push(`dual infeasible by ${viol.toExponential(2)}`);
  let dual = 0;
  for (let i = 0; i < p.n; i++) dual += p.a[i] * r.f[i];
  for (let j = 0; j < p.m; j++) dual += p.b[j] * r.g[j];
  if (!(Math.abs(dual - r.cost) <= tol))
    bad.push(`duality gap ${(dual - r.cost).toExponential(2)}`);
  if (!(Math.abs(cost - r.cost) <= tol)) bad.push(`cost ${r.cost} ≠ ⟨C, P⟩ ${cost}`);
  if (r.objective !== r.cost) bad.push('objective ≠ cost');
  return bad.slice(0, 6);
}

t.test('emd agrees with POT: cost 1e-12 rel, the (unique) plan, duals', async (t) => {
  for (const c of EMD.cases as (EmdPot & { problem: string })[]) {
    const p = PROBS[c.problem];
    const r = emdSync(p.a, p.b, p.C);
    t.equal(r.reason, 'optimal', `${c.problem}: optimal`);
    t.ok(relDiff(r.cost, c.cost) <= 1e-12, `${c.problem}: cost ${r.cost} vs POT ${c.cost}`);
    t.same(emdProblems(r, p), [], `${c.problem}: optimality`);
    // The random problems have unique optimal plans: POT's to 1e-15.
    const ref = new Float64Array(p.n * p.m);
    c.plan.rows.forEach((i, k) => (ref[i * p.m + c.plan.cols[k]] = c.plan.values[k]));
    t.ok(maxAbsDiff(dense(r.plan), ref) <= 1e-15, `${c.problem}: plan = POT's`);
    // POT's duals are one optimal dual solution too (on the support of a, b).
    let potDual = 0;
    for (let i = 0; i < p.n; i++) potDual += p.a[i] * c.u[i];
    for (let j = 0; j < p.m; j++) potDual += p.b[j] * c.v[j];
    t.ok(relDiff(potDual, r.cost) <= 1e-12, `${c.problem}: POT's dual objective = our cost`);
  }
  for (const e of EMD.extra) {
    const p: Prob =
      e.kind === 'points'
        ? { n: e.n, m: e.m, a: f64(e.a), b: f64(e.b), C: sqdist(e.X, e.Y, e.n, e.m) }
        : { n: e.n, m: e.m, a: f64(e.a), b: f64(e.b), C: f64(e.C) };
    const r = emdSync(p.a, p.b, p.C);
    t.equal(r.reason, 'optimal', `${e.name}: optimal`);
    t.same(emdProblems(r, p), [], `${e.name}: optimality`);
    if (e.name === 'degenerate')
      t.ok(relDiff(r.cost, e.pot.cost) <= 1e-12, `${e.name}: cost = POT's`);
    else {
      // identity: P = I/n; permutation: P[perm[j], j] = 1/n; cost 0 exactly.
      t.equal(r.cost, 0, `${e.name}: cost 0`);
      const want = new Float64Array(p.n * p.m);
      for (let j = 0; j < p.m; j++)
        want[(e.name === 'identity' ? j : e.perm[j]) * p.m + j] = 1 / p.n;
      t.ok(maxAbsDiff(dense(r.plan), want) <= 1e-17, `${e.name}: the permutation plan`);
    }
  }
});

// ---- cases of POT's own test suite ------------------------------------------------------------

t.test('POT test_ot: emd identity, dimension and mass mismatch, dual variables', async (t) => {
  // test_emd_emd2: 100 points x = RandomState(0).randn(100, 2), uniform, M = sqdist(x, x).
  const x = PT.x100.x as number[];
  const n = 100;
  const u = new Float64Array(n).fill(1 / n);
  const M = sqdist(x, x, n, n);
  const r = emdSync(u, u, M);
  t.ok(PT.x100.emdIsIdentity, 'POT: identity');
  t.equal(r.cost, 0);
  t.equal(r.plan.values.length, n);
  for (let i = 0; i < n; i++) {
    t.equal(r.plan.colIdx[r.plan.rowPtr[i]], i);
    t.equal(r.plan.values[r.plan.rowPtr[i]], 1 / n);
  }
  // test_emd_dimension_and_mass_mismatch: a of length n + 1; a[0] = 100.
  const a1 = new Float64Array(n + 1).fill(1 / (n + 1));
  throwsWith(t, () => emdSync(a1, a1, M), { code: 'ERR_DIMENSION_MISMATCH' }, 'a of length n + 1');
  const a2 = Float64Array.from(u);
  a2[0] = 100;
  throwsWith(
    t,
    () => emdSync(a2, u, M),
    { code: 'ERR_INVALID_ARGUMENT', argument: 'b' },
    'mass mismatch',
  );
  // Zero and empty weights: zero entries are allowed (zero rows of P); all-zero a is an error.
  const z = new Float64Array(n);
  throwsWith(t, () => emdSync(z, z, M), { code: 'ERR_INVALID_ARGUMENT' }, 'all-zero weights');

  // test_dual_variables (n = 100, m = 120): M = |x_i − y_j|, cost ≈ |30 − 50| (POT: 20.0000796),
  // emd(b, a, Mᵀ) the same, zero duality gap, f_i + g_j ≤ M_ij.
  const dv = PT.dualVariables;
  const a = f64(dv.a);
  const b = f64(dv.b);
  const D = gridCost(100, 120).map(Math.sqrt);
  const DT = new Float64Array(120 * 100);
  for (let i = 0; i < 100; i++) for (let j = 0; j < 120; j++) DT[j * 100 + i] = D[i * 120 + j];
  const r1 = emdSync(a, b, D);
  const r2 = emdSync(b, a, DT);
  t.ok(relDiff(r1.cost, dv.cost) <= 1e-12, `cost ${r1.cost} vs POT ${dv.cost}`);
  t.ok(relDiff(r2.cost, dv.cost) <= 1e-12, 'transposed problem: same cost');
  t.ok(Math.abs(r1.cost - 20) < 1e-3, 'cost = |mean1 − mean2|');
  t.same(emdProblems(r1, { n: 100, m: 120, a, b, C: D }), []);
  // The W1 of the helper: wasserstein with p = 1 is emd on the ground distance.
  const w = wassersteinSync(a, b, D);
  t.ok(relDiff(w.distance, dv.cost) <= 1e-12, 'wassersteinSync(p = 1) = emd cost');
  // p = 2 on the histogram fixture: sqrt of the emd cost with C = D².
  const h = PROBS.hist;
  const hd = h.C.map(Math.sqrt);
  const w2 = wassersteinSync(h.a, h.b, hd, { p: 2 });
  const hc = EMD.cases.find((c: { problem: string }) => c.problem === 'hist').cost as number;
  t.ok(relDiff(w2.distance, Math.sqrt(hc)) <= 1e-12, `W2 = sqrt(emd cost) (${w2.distance})`);
});

t.test(
  'POT test_bregman: marginals, variants, multi-b, stabilisation, warm start, errors',
  async (t) => {
    // test_sinkhorn / test_sinkhorn_variants: the 100-point cloud, reg 1, stopThr 1e-10: marginals
    // to 1e-5 there; here every method to 1e-10 and the costs of POT's four variants to 1e-8.
    const x = PT.x100.x as number[];
    const n = 100;
    const u = new Float64Array(n).fill(1 / n);
    const M = sqdist(x, x, n, n);
    const ref = PT.x100.sinkhornReg1.sinkhorn_log.cost as number;
    const plans: Float64Array[] = [];
    for (const method of METHODS) {
      const r = sinkhornSync(u, u, M, { epsilon: 1, method, tol: 1e-10 });
      t.ok(
        r.converged &&
          marginalError(r.plan as Float64Array, { n, m: n, a: u, b: u, C: M }) <= 1e-10,
        `${method}: marginals`,
      );
      for (const [k, v] of Object.entries(PT.x100.sinkhornReg1 as Record<string, { cost: number }>))
        t.ok(relDiff(r.cost, v.cost) <= COST_RTOL, `${method} cost vs POT ${k}`);
      plans.push(r.plan as Float64Array);
    }
    const sns = sinkhornNewtonSync(u, u, M, { epsilon: 1, plan: 'dense' });
    plans.push(sns.plan as Float64Array);
    for (const P of plans) t.ok(maxAbsDiff(P, plans[0]) <= PLAN_ATOL, 'same plans');
    t.ok(relDiff(sns.cost, ref) <= COST_RTOL, 'SNS cost');
    // test_convergence_warning: one iteration is not convergence.
    for (const method of METHODS) {
      const r = sinkhornSync(u, u, M, { epsilon: 1, method, maxIterations: 1 });
      t.equal(r.converged, false, `${method}: 1 iteration`);
      t.equal(r.reason, 'max-iterations');
    }
    // test_nan_warning (reg = 0) and a missing reg: errors naming epsilon.
    for (const epsilon of [0, -1, NaN, undefined])
      throwsWith(
        t,
        () => sinkhornSync(u, u, M, { epsilon } as { epsilon: number }),
        { argument: 'epsilon' },
        `epsilon ${epsilon}`,
      );

    // test_sinkhorn_multi_b: 10 points, three b's, reg 0.1: the batch's costs = the single ones.
    const mb = PT.multiB;
    const C10 = sqdist(mb.x, mb.x, 10, 10);
    const u10 = new Float64Array(10).fill(0.1);
    const B = (mb.B as number[][]).map(f64);
    const batch = sinkhornBatchSync([u10, u10, u10], B, C10, {
      epsilon: mb.reg,
      tol: 1e-13,
      maxIterations: 100000,
    });
    for (let k = 0; k < 3; k++) {
      const single = sinkhornSync(u10, B[k], C10, {
        epsilon: mb.reg,
        tol: 1e-13,
        maxIterations: 100000,
      });
      t.ok(relDiff(batch.cost[k], mb.loss[k]) <= COST_RTOL, `multi-b ${k}: batch vs POT`);
      t.ok(relDiff(single.cost, mb.loss[k]) <= COST_RTOL, `multi-b ${k}: single vs POT`);
    }

    // test_stabilized_vs_sinkhorn_multidim: gaussians, M = dist0(100)/median, reg 0.1, two b's.
    const md = PT.multidim;
    const a = f64(md.a);
    const Mm = gridCost(100, 100, md.median);
    const B2 = (md.B as number[][]).map(f64);
    for (const method of ['scaling', 'stabilized', 'log'] as Method[]) {
      const r = sinkhornBatchSync([a, a], B2, Mm, {
        epsilon: md.reg,
        method,
        tol: 1e-13,
        maxIterations: 100000,
      });
      t.ok(r.converged, `multidim ${method}: converged`);
      for (let k = 0; k < 2; k++)
        t.ok(relDiff(r.cost[k], md.loss[k]) <= COST_RTOL, `multidim ${method} ${k}: vs POT`);
    }

    // test_sinkhorn_stabilization: M = dist0(100) (max 9801), reg 1e-5, 1000 iterations (POT's
    // default), log-domain vs stabilised (POT: tau = 1) losses to 1e-6. Neither converges: a
    // log-domain update moves a potential by O(ε log n) = O(1e-4) while C steps by ≥ 1, so after
    // 1000 iterations the plan still sits on the zero-cost diagonal: cost 0 (POT: 0 for both)
    // with a large marginal error. Ours: the same, finite, and the two methods agree.
    const st = PT.stabilization;
    t.same([st.lossLog, st.lossStabilized], [0, 0], "POT's outcome");
    const sa = f64(st.a);
    const sb = f64(st.b);
    const M0 = gridCost(100, 100);
    const rl = sinkhornSync(sa, sb, M0, { epsilon: st.reg, method: 'log', maxIterations: 1000 });
    const rs = sinkhornSync(sa, sb, M0, {
      epsilon: st.reg,
      method: 'stabilized',
      maxIterations: 1000,
    });
    for (const r of [rl, rs]) {
      t.ok(
        allFinite(r.plan as Float64Array) &&
          allFinite(r.f) &&
          allFinite(r.g) &&
          Number.isFinite(r.cost),
        `${r.method}: finite`,
      );
      t.ok(
        !r.converged && r.reason === 'max-iterations' && r.marginalError > 0.1,
        `${r.method}: not converged (${r.reason}, marginal error ${r.marginalError})`,
      );
      t.ok(Math.abs(r.cost - st.lossLog) <= 1e-6, `${r.method}: POT's loss (${r.cost})`);
    }
    t.ok(Math.abs(rl.cost - rs.cost) <= 1e-6, `log ${rl.cost} vs stabilized ${rs.cost}`);

    // test_sinkhorn_warmstart: 10 × 20 on a line, M = (i − j)², reg 1, warm start from emd duals.
    const ws = PT.warmstart;
    const wa = new Float64Array(10).fill(0.1);
    const wb = new Float64Array(20).fill(0.05);
    const Mw = gridCost(10, 20);
    for (const method of METHODS) {
      const cold = sinkhornSync(wa, wb, Mw, {
        epsilon: 1,
        method,
        tol: 1e-12,
        maxIterations: 100000,
      });
      const warm = sinkhornSync(wa, wb, Mw, {
        epsilon: 1,
        method,
        tol: 1e-12,
        maxIterations: 100000,
        warmStart: { f: f64(ws.u), g: f64(ws.v) },
      });
      if (cold.method === 'scaling' && !cold.converged) {
        t.equal(cold.reason, 'non-finite', 'scaling: non-finite');
        continue;
      }
      t.ok(
        maxAbsDiff(cold.plan as Float64Array, ws.plan) <= PLAN_ATOL,
        `${method}: cold plan = POT's`,
      );
      t.ok(
        maxAbsDiff(warm.plan as Float64Array, ws.plan) <= PLAN_ATOL,
        `${method}: warm plan = POT's`,
      );
    }
  },
);

t.test('costMatrix, the Promise form, sinkhorn on a DenseMatrix', async (t) => {
  const pj = SK.problems.points as ProblemJson;
  const X = f64(pj.X!);
  const Y = f64(pj.Y!);
  const ref = sqdist(X, Y, pj.n, pj.m);
  const C = costMatrix(X, Y, { dimension: 2 });
  t.ok(maxAbsDiff(C, ref) <= 1e-14 * Math.max(...ref), 'sqeuclidean');
  const E = costMatrix(
    { rows: pj.n, cols: 2, data: X },
    { rows: pj.m, cols: 2, data: Y },
    { metric: 'euclidean' },
  );
  t.ok(maxAbsDiff(E, ref.map(Math.sqrt)) <= 1e-14 * Math.max(...ref), 'euclidean');
  const p = PROBS.points;
  const sync = sinkhornSync(p.a, p.b, p.C, { epsilon: 0.01, tol: 1e-12 });
  const asyncR = await sinkhorn(p.a, p.b, p.C, { epsilon: 0.01, tol: 1e-12 });
  t.same(
    [...(asyncR.plan as Float64Array)],
    [...(sync.plan as Float64Array)],
    'Promise form = sync',
  );
  const viaDense = sinkhornSync(
    p.a,
    p.b,
    { rows: p.n, cols: p.m, data: p.C },
    { epsilon: 0.01, tol: 1e-12 },
  );
  t.equal(viaDense.cost, sync.cost, 'DenseMatrix C');
  const e1 = emdSync(p.a, p.b, p.C);
  const e2 = await emd(p.a, p.b, p.C);
  t.equal(e2.cost, e1.cost, 'emd Promise form = sync');
  const n1 = sinkhornNewtonSync(p.a, p.b, p.C, { epsilon: 0.01 });
  const n2 = await sinkhornNewton(p.a, p.b, p.C, { epsilon: 0.01 });
  t.equal(n2.cost, n1.cost, 'sinkhornNewton Promise form = sync');
});
