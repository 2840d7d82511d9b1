// lasso / elasticNet (lib/bcd.ts): every test/fixtures/bcd/lasso.json case agrees with
// scikit-learn through each design form (dense 'F', dense 'C', CSC, CSR); Sync and Promise forms
// agree; mistakes are named errors; λ ≥ λ_max gives zeros; abort rejects with an AbortError that
// carries the partial result.
import t from 'tap';
import {
  AbortError,
  CscMatrix,
  CsrMatrix,
  DenseMatrix,
  elasticNet,
  elasticNetSync,
  lasso,
  lassoSync,
  LassoResult,
  lambdaMax,
  nnls,
  nnlsSync,
} from '../lib/index';
import type { Design } from '../lib/bcd';
import { LASSO, NNLS } from '../lib/layout';
import { native } from '../lib/native';
import {
  designForms,
  errorCode,
  LassoCase,
  lcg,
  loadBcdFixture,
  maxDiff,
  rejection,
  uniformData,
} from './bcd-helpers';

interface Fixture {
  designs: Record<
    string,
    {
      n: number;
      p: number;
      y: number[];
      X?: number[];
      csc?: { indptr: number[]; indices: number[]; data: number[] };
    }
  >;
  sampleWeights: Record<string, number[]>;
  cases: LassoCase[];
}

const fx = loadBcdFixture<Fixture>('lasso.json');

// Every design in each form: column-major data (densified from CSC where stored so), its
// row-major copy, and CSC.
const forms = new Map<
  string,
  { F: DenseMatrix; C: DenseMatrix; csc: CscMatrix; y: Float64Array }
>();
for (const [name, d] of Object.entries(fx.designs)) {
  const { n, p } = d;
  const F = new Float64Array(n * p);
  if (d.X) F.set(d.X);
  else {
    const c = d.csc!;
    for (let j = 0; j < p; j++)
      for (let k = c.indptr[j]; k < c.indptr[j + 1]; k++) F[j * n + c.indices[k]] = c.data[k];
  }
  forms.set(name, { ...designForms(n, p, F), y: Float64Array.from(d.y) });
}

type Case = LassoCase;
function options(c: Case) {
  return {
    lambda: c.lambda,
    l1Ratio: c.l1Ratio,
    fitIntercept: c.fitIntercept,
    positive: c.positive,
    tol: 1e-12,
    maxIterations: 1_000_000,
    ...(c.sampleWeight
      ? { sampleWeight: Float64Array.from(fx.sampleWeights[c.sampleWeight]) }
      : {}),
  };
}
function fit(c: Case, X: Design, y: Float64Array): LassoResult {
  const o = options(c);
  if (c.estimator === 'lasso') {
    const { l1Ratio: _unused, ...lo } = o;
    void _unused;
    return lassoSync(X, y, lo);
  }
  return elasticNetSync(X, y, o);
}

t.test('every lasso.json case agrees with scikit-learn (dense F, dense C, CSC)', async (t) => {
  t.ok(fx.cases.length >= 100, `${fx.cases.length} cases`);
  let worstCoef = 0;
  let worstObj = 0;
  for (const [k, c] of fx.cases.entries()) {
    const f = forms.get(c.design)!;
    for (const [form, X] of [
      ['F', f.F],
      ['C', f.C],
      ['csc', f.csc],
    ] as const) {
      const r = fit(c, X, f.y);
      const label = `case ${k} (${c.design} ${c.estimator} λ/λmax ${c.lambdaRatio} intercept ${c.fitIntercept} positive ${c.positive} weights ${c.sampleWeight}) ${form}`;
      const dc = Math.max(maxDiff(r.coef, c.coef), Math.abs(r.intercept - c.intercept));
      const dobj = Math.abs(r.objective - c.objective) / Math.max(Math.abs(c.objective), 1e-300);
      worstCoef = Math.max(worstCoef, dc);
      worstObj = Math.max(worstObj, dobj);
      if (!(dc <= 1e-6)) t.fail(`${label}: coefficients differ by ${dc}`);
      if (!(dobj <= 1e-8)) t.fail(`${label}: objective differs by ${dobj} relative`);
      if (c.lambdaRatio >= 1 && !c.positive && c.fitIntercept !== undefined) {
        const nz = r.coef.reduce((m, w) => Math.max(m, Math.abs(w)), 0);
        if (c.lambdaRatio > 1 && nz !== 0) t.fail(`${label}: λ > λ_max gives nonzero ${nz}`);
      }
    }
  }
  t.ok(worstCoef <= 1e-6, `coefficients within 1e-6 (worst ${worstCoef})`);
  t.ok(worstObj <= 1e-8, `objective within 1e-8 relative (worst ${worstObj})`);
});

t.test('a CsrMatrix design gives the CSC result', async (t) => {
  const c = fx.cases.find((c) => c.design === 'sparse' && c.lambdaRatio === 0.1)!;
  const f = forms.get('sparse')!;
  const csr = new CsrMatrix(f.C.rows, f.C.cols, ...denseToCsr(f.C));
  const a = fit(c, csr, f.y);
  const b = fit(c, f.csc, f.y);
  t.ok(maxDiff(a.coef, b.coef) <= 1e-12, 'same coefficients');
});

function denseToCsr(M: DenseMatrix): [Int32Array, Int32Array, Float64Array] {
  const rowPtr = [0];
  const colIdx: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < M.rows; i++) {
    for (let j = 0; j < M.cols; j++) {
      const x = M.data[i * M.cols + j];
      if (x !== 0) {
        colIdx.push(j);
        values.push(x);
      }
    }
    rowPtr.push(colIdx.length);
  }
  return [Int32Array.from(rowPtr), Int32Array.from(colIdx), Float64Array.from(values)];
}

t.test('λ ≥ λ_max gives exactly zero coefficients, converged', async (t) => {
  for (const c of fx.cases.filter((c) => c.lambdaRatio === 2)) {
    const f = forms.get(c.design)!;
    const r = fit(c, f.F, f.y);
    t.ok(
      r.coef.every((w) => w === 0),
      `${c.design} ${c.estimator} intercept ${c.fitIntercept}: zeros`,
    );
    t.ok(r.converged && r.reason === 'tol', 'converged (tol)');
  }
});

t.test('Sync and Promise forms agree', async (t) => {
  const f = forms.get('correlated')!;
  const c = fx.cases.find((c) => c.design === 'correlated' && c.estimator === 'lasso')!;
  const s = lassoSync(f.F, f.y, { lambda: c.lambda * 0.3, history: true });
  const p = await lasso(f.F, f.y, { lambda: c.lambda * 0.3, history: true });
  t.strictSame(Array.from(p.coef), Array.from(s.coef), 'lasso coef');
  t.equal(p.intercept, s.intercept);
  t.equal(p.objective, s.objective);
  t.equal(p.iterations, s.iterations);
  t.ok(s.history instanceof Float64Array && s.history.length > 0, 'history');
  t.equal(s.reason, 'tol', 'default tol 1e-4 reached');
  t.ok(s.dualGap >= 0, 'dual gap reported');
  const es = elasticNetSync(f.C, f.y, { lambda: 0.1, l1Ratio: 0.7 });
  const ep = await elasticNet(f.C, f.y, { lambda: 0.1, l1Ratio: 0.7 });
  t.strictSame(Array.from(ep.coef), Array.from(es.coef), 'elasticNet coef');
  // seeded random selection: deterministic
  const r1 = lassoSync(f.F, f.y, { lambda: 0.05, selection: 'random', seed: 7 });
  const r2 = lassoSync(f.F, f.y, { lambda: 0.05, selection: 'random', seed: 7 });
  t.strictSame(Array.from(r1.coef), Array.from(r2.coef), 'random selection, same seed');
  // warm start from the solution: converges at once
  const w = lassoSync(f.F, f.y, { lambda: 0.05, coef0: r1.coef, tol: 1e-6 });
  t.ok(w.converged, 'warm start converges');
});

t.test('mistakes are named errors', async (t) => {
  const f = forms.get('diabetes')!;
  const y = f.y;
  const Xnan = { ...f.F, data: f.F.data.slice() };
  Xnan.data[17] = NaN;
  t.match(
    errorCode(() => lassoSync(Xnan, y, { lambda: 0.1 })),
    /^ERR_\w+:X$/,
    'NaN in X',
  );
  const ynan = y.slice();
  ynan[3] = NaN;
  t.match(
    errorCode(() => lassoSync(f.F, ynan, { lambda: 0.1 })),
    /^ERR_\w+:y$/,
    'NaN in y',
  );
  t.match(
    errorCode(() => lassoSync(f.F, y.subarray(1), { lambda: 0.1 })),
    /^ERR_DIMENSION_MISMATCH:y$/,
    'y length',
  );
  t.match(
    errorCode(() => lassoSync(f.F, y, { lambda: -1 })),
    /^ERR_INVALID_ARGUMENT:lambda$/,
    'λ < 0',
  );
  t.match(
    errorCode(() => lassoSync(f.F, y, {} as never)),
    /^ERR_INVALID_ARGUMENT:lambda$/,
    'no λ',
  );
  t.match(
    errorCode(() => elasticNetSync(f.F, y, { lambda: 0.1, l1Ratio: 1.5 })),
    /^ERR_INVALID_ARGUMENT:l1Ratio$/,
    'l1Ratio > 1',
  );
  t.match(
    errorCode(() => elasticNetSync(f.F, y, { lambda: 0.1, l1Ratio: -0.1 })),
    /^ERR_INVALID_ARGUMENT:l1Ratio$/,
    'l1Ratio < 0',
  );
  t.match(
    errorCode(() => lassoSync(f.F, y, { lambda: 0.1, l1Ratio: 0.5 } as never)),
    /^ERR_INVALID_ARGUMENT:l1Ratio$/,
    'lasso takes no l1Ratio',
  );
  t.match(
    errorCode(() => lassoSync(f.F, y, { lambda: 0.1, lamda: 2 } as never)),
    /^ERR_INVALID_ARGUMENT:lamda$/,
    'unknown option',
  );
  t.match(
    errorCode(() => lassoSync(f.F, y, { lambda: 0.1, sampleWeight: new Float64Array(3) })),
    /^ERR_DIMENSION_MISMATCH:sampleWeight$/,
    'sampleWeight length',
  );
  t.match(
    errorCode(() => lassoSync(f.F, y, { lambda: 0.1, signal: AbortSignal.abort() } as never)),
    /^ERR_INVALID_ARGUMENT:signal$/,
    'signal given to a Sync form',
  );
  await t.rejects(lasso(f.F, y.subarray(2), { lambda: 0.1 }), { argument: 'y' }, 'Promise form');
});

t.test('abort rejects with an AbortError carrying the partial result', async (t) => {
  // a problem that takes far longer than the abort delay: 3000×300, tol 0
  const n = 3000;
  const p = 300;
  const { data, rnd } = uniformData(n * p, 12345);
  const y = new Float64Array(n).map(rnd);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 30);
  const e = await rejection<AbortError<LassoResult>>(
    lasso({ rows: n, cols: p, data, order: 'F' }, y, {
      lambda: 1e-6,
      tol: 0,
      maxIterations: 1e9,
      signal: ac.signal,
    }),
  );
  t.type(e, AbortError, 'rejects with an AbortError');
  t.equal(e?.result?.reason, 'aborted', 'with the partial result');
  t.equal(e?.result?.coef.length, p, 'its coefficients');
});

t.test('penaltyFactor, timeLimitMs, more named mistakes', async (t) => {
  const f = forms.get('correlated')!;
  const base = lassoSync(f.F, f.y, { lambda: 0.2, tol: 1e-10 });
  const doubled = lassoSync(f.F, f.y, {
    lambda: 0.1,
    tol: 1e-10,
    penaltyFactor: new Float64Array(50).fill(2),
  });
  t.ok(maxDiff(base.coef, doubled.coef) <= 1e-7, 'factors 2 at λ = λ of factors 1 at 2λ');
  const pf = new Float64Array(50).fill(1);
  pf[3] = 0;
  const huge = lassoSync(f.F, f.y, { lambda: 1e6, penaltyFactor: pf });
  t.ok(huge.coef[3] !== 0, 'an unpenalised feature is fitted at huge λ');
  t.ok(
    huge.coef.every((w, j) => j === 3 || w === 0),
    'the penalised ones are zero',
  );
  const tl = lassoSync(
    {
      rows: 2000,
      cols: 200,
      data: new Float64Array(400000).map((_, i) => Math.sin(i * 0.37)),
      order: 'F',
    },
    new Float64Array(2000).map((_, i) => Math.cos(i)),
    { lambda: 1e-7, tol: 0, maxIterations: 1e9, timeLimitMs: 20 },
  );
  t.equal(tl.reason, 'time-limit', 'timeLimitMs stops the run');
  t.equal(tl.converged, false);
  const err = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return (e as { argument?: string }).argument;
    }
    return 'no error';
  };
  const neg = new Float64Array(f.y.length).fill(1);
  neg[0] = -1;
  t.equal(
    err(() => lassoSync(f.F, f.y, { lambda: 0.1, sampleWeight: neg })),
    'sampleWeight',
  );
  t.equal(
    err(() => lassoSync(f.F, f.y, { lambda: 0.1, penaltyFactor: new Float64Array(49) })),
    'penaltyFactor',
  );
  t.equal(
    err(() => lassoSync(f.F, f.y, { lambda: 0.1, coef0: new Float64Array(3) })),
    'coef0',
  );
  t.equal(
    err(() => lassoSync([1, 2] as never, f.y, { lambda: 0.1 })),
    'X',
  );
  t.equal(
    err(() => lassoSync(f.F, f.y, { lambda: 0.1, selection: 'greedy' } as never)),
    'selection',
  );
});

t.test('the binding refuses a coef buffer that overlaps an input', async (t) => {
  const P = LASSO.p;
  const io = new Float64Array(LASSO.params.length + LASSO.stats.length);
  const buf = new Float64Array(10);
  io[P.rows] = 4;
  io[P.cols] = 2;
  io[P.layout] = 0;
  io[P.lambda] = 0.1;
  io[P.l1Ratio] = 1;
  io[P.tol] = 1e-4;
  io[P.maxIterations] = 100;
  const X = new Float64Array([1, 2, 3, 4, 0, 1, 0, 1]);
  // y = buf[0..4); coef where given
  const fit = (coef: Float64Array) =>
    native().lasso(X, null, null, buf.subarray(0, 4), null, null, null, null, coef, io);
  t.throws(() => fit(buf.subarray(2, 4)), { argument: 'coef' }, 'coef overlapping y');
  const r = fit(buf.subarray(4, 6));
  t.type(r, 'object', 'distinct buffers are accepted');
});

t.test("lambdaMax gives the fixtures' λ/λ_max ratios and the zero threshold", async (t) => {
  let checked = 0;
  for (const c of fx.cases) {
    if (c.lambdaRatio <= 0) continue;
    const f = forms.get(c.design)!;
    const o = {
      l1Ratio: c.estimator === 'lasso' ? 1 : c.l1Ratio,
      fitIntercept: c.fitIntercept,
      positive: c.positive,
      ...(c.sampleWeight
        ? { sampleWeight: Float64Array.from(fx.sampleWeights[c.sampleWeight]) }
        : {}),
    };
    for (const X of [f.F, f.csc]) {
      const lm = lambdaMax(X, f.y, o);
      const ratio = c.lambda / lm;
      if (!(Math.abs(ratio - c.lambdaRatio) <= 1e-9 * c.lambdaRatio))
        t.fail(`${c.design} ${c.estimator}: λ/λmax ${ratio} vs ${c.lambdaRatio}`);
      checked++;
    }
  }
  t.ok(checked > 0, `${checked} ratios within 1e-9`);
  const f = forms.get('correlated')!;
  const lm = lambdaMax(f.F, f.y);
  t.ok(
    lassoSync(f.F, f.y, { lambda: lm * 1.000001 }).coef.every((w) => w === 0),
    'zero above',
  );
  t.ok(
    lassoSync(f.F, f.y, { lambda: lm * 0.99, tol: 1e-12 }).coef.some((w) => w !== 0),
    'nonzero below',
  );
  // penaltyFactor: an unpenalised feature is fitted first, the others scaled by 1/f_j.
  const pf = new Float64Array(f.F.cols).fill(2);
  t.ok(
    Math.abs(lambdaMax(f.F, f.y, { penaltyFactor: pf }) - lm / 2) <= 1e-12 * lm,
    'f = 2 halves it',
  );
  pf[0] = 0;
  const lu = lambdaMax(f.F, f.y, { penaltyFactor: pf });
  const ru = lassoSync(f.F, f.y, { lambda: lu * 1.000001, penaltyFactor: pf, tol: 1e-10 });
  t.ok(
    ru.coef.slice(1).every((w) => w === 0),
    'only the unpenalised feature above it',
  );
  t.equal(lambdaMax(f.F, f.y, { l1Ratio: 0 }), Infinity, 'ridge: +∞');
  t.equal(lambdaMax(f.F, new Float64Array(f.F.rows).fill(3)), 0, 'constant y: 0');
  t.throws(() => lambdaMax(f.F, f.y, { l1Ratio: 2 }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'l1Ratio',
  });
  t.throws(() => lambdaMax(f.F, f.y.subarray(1)), { argument: 'y' });
  t.throws(() => lambdaMax(f.F, f.y, { lambda: 1 } as never), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'lambda',
  });
  const bad = Float64Array.from(f.y);
  bad[3] = NaN;
  t.throws(() => lambdaMax(f.F, bad), { code: 'ERR_INVALID_ARGUMENT', argument: 'y' });
  t.throws(() => lambdaMax({ rows: 2 } as never, f.y), { argument: 'X' });
});

// Clipped cyclic CD written here (dense 'F', explicit centring): the boxed lasso / elastic net
// reference, run until no coefficient moves by 1e-15.
function boxReference(
  X: DenseMatrix,
  y: Float64Array,
  lambda: number,
  a: number,
  lo: Float64Array,
  hi: Float64Array,
) {
  const { rows: n, cols: p, data } = X;
  const mu = new Float64Array(p);
  let ybar = 0;
  for (let i = 0; i < n; i++) ybar += y[i] / n;
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) mu[j] += data[j * n + i] / n;
  const r = Float64Array.from(y, (v) => v - ybar);
  const L = new Float64Array(p);
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) L[j] += (data[j * n + i] - mu[j]) ** 2;
  const w = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    w[j] = Math.min(hi[j], Math.max(lo[j], 0));
    for (let i = 0; i < n; i++) r[i] -= w[j] * (data[j * n + i] - mu[j]);
  }
  for (let epoch = 0; epoch < 200000; epoch++) {
    let moved = 0;
    for (let j = 0; j < p; j++) {
      let z = L[j] * w[j];
      for (let i = 0; i < n; i++) z += (data[j * n + i] - mu[j]) * r[i];
      const t = lambda * a * n;
      const den = L[j] + lambda * (1 - a) * n;
      let nw = z > t ? (z - t) / den : z < -t ? (z + t) / den : 0;
      nw = Math.min(hi[j], Math.max(lo[j], nw));
      const d = nw - w[j];
      if (d !== 0) {
        for (let i = 0; i < n; i++) r[i] -= d * (data[j * n + i] - mu[j]);
        w[j] = nw;
        moved = Math.max(moved, Math.abs(d));
      }
    }
    if (moved < 1e-15) break;
  }
  let c = ybar;
  for (let j = 0; j < p; j++) c -= mu[j] * w[j];
  return { w, c };
}

t.test('box bounds: bounds that bind agree with clipped CD; lower 0 is positive', async (t) => {
  const f = forms.get('correlated')!;
  const p = f.F.cols;
  const lm = lambdaMax(f.F, f.y);
  for (const a of [1, 0.6]) {
    const lam = 0.05 * lm;
    const free = elasticNetSync(f.F, f.y, { lambda: lam, l1Ratio: a, tol: 1e-12 });
    const lo = new Float64Array(p).fill(-Infinity);
    const hi = new Float64Array(p).fill(Infinity);
    let binds = 0;
    for (let j = 0; j < p; j++) {
      if (free.coef[j] > 0.01) {
        hi[j] = free.coef[j] / 2;
        binds++;
      }
      if (free.coef[j] < -0.01) {
        lo[j] = free.coef[j] / 2;
        binds++;
      }
    }
    lo[p - 1] = 0.05; // a box without 0
    hi[p - 1] = 0.1;
    t.ok(binds >= 3, `${binds} bounds cut the free solution`);
    const ref = boxReference(f.F, f.y, lam, a, lo, hi);
    for (const X of [f.F, f.C, f.csc]) {
      const r = elasticNetSync(X, f.y, {
        lambda: lam,
        l1Ratio: a,
        lower: lo,
        upper: hi,
        tol: 1e-15,
      });
      t.equal(r.reason, 'tol');
      t.ok(maxDiff(r.coef, ref.w) <= 1e-8, `a ${a}: coef within 1e-8 (${maxDiff(r.coef, ref.w)})`);
      t.ok(Math.abs(r.intercept - ref.c) <= 1e-8, 'intercept');
      t.ok(
        r.coef.every((w, j) => w >= lo[j] && w <= hi[j]),
        'inside the box',
      );
      t.ok(r.dualGap >= 0 && r.dualGap <= 1e-13 * 100, `gap ${r.dualGap} ≥ 0 and small`);
    }
    // An early stop: the gap still bounds the suboptimality.
    const best = elasticNetSync(f.F, f.y, {
      lambda: lam,
      l1Ratio: a,
      lower: lo,
      upper: hi,
      tol: 1e-14,
    });
    for (const it of [1, 3, 6]) {
      const e = elasticNetSync(f.F, f.y, {
        lambda: lam,
        l1Ratio: a,
        lower: lo,
        upper: hi,
        tol: 1e-14,
        maxIterations: it,
      });
      t.ok(e.dualGap >= e.objective - best.objective - 1e-14, `${it} epochs: gap ≥ P − P*`);
    }
  }
  // Scalars, and lower 0 equals positive.
  const lam = 0.02 * lm;
  const pos = lassoSync(f.F, f.y, { lambda: lam, positive: true, tol: 1e-13 });
  const zero = lassoSync(f.F, f.y, { lambda: lam, lower: 0, tol: 1e-13 });
  t.ok(maxDiff(pos.coef, zero.coef) <= 1e-9, 'lower: 0 is positive: true');
  t.ok(Math.abs(pos.objective - zero.objective) <= 1e-12, 'same objective');
  const box = lassoSync(f.F, f.y, { lambda: lam, lower: -0.5, upper: 0.5, tol: 1e-12 });
  t.ok(box.coef.every((w) => Math.abs(w) <= 0.5) && box.converged, 'scalar bounds');
  const pb = await lasso(f.F, f.y, { lambda: lam, lower: -0.5, upper: 0.5, tol: 1e-12 });
  t.strictSame(Array.from(pb.coef), Array.from(box.coef), 'Promise form: same bits');
});

t.test('bad bounds are named errors', async (t) => {
  const f = forms.get('diabetes')!;
  const p = f.F.cols;
  const arg = (o: object) => errorCode(() => lassoSync(f.F, f.y, { lambda: 0.1, ...o }));
  t.equal(arg({ lower: 1, upper: 0 }), 'ERR_INVALID_ARGUMENT:lower', 'lower > upper');
  t.equal(arg({ upper: -1, positive: true }), 'ERR_INVALID_ARGUMENT:lower', 'positive, upper < 0');
  t.equal(arg({ lower: NaN }), 'ERR_INVALID_ARGUMENT:lower', 'NaN lower');
  const nan = new Float64Array(p);
  nan[2] = NaN;
  t.equal(arg({ upper: nan }), 'ERR_INVALID_ARGUMENT:upper', 'NaN upper entry');
  t.equal(arg({ lower: new Float64Array(p + 1) }), 'ERR_DIMENSION_MISMATCH:lower', 'length');
  t.equal(arg({ upper: new Float64Array(p - 1) }), 'ERR_DIMENSION_MISMATCH:upper', 'length');
  t.equal(arg({ upper: [1, 2] }), 'ERR_INVALID_ARGUMENT:upper', 'an array');
  t.equal(arg({ lower: Infinity }), 'ERR_INVALID_ARGUMENT:lower', 'lower +∞');
  t.equal(arg({ upper: -Infinity }), 'ERR_INVALID_ARGUMENT:upper', 'upper −∞');
  // the native side re-checks what the facade checked (a direct call)
  const io = new Float64Array(LASSO.params.length + LASSO.stats.length);
  io[LASSO.p.rows] = f.F.rows;
  io[LASSO.p.cols] = p;
  io[LASSO.p.lambda] = 0.1;
  io[LASSO.p.tol] = 1e-4;
  io[LASSO.p.maxIterations] = 10;
  const call = (lo: Float64Array | null, hi: Float64Array | null) => {
    try {
      native().lasso(f.F.data, null, null, f.y, null, null, lo, hi, new Float64Array(p), io);
    } catch (e) {
      return (e as { argument?: string }).argument;
    }
    return 'no error';
  };
  t.equal(call(new Float64Array(p).fill(1), new Float64Array(p)), 'lower', 'native: lower > upper');
  t.equal(call(null, nan), 'upper', 'native: NaN');
});

t.test('onProgress is called once per outer iteration with the gap', async (t) => {
  const f = forms.get('correlated')!;
  const seen: { iteration: number; value: number; total?: number }[] = [];
  const r = await lasso(f.F, f.y, {
    lambda: 0.01 * lambdaMax(f.F, f.y),
    tol: 1e-12,
    history: true,
    onProgress: (q) => seen.push({ iteration: q.iteration, value: q.value, total: q.total }),
  });
  t.ok(seen.length >= 1, `${seen.length} reports`);
  t.ok(seen.length <= r.history!.length, 'at most one per outer iteration');
  for (const q of seen) t.ok(r.history!.includes(q.value), 'the value is a recorded gap');
  t.ok(
    seen.every((q, k) => k === 0 || q.iteration >= seen[k - 1].iteration),
    'iterations grow',
  );
  t.ok(
    seen.every((q) => q.total === 1000),
    'total = maxIterations',
  );
});

interface NnlsFixture {
  cases: {
    name: string;
    m: number;
    n: number;
    A: number[];
    order: 'F';
    b: number[];
    x: number[];
    rnorm: number;
    objective: number;
    kkt: number;
    nnz: number;
  }[];
}
const nfx = loadBcdFixture<NnlsFixture>('nnls.json');

function nnlsForms(c: NnlsFixture['cases'][number]): [string, Design][] {
  const { F, C, csc } = designForms(c.m, c.n, c.A);
  const csr = new CsrMatrix(c.m, c.n, ...denseToCsr(C));
  return [
    ['F', F],
    ['C', C],
    ['csc', csc],
    ['csr', csr],
  ];
}

t.test('nnls agrees with scipy.optimize.nnls on every nnls.json case', async (t) => {
  t.ok(nfx.cases.length >= 3, `${nfx.cases.length} cases`);
  let worst = 0;
  for (const c of nfx.cases) {
    const b = Float64Array.from(c.b);
    for (const [form, A] of nnlsForms(c)) {
      const r = nnlsSync(A, b);
      const d = maxDiff(r.x, c.x);
      worst = Math.max(worst, d);
      t.ok(d <= 1e-6, `${c.name} ${form}: x within 1e-6 (${d})`);
      t.ok(Math.abs(r.residualNorm - c.rnorm) <= 1e-9 * Math.max(1, c.rnorm), 'rnorm');
      t.ok(Math.abs(r.objective - c.objective) <= 1e-9 * Math.max(1, c.objective), 'objective');
      t.equal(r.reason, 'tol');
      t.ok(r.converged && r.x.every((v) => v >= 0), 'converged, x ≥ 0');
      t.ok(r.kkt <= 1e-10 * Math.max(1, c.rnorm * 10), `kkt ${r.kkt}`);
      t.equal(
        r.x.reduce((k, v) => k + (v > 0 ? 1 : 0), 0),
        c.nnz,
        'the support size',
      );
      const p = await nnls(A, b);
      t.strictSame(Array.from(p.x), Array.from(r.x), `${c.name} ${form}: Promise form, same bits`);
      t.equal(p.residualNorm, r.residualNorm);
    }
  }
  t.ok(worst <= 1e-6, `worst x difference ${worst}`);
});

t.test('nnls: history, progress, limits and named errors', async (t) => {
  const c = nfx.cases.find((c) => c.name === 'underdetermined')!;
  const A: DenseMatrix = { rows: c.m, cols: c.n, data: Float64Array.from(c.A), order: 'F' };
  const b = Float64Array.from(c.b);
  const h = nnlsSync(A, b, { history: true });
  t.ok(h.history instanceof Float64Array && h.history.length === h.iterations, 'history per step');
  t.equal(h.history![h.history!.length - 1], h.kkt, 'the last entry is the final kkt');
  const seen: number[] = [];
  const p = await nnls(A, b, { onProgress: (q) => seen.push(q.value) });
  t.ok(seen.length >= 1 && seen.every((v) => v >= 0), `${seen.length} progress reports (kkt)`);
  t.ok(p.converged);
  const m = nnlsSync(A, b, { maxIterations: 1 });
  t.equal(m.reason, 'max-iterations');
  t.ok(
    m.x.every((v) => v >= 0),
    'a feasible partial x',
  );
  const ac = new AbortController();
  ac.abort();
  await t.rejects(nnls(A, b, { signal: ac.signal }), { name: 'AbortError' });
  const badA = Float64Array.from(c.A);
  badA[5] = NaN;
  t.equal(
    errorCode(() => nnlsSync({ ...A, data: badA }, b)),
    'ERR_INVALID_ARGUMENT:A',
    'NaN in A',
  );
  const badb = Float64Array.from(b);
  badb[2] = NaN;
  t.equal(
    errorCode(() => nnlsSync(A, badb)),
    'ERR_INVALID_ARGUMENT:b',
    'NaN in b',
  );
  t.equal(
    errorCode(() => nnlsSync(A, b.subarray(1))),
    'ERR_DIMENSION_MISMATCH:b',
    'b length',
  );
  t.equal(
    errorCode(() => nnlsSync({ rows: 3 } as never, b)),
    'ERR_INVALID_ARGUMENT:A',
    'not a matrix',
  );
  t.equal(
    errorCode(() => nnlsSync(A, b, { tol: -1 })),
    'ERR_INVALID_ARGUMENT:tol',
    'tol < 0',
  );
  t.equal(
    errorCode(() => nnlsSync(A, b, { lambda: 1 } as never)),
    'ERR_INVALID_ARGUMENT:lambda',
  );
  await t.rejects(nnls(A, badb), { code: 'ERR_INVALID_ARGUMENT', argument: 'b' });
  // the native side re-checks a NaN the facade would have caught
  const io = new Float64Array(NNLS.params.length + NNLS.stats.length);
  io[NNLS.p.rows] = c.m;
  io[NNLS.p.cols] = c.n;
  io[NNLS.p.tol] = 1e-10;
  io[NNLS.p.maxIterations] = 100;
  t.throws(() => native().nnls(badA, null, null, b, new Float64Array(c.n), io), { argument: 'A' });
  t.throws(() => native().nnls(A.data, null, null, badb, new Float64Array(c.n), io), {
    argument: 'b',
  });
});

t.test('columns with means far above their spread: the same fit as the centred data', async (t) => {
  // The residual is kept as r + off (implicit centring); folding off into r at every gap keeps
  // the gradients accurate when the means dwarf the spread (here 1e3 against ~0.3).
  const n = 60,
    p = 12;
  const X = new Float64Array(n * p);
  const Xs = new Float64Array(n * p);
  const y = new Float64Array(n);
  const u = lcg(12345);
  const rnd = () => u() - 0.5;
  for (let k = 0; k < n * p; k++) {
    X[k] = rnd();
    Xs[k] = X[k] + 1e3;
  }
  for (let i = 0; i < n; i++) y[i] = X[i] - 2 * X[3 * n + i] + 0.1 * rnd();
  for (const lam of [0.01, 0.001]) {
    const o = { lambda: lam, tol: 1e-12, maxIterations: 100000 };
    const a = lassoSync({ rows: n, cols: p, data: X, order: 'F' }, y, o);
    const b = lassoSync({ rows: n, cols: p, data: Xs, order: 'F' }, y, o);
    t.equal(b.reason, 'tol', `λ ${lam}: converged (${b.iterations} epochs)`);
    let d = 0;
    for (let j = 0; j < p; j++) d = Math.max(d, Math.abs(a.coef[j] - b.coef[j]));
    t.ok(d < 1e-7, `λ ${lam}: coefficients agree to ${d}`);
    t.ok(Math.abs(a.objective - b.objective) < 1e-9 * a.objective);
  }
});
