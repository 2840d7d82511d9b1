// Integrity of the coordinate-descent reference fixtures (issue 11, sections 4 and 5), written by
// scripts/bcd-fixtures.py with Debian's scikit-learn 1.2.1 / SciPy 1.10.1 (see its docstring).
// This file needs no native code and never runs Python: it checks that every file is well formed
// (shapes, finite numbers, CSC structure) and that every stored objective is reproduced here, in
// plain TypeScript, from the stored inputs and solution to 1e-12 relative, under the convention the
// solvers will use: (1/(2 Σs)) Σ s_i (y_i − x_i·w − c)² + λ(r‖w‖₁ + (1−r)/2‖w‖²) (Lasso / elastic
// net), mean log-loss + λ‖w‖₁ (ℓ1-logistic), (1/(2n))‖y − Xw − c‖² + λ Σ_g ω_g‖w_g‖₂ (group Lasso),
// ½‖Ax − b‖² (NNLS). It also checks the stored optimality certificates (duality gaps within
// sklearn's stopping rule, KKT residuals), zero solutions at λ ≥ λ_max, CSC vs dense agreement,
// and the digits split (sizes, stratification).
import * as fs from 'fs';
import * as path from 'path';
import t, { Test } from 'tap';

const FIX = path.join(__dirname, 'fixtures', 'bcd');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const load = (name: string): any => JSON.parse(fs.readFileSync(path.join(FIX, name), 'utf8'));

interface Design {
  n: number;
  p: number;
  y: number[];
  X?: number[];
  order?: string;
  csc?: { indptr: number[]; indices: number[]; data: number[] };
}

const allFinite = (a: number[]) => a.every((v) => typeof v === 'number' && Number.isFinite(v));
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

/** X·w for a stored design (column-major dense or CSC). */
function matvec(d: Design, w: ArrayLike<number>): Float64Array {
  const out = new Float64Array(d.n);
  if (d.csc) {
    const { indptr, indices, data } = d.csc;
    for (let j = 0; j < d.p; j++)
      for (let k = indptr[j]; k < indptr[j + 1]; k++) out[indices[k]] += data[k] * w[j];
  } else {
    const X = d.X as number[];
    for (let j = 0; j < d.p; j++) {
      const wj = w[j];
      if (wj === 0) continue;
      for (let i = 0; i < d.n; i++) out[i] += X[j * d.n + i] * wj;
    }
  }
  return out;
}

function checkDesign(tt: Test, name: string, d: Design) {
  tt.equal(d.y.length, d.n, `${name}: y has n entries`);
  tt.ok(allFinite(d.y), `${name}: y finite`);
  if (d.csc) {
    const { indptr, indices, data } = d.csc;
    tt.equal(indptr.length, d.p + 1, `${name}: indptr has p + 1 entries`);
    tt.equal(indptr[0], 0);
    tt.equal(indices.length, indptr[d.p], `${name}: nnz`);
    tt.equal(data.length, indptr[d.p]);
    let ok = true;
    for (let j = 0; j < d.p; j++) {
      if (indptr[j + 1] < indptr[j]) ok = false;
      for (let k = indptr[j]; k < indptr[j + 1]; k++) {
        if (indices[k] < 0 || indices[k] >= d.n) ok = false;
        if (k > indptr[j] && indices[k] <= indices[k - 1]) ok = false;
      }
    }
    tt.ok(ok, `${name}: CSC columns sorted, unique, in range`);
    tt.ok(allFinite(data), `${name}: CSC values finite`);
  } else {
    tt.equal(d.order, 'F');
    tt.equal((d.X as number[]).length, d.n * d.p, `${name}: X is n × p`);
    tt.ok(allFinite(d.X as number[]), `${name}: X finite`);
  }
}

t.test('lasso.json: sklearn Lasso / ElasticNet', (tt) => {
  const J = load('lasso.json');
  tt.equal(J.tol, 1e-12);
  const designs: Record<string, Design> = J.designs;
  tt.same(Object.keys(designs).sort(), ['correlated', 'diabetes', 'sparse']);
  for (const [k, d] of Object.entries(designs)) checkDesign(tt, k, d);
  for (const [k, s] of Object.entries(J.sampleWeights as Record<string, number[]>)) {
    tt.equal(s.length, designs[k].n, `weights ${k}`);
    tt.ok(s.every((v) => v > 0 && Number.isFinite(v)));
  }
  const denseOf: Record<string, Design> = {};
  // The sparse design fitted dense: the same numbers, expanded column-major.
  {
    const d = designs.sparse;
    const X = new Array(d.n * d.p).fill(0);
    const c = d.csc!;
    for (let j = 0; j < d.p; j++)
      for (let k = c.indptr[j]; k < c.indptr[j + 1]; k++) X[j * d.n + c.indices[k]] = c.data[k];
    denseOf.sparse = { n: d.n, p: d.p, y: d.y, X, order: 'F' };
  }
  let worstObj = 0;
  let worstGapRatio = 0;
  const cases = J.cases;
  tt.ok(cases.length >= 80, `${cases.length} cases`);
  for (const c of cases) {
    const d: Design = c.design === 'sparse' && !c.sparse ? denseOf.sparse : designs[c.design];
    const tag = `${c.estimator} ${c.design} ${c.sparse ? 'csc' : 'dense'} fi=${c.fitIntercept} pos=${c.positive} sw=${c.sampleWeight} λ/λmax=${c.lambdaRatio}`;
    tt.equal(c.coef.length, d.p, `${tag}: coef length`);
    tt.ok(allFinite(c.coef) && Number.isFinite(c.intercept), `${tag}: finite`);
    if (!c.fitIntercept) tt.equal(c.intercept, 0);
    if (c.positive)
      tt.ok(
        c.coef.every((v: number) => v >= 0),
        `${tag}: coef ≥ 0`,
      );
    const s: number[] | null = c.sampleWeight ? J.sampleWeights[c.sampleWeight] : null;
    const Xw = matvec(d, c.coef);
    let S = 0;
    let loss = 0;
    for (let i = 0; i < d.n; i++) {
      const si = s ? s[i] : 1;
      const r = d.y[i] - Xw[i] - c.intercept;
      S += si;
      loss += si * r * r;
    }
    let l1 = 0;
    let l2 = 0;
    for (const v of c.coef) {
      l1 += Math.abs(v);
      l2 += v * v;
    }
    const obj = loss / (2 * S) + c.lambda * (c.l1Ratio * l1 + 0.5 * (1 - c.l1Ratio) * l2);
    worstObj = Math.max(worstObj, rel(obj, c.objective));
    // sklearn's rule: gap ≤ tol·‖y_c‖²/n (objective units); rounding of the gap itself allowed.
    const bound = (J.tol * c.yCentredNorm2) / d.n;
    worstGapRatio = Math.max(worstGapRatio, c.dualGap / bound);
    tt.ok(
      c.dualGap <= 1.5 * bound + 1e-15 * c.objective,
      `${tag}: gap ${c.dualGap} ≤ tol‖y_c‖²/n = ${bound}`,
    );
    tt.ok(rel(c.lambda, c.lambdaRatio * c.lambdaMax) < 1e-14, `${tag}: λ = ratio·λmax`);
    if (c.lambdaRatio >= 1) {
      const mx = Math.max(...c.coef.map(Math.abs));
      tt.ok(mx <= 1e-10, `${tag}: (numerically) zero at λ ≥ λmax (max |w| ${mx})`);
    }
    tt.ok(c.converged, `${tag}: sklearn converged`);
  }
  tt.ok(worstObj <= 1e-12, `objective recomputed from coef: worst relative difference ${worstObj}`);
  tt.comment(`worst gap / (tol‖y_c‖²/n): ${worstGapRatio}`);
  // CSC and dense fits of the same sparse design agree.
  for (const c of cases.filter((x: { sparse: boolean }) => x.sparse)) {
    const twin = cases.find(
      (x: typeof c) =>
        x.design === 'sparse' &&
        !x.sparse &&
        x.estimator === c.estimator &&
        x.fitIntercept === c.fitIntercept &&
        x.positive === c.positive &&
        x.sampleWeight === c.sampleWeight &&
        x.lambdaRatio === c.lambdaRatio,
    );
    if (!twin) continue;
    let diff = 0;
    for (let j = 0; j < c.coef.length; j++)
      diff = Math.max(diff, Math.abs(c.coef[j] - twin.coef[j]));
    tt.ok(
      diff <= 1e-8,
      `csc vs dense ${c.estimator} fi=${c.fitIntercept} λ/λmax=${c.lambdaRatio}: ${diff}`,
    );
  }
  tt.end();
});

t.test('path.json: lasso_path / enet_path', (tt) => {
  const J = load('path.json');
  const d: Design = J.design;
  checkDesign(tt, 'correlated', d);
  for (const kind of ['lasso', 'enet']) {
    const P = J[kind];
    tt.equal(P.lambdas.length, 20, `${kind}: 20 values`);
    tt.ok(rel(P.lambdas[0], P.lambdaMax) < 1e-12, `${kind}: grid starts at λmax`);
    tt.ok(rel(P.lambdas[19], 1e-3 * P.lambdaMax) < 1e-12, `${kind}: grid ends at 1e-3 λmax`);
    for (let k = 1; k < 20; k++) tt.ok(P.lambdas[k] < P.lambdas[k - 1]);
    tt.ok(
      P.coefs[0].every((v: number) => Math.abs(v) <= 1e-10),
      `${kind}: zero at λmax`,
    );
    let worst = 0;
    for (let k = 0; k < 20; k++) {
      const w = P.coefs[k];
      tt.equal(w.length, d.p);
      const Xw = matvec(d, w);
      let loss = 0;
      for (let i = 0; i < d.n; i++) loss += (d.y[i] - Xw[i]) ** 2;
      let l1 = 0;
      let l2 = 0;
      for (const v of w) {
        l1 += Math.abs(v);
        l2 += v * v;
      }
      const obj = loss / (2 * d.n) + P.lambdas[k] * (P.l1Ratio * l1 + 0.5 * (1 - P.l1Ratio) * l2);
      worst = Math.max(worst, rel(obj, P.objectives[k]));
      tt.ok(P.dualGaps[k] <= 1e-10 * P.objectives[0], `${kind} ${k}: gap ${P.dualGaps[k]}`);
    }
    tt.ok(worst <= 1e-12, `${kind}: objectives recomputed, worst ${worst}`);
  }
  tt.end();
});

t.test('nnls.json: scipy.optimize.nnls', (tt) => {
  const J = load('nnls.json');
  tt.equal(J.cases.length, 3);
  for (const c of J.cases) {
    tt.equal(c.A.length, c.m * c.n);
    tt.equal(c.b.length, c.m);
    tt.equal(c.x.length, c.n);
    tt.ok(allFinite(c.A) && allFinite(c.b) && allFinite(c.x));
    tt.ok(
      c.x.every((v: number) => v >= 0),
      `${c.name}: x ≥ 0`,
    );
    const d: Design = { n: c.m, p: c.n, y: c.b, X: c.A, order: 'F' };
    const Ax = matvec(d, c.x);
    let r2 = 0;
    for (let i = 0; i < c.m; i++) r2 += (Ax[i] - c.b[i]) ** 2;
    tt.ok(rel(Math.sqrt(r2), c.rnorm) < 1e-12, `${c.name}: rnorm`);
    tt.ok(rel(0.5 * r2, c.objective) < 1e-12, `${c.name}: objective`);
    tt.ok(c.kkt <= 1e-10, `${c.name}: KKT ${c.kkt}`);
  }
  tt.equal(J.cases[2].nnz, 0, 'all-zero case');
  tt.end();
});

t.test('logistic.json: ℓ1-logistic', (tt) => {
  const J = load('logistic.json');
  const d: Design = J.design;
  checkDesign(tt, 'logistic', d);
  tt.ok(
    d.y.every((v) => v === 1 || v === -1),
    'labels ±1',
  );
  const obj = (w: number[], c: number, lam: number) => {
    const z = matvec(d, w);
    let s = 0;
    for (let i = 0; i < d.n; i++) {
      const u = -d.y[i] * (z[i] + c);
      s += u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u));
    }
    let l1 = 0;
    for (const v of w) l1 += Math.abs(v);
    return s / d.n + lam * l1;
  };
  for (const c of J.cases) {
    const tag = `fi=${c.fitIntercept} λ/λmax=${c.lambdaRatio}`;
    for (const which of ['sklearn', 'reference']) {
      const r = c[which];
      tt.equal(r.coef.length, d.p);
      tt.ok(allFinite(r.coef));
      tt.ok(
        rel(obj(r.coef, r.intercept, c.lambda), r.objective) < 1e-12,
        `${tag} ${which}: objective recomputed`,
      );
    }
    tt.ok(
      c.reference.objective <= c.sklearn.objective * (1 + 1e-14),
      `${tag}: polished ≤ sklearn (${c.reference.objective} vs ${c.sklearn.objective})`,
    );
    tt.ok(c.reference.kkt <= 1e-9, `${tag}: KKT ${c.reference.kkt}`);
    if (c.fitIntercept) tt.equal(c.sklearn.solver, 'saga');
    else {
      tt.equal(c.sklearn.solver, 'liblinear');
      tt.ok(rel(c.sklearn.C, 1 / (d.n * c.lambda)) < 1e-14, 'C = 1/(nλ)');
    }
    if (c.lambdaRatio >= 1)
      tt.ok(
        c.reference.coef.every((v: number) => Math.abs(v) <= 1e-12),
        `${tag}: (numerically) zero at λmax`,
      );
  }
  tt.end();
});

t.test('group.json: group Lasso', (tt) => {
  const J = load('group.json');
  const d: Design = J.design;
  checkDesign(tt, 'correlated', d);
  const off: number[] = J.offsets;
  tt.equal(off[0], 0);
  tt.equal(off[off.length - 1], d.p);
  for (let g = 0; g + 1 < off.length; g++) {
    tt.ok(off[g + 1] > off[g], 'non-empty groups');
    tt.ok(rel(J.groupWeights[g], Math.sqrt(off[g + 1] - off[g])) < 1e-15, 'ω_g = √|g|');
  }
  for (const c of J.cases) {
    const tag = `fi=${c.fitIntercept} λ/λmax=${c.lambdaRatio}`;
    tt.equal(c.coef.length, d.p);
    const Xw = matvec(d, c.coef);
    let loss = 0;
    for (let i = 0; i < d.n; i++) loss += (d.y[i] - Xw[i] - c.intercept) ** 2;
    let pen = 0;
    const active: number[] = [];
    for (let g = 0; g + 1 < off.length; g++) {
      let s = 0;
      for (let j = off[g]; j < off[g + 1]; j++) s += c.coef[j] ** 2;
      pen += J.groupWeights[g] * Math.sqrt(s);
      if (s > 0) active.push(g);
    }
    const obj = loss / (2 * d.n) + c.lambda * pen;
    tt.ok(rel(obj, c.objective) < 1e-12, `${tag}: objective recomputed (${obj} vs ${c.objective})`);
    tt.same(active, c.activeGroups, `${tag}: active groups`);
    tt.ok(c.kkt <= 1e-10, `${tag}: KKT ${c.kkt}`);
    if (c.lambdaRatio >= 1) tt.same(active, [], `${tag}: zero at λmax`);
  }
  tt.end();
});

t.test('digits.json: data, split, reference accuracies', (tt) => {
  const J = load('digits.json');
  tt.equal(J.n, 1797);
  tt.equal(J.pixels.length, 1797);
  tt.ok(
    J.pixels.every((s: string) => /^[0-9a-g]{64}$/.test(s)),
    'every image: 64 base-36 digits 0..g',
  );
  tt.match(J.labels, /^[0-9]{1797}$/);
  const te: number[] = J.testIndices;
  tt.equal(te.length, 360, '20 % held out');
  for (let k = 1; k < te.length; k++) tt.ok(te[k] > te[k - 1] && te[k] < 1797);
  const total = new Array(10).fill(0);
  const held = new Array(10).fill(0);
  for (let i = 0; i < 1797; i++) total[+J.labels[i]]++;
  for (const i of te) held[+J.labels[i]]++;
  for (let k = 0; k < 10; k++)
    tt.ok(
      Math.abs(held[k] - 0.2 * total[k]) <= 1,
      `class ${k}: ${held[k]} of ${total[k]} held out`,
    );
  // The pixel sum of the first image, as sklearn stores it (a check that the encoding is read right).
  const first = J.pixels[0].split('').map((ch: string) => parseInt(ch, 36));
  tt.ok(
    first.every((v: number) => v >= 0 && v <= 16),
    'pixels 0..16',
  );
  tt.equal(J.labels[0], '0');
  const ref = J.reference;
  tt.ok(ref.ridgePixels.accuracy > 0.9 && ref.ridgePixels.accuracy <= 1, 'ridge on pixels');
  for (const k of ['ridgeFrozenFeatures_he', 'ridgeFrozenFeatures_paper']) {
    tt.equal(ref[k].accuracies.length, 5);
    tt.ok(ref[k].accuracies.every((a: number) => a >= 0 && a <= 1));
  }
  tt.match(J.provenance.licence, /CC BY 4\.0/);
  tt.end();
});
