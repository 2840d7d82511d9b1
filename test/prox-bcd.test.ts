// proxBcd / proxBcdSync (lib/prox-bcd.ts over native/bcd/prox_bcd): least squares + ℓ1 agrees
// with lassoSync; a box-constrained quadratic reaches its known minimiser; a JS block gradient
// reproduces the built-in least-squares run (Sync and Promise); group lasso and ℓ1-logistic meet
// their optimality conditions; the recursive (VR-CD) estimator reaches a gradient-mapping norm in
// fewer data passes than plain cyclic stochastic BCD; mistakes are named errors; a throwing or
// buffer-detaching callback and an AbortSignal stop the run.
import t from 'tap';
import {
  AbortError,
  DenseMatrix,
  lassoSync,
  proxBcd,
  proxBcdSync,
  ProxBcdOptions,
  ProxBcdResult,
  rng,
} from '../lib/index';
import { jobStats } from '../lib/async';

/** Seeded standard normals. */
function normals(seed: number): () => number {
  const u = rng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** A correlated n×d design (column-major) and y = A x_true + noise. */
function leastSquares(n: number, d: number, seed: number, noise = 0.1) {
  const g = normals(seed);
  const A = new Float64Array(n * d);
  for (let k = 0; k < d; k++)
    for (let i = 0; i < n; i++) A[k * n + i] = g() + (k > 0 ? 0.3 * A[(k - 1) * n + i] : 0);
  const xt = new Float64Array(d);
  for (let k = 0; k < d; k += 3) xt[k] = (k % 2 ? -1 : 1) * (1 + 0.1 * k);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += A[k * n + i] * xt[k];
    y[i] = s + noise * g();
  }
  return { A: { rows: n, cols: d, data: A, order: 'F' } as DenseMatrix, y, n, d };
}

function evenBlocks(d: number, size: number): number[] {
  const b: number[] = [];
  for (let k = 0; k < d; k += size) b.push(k);
  b.push(d);
  return b;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** ∇f(x) of (1/(2n))‖Ax − y‖² (A column-major). */
function lsGradient(A: DenseMatrix, y: Float64Array, x: ArrayLike<number>): Float64Array {
  const { rows: n, cols: d, data } = A;
  const r = new Float64Array(n);
  for (let k = 0; k < d; k++) for (let i = 0; i < n; i++) r[i] += data[k * n + i] * x[k];
  for (let i = 0; i < n; i++) r[i] -= y[i];
  const g = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += data[k * n + i] * r[i];
    g[k] = s / n;
  }
  return g;
}

/** A JS block gradient of the least-squares problem (calls recorded). */
function lsCallback(A: DenseMatrix, y: Float64Array, blocks: number[]) {
  const calls: number[] = [];
  const fn = (x: Float64Array, block: number, out: Float64Array) => {
    calls.push(block);
    const g = lsGradient(A, y, x);
    for (let k = blocks[block]; k < blocks[block + 1]; k++) out[k - blocks[block]] = g[k];
  };
  return { fn, calls };
}

t.test('least squares + l1 agrees with lassoSync (fitIntercept false)', async (t) => {
  const { A, y, d } = leastSquares(80, 12, 1);
  for (const lambda of [0.05, 0.3]) {
    const l = lassoSync(A, y, { lambda, fitIntercept: false, tol: 1e-14, maxIterations: 100000 });
    t.equal(l.converged, true);
    for (const blocks of [evenBlocks(d, 1), evenBlocks(d, 4), undefined]) {
      const r = proxBcdSync({
        x0: new Float64Array(d),
        blocks,
        smooth: { kind: 'least-squares', A, y },
        prox: { kind: 'l1', lambda },
        tol: 1e-11,
        maxEpochs: 100000,
      });
      const what = `λ ${lambda}, ${blocks ? blocks.length - 1 : 1} blocks`;
      t.equal(r.reason, 'tol', what);
      t.ok(r.gradientMappingNorm <= 1e-11, `${what}: gradient mapping ${r.gradientMappingNorm}`);
      t.ok(maxDiff(r.x, l.coef) < 1e-6, `${what}: x vs lasso coef ${maxDiff(r.x, l.coef)}`);
      t.ok(
        Math.abs(r.objective - l.objective) <= 1e-8 * l.objective,
        `${what}: objective ${r.objective} vs ${l.objective}`,
      );
      // exact BCD: one data pass an epoch, A read twice
      t.ok(Math.abs(r.dataPasses - r.iterations) < 1e-9, `${what}: data passes = epochs`);
      t.ok(Math.abs(r.matrixPasses - 2 * r.iterations) < 1e-9, `${what}: matrix passes`);
    }
  }
  // Row-major A reads the same numbers.
  const C = new Float64Array(A.rows * A.cols);
  for (let i = 0; i < A.rows; i++)
    for (let k = 0; k < A.cols; k++) C[i * A.cols + k] = A.data[k * A.rows + i];
  const opts = (M: DenseMatrix): ProxBcdOptions => ({
    x0: new Float64Array(d),
    blocks: evenBlocks(d, 3),
    smooth: { kind: 'least-squares', A: M, y },
    prox: { kind: 'l1', lambda: 0.1 },
    tol: 1e-10,
  });
  const f = proxBcdSync(opts(A));
  const c = proxBcdSync(opts({ rows: A.rows, cols: A.cols, data: C, order: 'C' }));
  t.ok(maxDiff(f.x, c.x) < 1e-12, 'F and C layouts agree');
});

t.test('quadratic + box (and per-block proxes) reaches the known minimiser', async (t) => {
  // Q = BᵀB/d + I (symmetric positive definite); x* with entries at lo, at hi and inside; c
  // chosen so that the KKT conditions hold at x*: ∇f(x*) = Qx* − c = μ, μ ≥ 0 at lo, ≤ 0 at hi.
  const d = 12;
  const g = normals(3);
  const B = Array.from({ length: d * d }, g);
  const Q = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += B[k * d + i] * B[k * d + j];
      Q[i * d + j] = s / d + (i === j ? 1 : 0);
    }
  const lo = -1;
  const hi = 0.5;
  const xs = new Float64Array(d);
  const mu = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    if (i % 3 === 0) [xs[i], mu[i]] = [lo, 0.7];
    else if (i % 3 === 1) [xs[i], mu[i]] = [hi, -0.4];
    else xs[i] = -0.2 + 0.05 * i;
  }
  const c = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += Q[i * d + j] * xs[j];
    c[i] = s - mu[i];
  }
  const base = {
    x0: new Float64Array(d),
    blocks: evenBlocks(d, 2),
    prox: { kind: 'box', lo, hi } as const,
    tol: 1e-12,
  };
  const r1 = proxBcdSync({ ...base, smooth: { kind: 'quadratic', Q, c } });
  t.equal(r1.reason, 'tol');
  t.ok(maxDiff(r1.x, xs) < 1e-9, `x* (${maxDiff(r1.x, xs)})`);
  let fx = 0;
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += Q[i * d + j] * xs[j];
    fx += 0.5 * xs[i] * s - c[i] * xs[i];
  }
  t.ok(Math.abs(r1.objective - fx) < 1e-10, 'objective ½xᵀQx − cᵀx');
  const r2 = proxBcdSync({
    ...base,
    smooth: { kind: 'quadratic', Q: { rows: d, cols: d, data: Q }, c },
    order: 'random',
    seed: 5,
  });
  t.ok(maxDiff(r2.x, xs) < 1e-9, 'Q as a DenseMatrix, random order');
  t.ok(r1.iterations > 0 && r2.iterations > 0);
  // One spec per block: blocks 0..2 boxed, the rest nonnegative. Backtracking steps.
  const blocks = evenBlocks(d, 2);
  const prox = blocks
    .slice(1)
    .map((_, j) => (j < 3 ? ({ kind: 'box', lo, hi } as const) : 'nonnegative'));
  const xn = Float64Array.from(xs, (x, i) => (i < 6 ? x : Math.max(0, x)));
  const mn = new Float64Array(d);
  for (let i = 6; i < d; i++) mn[i] = xs[i] === 0 ? 0 : xn[i] === 0 ? 0.3 : 0;
  for (let i = 0; i < 6; i++) mn[i] = mu[i];
  const cn = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += Q[i * d + j] * xn[j];
    cn[i] = s - mn[i];
  }
  const r3 = proxBcdSync({
    x0: new Float64Array(d),
    blocks,
    smooth: { kind: 'quadratic', Q, c: cn },
    prox,
    stepSizes: 'backtracking',
    tol: 1e-12,
  });
  t.equal(r3.reason, 'tol');
  t.ok(maxDiff(r3.x, xn) < 1e-9, `per-block proxes with backtracking (${maxDiff(r3.x, xn)})`);
});

t.test('a JS block gradient reproduces the built-in least-squares run', async (t) => {
  const { A, y, d } = leastSquares(50, 9, 4);
  const blocks = evenBlocks(d, 3);
  const common = {
    x0: new Float64Array(d),
    blocks,
    prox: { kind: 'l1', lambda: 0.05 } as const,
    tol: 1e-10,
    history: true,
  };
  const builtIn = proxBcdSync({ ...common, smooth: { kind: 'least-squares', A, y } });
  t.equal(builtIn.reason, 'tol');
  // The same steps for both runs (n/‖A_j‖_F² ≤ 1/L_j): the same iteration.
  const stepSizes = new Float64Array(blocks.length - 1).map((_, j) => {
    let s = 0;
    for (let k = blocks[j] * A.rows; k < blocks[j + 1] * A.rows; k++) s += A.data[k] ** 2;
    return A.rows / s;
  });
  const native = proxBcdSync({ ...common, stepSizes, smooth: { kind: 'least-squares', A, y } });
  const cb = lsCallback(A, y, blocks);
  const js = proxBcdSync({ ...common, stepSizes, smooth: cb.fn });
  t.equal(js.reason, 'tol');
  t.equal(js.iterations, native.iterations, `same epochs (${js.iterations})`);
  t.ok(maxDiff(js.x, native.x) < 1e-12, `same x (${maxDiff(js.x, native.x)})`);
  const hj = js.history!.gradientMappingNorm;
  const hn = native.history!.gradientMappingNorm;
  t.equal(hj.length, hn.length);
  let rel = 0;
  for (let i = 0; i < hj.length; i++) rel = Math.max(rel, Math.abs(hj[i] - hn[i]) / hn[0]);
  t.ok(rel < 1e-10, `same gradient-mapping norms per epoch (${rel})`);
  t.same(js.history!.dataPasses, native.history!.dataPasses, 'same data passes');
  t.ok(Number.isNaN(js.objective) && Number.isNaN(js.matrixPasses), 'no objective for a callback');
  // cyclic order: blocks 0, 1, 2 in every epoch (and the measurement's sweeps)
  const m = blocks.length - 1;
  t.same(cb.calls.slice(0, 2 * m), [0, 1, 2, 0, 1, 2]);
  t.equal(
    cb.calls.length,
    m * (2 * js.iterations + 1),
    'one call per block update and measured block',
  );
  // The Promise form: the same callback on the main thread, the very same numbers.
  const cb2 = lsCallback(A, y, blocks);
  const pa = await proxBcd({ ...common, stepSizes, smooth: cb2.fn });
  t.same(pa.x, js.x, 'Promise form: same x');
  t.same(pa.history, js.history, 'Promise form: same history');
  t.same(cb2.calls, cb.calls, 'Promise form: same calls');
  // Several Promise runs at once, each with its own callback.
  const many = await Promise.all(
    [0, 1, 2].map(() => proxBcd({ ...common, stepSizes, smooth: lsCallback(A, y, blocks).fn })),
  );
  for (const r of many) t.same(r.x, js.x);
  t.same(jobStats(), { running: 0, waiting: 0 });
});

t.test('group-l2: block soft-thresholding meets the group-lasso conditions', async (t) => {
  const { A, y, d } = leastSquares(100, 12, 7);
  const blocks = evenBlocks(d, 2); // groups 2 and 5 hold no informative coordinate
  const lambda = 0.2;
  const r = proxBcdSync({
    x0: new Float64Array(d),
    blocks,
    smooth: { kind: 'least-squares', A, y },
    prox: { kind: 'group-l2', lambda },
    tol: 1e-11,
  });
  t.equal(r.reason, 'tol');
  const g = lsGradient(A, y, r.x);
  let zero = 0;
  for (let j = 0; j + 1 < blocks.length; j++) {
    const xs = r.x.subarray(blocks[j], blocks[j + 1]);
    const gs = g.subarray(blocks[j], blocks[j + 1]);
    const nx = Math.hypot(...xs);
    if (nx === 0) {
      zero++;
      t.ok(Math.hypot(...gs) <= lambda + 1e-9, `group ${j} zero: ‖∇_j f‖ ≤ λ`);
    } else {
      // ∇_j f + λ x_j/‖x_j‖ = 0
      const res = gs.map((v, k) => v + (lambda * xs[k]) / nx);
      t.ok(Math.hypot(...res) < 1e-9, `group ${j} active: stationarity ${Math.hypot(...res)}`);
    }
  }
  t.equal(zero, 2, 'groups 2 and 5 are zero, the others not');
  let pen = 0;
  for (let j = 0; j + 1 < blocks.length; j++)
    pen += lambda * Math.hypot(...r.x.subarray(blocks[j], blocks[j + 1]));
  t.ok(r.objective > pen, 'objective includes the group penalty');
});

t.test('logistic + l1 meets the optimality conditions', async (t) => {
  const n = 150;
  const d = 8;
  const g = normals(11);
  const X = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) X[i] = g();
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = X[i] - 0.5 * X[n + i] + 0.3 * X[2 * n + i] + 0.5 * g(); // column-major
    y[i] = s > 0 ? 1 : 0; // 0/1 labels
  }
  const A: DenseMatrix = { rows: n, cols: d, data: X, order: 'F' };
  const lambda = 0.02;
  const r = proxBcdSync({
    x0: new Float64Array(d),
    blocks: evenBlocks(d, 1),
    smooth: { kind: 'logistic', A, y },
    prox: { kind: 'l1', lambda },
    tol: 1e-10,
    maxEpochs: 100000,
  });
  t.equal(r.reason, 'tol');
  // ∇f = −(1/n) Σ y_i σ(−y_i a_iᵀx) a_i with labels ±1
  const grad = new Float64Array(d);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const yi = y[i] === 0 ? -1 : 1;
    let s = 0;
    for (let k = 0; k < d; k++) s += X[k * n + i] * r.x[k];
    loss += Math.log1p(Math.exp(-yi * s));
    const w = -yi / (1 + Math.exp(yi * s));
    for (let k = 0; k < d; k++) grad[k] += (w * X[k * n + i]) / n;
  }
  let l1 = 0;
  for (let k = 0; k < d; k++) {
    l1 += Math.abs(r.x[k]);
    if (r.x[k] === 0) t.ok(Math.abs(grad[k]) <= lambda + 1e-9, `x_${k} = 0: |∇_k f| ≤ λ`);
    else t.ok(Math.abs(grad[k] + lambda * Math.sign(r.x[k])) < 1e-9, `x_${k}: stationarity`);
  }
  t.ok(Math.abs(r.objective - (loss / n + lambda * l1)) < 1e-12, 'mean log-loss + λ‖x‖₁');
  t.ok(r.x[0] > 0 && r.x[1] < 0, 'the informative signs');
});

/** Data passes at which the gradient mapping first reaches target (−1: never). */
function passesTo(r: ProxBcdResult, target: number): number {
  const h = r.history!;
  for (let i = 0; i < h.gradientMappingNorm.length; i++)
    if (h.gradientMappingNorm[i] <= target) return h.dataPasses[i];
  return -1;
}

t.test('recursive variance reduction needs fewer data passes than plain stochastic', async (t) => {
  // Finite-sum least squares: n = 2000 rows, d = 40, 8 blocks of 5, a small ℓ1 term.
  const { A, y, d, n } = leastSquares(2000, 40, 6, 0.5);
  const b = 100;
  const base = {
    x0: new Float64Array(d),
    blocks: evenBlocks(d, 5),
    smooth: { kind: 'least-squares', A, y } as const,
    prox: { kind: 'l1', lambda: 1e-3 } as const,
    tol: 0,
    history: true,
    seed: 3,
  };
  const plain = proxBcdSync({
    ...base,
    variance: { kind: 'stochastic', batchSize: b },
    maxEpochs: 600,
  });
  const vr = proxBcdSync({
    ...base,
    variance: { kind: 'recursive', batchSize: b, refreshEvery: 5 },
    maxEpochs: 120,
  });
  const g0 = vr.history!.gradientMappingNorm[0];
  const target = 1e-4 * g0;
  const pv = passesTo(vr, target);
  const pp = passesTo(plain, target);
  t.ok(pv > 0, `recursive reaches 1e-4·‖𝒢(x0)‖ after ${pv.toFixed(1)} passes`);
  t.ok(pp < 0 || pv < pp, `plain stochastic: ${pp < 0 ? 'never' : pp.toFixed(1)} passes`);
  const low = (r: ProxBcdResult) => Math.min(...r.history!.gradientMappingNorm);
  t.ok(low(vr) < 1e-3 * low(plain), `floors: recursive ${low(vr)}, plain ${low(plain)}`);
  // the pass counts: plain b/n per epoch; recursive 1 per refresh epoch, 2b/n between
  t.ok(Math.abs(plain.dataPasses - (600 * b) / n) < 1e-9, 'plain data passes');
  t.ok(Math.abs(vr.dataPasses - (24 + (96 * 2 * b) / n)) < 1e-9, 'recursive data passes');
  t.equal(plain.reason, 'max-iterations');
  // deterministic: the same seed gives the same run
  const again = proxBcdSync({
    ...base,
    variance: { kind: 'stochastic', batchSize: b },
    maxEpochs: 600,
  });
  t.same(again.x, plain.x, 'seeded: the same run');
  // too small a batch for the default steps: stopped as non-finite, x finite
  const tiny = proxBcdSync({
    ...base,
    variance: { kind: 'stochastic', batchSize: 2 },
    maxEpochs: 600,
  });
  t.equal(tiny.reason, 'non-finite');
  t.ok(tiny.x.every(Number.isFinite));
});

t.test('mistakes are named errors', async (t) => {
  const { A, y, d } = leastSquares(20, 6, 9);
  const ls = { kind: 'least-squares', A, y } as const;
  const x0 = new Float64Array(d);
  const bad = (o: Record<string, unknown>, argument: string, code = 'ERR_INVALID_ARGUMENT') => {
    const opts = { x0, smooth: ls, ...o } as unknown as ProxBcdOptions;
    t.throws(
      () => proxBcdSync(opts),
      { code, argument },
      `${JSON.stringify(Object.keys(o))} → ${argument}`,
    );
  };
  bad({ blocks: [0, 3, 2, 6] }, 'blocks');
  bad({ blocks: [0, 3] }, 'blocks');
  bad({ blocks: [1, 6] }, 'blocks');
  bad({ blocks: [0, 2.5, 6] }, 'blocks');
  bad({ blocks: new Float64Array([0, 6]) }, 'blocks');
  bad({ prox: 'l2' }, 'prox');
  bad({ prox: 'l1' }, 'prox');
  bad({ prox: { kind: 'l1', lambda: -1 } }, 'prox');
  bad({ prox: { kind: 'box', lo: 1, hi: 0 } }, 'prox');
  bad({ prox: { kind: 'box', lambda: 1 } }, 'prox');
  bad({ blocks: [0, 3, 6], prox: ['none', 'none', 'none'] }, 'prox', 'ERR_DIMENSION_MISMATCH');
  bad({ stepSizes: new Float64Array([1, 2]) }, 'stepSizes', 'ERR_DIMENSION_MISMATCH');
  bad({ stepSizes: new Float64Array([-1]) }, 'stepSizes');
  bad({ stepSizes: 'armijo' }, 'stepSizes');
  bad({ smooth: () => {} }, 'stepSizes');
  bad({ stepSizes: 'backtracking', variance: 'stochastic' }, 'stepSizes');
  bad({ variance: 'sgd' }, 'variance');
  bad({ variance: { kind: 'stochastic', batchSize: 21 } }, 'variance');
  bad({ variance: { kind: 'recursive', refreshEvery: 0 } }, 'variance');
  bad({ variance: { kind: 'recursive', batch: 4 } }, 'variance');
  bad({ variance: 'recursive', order: 'random' }, 'order');
  bad(
    { smooth: { kind: 'quadratic', Q: new Float64Array(d * d) }, variance: 'stochastic' },
    'variance',
  );
  bad({ smooth: undefined }, 'smooth');
  bad({ smooth: { kind: 'huber', A, y } }, 'smooth');
  bad({ smooth: { kind: 'least-squares', A, y, w: 1 } }, 'smooth');
  bad(
    { smooth: { kind: 'least-squares', A, y: new Float64Array(3) } },
    'y',
    'ERR_DIMENSION_MISMATCH',
  );
  bad({ smooth: { kind: 'quadratic', Q: new Float64Array(d) } }, 'Q', 'ERR_DIMENSION_MISMATCH');
  const Qa = new Float64Array(d * d);
  Qa[1] = 1;
  bad({ smooth: { kind: 'quadratic', Q: Qa } }, 'Q', 'ERR_NOT_SYMMETRIC');
  bad({ x0: undefined }, 'x0');
  bad({ x0: new Float64Array(d + 1) }, 'A', 'ERR_DIMENSION_MISMATCH');
  bad({ x0: new Float64Array(d).fill(NaN) }, 'x0');
  bad({ order: 'shuffled' }, 'order');
  bad({ maxEpochs: -1 }, 'maxEpochs');
  bad({ tol: -1 }, 'tol');
  bad({ maxEpoch: 10 }, 'maxEpoch');
  bad({ signal: new AbortController().signal }, 'signal');
  bad({ smooth: { kind: 'logistic', A, y } }, 'y'); // labels must be ±1 or 0/1
  await t.rejects(proxBcd({ x0, smooth: ls, prox: 'l1' } as unknown as ProxBcdOptions), {
    argument: 'prox',
  });
});

t.test('a throwing or buffer-detaching callback stops the solve', async (t) => {
  const d = 6;
  const steps = new Float64Array([0.5, 0.5]);
  const blocks = [0, 3, 6];
  const err = new Error('gradient failed');
  let n = 0;
  const thrower = (x: Float64Array, j: number, out: Float64Array) => {
    if (++n === 5) throw err;
    for (let k = 0; k < out.length; k++) out[k] = x[blocks[j] + k] - 1;
  };
  const o = { x0: new Float64Array(d), blocks, stepSizes: steps, smooth: thrower };
  t.throws(() => proxBcdSync(o), err);
  n = 0;
  await t.rejects(proxBcd(o), err);
  t.equal(n, 5, 'no call after the throw');
  // detaching the arrays it is handed
  let kept: ArrayBuffer | undefined;
  const thief = (x: Float64Array, _j: number, out: Float64Array) => {
    out.fill(0);
    kept = structuredClone(x.buffer, { transfer: [x.buffer as ArrayBuffer] });
  };
  t.throws(() => proxBcdSync({ ...o, smooth: thief }), {
    code: 'ERR_BUFFER_DETACHED',
    argument: 'smooth',
  });
  await t.rejects(proxBcd({ ...o, smooth: thief }), { code: 'ERR_BUFFER_DETACHED' });
  const thief2 = (_x: Float64Array, _j: number, out: Float64Array) => {
    kept = structuredClone(out.buffer, { transfer: [out.buffer as ArrayBuffer] });
  };
  t.throws(() => proxBcdSync({ ...o, smooth: thief2 }), { code: 'ERR_BUFFER_DETACHED' });
  t.ok(kept);
  // a working callback after all that: minimiser of ½‖x − 1‖²
  const ok = proxBcdSync({
    ...o,
    smooth: (x, j, out) => {
      for (let k = 0; k < out.length; k++) out[k] = x[blocks[j] + k] - 1;
    },
    stepSizes: 'backtracking',
  });
  t.equal(ok.reason, 'tol');
  t.ok(maxDiff(ok.x, new Float64Array(d).fill(1)) < 1e-9);
  t.same(jobStats(), { running: 0, waiting: 0 });
});

t.test('AbortSignal, time limit and progress', async (t) => {
  const { A, y, d } = leastSquares(300, 30, 13);
  const long = {
    x0: new Float64Array(d),
    blocks: evenBlocks(d, 5),
    smooth: { kind: 'least-squares', A, y } as const,
    prox: { kind: 'l1', lambda: 1e-4 } as const,
    variance: { kind: 'stochastic', batchSize: 150 } as const,
    tol: 0,
    maxEpochs: 1e9,
  };
  const ac = new AbortController();
  const values: number[] = [];
  const p = proxBcd({
    ...long,
    signal: ac.signal,
    onProgress: (q) => {
      values.push(q.value);
      if (values.length === 3) ac.abort();
    },
  });
  const e = (await p.then(
    () => t.fail('resolved'),
    (x: unknown) => x,
  )) as AbortError<ProxBcdResult>;
  t.type(e, AbortError);
  t.equal(e.result!.reason, 'aborted');
  t.ok(e.result!.iterations > 0, `partial result after ${e.result!.iterations} epochs`);
  t.ok(
    values.every((v) => v > 0 && Number.isFinite(v)),
    'progress: gradient-mapping norms',
  );
  // already aborted: rejected at once
  await t.rejects(proxBcd({ ...long, signal: AbortSignal.abort() }), { code: 'ABORT_ERR' });
  // abort while the native loop waits on a JS callback
  const ac2 = new AbortController();
  let calls = 0;
  const e2 = (await proxBcd({
    x0: new Float64Array(4),
    stepSizes: new Float64Array([0.5]),
    smooth: (x, _j, out) => {
      if (++calls === 20) ac2.abort();
      for (let k = 0; k < 4; k++) out[k] = 1e-3 * (x[k] - 1);
    },
    tol: 0,
    maxEpochs: 1e9,
    signal: ac2.signal,
  }).then(
    () => undefined,
    (x: unknown) => x,
  )) as AbortError<ProxBcdResult>;
  t.equal(e2.result!.reason, 'aborted');
  t.ok(calls >= 20 && calls <= 22, `stopped right after the abort (${calls} calls)`);
  const tl = proxBcdSync({ ...long, timeLimitMs: 30 });
  t.equal(tl.reason, 'time-limit');
  t.same(jobStats(), { running: 0, waiting: 0 });
});
