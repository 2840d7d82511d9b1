// Optimal transport through the JS API (lib/ot.ts) and the CLI (`itersolve ot`): every function's
// Sync and Promise forms agree; options and mistakes are named; abort, time limit, progress, out
// buffers, warm starts and plan kinds; zeros in a/b, 1×m and n×1 problems; emd's basic plan and
// duals; costMatrix against a JS loop; wasserstein p = 1, 2 exact and entropic. (Agreement with
// POT is test/ot-pot.test.ts.)
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import t from 'tap';
import { main } from '../lib/cli';
import { marginalError } from '../lib/cli/ot';
import {
  AbortError,
  costMatrix,
  CsrMatrix,
  emd,
  emdSync,
  readMatrixMarket,
  rng,
  sinkhorn,
  sinkhornBatch,
  sinkhornBatchSync,
  sinkhornNewton,
  sinkhornNewtonSync,
  sinkhornSync,
  wasserstein,
  wassersteinSync,
} from '../lib/index';
import type { DenseMatrix } from '../lib/index';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-ot-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A seeded problem: histograms with sum 1 and the squared distances of random 2-D points. */
function problem(n: number, m: number, seed = 1) {
  const r = rng(seed);
  const a = new Float64Array(n).map(() => 0.5 + r());
  const b = new Float64Array(m).map(() => 0.5 + r());
  const sa = a.reduce((s, x) => s + x, 0);
  const sb = b.reduce((s, x) => s + x, 0);
  a.forEach((x, i) => (a[i] = x / sa));
  b.forEach((x, j) => (b[j] = x / sb));
  const X = new Float64Array(2 * n).map(() => r());
  const Y = new Float64Array(2 * m).map(() => r());
  const C = costMatrix(X, Y, { dimension: 2 });
  return { n, m, a, b, C, X, Y };
}

/** ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ of a dense plan. */
function denseMarginal(P: Float64Array, a: Float64Array, b: Float64Array): number {
  const n = a.length;
  const m = b.length;
  const col = new Float64Array(m);
  let err = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) {
      s += P[i * m + j];
      col[j] += P[i * m + j];
    }
    err += Math.abs(s - a[i]);
  }
  for (let j = 0; j < m; j++) err += Math.abs(col[j] - b[j]);
  return err;
}

const rel = (x: number, y: number) => Math.abs(x - y) / Math.max(Math.abs(y), 1e-300);

const P1 = problem(6, 9);
const EPS = 0.05;

t.test('sinkhorn: the plan, potentials and figures; Sync = Promise', async (t) => {
  const { a, b, C, n, m } = P1;
  const r = sinkhornSync(a, b, C, { epsilon: EPS, tol: 1e-12, maxIterations: 5000 });
  t.ok(r.converged, `converged (${r.reason}, ${r.iterations} iterations)`);
  if (r.converged) t.equal(r.reason, 'tol');
  t.ok(r.marginalError <= 1e-12, `marginal error ${r.marginalError}`);
  t.ok(r.plan instanceof Float64Array && r.plan.length === n * m);
  const P = r.plan!;
  t.ok(denseMarginal(P, a, b) <= 1e-11, 'the plan has the marginals a, b');
  let cost = 0;
  let maxDiff = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      const p = Math.exp((r.f[i] + r.g[j] - C[i * m + j]) / EPS);
      maxDiff = Math.max(maxDiff, Math.abs(p - P[i * m + j]));
      cost += C[i * m + j] * P[i * m + j];
    }
  t.ok(maxDiff <= 1e-14, `P = exp((f + g − C)/ε) (${maxDiff})`);
  t.ok(rel(r.cost, cost) <= 1e-12, 'cost = ⟨C, P⟩');
  t.ok(r.objective < r.cost, 'the entropic term is negative for a plan of mass 1');
  t.not(r.method, 'auto', `auto resolved (${r.method})`);
  t.ok(r.elapsedMs >= 0);

  const q = await sinkhorn(a, b, C, { epsilon: EPS, tol: 1e-12, maxIterations: 5000 });
  t.same([q.iterations, q.cost, q.reason, q.method], [r.iterations, r.cost, r.reason, r.method]);
  t.same(q.f, r.f, 'the same f');
  t.same(q.plan, r.plan, 'the same plan');
});

t.test('sinkhorn: every method reaches the same solution', async (t) => {
  const { a, b, C } = P1;
  const ref = sinkhornSync(a, b, C, {
    epsilon: EPS,
    method: 'log',
    tol: 1e-13,
    maxIterations: 1e5,
  });
  for (const method of ['auto', 'scaling', 'stabilized', 'epsilon-scaling'] as const) {
    const r = sinkhornSync(a, b, C, { epsilon: EPS, method, tol: 1e-13, maxIterations: 1e5 });
    t.ok(r.converged, `${method}: ${r.reason}`);
    t.ok(rel(r.cost, ref.cost) <= 1e-9, `${method}: cost ${r.cost} vs log ${ref.cost}`);
  }
  const tiny = sinkhornSync(a, b, C, { epsilon: 1e-4, method: 'log', maxIterations: 200 });
  t.ok(Number.isFinite(tiny.cost) && tiny.f.every(Number.isFinite), 'log at ε = 1e-4: finite');
});

t.test('sinkhorn: mistakes named, in both forms', async (t) => {
  const { a, b, C } = P1;
  const neg = a.slice();
  neg[2] = -neg[2];
  const nan = b.slice();
  nan[1] = NaN;
  const off = b.map((x) => x * (1 + 1e-10));
  const close = b.map((x) => x * (1 + 1e-14));
  const badC = C.slice();
  badC[3] = Infinity;
  const cases: Array<[string, () => unknown, string, string]> = [
    ['negative a', () => sinkhornSync(neg, b, C, { epsilon: 1 }), 'ERR_INVALID_ARGUMENT', 'a'],
    ['NaN in b', () => sinkhornSync(a, nan, C, { epsilon: 1 }), 'ERR_INVALID_ARGUMENT', 'b'],
    ['sums differ', () => sinkhornSync(a, off, C, { epsilon: 1 }), 'ERR_INVALID_ARGUMENT', 'b'],
    ['C infinite', () => sinkhornSync(a, b, badC, { epsilon: 1 }), 'ERR_INVALID_ARGUMENT', 'C'],
    [
      'C length',
      () => sinkhornSync(a, b, C.subarray(1), { epsilon: 1 }),
      'ERR_DIMENSION_MISMATCH',
      'C',
    ],
    [
      'C rows',
      () => sinkhornSync(a, b, { rows: 5, cols: 9, data: C.subarray(9) }, { epsilon: 1 }),
      'ERR_DIMENSION_MISMATCH',
      'C',
    ],
    [
      'empty a',
      () => sinkhornSync(new Float64Array(0), b, C, { epsilon: 1 }),
      'ERR_INVALID_ARGUMENT',
      'a',
    ],
    [
      'missing epsilon',
      () => sinkhornSync(a, b, C, {} as never),
      'ERR_INVALID_ARGUMENT',
      'epsilon',
    ],
    ['epsilon 0', () => sinkhornSync(a, b, C, { epsilon: 0 }), 'ERR_INVALID_ARGUMENT', 'epsilon'],
    [
      'unknown key',
      () => sinkhornSync(a, b, C, { epsilon: 1, rtol: 1e-3 } as never),
      'ERR_INVALID_ARGUMENT',
      'rtol',
    ],
    [
      'method',
      () => sinkhornSync(a, b, C, { epsilon: 1, method: 'newton' } as never),
      'ERR_INVALID_ARGUMENT',
      'method',
    ],
    [
      'warmStart.f length',
      () => sinkhornSync(a, b, C, { epsilon: 1, warmStart: { f: new Float64Array(2), g: b } }),
      'ERR_DIMENSION_MISMATCH',
      'warmStart.f',
    ],
    [
      'out length',
      () => sinkhornSync(a, b, C, { epsilon: 1, out: new Float64Array(3) }),
      'ERR_DIMENSION_MISMATCH',
      'out',
    ],
    [
      'signal on Sync',
      () => sinkhornSync(a, b, C, { epsilon: 1, signal: AbortSignal.abort() } as never),
      'ERR_INVALID_ARGUMENT',
      'signal',
    ],
  ];
  for (const [what, f, code, argument] of cases) t.throws(f, { code, argument }, what);
  t.throws(() => sinkhornSync(a, b, C, { epsilon: 1, rtol: 1 } as never), {
    message: /did you mean 'tol'\?/,
  });
  t.doesNotThrow(() => sinkhornSync(a, close, C, { epsilon: 1 }), 'sums within 1e-12 relative');
  // the Promise forms reject with the same errors
  await t.rejects(sinkhorn(neg, b, C, { epsilon: 1 }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'a',
  });
  await t.rejects(sinkhorn(a, off, C, { epsilon: 1 }), { argument: 'b' });
  await t.rejects(sinkhorn(a, b, C, {} as never), { argument: 'epsilon' });
  await t.rejects(sinkhorn(a, b, C.subarray(1), { epsilon: 1 }), {
    code: 'ERR_DIMENSION_MISMATCH',
  });
  await t.rejects(emd(neg, b, C), { argument: 'a' });
  t.throws(() => emdSync(a, b, badC), { argument: 'C' });
  await t.rejects(sinkhornNewton(a, nan, C, { epsilon: 1 }), { argument: 'b' });
  // the plan buffer may not overlap an input (the methods write it while reading C)
  t.throws(() => sinkhornSync(a, b, C, { epsilon: 1, out: C }), { argument: 'out' });
  t.throws(() => sinkhornNewtonSync(a, b, C, { epsilon: 1, out: C }), { argument: 'out' });
  t.throws(() => sinkhornSync(a, b, C, { epsilon: 1e151 }), { argument: 'epsilon' });
  const hugeC = C.slice();
  hugeC[1] = 1e151;
  t.throws(() => emdSync(a, b, hugeC), { argument: 'C' });
});

// Long enough to be stopped: log-domain Sinkhorn at a tiny ε with tol 0.
const LONG = problem(200, 200, 7);
const longOptions = { epsilon: 1e-4, method: 'log' as const, tol: 0, maxIterations: 1e7 };

t.test('abort, time limit and progress', async (t) => {
  const { a, b, C } = LONG;
  const ac = new AbortController();
  const seen: Array<{ iteration: number; value: number }> = [];
  const p = sinkhorn(a, b, C, {
    ...longOptions,
    signal: ac.signal,
    onProgress: (q) => {
      seen.push(q);
      if (seen.length === 2) ac.abort();
    },
  });
  const e = (await p.then(
    () => undefined,
    (x: unknown) => x,
  )) as AbortError<{ reason: string; iterations: number; f: Float64Array }>;
  t.type(e, AbortError, 'rejects with an AbortError');
  t.equal(e.result?.reason, 'aborted', 'carrying the partial result');
  t.ok((e.result?.iterations ?? 0) > 0 && e.result!.f.every(Number.isFinite), 'a finite iterate');
  t.ok(seen.length >= 2 && seen[0].value > 0, 'progress reports the marginal error');
  await t.rejects(sinkhorn(a, b, C, { ...longOptions, signal: AbortSignal.abort() }), {
    name: 'AbortError',
    result: undefined,
  });

  const tl = sinkhornSync(a, b, C, { ...longOptions, timeLimitMs: 30 });
  t.same([tl.converged, tl.reason], [false, 'time-limit'], 'Sync: time limit');
  const tla = await sinkhorn(a, b, C, { ...longOptions, timeLimitMs: 30 });
  t.same([tla.converged, tla.reason], [false, 'time-limit'], 'Promise: time limit');
  const en = await sinkhornNewton(a, b, C, {
    epsilon: 1e-4,
    tol: 0,
    timeLimitMs: 30,
    warmupIterations: 1e7,
  });
  t.equal(en.reason, 'time-limit', 'sinkhornNewton: time limit');

  // emd polls (and reports progress) before its first pivot and then every few thousand pivots:
  // aborting at the first report stops a problem that runs ~100 ms long before its end
  const ae = new AbortController();
  const big = problem(1500, 1500, 3);
  const pe = emd(big.a, big.b, big.C, { signal: ae.signal, onProgress: () => ae.abort() });
  const ee = (await pe.then(
    () => undefined,
    (x: unknown) => x,
  )) as AbortError<{ reason: string; plan: CsrMatrix }>;
  t.type(ee, AbortError, 'emd: abort');
  t.equal(ee.result?.reason, 'aborted', 'emd: the partial result');
  t.ok(
    ee.result !== undefined && marginalError(ee.result.plan, big.a, big.b) <= 1e-12,
    'emd aborted: a feasible plan',
  );
});

t.test('out buffers, plan kinds, warm start, history', async (t) => {
  const { a, b, C, n, m } = P1;
  const out = new Float64Array(n * m);
  const r = sinkhornSync(a, b, C, {
    epsilon: EPS,
    out,
    history: true,
    tol: 1e-12,
    maxIterations: 5000,
  });
  t.equal(r.plan, out, 'the plan is the caller’s out');
  t.ok(r.history instanceof Float64Array && r.history.length >= 1, 'history');
  t.ok(r.history![r.history!.length - 1] <= 1e-12, 'history ends at the final check');
  const none = sinkhornSync(a, b, C, {
    epsilon: EPS,
    plan: 'none',
    tol: 1e-12,
    maxIterations: 5000,
  });
  t.equal(none.plan, undefined, "plan 'none'");
  t.ok(rel(none.cost, r.cost) <= 1e-12, 'the same cost without a plan');
  const warm = sinkhornSync(a, b, C, {
    epsilon: EPS,
    tol: 1e-12,
    warmStart: { f: r.f, g: r.g },
    checkEvery: 1,
  });
  t.ok(warm.converged && warm.iterations <= 1, `warm start: ${warm.iterations} iteration(s)`);
  t.not(warm.f, r.f, 'the warm start is copied, not modified');

  const dense = sinkhornNewtonSync(a, b, C, { epsilon: EPS, plan: 'dense', history: true });
  t.ok(dense.converged, `SNS ${dense.reason}`);
  t.ok(dense.marginalError <= 1e-12);
  t.equal(dense.iterations, dense.warmupIterations + dense.newtonIterations);
  t.ok(dense.plan instanceof Float64Array);
  const sparse = sinkhornNewtonSync(a, b, C, { epsilon: EPS, plan: 'sparse' });
  t.ok(sparse.plan instanceof CsrMatrix, "plan 'sparse' is a CsrMatrix");
  t.equal(sparse.planNnz, sparse.plan!.nnz);
  t.ok(marginalError(sparse.plan!, a, b) <= 1e-11, 'the sparse plan has the marginals');
  const ref = sinkhornSync(a, b, C, {
    epsilon: EPS,
    method: 'log',
    tol: 1e-13,
    maxIterations: 1e5,
  });
  t.ok(rel(sparse.cost, ref.cost) <= 1e-8, 'SNS = long log-domain Sinkhorn');
  const noPlan = await sinkhornNewton(a, b, C, { epsilon: EPS, plan: 'none' });
  t.equal(noPlan.plan, undefined);
  t.same([noPlan.cost, noPlan.iterations], [dense.cost, dense.iterations], 'SNS Sync = Promise');
  t.throws(() => sinkhornSync(a, b, C, { epsilon: 1, plan: 'sparse' } as never), {
    argument: 'plan',
  });
  t.throws(() => sinkhornNewtonSync(a, b, C, { epsilon: 1, cg: { rtol: -1 } }), {
    argument: 'cg.rtol',
  });
  t.throws(() => sinkhornNewtonSync(a, b, C, { epsilon: 1, cg: { tol: 1 } as never }), {
    argument: 'cg.tol',
  });
});

t.test('zeros in a and b; 1×m and n×1', async (t) => {
  const { a, b, C, n, m } = P1;
  const a0 = a.slice();
  const b0 = b.slice();
  a0[0] = 0;
  b0[m - 1] = 0;
  a0[1] += a[0];
  b0[0] += b[m - 1];
  for (const method of ['scaling', 'log'] as const) {
    const r = sinkhornSync(a0, b0, C, { epsilon: EPS, method, tol: 1e-12, maxIterations: 5000 });
    t.ok(r.converged, `${method}: ${r.reason}`);
    let z = 0;
    for (let j = 0; j < m; j++) z = Math.max(z, Math.abs(r.plan![j]));
    for (let i = 0; i < n; i++) z = Math.max(z, Math.abs(r.plan![i * m + m - 1]));
    t.equal(z, 0, `${method}: zero row and column`);
  }
  const e = emdSync(a0, b0, C);
  for (let k = e.plan.rowPtr[0]; k < e.plan.rowPtr[1]; k++) t.equal(e.plan.values[k], 0);
  t.ok(
    e.marginalError <= 1e-15 && Math.abs(e.marginalError - marginalError(e.plan, a0, b0)) <= 1e-15,
    `emd reports its marginal error (${e.marginalError})`,
  );
  const sn = sinkhornNewtonSync(a0, b0, C, { epsilon: EPS });
  t.ok(sn.converged && denseMarginal(sn.plan!, a0, b0) <= 1e-11, 'SNS with zeros');

  // 1×m: the plan's one row is b; n×1: its one column is a
  const row = sinkhornSync(new Float64Array([1]), b, C.subarray(0, m), { epsilon: EPS });
  t.ok(row.converged && rel(row.plan![3], b[3]) <= 1e-9, '1×m');
  const col = new Float64Array(n).map((_, i) => C[i * m]);
  const cr = sinkhornSync(a, new Float64Array([1]), col, { epsilon: EPS });
  t.ok(cr.converged && rel(cr.plan![2], a[2]) <= 1e-9, 'n×1');
  const e1 = emdSync(new Float64Array([1]), b, C.subarray(0, m));
  t.equal(e1.plan.nnz, m, 'emd 1×m: every column');
  const n1 = sinkhornNewtonSync(a, new Float64Array([1]), col, { epsilon: EPS });
  t.ok(n1.converged, 'SNS n×1');
});

t.test('emd: a basic optimal plan and complementary slackness; Sync = Promise', async (t) => {
  const { a, b, C, n, m } = problem(12, 17, 5);
  const r = emdSync(a, b, C);
  t.ok(r.converged, r.reason);
  if (r.converged) t.equal(r.reason, 'optimal');
  t.ok(r.plan.nnz <= n + m - 1, `nnz ${r.plan.nnz} ≤ n + m − 1`);
  t.ok(marginalError(r.plan, a, b) <= 1e-14, 'exact marginals');
  let cost = 0;
  let dual = 0;
  for (let i = 0; i < n; i++)
    for (let k = r.plan.rowPtr[i]; k < r.plan.rowPtr[i + 1]; k++) {
      const j = r.plan.colIdx[k];
      cost += r.plan.values[k] * C[i * m + j];
      t.ok(Math.abs(r.f[i] + r.g[j] - C[i * m + j]) <= 1e-12, `tight at (${i}, ${j})`);
    }
  let feasible = true;
  for (let i = 0; i < n; i++) {
    dual += a[i] * r.f[i];
    for (let j = 0; j < m; j++) if (r.f[i] + r.g[j] > C[i * m + j] + 1e-12) feasible = false;
  }
  for (let j = 0; j < m; j++) dual += b[j] * r.g[j];
  t.ok(feasible, 'f_i + g_j ≤ C_ij');
  t.ok(rel(r.cost, cost) <= 1e-12 && rel(dual, cost) <= 1e-10, 'strong duality');
  t.equal(r.objective, r.cost);
  const q = await emd(a, b, C);
  t.same([q.cost, q.iterations, q.plan.values], [r.cost, r.iterations, r.plan.values]);
  const s = sinkhornSync(a, b, C, { epsilon: 1e-3, method: 'log', tol: 1e-10, maxIterations: 1e5 });
  t.ok(s.cost >= r.cost - 1e-12 && s.cost - r.cost < 1e-2, 'Sinkhorn at small ε approaches emd');
  const lim = emdSync(a, b, C, { maxIterations: 1 });
  t.same([lim.converged, lim.reason], [false, 'max-iterations']);
  t.ok(marginalError(lim.plan, a, b) <= 1e-12, 'stopped early: still a feasible plan');
});

t.test('costMatrix: every metric against a JS loop; input forms', async (t) => {
  const r = rng(11);
  const n = 5;
  const m = 4;
  const d = 3;
  const X = new Float64Array(n * d).map(() => r() - 0.5);
  const Y = new Float64Array(m * d).map(() => r() - 0.5);
  const ref = (metric: string) => {
    const out = new Float64Array(n * m);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) {
          const dx = X[i * d + k] - Y[j * d + k];
          s += metric === 'cityblock' ? Math.abs(dx) : dx * dx;
        }
        out[i * m + j] = metric === 'euclidean' ? Math.sqrt(s) : s;
      }
    return out;
  };
  const Xd: DenseMatrix = { rows: n, cols: d, data: X };
  // the same points column-major
  const XF = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) XF[k * n + i] = X[i * d + k];
  for (const metric of ['sqeuclidean', 'euclidean', 'cityblock'] as const) {
    const want = ref(metric);
    const got = costMatrix(Xd, { rows: m, cols: d, data: Y }, { metric });
    let err = 0;
    for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
    t.ok(err <= 1e-14, `${metric}: ${err}`);
    t.same(costMatrix(X, Y, { metric, dimension: d }), got, `${metric}: Float64Array + dimension`);
    t.same(
      costMatrix({ rows: n, cols: d, data: XF, order: 'F' }, Y, { metric, dimension: d }),
      got,
      `${metric}: order 'F'`,
    );
  }
  const out = new Float64Array(n * m);
  t.equal(costMatrix(Xd, { rows: m, cols: d, data: Y }, { out }), out, 'into out');
  t.throws(() => costMatrix(X, Y), { argument: 'dimension' });
  t.throws(() => costMatrix(Xd, { rows: m, cols: 2, data: Y.subarray(0, 8) }), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'Y',
  });
  t.throws(() => costMatrix(Xd, Xd, { metric: 'cosine' } as never), { argument: 'metric' });
  t.throws(() => costMatrix(Xd, Xd, { metrc: 'cityblock' } as never), {
    argument: 'metrc',
    message: /did you mean 'metric'/,
  });
});

t.test('wasserstein: exact p = 1, 2 and entropic', async (t) => {
  const { a, b, X, Y, n, m } = problem(10, 8, 9);
  const D = costMatrix(X, Y, { metric: 'euclidean', dimension: 2 });
  const D2 = D.map((x) => x * x);
  const w1 = wassersteinSync(a, b, D);
  t.ok(w1.converged && w1.reason === 'optimal', 'exact by emd');
  t.ok(rel(w1.distance, emdSync(a, b, D).cost) <= 1e-12, 'W1 = emd cost');
  const w2 = wassersteinSync(a, b, D, { p: 2 });
  t.ok(rel(w2.distance, Math.sqrt(emdSync(a, b, D2).cost)) <= 1e-12, 'W2 = sqrt(emd cost on C²)');
  t.ok(w1.distance <= w2.distance + 1e-12, 'W1 ≤ W2');
  const s2 = wassersteinSync(a, b, D, { p: 2, epsilon: 1e-3, method: 'log', maxIterations: 1e5 });
  t.ok(
    s2.converged && Math.abs(s2.distance - w2.distance) / w2.distance < 0.05,
    `entropic W2 ${s2.distance} vs ${w2.distance}`,
  );
  const sn = await wasserstein(a, b, D, { p: 2, epsilon: 1e-3, method: 'newton', plan: 'sparse' });
  t.ok(sn.converged && rel(sn.distance, s2.distance) <= 1e-6, 'method newton (SNS) = Sinkhorn');
  t.ok(sn.plan instanceof CsrMatrix);
  const pa = await wasserstein(a, b, D, { p: 2 });
  t.equal(pa.distance, w2.distance, 'Sync = Promise');
  t.throws(() => wassersteinSync(a, b, D, { method: 'log' }), { argument: 'epsilon' });
  t.throws(() => wassersteinSync(a, b, D, { p: 0.5 }), { argument: 'p' });
  t.throws(() => wassersteinSync(a, b, D, { tol: 1e-3 }), { argument: 'tol' }, 'emd takes no tol');
  void n;
  void m;
});

t.test('sinkhornBatch: k pairs as k solves; both input forms; Sync = Promise', async (t) => {
  const { n, m, C } = P1;
  const k = 3;
  const As: Float64Array[] = [];
  const Bs: Float64Array[] = [];
  for (let c = 0; c < k; c++) {
    const q = problem(n, m, 20 + c);
    As.push(q.a);
    Bs.push(q.b);
  }
  const opts = { epsilon: EPS, tol: 1e-12, maxIterations: 5000 };
  const r = sinkhornBatchSync(As, Bs, C, opts);
  t.ok(r.converged && r.reason === 'tol', r.reason);
  t.equal(r.pairs.length, k);
  t.equal(r.f.length, n * k);
  for (let c = 0; c < k; c++) {
    const one = sinkhornSync(As[c], Bs[c], C, { ...opts, method: r.method });
    t.ok(rel(r.cost[c], one.cost) <= 1e-9, `pair ${c}: the cost of a single solve`);
    t.ok(r.pairs[c].marginalError <= 1e-12);
  }
  // the same histograms as n×k column-major DenseMatrix (read in place)
  const AF = new Float64Array(n * k);
  As.forEach((h, c) => AF.set(h, c * n));
  const BC = new Float64Array(m * k); // row-major m×k
  Bs.forEach((h, c) => h.forEach((x, j) => (BC[j * k + c] = x)));
  const q = await sinkhornBatch(
    { rows: n, cols: k, data: AF, order: 'F' },
    { rows: m, cols: k, data: BC },
    C,
    opts,
  );
  t.same(q.cost, r.cost, 'DenseMatrix forms, Promise = Sync');
  t.throws(() => sinkhornBatchSync(As, Bs.slice(1), C, opts), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'B',
  });
  const short = sinkhornBatchSync(As, Bs, C, { epsilon: 1e-3, method: 'log', maxIterations: 2 });
  t.same([short.converged, short.reason], [false, 'max-iterations']);
});

// ---------------------------------------------------------------------------------------------
// CLI

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    isTTY: false,
  });
  return { code, out, err };
}

t.test('itersolve ot: CSV in, cost out; --json, --plan, --plot, --points, --method', async (t) => {
  const { a, b, C, n, m, X, Y } = problem(5, 6, 13);
  const file = (name: string, text: string) => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, text);
    return f;
  };
  const fa = file('a.csv', Array.from(a).join('\n') + '\n');
  const fb = file('b.csv', 'b\n' + Array.from(b).join(',') + '\n'); // a header, one row
  const rows: string[] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(C.subarray(i * m, (i + 1) * m)).join(','));
  const fC = file('C.csv', `# cost\n${rows.join('\n')}\n`);
  const pts = (P: Float64Array, k: number) =>
    Array.from({ length: k }, (_, i) => `${P[2 * i]} ${P[2 * i + 1]}`).join('\n');
  const fX = file('X.csv', pts(X, n));
  const fY = file('Y.csv', pts(Y, m));

  const txt = await run(['ot', fa, fb, fC, '--epsilon', '0.05', '--tol', '1e-12']);
  t.equal(txt.code, 0, txt.err);
  const want = sinkhornSync(a, b, C, { epsilon: 0.05, tol: 1e-12 });
  t.match(txt.out, new RegExp(`cost\\s+${String(want.cost).replace('.', '\\.')}`));
  t.match(txt.out, /iterations\s+\d+/);
  t.match(txt.out, /marginal error\s+\d\.\d\de-\d+/);

  const planFile = path.join(tmp, 'plan.mtx');
  const plotFile = path.join(tmp, 'plot.svg');
  const js = await run(['ot', fa, fb, fC, '--json', '--plan', planFile, '--plot', plotFile]);
  t.equal(js.code, 0, js.err);
  const o = JSON.parse(js.out);
  t.same([o.n, o.m, o.converged, o.reason, o.epsilon], [n, m, true, 'tol', 0.01]);
  t.ok(o.marginalError <= 1e-9);
  const P = readMatrixMarket(planFile);
  t.same([P.rows, P.cols], [n, m], '--plan: an n×m Matrix Market file');
  t.ok(marginalError(P, a, b) <= 1e-8, 'with the marginals');
  t.match(fs.readFileSync(plotFile, 'utf8'), /<svg[\s\S]*marginal error[\s\S]*<\/svg>\s*$/);

  const ex = await run(['ot', fa, fb, fC, '--method', 'emd', '--json', '--plan', planFile]);
  t.equal(ex.code, 0, ex.err);
  const e = JSON.parse(ex.out);
  t.same([e.reason, e.cost], ['optimal', emdSync(a, b, C).cost]);
  t.ok(readMatrixMarket(planFile).nnz <= n + m - 1, 'emd plan: basic');

  const nt = await run(['ot', fa, fb, fC, '--method', 'newton', '--epsilon', '0.05', '--json']);
  t.equal(nt.code, 0, nt.err);
  t.ok(JSON.parse(nt.out).newtonIterations >= 0);

  const pt = await run([
    'ot',
    '--points',
    fX,
    fY,
    '--metric',
    'euclidean',
    '--method',
    'emd',
    '--json',
  ]);
  t.equal(pt.code, 0, pt.err);
  const uni = (k: number) => new Float64Array(k).fill(1 / k);
  const D = costMatrix(X, Y, { dimension: 2, metric: 'euclidean' });
  t.ok(rel(JSON.parse(pt.out).cost, emdSync(uni(n), uni(m), D).cost) <= 1e-12, '--points');

  const short = await run([
    'ot',
    fa,
    fb,
    fC,
    '--epsilon',
    '1e-4',
    '--method',
    'log',
    '--max-iterations',
    '2',
  ]);
  t.equal(short.code, 3, 'not converged: exit 3');
  const usage = await run(['ot', fa, fb, fC, '--method', 'emd', '--epsilon', '1']);
  t.equal(usage.code, 2, '--epsilon with emd: usage error');
  t.equal((await run(['ot', fa, fb])).code, 2, 'two files without --points');
  t.equal(
    (await run(['ot', fa, fb, fC, '--metric', 'cityblock'])).code,
    2,
    '--metric needs --points',
  );
  const bad = file('bad.csv', '1,2\n3,x\n');
  const pe = await run(['ot', fa, fb, bad, '--json']);
  t.equal(pe.code, 1);
  t.match(JSON.parse(pe.out).error, { code: 'ERR_PARSE', argument: 'C' });
  t.match(pe.err, /bad\.csv:2: expected a number/);
  const dm = await run(['ot', fa, fa, fC]);
  t.equal(dm.code, 1);
  t.match(dm.err, /C: expected 5 x 5 values/);
  const help = await run(['--help']);
  t.match(help.out, /\n {2}ot <a\.csv> <b\.csv> <C\.csv>/, 'in the usage text');
});
