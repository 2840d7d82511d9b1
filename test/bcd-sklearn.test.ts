// scikit-learn's own coordinate-descent tests (sklearn/linear_model/tests/test_coordinate_descent.py
// and test_sparse_coordinate_descent.py, sklearn 1.2) rebuilt against lassoSync / elasticNetSync.
// The toy cases are written out here; the cases that draw from numpy's RandomState read their
// data and sklearn's answers from test/fixtures/bcd/sklearn-suite.json (scripts/bcd-fixtures.py
// suite). Where sklearn asserts `assert_array_almost_equal` (6 decimals) we assert the same or
// tighter; sklearn's warm-start test asserts one epoch after a warm start, and so do we.
import t from 'tap';
import {
  CscMatrix,
  DenseMatrix,
  CsrMatrix,
  elasticNetPathSync,
  elasticNetSync,
  ItersolveError,
  lassoPathSync,
  lassoSync,
  LassoResult,
} from '../lib/index';
import { loadBcdFixture, maxDiff } from './bcd-helpers';

interface Dense {
  rows: number;
  cols: number;
  order: 'C';
  data: number[];
}
interface Suite {
  dualGap: { X: Dense; y: number[]; lambda: number; coef: number[]; dualGap: number };
  randomDescent: {
    X: Dense;
    y: number[];
    coef: number[];
    intercept: number;
    coefT: number[];
    interceptT: number;
  };
  warmStart: { X: Dense; y: number[]; nIter: number; coef: number[]; intercept: number };
  ridge: {
    X: Dense;
    y: number[];
    sampleWeight: number[];
    lambda: number;
    coef: number[];
    intercept: number;
  };
  sampleWeight: {
    X: Dense;
    y: number[];
    fits: { fitIntercept: boolean; lambda: number; coef: number[]; intercept: number }[];
  };
  paths: {
    X: Dense;
    y: number[];
    lasso: { lambdas: number[]; coefs: number[][] };
    enet: { l1Ratio: number; lambdas: number[]; coefs: number[][] };
  };
  lars: { X: Dense; y: number[]; lambdas: number[]; coefs: number[][] };
}
const S = loadBcdFixture<Suite>('sklearn-suite.json');

const f64 = (a: ArrayLike<number>) => Float64Array.from(a);
const dense = (d: Dense): DenseMatrix => ({ ...d, data: f64(d.data) });
const col = (v: number[]): DenseMatrix => ({ rows: v.length, cols: 1, data: f64(v), order: 'C' });
/** The transpose of a row-major matrix, as a row-major matrix. */
function transpose(d: Dense): DenseMatrix {
  const out = new Float64Array(d.rows * d.cols);
  for (let i = 0; i < d.rows; i++)
    for (let j = 0; j < d.cols; j++) out[j * d.rows + i] = d.data[i * d.cols + j];
  return { rows: d.cols, cols: d.rows, data: out, order: 'C' };
}
function predict(r: LassoResult, X: number[][]): number[] {
  return X.map((x) => x.reduce((s, v, j) => s + v * r.coef[j], r.intercept));
}

const TOY_T = [[2], [3], [4]];

t.test('test_lasso_zero: zero data gives zero coefficients, zero gap', async (t) => {
  for (const X of [col([0, 0, 0]), CscMatrix.fromDense(col([0, 0, 0]) as Required<DenseMatrix>)]) {
    const r = lassoSync(X, f64([0, 0, 0]), { lambda: 0.1 });
    t.same(Array.from(r.coef), [0]);
    t.same(predict(r, [[1], [2], [3]]), [0, 0, 0]);
    t.equal(r.dualGap, 0);
    t.ok(r.converged);
  }
});

t.test('test_lasso_toy: a straight line at four alphas', async (t) => {
  const cases: [number, number, number[]][] = [
    [1e-8, 1, [2, 3, 4]],
    [0.1, 0.85, [1.7, 2.55, 3.4]],
    [0.5, 0.25, [0.5, 0.75, 1.0]],
    [1, 0, [0, 0, 0]],
  ];
  for (const [alpha, coef, pred] of cases) {
    for (const X of [col([-1, 0, 1]), CscMatrix.fromDense(1 * 3, 1, f64([-1, 0, 1]))]) {
      const r = lassoSync(X, f64([-1, 0, 1]), { lambda: alpha });
      t.ok(Math.abs(r.coef[0] - coef) < 5e-7, `alpha ${alpha}: coef ${r.coef[0]} vs ${coef}`);
      t.ok(maxDiff(predict(r, TOY_T), pred) < 5e-6, `alpha ${alpha}: prediction`);
      t.ok(Math.abs(r.dualGap) < 1e-7, `alpha ${alpha}: gap ${r.dualGap}`);
    }
  }
});

t.test('test_enet_toy: elastic net at three (alpha, l1_ratio)', async (t) => {
  const cases: [number, number, number, number[], number][] = [
    [1e-8, 1.0, 1, [2, 3, 4], 6],
    [0.5, 0.3, 0.50819, [1.0163, 1.5245, 2.0327], 3],
    [0.5, 0.5, 0.45454, [0.909, 1.3636, 1.8181], 3],
  ];
  // sklearn runs the (0.5, 0.3) case with precompute False, True and a given Gram: ours too.
  for (const [alpha, l1Ratio, coef, pred, decimals] of cases)
    for (const precompute of [false, true, 'auto'] as const) {
      const r = elasticNetSync(col([-1, 0, 1]), f64([-1, 0, 1]), {
        lambda: alpha,
        l1Ratio,
        maxIterations: 100,
        precompute,
      });
      const tol = 1.5 * 10 ** -decimals;
      t.ok(Math.abs(r.coef[0] - coef) < tol, `(${alpha}, ${l1Ratio}): coef ${r.coef[0]}`);
      t.ok(maxDiff(predict(r, TOY_T), pred) < tol, `(${alpha}, ${l1Ratio}): prediction`);
      t.ok(Math.abs(r.dualGap) < 1e-7, `(${alpha}, ${l1Ratio}): gap ${r.dualGap}`);
    }
  const csc = CscMatrix.fromDense(3, 1, f64([-1, 0, 1]));
  t.throws(() => elasticNetSync(csc, f64([-1, 0, 1]), { lambda: 0.5, precompute: true }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'precompute',
  });
  t.equal(elasticNetSync(csc, f64([-1, 0, 1]), { lambda: 0.5, precompute: 'auto' }).reason, 'tol');
  t.throws(
    () =>
      elasticNetSync(col([-1, 0, 1]), f64([-1, 0, 1]), { lambda: 0.5, precompute: 'yes' as never }),
    { argument: 'precompute' },
  );
  // The closed form of the one-feature elastic net: w = (x·y/n − 0)/(x·x/n + λ(1 − a)) after the
  // soft threshold λa: for (0.5, 0.3): (2/3 − 0.15)/(2/3 + 0.35).
  const r = elasticNetSync(col([-1, 0, 1]), f64([-1, 0, 1]), { lambda: 0.5, l1Ratio: 0.3 });
  t.ok(Math.abs(r.coef[0] - (2 / 3 - 0.15) / (2 / 3 + 0.35)) < 1e-12);
});

t.test('test_lasso_dual_gap: dual_gap_ matches its objective formulation', async (t) => {
  const c = S.dualGap;
  const X = dense(c.X);
  const y = f64(c.y);
  const r = lassoSync(X, y, { lambda: c.lambda, fitIntercept: false });
  const n = y.length;
  // sklearn's check, verbatim: primal − dual with the dual point R / max|XᵀR|/(nα).
  const R = new Float64Array(n);
  let primal = 0;
  for (let i = 0; i < n; i++) {
    let xw = 0;
    for (let j = 0; j < X.cols; j++) xw += X.data[i * X.cols + j] * r.coef[j];
    R[i] = y[i] - xw;
    primal += (0.5 * R[i] * R[i]) / n;
  }
  primal += c.lambda * r.coef.reduce((s, v) => s + Math.abs(v), 0);
  let scale = 0;
  for (let j = 0; j < X.cols; j++) {
    let g = 0;
    for (let i = 0; i < n; i++) g += X.data[i * X.cols + j] * R[i];
    scale = Math.max(scale, Math.abs(g) / (n * c.lambda));
  }
  let dual = 0;
  for (let i = 0; i < n; i++) {
    const Ri = R[i] / scale;
    dual += (0.5 * (y[i] * y[i] - (y[i] - Ri) ** 2)) / n;
  }
  t.ok(Math.abs(r.dualGap - (primal - dual)) <= 1e-7 * Math.max(1, primal), 'gap = primal − dual');
  t.ok(r.converged);
  // sklearn's own fit (default tol 1e-4) is no better than its gap says: the two objectives
  // differ by no more than the larger of the two gaps.
  const obj = (w: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      let xw = 0;
      for (let j = 0; j < X.cols; j++) xw += X.data[i * X.cols + j] * w[j];
      s += (0.5 * (y[i] - xw) ** 2) / n;
    }
    for (let j = 0; j < X.cols; j++) s += c.lambda * Math.abs(w[j]);
    return s;
  };
  t.ok(Math.abs(obj(r.coef) - obj(c.coef)) <= Math.max(r.dualGap, c.dualGap) * (1 + 1e-9));
  t.ok(Math.abs(r.objective - obj(r.coef)) <= 1e-12 * primal, 'objective as sklearn defines it');
});

t.test('test_lasso_positive_constraint / test_enet_positive_constraint', async (t) => {
  const y = f64([1, 0, -1]);
  t.ok(lassoSync(col([-1, 0, 1]), y, { lambda: 0.1, positive: true }).coef[0] >= 0);
  t.ok(elasticNetSync(col([-1, 0, 1]), y, { lambda: 0.1, positive: true }).coef[0] >= 0);
  // Unconstrained, the slope is negative: the constraint binds (w = 0 exactly).
  t.ok(lassoSync(col([-1, 0, 1]), y, { lambda: 0.1 }).coef[0] < 0);
  t.equal(lassoSync(col([-1, 0, 1]), y, { lambda: 0.1, positive: true }).coef[0], 0);
});

t.test('test_uniform_targets: a constant y is predicted exactly', async (t) => {
  const X: DenseMatrix = {
    rows: 10,
    cols: 3,
    data: f64(Array.from({ length: 30 }, (_, k) => ((k * 7919) % 101) / 101)),
    order: 'C',
  };
  for (const value of [0, 5]) {
    const y = new Float64Array(10).fill(value);
    for (const r of [
      lassoSync(X, y, { lambda: 0.1 }),
      elasticNetSync(X, y, { lambda: 0.1 }),
      lassoSync(X, y, { lambda: 1e-9 }),
    ]) {
      t.same(Array.from(r.coef), [0, 0, 0]);
      t.equal(r.intercept, value);
    }
  }
});

t.test(
  'test_random_descent: cyclic and random selection agree (dense, transposed, CSC)',
  async (t) => {
    const c = S.randomDescent;
    const X = dense(c.X);
    const y = f64(c.y);
    const XT = transpose(c.X);
    const yT = y.slice(0, 20);
    for (const [Xd, yd, coef, intercept] of [
      [X, y, c.coef, c.intercept],
      [CscMatrix.fromDense(X as Required<DenseMatrix>), y, c.coef, c.intercept],
      [XT, yT, c.coefT, c.interceptT],
    ] as const) {
      const o = { lambda: 1, l1Ratio: 0.5, tol: 1e-8 };
      const cyc = elasticNetSync(Xd, yd, o);
      const rnd = elasticNetSync(Xd, yd, { ...o, selection: 'random', seed: 42 });
      t.ok(maxDiff(cyc.coef, rnd.coef) < 1e-6, `cyclic vs random ${maxDiff(cyc.coef, rnd.coef)}`);
      t.ok(Math.abs(cyc.intercept - rnd.intercept) < 1e-6);
      // and both agree with sklearn's cyclic fit (tol 1e-8 on both sides)
      t.ok(maxDiff(cyc.coef, coef) < 1e-6, `vs sklearn ${maxDiff(cyc.coef, coef)}`);
      t.ok(Math.abs(cyc.intercept - intercept) < 1e-6);
    }
  },
);

t.test('test_warm_start_convergence: one epoch after a warm start', async (t) => {
  const c = S.warmStart;
  const X = dense(c.X);
  const y = f64(c.y);
  const o = { lambda: 1e-3, l1Ratio: 0.5, tol: 1e-3 };
  const cold = elasticNetSync(X, y, o);
  t.ok(cold.converged);
  t.ok(cold.iterations > 2, `cold start takes ${cold.iterations} epochs (sklearn: ${c.nIter})`);
  const again = elasticNetSync(X, y, o);
  t.equal(again.iterations, cold.iterations, 'deterministic');
  const warm = elasticNetSync(X, y, { ...o, coef0: cold.coef });
  t.ok(warm.converged);
  t.ok(warm.iterations <= 1, `warm start: ${warm.iterations} epochs`);
});

t.test(
  'test_enet_ridge_consistency: l1Ratio 0 is Ridge(alpha · Σs) with sample weights',
  async (t) => {
    const c = S.ridge;
    const r = elasticNetSync(dense(c.X), f64(c.y), {
      lambda: c.lambda,
      l1Ratio: 0,
      tol: 1e-12,
      maxIterations: 100000,
      sampleWeight: f64(c.sampleWeight),
    });
    // sklearn asserts assert_allclose (rtol 1e-7) between its two solvers; the coefficients here
    // span six orders of magnitude, so compare relative to the largest.
    const big = Math.max(...c.coef.map(Math.abs));
    t.ok(maxDiff(r.coef, c.coef) <= 1e-6 * big, `coef vs Ridge: ${maxDiff(r.coef, c.coef) / big}`);
    t.ok(Math.abs(r.intercept - c.intercept) <= 1e-6 * Math.max(1, Math.abs(c.intercept)));
  },
);

t.test(
  'test_enet_sample_weight_consistency (dense and CSC, with and without intercept)',
  async (t) => {
    const c = S.sampleWeight;
    const Xd = dense(c.X);
    const n = c.X.rows;
    const p = c.X.cols;
    const y = f64(c.y);
    const rows = (k: number): DenseMatrix => ({
      rows: k,
      cols: p,
      data: f64(c.X.data.slice(0, k * p)),
      order: 'C',
    });
    for (const fit of c.fits) {
      for (const sparse of [false, true]) {
        const X = sparse ? CscMatrix.fromDense(Xd as Required<DenseMatrix>) : Xd;
        const o = { lambda: fit.lambda, l1Ratio: 0.5, fitIntercept: fit.fitIntercept, tol: 1e-12 };
        const tag = `${sparse ? 'csc' : 'dense'} λ=${fit.lambda} intercept=${fit.fitIntercept}`;
        const base = elasticNetSync(X, y, o);
        t.ok(maxDiff(base.coef, fit.coef) < 1e-9, `${tag}: vs sklearn`);
        t.ok(Math.abs(base.intercept - fit.intercept) < 1e-9);
        const same = (r: LassoResult, what: string) => {
          t.ok(maxDiff(r.coef, base.coef) < 1e-9, `${tag}: ${what}`);
          t.ok(Math.abs(r.intercept - base.intercept) < 1e-9, `${tag}: ${what} (intercept)`);
        };
        same(elasticNetSync(X, y, { ...o, sampleWeight: new Float64Array(n).fill(1) }), 'ones');
        same(elasticNetSync(X, y, { ...o, sampleWeight: new Float64Array(n).fill(123) }), '123');
        same(elasticNetSync(X, y, { ...o, sampleWeight: new Float64Array(n).fill(2) }), 'scaled');
        // a zero weight is the row removed
        const sw0 = new Float64Array(n).fill(1);
        sw0[n - 1] = 0;
        const r0 = elasticNetSync(X, y, { ...o, sampleWeight: sw0 });
        const rm = elasticNetSync(rows(n - 1), y.slice(0, n - 1), o);
        t.ok(maxDiff(r0.coef, rm.coef) < 1e-9, `${tag}: zero weight = row removed`);
        t.ok(Math.abs(r0.intercept - rm.intercept) < 1e-9);
        // weight 2 is the row repeated
        const half = n >> 1;
        const X2: DenseMatrix = {
          rows: n + half,
          cols: p,
          data: f64([...c.X.data, ...c.X.data.slice(0, half * p)]),
          order: 'C',
        };
        const y2 = f64([...c.y, ...c.y.slice(0, half)]);
        const sw2 = new Float64Array(n).fill(1).fill(2, 0, half);
        const rw = elasticNetSync(X, y, { ...o, sampleWeight: sw2 });
        const rr = elasticNetSync(
          sparse ? CscMatrix.fromDense(X2 as Required<DenseMatrix>) : X2,
          y2,
          o,
        );
        t.ok(maxDiff(rw.coef, rr.coef) < 1e-9, `${tag}: weight 2 = row repeated`);
      }
    }
  },
);

t.test('test_enet_nonfinite_params: huge data stops cleanly (no NaN coefficients)', async (t) => {
  // sklearn raises "Coordinate descent iterations resulted in non-finite parameter values";
  // itersolve either stops with reason 'non-finite' keeping the last finite iterate, or rejects
  // the data with a named error. Never NaN in the result, never a crash.
  const fmax = Number.MAX_VALUE;
  const X = new Float64Array(20);
  for (let k = 0; k < 20; k++) X[k] = fmax * (((k * 37) % 19) / 19 + 0.01);
  const y = f64([0, 1, 1, 0, 1, 0, 0, 1, 1, 0]);
  try {
    const r = elasticNetSync({ rows: 10, cols: 2, data: X, order: 'C' }, y, { lambda: 0.1 });
    t.not(r.reason, 'tol');
    t.equal(r.reason, 'non-finite');
    t.ok(Array.from(r.coef).every(Number.isFinite));
  } catch (e) {
    t.ok(e instanceof ItersolveError, String(e));
    t.equal((e as ItersolveError).argument, 'X');
  }
});

t.test(
  'test_sparse_dense_descent_paths / test_path_parameters: lasso_path and enet_path',
  async (t) => {
    const c = S.paths;
    const X = dense(c.X);
    const y = f64(c.y);
    const csr = CsrMatrix.fromDense(c.X.rows, c.X.cols, f64(c.X.data));
    for (const [name, ref, run] of [
      [
        'lasso_path',
        c.lasso,
        (A: DenseMatrix | CsrMatrix) =>
          lassoPathSync(A, y, { fitIntercept: false, tol: 1e-12, maxIterations: 100000 }),
      ],
      [
        'enet_path',
        c.enet,
        (A: DenseMatrix | CsrMatrix) =>
          elasticNetPathSync(A, y, {
            l1Ratio: c.enet.l1Ratio,
            fitIntercept: false,
            tol: 1e-12,
            maxIterations: 100000,
          }),
      ],
    ] as const) {
      const d = run(X);
      const sp = run(csr);
      t.equal(d.lambdas.length, 100, `${name}: 100 lambdas by default (sklearn's n_alphas)`);
      t.ok(maxDiff(d.lambdas, ref.lambdas) <= 1e-12 * ref.lambdas[0], `${name}: sklearn's grid`);
      t.ok(d.converged && sp.converged);
      let worst = 0,
        worstSparse = 0;
      for (let k = 0; k < ref.lambdas.length; k++) {
        const row = d.coefs.subarray(k * c.X.cols, (k + 1) * c.X.cols);
        worst = Math.max(worst, maxDiff(row, ref.coefs[k]));
        worstSparse = Math.max(
          worstSparse,
          maxDiff(row, sp.coefs.subarray(k * c.X.cols, (k + 1) * c.X.cols)),
        );
      }
      t.ok(worst < 1e-6, `${name}: coefficients vs sklearn, worst ${worst}`);
      t.ok(worstSparse < 1e-9, `${name}: dense = sparse, worst ${worstSparse}`);
      // test_enet_path_positive: positive paths are non-negative
      const pos =
        name === 'lasso_path'
          ? lassoPathSync(X, y, { fitIntercept: false, positive: true })
          : elasticNetPathSync(X, y, { fitIntercept: false, positive: true });
      t.ok(
        pos.coefs.every((v) => v >= 0),
        `${name}: positive`,
      );
      t.ok(pos.coefs.some((v) => v > 0));
    }
    t.equal(
      elasticNetPathSync(X, y, { nLambdas: 50, lambdaMinRatio: 1e-3, l1Ratio: 0.5, tol: 1e-3 })
        .lambdas.length,
      50,
    );
  },
);

t.test(
  'test_lasso_path_return_models_vs_new_return_gives_same_coefficients: lars agrees',
  async (t) => {
    const c = S.lars;
    const r = lassoPathSync(dense(c.X), f64(c.y), {
      lambdas: f64(c.lambdas),
      fitIntercept: false,
      tol: 1e-12,
    });
    // sklearn asserts decimal=1 (its path is at tol 1e-4); the exact lasso path is piecewise linear, so
    // lars' interpolation is exact: ours agrees far tighter.
    for (let k = 0; k < c.lambdas.length; k++)
      t.ok(maxDiff(r.coefs.subarray(2 * k, 2 * k + 2), c.coefs[k]) < 1e-8, `alpha ${c.lambdas[k]}`);
  },
);
