// lassoPath / elasticNetPath (lib/path.ts): test/fixtures/bcd/path.json (sklearn's lasso_path and
// enet_path, 20 values, eps 1e-3, tol 1e-12) reproduced from our own grid (λ to 1e-12 relative,
// coefficients to 1e-6, objectives to 1e-8) and from the given lambdas, dense 'F' / 'C', CSC and CSR;
// positive and box bounds; Sync and Promise forms agree; an abort rejects with an AbortError carrying the partial path;
// progress once per λ; mistakes are named errors; coefficientPathSvg draws the path.
import t from 'tap';
import {
  AbortError,
  elasticNetPath,
  elasticNetPathSync,
  lassoPath,
  lassoPathSync,
  lassoSync,
  LassoPathResult,
} from '../lib/index';
import { coefficientPathSvg } from '../lib/plot';
import {
  designForms,
  errorCode,
  loadBcdFixture,
  maxDiff,
  rejection,
  uniformData,
} from './bcd-helpers';

interface PathCase {
  l1Ratio: number;
  lambdaMax: number;
  lambdas: number[];
  coefs: number[][];
  objectives: number[];
  dualGaps: number[];
  nnz: number[];
}
interface Fixture {
  tol: number;
  eps: number;
  nLambdas: number;
  design: { n: number; p: number; y: number[]; X: number[]; order: 'F' };
  lasso: PathCase;
  enet: PathCase;
}

const fx = loadBcdFixture<Fixture>('path.json');
const { n, p } = fx.design;
const { F, C, csc } = designForms(n, p, fx.design.X);
const y = Float64Array.from(fx.design.y);
// the fixture's settings: no intercept, sklearn's tol 1e-12 (our gap rule is sklearn's)
const base = { fitIntercept: false, tol: 1e-12, maxIterations: 1_000_000 };

type TapTest = Parameters<Parameters<typeof t.test>[1]>[0];

function agrees(t: TapTest, r: LassoPathResult, c: PathCase, what: string) {
  t.equal(r.lambdas.length, fx.nLambdas, `${what}: ${fx.nLambdas} λ values`);
  t.equal(r.coefs.length, fx.nLambdas * p, `${what}: coefs nLambdas × cols`);
  let rel = 0;
  for (let k = 0; k < fx.nLambdas; k++)
    rel = Math.max(rel, Math.abs(r.lambdas[k] - c.lambdas[k]) / c.lambdas[k]);
  t.ok(rel <= 1e-12, `${what}: λ grid as sklearn's (rel ${rel.toExponential(1)})`);
  let coef = 0;
  let obj = 0;
  for (let k = 0; k < fx.nLambdas; k++) {
    coef = Math.max(coef, maxDiff(r.coefs.subarray(k * p, (k + 1) * p), c.coefs[k]));
    obj = Math.max(obj, Math.abs(r.objectives[k] - c.objectives[k]));
  }
  t.ok(coef <= 1e-6, `${what}: coefficients within 1e-6 (${coef.toExponential(1)})`);
  t.ok(obj <= 1e-8, `${what}: objectives within 1e-8 (${obj.toExponential(1)})`);
  const nnz = Array.from({ length: fx.nLambdas }, (_, k) => {
    let z = 0;
    for (let j = 0; j < p; j++) if (Math.abs(r.coefs[k * p + j]) > 1e-10) z++;
    return z;
  });
  t.strictSame(nnz, c.nnz, `${what}: supports as sklearn's`);
  t.ok(r.converged && r.reason === 'tol', `${what}: converged`);
  t.ok(
    r.reasonsPerLambda.length === fx.nLambdas && r.reasonsPerLambda.every((x) => x === 'tol'),
    `${what}: every fit converged`,
  );
  t.equal(r.intercepts.length, fx.nLambdas);
  t.ok(
    r.intercepts.every((v) => v === 0),
    `${what}: no intercept`,
  );
  t.ok(
    r.dualGaps.every((g) => g >= -1e-12 && g <= 1e-9),
    `${what}: gaps small`,
  );
  t.equal(
    r.iterationsPerLambda.reduce((a, b) => a + b, 0),
    r.iterations,
    `${what}: iterations is the sum per λ`,
  );
}

t.test('lassoPath and elasticNetPath agree with sklearn (path.json)', async (t) => {
  const l = lassoPathSync(F, y, { ...base, nLambdas: fx.nLambdas, lambdaMinRatio: fx.eps });
  agrees(t, l, fx.lasso, 'lasso F');
  t.ok(Math.abs(l.lambdaMax! - fx.lasso.lambdaMax) <= 1e-12 * fx.lasso.lambdaMax, 'λ_max');
  agrees(
    t,
    lassoPathSync(C, y, { ...base, nLambdas: fx.nLambdas, lambdaMinRatio: fx.eps }),
    fx.lasso,
    'lasso C',
  );
  agrees(
    t,
    lassoPathSync(csc, y, { ...base, lambdas: Float64Array.from(fx.lasso.lambdas) }),
    fx.lasso,
    'lasso CSC, given lambdas',
  );
  agrees(
    t,
    lassoPathSync(csc.toCsr(), y, { ...base, nLambdas: fx.nLambdas, lambdaMinRatio: fx.eps }),
    fx.lasso,
    'lasso CSR',
  );
  const e = elasticNetPathSync(F, y, {
    ...base,
    l1Ratio: fx.enet.l1Ratio,
    nLambdas: fx.nLambdas,
    lambdaMinRatio: fx.eps,
  });
  agrees(t, e, fx.enet, 'enet F');
  t.ok(Math.abs(e.lambdaMax! - fx.enet.lambdaMax) <= 1e-12 * fx.enet.lambdaMax, 'enet λ_max');
  agrees(
    t,
    await elasticNetPath(csc, y, { ...base, l1Ratio: 0.5, nLambdas: 20, lambdaMinRatio: 1e-3 }),
    fx.enet,
    'enet CSC, Promise form',
  );
  // each row is the lasso at that λ
  const k = 12;
  const one = lassoSync(F, y, { ...base, lambda: l.lambdas[k] });
  t.ok(maxDiff(one.coef, l.coefs.subarray(k * p, (k + 1) * p)) <= 1e-8, 'row k = lasso at λ_k');
});

t.test('defaults, the Promise form, an intercept', async (t) => {
  const s = lassoPathSync(F, y);
  t.equal(s.lambdas.length, 100, 'nLambdas 100 by default');
  t.ok(Math.abs(s.lambdas[99] / s.lambdas[0] - 1e-3) < 1e-12, 'lambdaMinRatio 1e-3 by default');
  const a = await lassoPath(F, y);
  t.strictSame(a.coefs, s.coefs, 'Sync = Promise (bit for bit)');
  t.strictSame(a.objectives, s.objectives);
  const w = lassoPathSync(F, y, { nLambdas: 5, tol: 1e-10 });
  const last = lassoSync(F, y, { lambda: w.lambdas[4], tol: 1e-10 });
  t.ok(Math.abs(w.intercepts[4] - last.intercept) < 1e-6, 'intercept as lasso');
  t.ok(maxDiff(w.coefs.subarray(4 * p), last.coef) < 1e-6, 'coefficients as lasso');
  const m = lassoPathSync(F, y, { nLambdas: 8, tol: 1e-14, maxIterations: 1 });
  t.equal(m.lambdas.length, 8, 'max-iterations does not end the path');
  t.ok(!m.converged && m.reason === 'max-iterations', "reason: the first failing fit's");
  t.equal(m.reasonsPerLambda[0], 'tol', 'λ_max converges at once');
  let calls = 0;
  let ok = true;
  await lassoPath(F, y, {
    nLambdas: 30,
    onProgress: (q) => {
      calls++;
      ok = ok && q.total === 30 && q.iteration >= 0 && q.iteration <= 30 && q.value > 0;
    },
  });
  t.ok(calls >= 1 && ok, `progress per λ (${calls} calls, total 30, value λ)`);
});

t.test('positive and box bounds: each row is the bounded lasso at its λ', async (t) => {
  const upper = new Float64Array(p).fill(0.5);
  for (const [what, o] of [
    ['positive', { positive: true }],
    ['lower -0.2, upper 0.5', { lower: -0.2, upper }],
  ] as const) {
    const r = lassoPathSync(F, y, { ...base, nLambdas: 6, ...o });
    let d = 0;
    let inside = true;
    for (let k = 0; k < 6; k++) {
      const one = lassoSync(F, y, { ...base, lambda: r.lambdas[k], ...o });
      d = Math.max(d, maxDiff(one.coef, r.coefs.subarray(k * p, (k + 1) * p)));
      for (let j = 0; j < p; j++) {
        const w = r.coefs[k * p + j];
        inside &&= 'positive' in o ? w >= 0 : w >= -0.2 && w <= 0.5;
      }
    }
    t.ok(d <= 1e-8, `${what}: rows = bounded lasso fits (${d.toExponential(1)})`);
    t.ok(inside, `${what}: inside the bounds`);
    t.ok(r.converged, `${what}: converged`);
  }
});

t.test('abort rejects with an AbortError carrying the partial path', async (t) => {
  // far more work than the abort delay: 2000×300, tol 0 (no fit converges but at λ_max)
  const rows = 2000;
  const cols = 300;
  const { data, rnd } = uniformData(rows * cols, 4242);
  const yy = new Float64Array(rows).map(rnd);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 30);
  const e = await rejection<AbortError<LassoPathResult>>(
    lassoPath({ rows, cols, data, order: 'F' }, yy, {
      nLambdas: 50,
      tol: 0,
      maxIterations: 1e9,
      signal: ac.signal,
    }),
  );
  t.type(e, AbortError, 'rejects with an AbortError');
  const r = e?.result;
  t.equal(r?.reason, 'aborted', 'the partial path, reason aborted');
  const k = r?.lambdas.length ?? 0;
  t.ok(k >= 1 && k < 50, `fewer λ values than asked (${k})`);
  t.equal(r?.coefs.length, k * cols, 'one row per λ fitted');
  t.equal(r?.reasonsPerLambda[k - 1], 'aborted', 'the interrupted fit last');
  t.equal(r?.objectives.length, k);
  const tl = lassoPathSync({ rows, cols, data, order: 'F' }, yy, {
    nLambdas: 50,
    tol: 0,
    maxIterations: 1e9,
    timeLimitMs: 20,
  });
  t.equal(tl.reason, 'time-limit', 'timeLimitMs cuts the path short too');
  t.equal(
    tl.reasonsPerLambda[tl.reasonsPerLambda.length - 1],
    'time-limit',
    'the last fit says so',
  );
  t.ok(tl.lambdas.length < 50 && tl.coefs.length === tl.lambdas.length * cols);
});

t.test('mistakes are named errors', async (t) => {
  const bad = 'ERR_INVALID_ARGUMENT';
  t.equal(
    errorCode(() => lassoPathSync(F, y, { nLambdas: 0 })),
    `${bad}:nLambdas`,
  );
  t.equal(
    errorCode(() => lassoPathSync(F, y, { nLambdas: 2.5 })),
    `${bad}:nLambdas`,
  );
  t.equal(
    errorCode(() => lassoPathSync(F, y, { lambdaMinRatio: 0 })),
    `${bad}:lambdaMinRatio`,
  );
  t.equal(
    errorCode(() => lassoPathSync(F, y, { lambdaMinRatio: 1 })),
    `${bad}:lambdaMinRatio`,
  );
  t.equal(
    errorCode(() => lassoPathSync(F, y, { lambdaMinRatio: 2 })),
    `${bad}:lambdaMinRatio`,
  );
  const L = (a: number[]) => ({ lambdas: Float64Array.from(a) });
  t.equal(
    errorCode(() => lassoPathSync(F, y, L([0.1, 0.2]))),
    `${bad}:lambdas`,
    'increasing',
  );
  t.equal(
    errorCode(() => lassoPathSync(F, y, L([0.1, -0.2]))),
    `${bad}:lambdas`,
    'negative',
  );
  t.equal(
    errorCode(() => lassoPathSync(F, y, L([NaN]))),
    `${bad}:lambdas`,
    'NaN',
  );
  t.equal(
    errorCode(() => lassoPathSync(F, y, L([]))),
    `${bad}:lambdas`,
    'empty',
  );
  t.equal(
    errorCode(() => lassoPathSync(F, y, { lambdas: [0.1] } as never)),
    `${bad}:lambdas`,
  );
  t.equal(
    errorCode(() => elasticNetPathSync(F, y, { l1Ratio: 0 })),
    `${bad}:l1Ratio`,
    'ridge grid',
  );
  t.equal(
    errorCode(() => elasticNetPathSync(F, y, { l1Ratio: 0, ...L([1, 0.1]) })),
    'no error',
    'ridge with given lambdas',
  );
  t.equal(
    errorCode(() => lassoPathSync(F, y, { lambda: 0.1 } as never)),
    `${bad}:lambda`,
  );
  t.equal(
    errorCode(() => lassoPathSync(F, y, { l1Ratio: 0.5 } as never)),
    `${bad}:l1Ratio`,
  );
  t.equal(
    errorCode(() => lassoPathSync(F, y, { signal: AbortSignal.abort() } as never)),
    `${bad}:signal`,
  );
  t.equal(
    errorCode(() => lassoPathSync(F, y.subarray(1))),
    'ERR_DIMENSION_MISMATCH:y',
  );
  t.equal(
    errorCode(() => lassoPathSync(F, y, { lower: 1, upper: 0 })),
    `${bad}:lower`,
  );
  t.equal(
    errorCode(() => lassoPathSync(F, y, { upper: new Float64Array(3) })),
    'ERR_DIMENSION_MISMATCH:upper',
  );
  t.equal(
    errorCode(() => lassoPathSync(F, y, { lower: NaN })),
    `${bad}:lower`,
  );
  t.equal(
    errorCode(() => lassoPathSync({} as never, y)),
    `${bad}:X`,
  );
  const yn = Float64Array.from(y);
  yn[3] = NaN;
  t.equal(
    errorCode(() => lassoPathSync(F, yn)),
    `${bad}:y`,
  );
  t.equal(
    errorCode(() => lassoPathSync(F, y, { sampleWeight: new Float64Array(3) })),
    'ERR_DIMENSION_MISMATCH:sampleWeight',
  );
  await t.rejects(lassoPath(F, y, { nLambdas: -1 }), { argument: 'nLambdas' }, 'Promise form');
});

t.test('coefficientPathSvg (lib/plot.ts): lines, labels, edge cases, named mistakes', async (t) => {
  const r = lassoPathSync(F, y, { ...base, nLambdas: 10 });
  const svg = coefficientPathSvg(r.lambdas, r.coefs, p, {
    names: Array.from({ length: p }, (_, j) => (j === 0 ? 'a<b' : `f${j}`)),
    title: 'path & co',
  });
  t.match(svg, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg /);
  t.match(svg, /<\/svg>\n$/);
  let drawn = 0;
  for (let j = 0; j < p; j++) {
    let nz = false;
    for (let k = 0; k < 10; k++) nz = nz || r.coefs[k * p + j] !== 0;
    if (nz) drawn++;
  }
  t.equal(
    (svg.match(/<\/title><\/path>/g) ?? []).length,
    drawn,
    'a line per feature ever non-zero',
  );
  t.match(svg, /path &amp; co/, 'title escaped');
  t.notMatch(svg, /a<b/, 'names escaped');
  t.ok(
    (svg.match(/class="labels">(.*)<\/g>/)?.[1].match(/<text /g) ?? []).length <= 12,
    'at most 12 labels',
  );
  // λ = 0 cannot go on a log axis: skipped; an all-zero path still gives a valid document
  const zero = coefficientPathSvg([1, 0.1, 0], new Float64Array(3 * 2), 2);
  t.match(zero, /every coefficient is zero along the path/);
  t.match(zero, /<\/svg>\n$/);
  t.equal(
    errorCode(() => coefficientPathSvg([1, 0.1], new Float64Array(3), 2)),
    'ERR_INVALID_ARGUMENT:coefs',
  );
  t.equal(
    errorCode(() => coefficientPathSvg([1], new Float64Array(2), 2, { names: ['a'] })),
    'ERR_INVALID_ARGUMENT:names',
  );
  t.equal(
    errorCode(() => coefficientPathSvg([1], new Float64Array(2), 2, { width: 10 })),
    'ERR_INVALID_ARGUMENT:width',
  );
});
