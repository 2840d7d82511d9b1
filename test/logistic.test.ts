// logisticL1 (lib/logistic.ts): every test/fixtures/bcd/logistic.json case agrees with the
// polished reference optimum (coef 1e-6, objective 1e-8) and, at their looser accuracy, with
// scikit-learn's liblinear fits; dense 'F' / 'C', CSC and CSR give the same fit; 0/1 labels equal
// ±1 labels; λ ≥ λ_max gives zeros; the Promise form agrees and aborts with the partial result;
// mistakes are named errors.
import t from 'tap';
import { AbortError, logisticL1, logisticL1Sync, LogisticL1Result } from '../lib/index';
import {
  designForms,
  errorCode,
  loadBcdFixture,
  maxDiff,
  rejection,
  uniformData,
} from './bcd-helpers';

interface Fixture {
  design: { n: number; p: number; X: number[]; order: 'F'; y: number[] };
  cases: {
    fitIntercept: boolean;
    lambda: number;
    lambdaMax: number;
    lambdaRatio: number;
    sklearn: { solver: string; coef: number[]; intercept: number; objective: number };
    reference: { coef: number[]; intercept: number; objective: number; nnz: number };
  }[];
}

const fx = loadBcdFixture<Fixture>('logistic.json');
const { n, p } = fx.design;
const { F, C, csc } = designForms(n, p, fx.design.X);
const dataF = F.data;
const y = Float64Array.from(fx.design.y);
const y01 = y.map((v) => (v > 0 ? 1 : 0));

const opts = (c: Fixture['cases'][number]) => ({
  lambda: c.lambda,
  fitIntercept: c.fitIntercept,
  tol: 1e-12,
});

t.test('every fixture case: the reference optimum, sklearn at its accuracy', async (t) => {
  for (const c of fx.cases) {
    const name = `fitIntercept=${c.fitIntercept} λ/λmax=${c.lambdaRatio}`;
    const r = logisticL1Sync(F, y, opts(c));
    t.equal(r.reason, 'tol', `${name}: converged`);
    t.ok(r.converged, `${name}: converged flag`);
    t.ok(Math.abs(r.lambdaMax - c.lambdaMax) <= 1e-12 * c.lambdaMax, `${name}: lambdaMax`);
    const dw = maxDiff(r.coef, c.reference.coef);
    const dc = Math.abs(r.intercept - c.reference.intercept);
    const dobj = Math.abs(r.objective - c.reference.objective);
    t.ok(dw <= 1e-6, `${name}: coef within 1e-6 (${dw.toExponential(1)})`);
    t.ok(dc <= 1e-6, `${name}: intercept within 1e-6 (${dc.toExponential(1)})`);
    t.ok(dobj <= 1e-8, `${name}: objective within 1e-8 (${dobj.toExponential(1)})`);
    t.ok(r.dualGap <= 1e-12 * Math.LN2, `${name}: gap ${r.dualGap.toExponential(1)} ≤ tol·P₀`);
    t.ok(r.objective <= c.sklearn.objective + 1e-12, `${name}: not above sklearn's objective`);
    // sklearn's own fit: liblinear at tol 1e-12 (no intercept) is close; saga (intercept, tol
    // 1e-8, objective 1e-8 .. 4e-14 above the optimum) is looser.
    const loose = c.sklearn.solver === 'liblinear' ? 1e-6 : 1e-3;
    t.ok(maxDiff(r.coef, c.sklearn.coef) <= loose, `${name}: sklearn ${c.sklearn.solver} coef`);
    t.ok(c.sklearn.objective - r.objective <= 1e-7, `${name}: sklearn objective close`);
    let nnz = 0;
    for (const w of r.coef) nnz += w !== 0 ? 1 : 0;
    if (c.lambdaRatio < 1) t.equal(nnz, c.reference.nnz, `${name}: support size`);
    else t.equal(nnz, 0, `${name}: λ = λ_max gives exactly zero`);
  }
});

t.test('dense F / C, CSC and CSR give the same fit; 0/1 labels equal ±1', async (t) => {
  for (const c of fx.cases.filter((c) => c.lambdaRatio === 0.1)) {
    const a = logisticL1Sync(F, y, opts(c));
    for (const [name, X] of [
      ['C', C],
      ['CSC', csc],
      ['CSR', csc.toCsr()],
    ] as const) {
      const b = logisticL1Sync(X, y, opts(c));
      t.ok(maxDiff(a.coef, b.coef) <= 1e-9, `${name} coef (fitIntercept=${c.fitIntercept})`);
      t.ok(Math.abs(a.intercept - b.intercept) <= 1e-9, `${name} intercept`);
    }
    const z = logisticL1Sync(F, y01, opts(c));
    t.strictSame(z.coef, a.coef, `0/1 labels: the same bits (fitIntercept=${c.fitIntercept})`);
    t.equal(z.intercept, a.intercept);
    t.equal(z.objective, a.objective);
  }
});

t.test('λ ≥ λ_max: exactly zero, the best intercept; defaults; history; warm start', async (t) => {
  const ybar = y01.reduce((s, v) => s + v, 0) / n;
  for (const fitIntercept of [true, false]) {
    const lm = logisticL1Sync(F, y, { lambda: 1e3, fitIntercept }).lambdaMax;
    for (const lambda of [lm, 2 * lm, 1e3]) {
      const r = logisticL1Sync(csc, y, { lambda, fitIntercept });
      t.ok(
        r.coef.every((w) => w === 0),
        `zeros at λ = ${lambda}`,
      );
      t.equal(r.reason, 'tol');
      t.equal(r.iterations, 0);
      const c0 = fitIntercept ? Math.log(ybar / (1 - ybar)) : 0;
      t.ok(Math.abs(r.intercept - c0) <= 1e-14, 'intercept log(p̄/(1 − p̄))');
    }
  }
  const c = fx.cases.find((c) => c.fitIntercept && c.lambdaRatio === 0.1)!;
  // default tol 1e-4: gap ≤ 1e-4·P₀, P₀ ≤ log 2, and the objective within that gap
  const d = logisticL1Sync(F, y, { lambda: c.lambda });
  t.equal(d.reason, 'tol');
  t.ok(d.dualGap <= 1e-4 * Math.LN2, 'default tol');
  t.ok(d.objective - c.reference.objective <= d.dualGap + 1e-15, 'objective within the gap');
  const h = logisticL1Sync(F, y, { lambda: c.lambda, tol: 1e-10, history: true });
  t.ok(h.history && h.history.length >= 2, 'history recorded');
  t.equal(h.history![h.history!.length - 1], h.dualGap, 'its last entry is the gap');
  const w = logisticL1Sync(F, y, { lambda: c.lambda, tol: 1e-10, coef0: h.coef });
  t.ok(maxDiff(w.coef, h.coef) <= 1e-8, 'warm start: the same solution');
  t.ok(w.iterations <= 2, `warm start: at most 2 Newton steps (${w.iterations})`);
  const m = logisticL1Sync(F, y, { lambda: c.lambda, tol: 0, maxIterations: 1 });
  t.equal(m.reason, 'max-iterations');
  t.equal(m.converged, false);
  t.equal(m.iterations, 1);
  // sample weights as row multiplicities: weight 2 on every row = the same problem
  const s2 = logisticL1Sync(F, y, {
    lambda: c.lambda,
    tol: 1e-12,
    sampleWeight: new Float64Array(n).fill(2),
  });
  t.ok(maxDiff(s2.coef, c.reference.coef) <= 1e-6, 'uniform weights change nothing');
});

t.test('Promise form: same fit, progress, abort with the partial result', async (t) => {
  const c = fx.cases.find((c) => !c.fitIntercept && c.lambdaRatio === 0.02)!;
  const gaps: number[] = [];
  const a = await logisticL1(F, y, { ...opts(c), onProgress: (pr) => gaps.push(pr.value) });
  const s = logisticL1Sync(F, y, opts(c));
  t.strictSame(a.coef, s.coef, 'the same bits as the Sync form');
  t.ok(gaps.length >= 1, 'onProgress called');
  // a problem that takes far longer than the abort delay: 3000×300, tol 0
  const N = 3000;
  const Pp = 300;
  const { data, rnd } = uniformData(N * Pp, 12345);
  const labels = new Float64Array(N).map(() => (rnd() > 0 ? 1 : -1));
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 30);
  const e = await rejection<AbortError<LogisticL1Result>>(
    logisticL1({ rows: N, cols: Pp, data, order: 'F' }, labels, {
      lambda: 1e-6,
      tol: 0,
      maxIterations: 1e9,
      signal: ac.signal,
    }),
  );
  t.type(e, AbortError, 'rejects with an AbortError');
  t.equal(e?.result?.reason, 'aborted', 'with the partial result');
  t.equal(e?.result?.coef.length, Pp, 'its coefficients');
  const tl = logisticL1Sync({ rows: N, cols: Pp, data, order: 'F' }, labels, {
    lambda: 1e-6,
    tol: 0,
    maxIterations: 1e9,
    timeLimitMs: 20,
  });
  t.equal(tl.reason, 'time-limit', 'timeLimitMs');
});

t.test('mistakes are named errors', async (t) => {
  const bad = (f: (v: Float64Array) => void) => {
    const v = Float64Array.from(y);
    f(v);
    return v;
  };
  t.equal(
    errorCode(() =>
      logisticL1Sync(
        F,
        bad((v) => (v[3] = 2)),
        { lambda: 0.01 },
      ),
    ),
    'ERR_INVALID_ARGUMENT:y',
    'label 2',
  );
  t.equal(
    errorCode(() =>
      logisticL1Sync(
        F,
        bad((v) => ((v[0] = 0), (v[1] = -1))),
        { lambda: 0.01 },
      ),
    ),
    'ERR_INVALID_ARGUMENT:y',
    'a mix of -1 and 0',
  );
  t.equal(
    errorCode(() =>
      logisticL1Sync(
        F,
        bad((v) => (v[5] = NaN)),
        { lambda: 0.01 },
      ),
    ),
    'ERR_INVALID_ARGUMENT:y',
    'NaN label',
  );
  t.equal(
    errorCode(() => logisticL1Sync(F, y.subarray(1), { lambda: 0.01 })),
    'ERR_DIMENSION_MISMATCH:y',
    'y length',
  );
  t.equal(
    errorCode(() => logisticL1Sync(F, new Float64Array(n).fill(1), { lambda: 0.01 })),
    'ERR_INVALID_ARGUMENT:y',
    'one class with an intercept',
  );
  t.equal(
    errorCode(() => logisticL1Sync(F, y, { lambda: -1 })),
    'ERR_INVALID_ARGUMENT:lambda',
    'λ < 0',
  );
  t.equal(
    errorCode(() => logisticL1Sync(F, y, { lambda: NaN })),
    'ERR_INVALID_ARGUMENT:lambda',
    'λ NaN',
  );
  t.equal(
    errorCode(() => logisticL1Sync(F, y, {} as never)),
    'ERR_INVALID_ARGUMENT:lambda',
    'λ missing',
  );
  t.equal(
    errorCode(() => logisticL1Sync(F, y, { lambda: 0.1, tol: -1 })),
    'ERR_INVALID_ARGUMENT:tol',
    'tol < 0',
  );
  const nanX = Float64Array.from(dataF);
  nanX[17] = NaN;
  t.equal(
    errorCode(() =>
      logisticL1Sync({ rows: n, cols: p, data: nanX, order: 'F' }, y, { lambda: 0.01 }),
    ),
    'ERR_INVALID_ARGUMENT:X',
    'NaN in X',
  );
  t.equal(
    errorCode(() =>
      logisticL1Sync({ rows: n - 1, cols: p, data: dataF, order: 'F' }, y, { lambda: 0.01 }),
    ),
    'ERR_DIMENSION_MISMATCH:X.data',
    'X shape vs data',
  );
  t.equal(
    errorCode(() =>
      logisticL1Sync(
        { rows: n, cols: p - 1, data: dataF.subarray(0, n * (p - 1)), order: 'F' },
        y.subarray(2),
        { lambda: 0.01 },
      ),
    ),
    'ERR_DIMENSION_MISMATCH:y',
    'y vs X rows',
  );
  t.equal(
    errorCode(() => logisticL1Sync(F, y, { lambda: 0.01, sampleWeight: new Float64Array(3) })),
    'ERR_DIMENSION_MISMATCH:sampleWeight',
    'sampleWeight length',
  );
  t.equal(
    errorCode(() =>
      logisticL1Sync(F, y, { lambda: 0.01, sampleWeight: new Float64Array(n).fill(-1) }),
    ),
    'ERR_INVALID_ARGUMENT:sampleWeight',
    'negative weights',
  );
  t.equal(
    errorCode(() => logisticL1Sync(F, y, { lambda: 0.01, coef0: new Float64Array(2) })),
    'ERR_DIMENSION_MISMATCH:coef0',
    'coef0 length',
  );
  t.equal(
    errorCode(() => logisticL1Sync(F, y, { lambda: 0.01, l1Ratio: 0.5 } as never)),
    'ERR_INVALID_ARGUMENT:l1Ratio',
    'not an option',
  );
  t.equal(
    errorCode(() => logisticL1Sync(F, y, { lambda: 0.01, signal: AbortSignal.abort() } as never)),
    'ERR_INVALID_ARGUMENT:signal',
    'signal given to the Sync form',
  );
  t.equal(
    errorCode(() => logisticL1Sync({} as never, y, { lambda: 0.01 })),
    'ERR_INVALID_ARGUMENT:X',
    'X not a matrix',
  );
  await t.rejects(logisticL1(F, y.subarray(2), { lambda: 0.1 }), { argument: 'y' }, 'Promise form');
});
