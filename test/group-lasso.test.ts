// groupLasso (lib/group-lasso.ts): every test/fixtures/bcd/group.json case (a FISTA reference,
// no sklearn estimator exists) agrees through each design form (dense 'F', dense 'C', CSC, CSR),
// with the default and the explicit group weights; labels (scattered, non-contiguous) and offsets
// give one solution; singleton groups give lasso's; λ ≥ λ_max gives exact zeros; the Promise form
// agrees and aborts with the partial result; mistakes are named errors.
import t from 'tap';
import {
  AbortError,
  DenseMatrix,
  groupLasso,
  groupLassoSync,
  GroupLassoResult,
  lassoSync,
} from '../lib/index';
import type { Design } from '../lib/design';
import {
  designForms,
  errorCode,
  loadBcdFixture,
  maxDiff,
  rejection,
  uniformData,
} from './bcd-helpers';

interface Fixture {
  design: { n: number; p: number; X: number[]; y: number[]; order: 'F' };
  offsets: number[];
  groupWeights: number[];
  cases: {
    fitIntercept: boolean;
    lambda: number;
    lambdaMax: number;
    lambdaRatio: number;
    coef: number[];
    intercept: number;
    objective: number;
    activeGroups: number[];
  }[];
}

const fx = loadBcdFixture<Fixture>('group.json');
const { n, p } = fx.design;
const y = Float64Array.from(fx.design.y);
const { F: dense, C, csc } = designForms(n, p, fx.design.X);
const F = dense.data;
const forms: [string, Design][] = [
  ['F', dense],
  ['C', C],
  ['csc', csc],
];
const offsets = Int32Array.from(fx.offsets);

t.test(
  'every group.json case agrees with the FISTA reference (dense F, dense C, CSC)',
  async (t) => {
    t.equal(fx.cases.length, 8, '8 cases');
    let worstCoef = 0;
    let worstObj = 0;
    for (const [k, c] of fx.cases.entries()) {
      for (const [form, X] of forms) {
        for (const weights of [false, true]) {
          const r = groupLassoSync(X, y, {
            lambda: c.lambda,
            groups: { offsets },
            fitIntercept: c.fitIntercept,
            tol: 1e-14,
            maxIterations: 1_000_000,
            ...(weights ? { groupWeights: Float64Array.from(fx.groupWeights) } : {}),
          });
          const label = `case ${k} (λ/λmax ${c.lambdaRatio}, intercept ${c.fitIntercept}) ${form}${weights ? ' explicit weights' : ''}`;
          const dc = Math.max(maxDiff(r.coef, c.coef), Math.abs(r.intercept - c.intercept));
          const dobj = Math.abs(r.objective - c.objective) / Math.abs(c.objective);
          worstCoef = Math.max(worstCoef, dc);
          worstObj = Math.max(worstObj, dobj);
          if (!(dc <= 1e-6)) t.fail(`${label}: coefficients differ by ${dc}`);
          if (!(dobj <= 1e-8)) t.fail(`${label}: objective differs by ${dobj} relative`);
          if (!r.converged || r.reason !== 'tol') t.fail(`${label}: ${r.reason}`);
          t.strictSame([...r.activeGroups], c.activeGroups, `${label}: active groups`);
          if (c.lambdaRatio >= 1 && r.coef.some((w) => w !== 0))
            t.fail(`${label}: λ ≥ λ_max gives a nonzero coefficient`);
        }
      }
    }
    t.ok(worstCoef <= 1e-6, `worst coefficient difference ${worstCoef.toExponential(2)}`);
    t.ok(worstObj <= 1e-8, `worst relative objective difference ${worstObj.toExponential(2)}`);
  },
);

t.test('CSR, history, dualGap and the result shape', async (t) => {
  const c = fx.cases.find((c) => c.lambdaRatio === 0.2 && c.fitIntercept)!;
  const r = groupLassoSync(csc.toCsr(), y, {
    lambda: c.lambda,
    groups: offsets,
    tol: 1e-12,
    history: true,
  });
  t.ok(maxDiff(r.coef, c.coef) <= 1e-5, 'CSR agrees');
  t.ok(r.history instanceof Float64Array && r.history.length >= 1, 'history recorded');
  t.equal(r.history![r.history!.length - 1], r.dualGap, 'the last history entry is the gap');
  t.ok(r.dualGap >= 0 && typeof r.iterations === 'number' && r.elapsedMs >= 0, 'figures');
  t.ok(r.activeGroups instanceof Int32Array, 'activeGroups is an Int32Array');
  // A warm start at the solution converges at once.
  const warm = groupLassoSync(dense, y, {
    lambda: c.lambda,
    groups: offsets,
    tol: 1e-12,
    coef0: r.coef,
  });
  t.ok(warm.converged && warm.iterations <= 5, `warm start: ${warm.iterations} epochs`);
  t.ok(maxDiff(warm.coef, r.coef) <= 1e-9, 'warm start: the same solution');
  // Integer sample weights act as row multiplicities.
  const sw = Float64Array.from({ length: n }, (_, i) => i % 3);
  const m = sw.reduce((a, b) => a + b, 0);
  const D = new Float64Array(m * p);
  const yd = new Float64Array(m);
  let row = 0;
  for (let i = 0; i < n; i++)
    for (let k = 0; k < sw[i]; k++, row++) {
      yd[row] = y[i];
      for (let j = 0; j < p; j++) D[j * m + row] = F[j * n + i];
    }
  const o = { lambda: c.lambda, groups: offsets, tol: 1e-14, maxIterations: 1e6 };
  const weighted = groupLassoSync(csc, y, { ...o, sampleWeight: sw });
  const dup = groupLassoSync({ rows: m, cols: p, data: D, order: 'F' }, yd, o);
  t.ok(maxDiff(weighted.coef, dup.coef) <= 1e-8, 'sample weights = duplicated rows (coef)');
  t.ok(Math.abs(weighted.intercept - dup.intercept) <= 1e-8, 'and intercept');
  t.ok(Math.abs(weighted.objective - dup.objective) <= 1e-10 * dup.objective, 'and objective');
});

t.test('labels (non-contiguous, any integers) and offsets give one solution', async (t) => {
  const c = fx.cases.find((c) => c.lambdaRatio === 0.05 && c.fitIntercept)!;
  const G = fx.offsets.length - 1;
  // Permute the columns: feature j of the new design is column perm[j]; its label is a
  // scattered integer, decreasing in the group index, so label order reverses group order.
  const perm = Array.from({ length: p }, (_, j) => (j * 7) % p); // 7 and 50 coprime
  const groupOf = (col: number) =>
    fx.offsets.findIndex((o, g) => col >= o && col < fx.offsets[g + 1]);
  const labels = perm.map((col) => 1000 - 37 * groupOf(col));
  const P = new Float64Array(n * p);
  perm.forEach((col, j) => P.set(F.subarray(col * n, col * n + n), j * n));
  const Xp: DenseMatrix = { rows: n, cols: p, data: P, order: 'F' };
  const o = { lambda: c.lambda, tol: 1e-14, maxIterations: 1_000_000 };
  const fromOffsets = groupLassoSync(dense, y, { ...o, groups: { offsets } });
  for (const [how, groups] of [
    ['{ labels: number[] }', { labels }],
    ['{ labels: Int32Array }', { labels: Int32Array.from(labels) }],
    ['a bare number[] of cols entries', labels],
  ] as const) {
    const r = groupLassoSync(Xp, y, { ...o, groups });
    const d = Math.max(...perm.map((col, j) => Math.abs(r.coef[j] - fromOffsets.coef[col])));
    t.ok(d <= 1e-9, `${how}: coefficients agree (${d.toExponential(2)})`);
    t.ok(
      Math.abs(r.objective - fromOffsets.objective) <= 1e-12 * fromOffsets.objective,
      'objective',
    );
    t.strictSame(
      [...r.activeGroups],
      [...fromOffsets.activeGroups].map((g) => G - 1 - g).sort((a, b) => a - b),
      `${how}: active groups in label order`,
    );
  }
  // Explicit weights follow label order: reversing them reverses the groups' weights.
  const w = Float64Array.from(fx.groupWeights).reverse();
  const r = groupLassoSync(Xp, y, { ...o, groups: { labels }, groupWeights: w });
  t.ok(
    Math.max(...perm.map((col, j) => Math.abs(r.coef[j] - fromOffsets.coef[col]))) <= 1e-9,
    'groupWeights are indexed in label order',
  );
});

t.test('singleton groups are the lasso; λ ≥ λ_max gives exact zeros', async (t) => {
  const single = Int32Array.from({ length: p + 1 }, (_, j) => j);
  for (const fitIntercept of [true, false]) {
    const c = fx.cases.find((c) => c.lambdaRatio === 0.2 && c.fitIntercept === fitIntercept)!;
    const lam = 0.3 * c.lambda;
    const l = lassoSync(csc, y, { lambda: lam, fitIntercept, tol: 1e-14, maxIterations: 1e6 });
    const g = groupLassoSync(csc, y, {
      lambda: lam,
      fitIntercept,
      groups: { offsets: single },
      tol: 1e-14,
      maxIterations: 1e6,
    });
    t.ok(maxDiff(l.coef, g.coef) <= 1e-9, `coefficients (intercept ${fitIntercept})`);
    t.ok(Math.abs(l.intercept - g.intercept) <= 1e-9, 'intercept');
    t.ok(Math.abs(l.objective - g.objective) <= 1e-12 * l.objective, 'objective');
    t.strictSame(
      [...g.activeGroups],
      [...l.coef].flatMap((w, j) => (w !== 0 ? [j] : [])),
      'active groups = the lasso support',
    );
    const lm = c.lambdaMax;
    for (const ratio of [1, 1.5, 100]) {
      const z = groupLassoSync(dense, y, { lambda: ratio * lm, fitIntercept, groups: offsets });
      t.ok(
        z.coef.every((w) => w === 0) && z.activeGroups.length === 0 && z.converged,
        `λ = ${ratio}·λ_max: exactly zero`,
      );
    }
    const below = groupLassoSync(dense, y, {
      lambda: 0.99 * lm,
      fitIntercept,
      groups: offsets,
      tol: 1e-10,
    });
    t.equal(below.activeGroups.length, 1, 'just below λ_max: one group enters');
  }
  // An unpenalised group (weight 0) is fitted at any λ.
  const w = Float64Array.from(fx.groupWeights);
  w[2] = 0;
  const r = groupLassoSync(dense, y, { lambda: 1e3, groups: offsets, groupWeights: w });
  t.strictSame([...r.activeGroups], [2], 'only the unpenalised group is active at huge λ');
});

t.test('Promise form, abort, progress, time limit', async (t) => {
  const c = fx.cases.find((c) => c.lambdaRatio === 0.05 && !c.fitIntercept)!;
  const o = {
    lambda: c.lambda,
    groups: offsets,
    fitIntercept: false,
    tol: 1e-14,
    maxIterations: 1e6,
  };
  const a = await groupLasso(csc, y, o);
  const s = groupLassoSync(csc, y, o);
  t.strictSame([...a.coef], [...s.coef], 'same bits as the Sync form');
  t.strictSame([...a.activeGroups], [...s.activeGroups], 'same active groups');
  // A problem that takes far longer than the abort delay: 300×3000 (p > n, near interpolation)
  // in groups of 10, λ = 1e-6, tol 0 (natively: still a gap of 1e-7 after 3 s).
  const N = 300;
  const Pn = 3000;
  const { data, rnd } = uniformData(N * Pn, 12345);
  const yy = new Float64Array(N).map(rnd);
  const big: DenseMatrix = { rows: N, cols: Pn, data, order: 'F' };
  const groups = Int32Array.from({ length: Pn / 10 + 1 }, (_, g) => 10 * g);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  let progress = 0;
  const e = await rejection<AbortError<GroupLassoResult>>(
    groupLasso(big, yy, {
      lambda: 1e-6,
      groups,
      tol: 0,
      maxIterations: 1e9,
      signal: ac.signal,
      onProgress: () => progress++,
    }),
  );
  t.type(e, AbortError, 'rejects with an AbortError');
  t.equal(e?.result?.reason, 'aborted', 'with the partial result');
  t.equal(e?.result?.coef.length, Pn, 'its coefficients');
  t.ok(e?.result?.activeGroups instanceof Int32Array, 'and its active groups');
  t.ok(progress >= 1, `onProgress called (${progress} times)`);
  const timed = groupLassoSync(big, yy, {
    lambda: 1e-6,
    groups,
    tol: 0,
    maxIterations: 1e9,
    timeLimitMs: 30,
  });
  t.equal(timed.reason, 'time-limit', 'timeLimitMs ends the Sync form with reason time-limit');
  t.notOk(timed.converged, 'not converged');
  await t.rejects(
    groupLasso(dense, y, { lambda: 0.1, groups: offsets, signal: AbortSignal.abort() }),
    AbortError,
    'an aborted signal rejects at once',
  );
});

t.test('mistakes are named errors', async (t) => {
  const fit = (o: object, X: Design = dense, yv: Float64Array = y) =>
    errorCode(() => groupLassoSync(X, yv, { lambda: 0.1, groups: offsets, ...o } as never));
  const bad = 'ERR_INVALID_ARGUMENT';
  const dim = 'ERR_DIMENSION_MISMATCH';
  t.equal(fit({ groups: Int32Array.from([0, 4, 4, 50]) }), `${bad}:groups`, 'an empty group');
  t.equal(
    fit({ groups: { offsets: [0, 4, 4, 50] } }),
    `${bad}:groups`,
    'an empty group ({ offsets })',
  );
  t.equal(fit({ groups: { offsets: [1, 4, 50] } }), `${bad}:groups`, 'offsets not from 0');
  t.equal(fit({ groups: { offsets: [0, 9, 4, 50] } }), `${bad}:groups`, 'decreasing offsets');
  t.equal(fit({ groups: { offsets: [0, 4, 49] } }), `${dim}:groups`, 'offsets not ending at p');
  t.equal(fit({ groups: { offsets: [] } }), `${bad}:groups`, 'no offsets');
  t.equal(fit({ groups: { offsets: [0, 1.5, 50] } }), `${bad}:groups`, 'non-integer offsets');
  t.equal(fit({ groups: { labels: [1, 2, 3] } }), `${dim}:groups`, 'labels of the wrong length');
  t.equal(
    fit({ groups: Array.from({ length: 50 }, (_, j) => (j === 0 ? 0 : j === 49 ? 50 : j)) }),
    `${bad}:groups`,
    'a bare list that reads both ways',
  );
  t.equal(fit({ groups: 'abc' }), `${bad}:groups`, 'not a list');
  t.equal(fit({ groups: undefined }), `${bad}:groups`, 'groups missing');
  t.equal(fit({ groupWeights: new Float64Array(3) }), `${dim}:groupWeights`, 'wrong length');
  t.equal(
    fit({ groupWeights: Float64Array.from(fx.groupWeights, (w, g) => (g === 3 ? -1 : w)) }),
    `${bad}:groupWeights`,
    'a negative weight',
  );
  t.equal(
    fit({ groupWeights: Float64Array.from(fx.groupWeights, (w, g) => (g === 3 ? NaN : w)) }),
    `${bad}:groupWeights`,
    'a NaN weight',
  );
  const Fn = F.slice();
  Fn[7] = NaN;
  t.equal(fit({}, { rows: n, cols: p, data: Fn, order: 'F' }), `${bad}:X`, 'NaN in X');
  const yn = y.slice();
  yn[3] = NaN;
  t.equal(fit({}, dense, yn), `${bad}:y`, 'NaN in y');
  t.equal(fit({}, dense, y.subarray(1)), `${dim}:y`, 'y of the wrong length');
  t.equal(fit({ lambda: -1 }), `${bad}:lambda`, 'λ < 0');
  t.equal(fit({ lambda: undefined }), `${bad}:lambda`, 'λ missing');
  t.equal(fit({ sampleWeight: new Float64Array(3) }), `${dim}:sampleWeight`, 'sampleWeight length');
  t.equal(fit({ coef0: new Float64Array(3) }), `${dim}:coef0`, 'coef0 length');
  t.equal(fit({ penaltyFactor: new Float64Array(p) }), `${bad}:penaltyFactor`, 'not an option');
  t.equal(fit({ X: 1 }), `${bad}:X`, 'an unknown key');
  // The binding re-checks what a caller could bypass (the raw native call).
  const { native } = await import('../lib/native');
  const { GROUP_LASSO } = await import('../lib/layout');
  const io = new Float64Array(GROUP_LASSO.params.length + GROUP_LASSO.stats.length);
  io[GROUP_LASSO.p.rows] = n;
  io[GROUP_LASSO.p.cols] = p;
  io[GROUP_LASSO.p.groupsLength] = 3;
  io[GROUP_LASSO.p.lambda] = 0.1;
  io[GROUP_LASSO.p.tol] = 1e-4;
  io[GROUP_LASSO.p.maxIterations] = 10;
  const raw = (offsets: number[], coef: Float64Array) =>
    errorCode(() =>
      native().groupLasso(F, null, null, y, null, Int32Array.from(offsets), null, coef, io),
    );
  t.equal(raw([0, 7, 7], new Float64Array(p)), `${bad}:groups`, 'native: an empty group');
  t.equal(raw([0, 7, 50], F.subarray(0, p)), `${bad}:coef`, 'native: coef overlapping X');
});
