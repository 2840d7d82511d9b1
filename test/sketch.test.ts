// Randomized iterative sketching for consistent (rectangular, indefinite) systems.
import t from 'tap';
import {
  AbortError,
  CsrMatrix,
  cgSync,
  poisson2d,
  sketchSolve,
  sketchSolveSync,
} from '../lib/index';
import type { SolveResult } from '../lib/index';
import { naiveSpmv, randomCsr, randomVector } from './helpers';

const kinds = ['kaczmarz', 'block-kaczmarz', 'gaussian'] as const;
const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
function diffNorm(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

t.test('overdetermined consistent system: every sketch recovers x', async (t) => {
  const A = randomCsr(600, 120, 1, { density: 0.08, emptyRowFraction: 0.05 });
  const xTrue = randomVector(120, 2);
  const b = naiveSpmv(A, xTrue);
  for (const sketch of kinds) {
    for (const sampling of ['norm', 'uniform'] as const) {
      const r = sketchSolveSync(A, b, {
        sketch,
        sampling,
        blockSize: 16,
        rtol: 1e-10,
        history: true,
        seed: 5,
      });
      t.equal(r.converged, true, `${sketch}/${sampling}: ${r.iterations} steps (${r.reason})`);
      t.ok(r.residualNorm <= 1e-10 * norm(b));
      t.ok(diffNorm(r.x, xTrue) <= 1e-6 * norm(xTrue), `${sketch}/${sampling}: x recovered`);
      t.equal(r.history!.length, r.iterations + 1);
      const last = r.history![r.iterations];
      t.ok(
        Math.abs(last - r.residualNorm) <= 1e-6 * norm(b),
        'the incremental residual agrees with b − A x',
      );
    }
  }
});

t.test('underdetermined system from x0 = 0: the minimum-norm solution', async (t) => {
  const A = randomCsr(80, 240, 3, { density: 0.1, emptyRowFraction: 0 });
  const b = randomVector(80, 4);
  // x* = Aᵀ (A Aᵀ)⁻¹ b
  const AT = A.transpose();
  const G = new Float64Array(80 * 80);
  for (let j = 0; j < 80; j++) {
    const e = new Float64Array(80);
    e[j] = 1;
    const col = A.multiply(AT.multiply(e));
    for (let i = 0; i < 80; i++) G[i * 80 + j] = col[i];
  }
  const y = cgSync(CsrMatrix.fromDense(80, 80, G), b, { rtol: 1e-14, maxIterations: 10000 }).x;
  const xStar = AT.multiply(y);
  for (const sketch of kinds) {
    const r = sketchSolveSync(A, b, {
      sketch,
      blockSize: 8,
      rtol: 1e-11,
      seed: 9,
      maxIterations: 1_000_000,
    });
    t.equal(r.converged, true, `${sketch}: ${r.iterations} steps`);
    t.ok(diffNorm(r.x, xStar) <= 1e-7 * norm(xStar), `${sketch}: minimum-norm solution`);
  }
});

t.test('square nonsymmetric indefinite system', async (t) => {
  // Random sparse nonsymmetric matrix with a diagonal of both signs (indefinite).
  const n = 150;
  const R = randomCsr(n, n, 21, { density: 0.03, emptyRowFraction: 0 });
  const D = R.toDense();
  for (let i = 0; i < n; i++) D[i * n + i] += i % 2 ? -3 : 3;
  const A = CsrMatrix.fromDense(n, n, D);
  const xTrue = randomVector(n, 6);
  const b = naiveSpmv(A, xTrue);
  for (const sketch of kinds) {
    const r = sketchSolveSync(A, b, {
      sketch,
      blockSize: 10,
      rtol: 1e-9,
      seed: 3,
      maxIterations: 2_000_000,
    });
    t.equal(r.converged, true, `${sketch}: ${r.iterations} steps (${r.reason})`);
    t.ok(diffNorm(r.x, xTrue) <= 1e-6 * norm(xTrue));
  }
});

t.test(
  'seeded: same seed same run, different seed different run; Promise form agrees',
  async (t) => {
    const A = randomCsr(300, 100, 7, { density: 0.1 });
    const b = naiveSpmv(A, randomVector(100, 8));
    for (const sketch of kinds) {
      const a = sketchSolveSync(A, b, { sketch, seed: 42, rtol: 1e-6 });
      const c = sketchSolveSync(A, b, { sketch, seed: 42, rtol: 1e-6 });
      const d = sketchSolveSync(A, b, { sketch, seed: 43, rtol: 1e-6 });
      t.same(a.x, c.x, `${sketch}: bit-identical`);
      t.equal(a.iterations, c.iterations);
      t.notSame(a.x, d.x, `${sketch}: another seed, another trajectory`);
      const p = await sketchSolve(A, b, { sketch, seed: 42, rtol: 1e-6 });
      t.same(p.x, a.x, `${sketch}: Promise form`);
    }
  },
);

t.test('stops, options and errors', async (t) => {
  const A = randomCsr(400, 100, 11, { density: 0.1 });
  const b = naiveSpmv(A, randomVector(100, 12));
  const m = sketchSolveSync(A, b, { maxIterations: 10, rtol: 1e-12 });
  t.same([m.converged, m.reason, m.iterations], [false, 'max-iterations', 10]);
  t.ok(
    Math.abs(m.residualNorm - diffNorm(naiveSpmv(A, m.x), b)) <= 1e-9 * norm(b),
    'residualNorm is the true one',
  );
  const tr = sketchSolveSync(A, b, { trueResidualEvery: 50, rtol: 1e-8 });
  t.equal(tr.converged, true);
  const z = sketchSolveSync(A, new Float64Array(400));
  t.same([z.converged, z.iterations], [true, 0]);
  const big = randomCsr(20000, 2000, 13, { density: 0.002 });
  const bb = naiveSpmv(big, randomVector(2000, 1));
  const ac = new AbortController();
  const abErr = (await sketchSolve(big, bb, {
    rtol: 0,
    maxIterations: 1e12,
    signal: ac.signal,
    onProgress: (p) => p.iteration > 0 && ac.abort(),
  }).then(
    () => t.fail('resolved'),
    (e: unknown) => e,
  )) as AbortError<SolveResult>;
  t.match(abErr, { name: 'AbortError', code: 'ABORT_ERR' });
  const ab = abErr.result!;
  t.equal(ab.reason, 'aborted');
  t.ok(ab.iterations > 0);
  t.equal(ab.x.length, 2000);
  const tl = sketchSolveSync(big, bb, { rtol: 0, maxIterations: 1e12, timeLimitMs: 30 });
  t.equal(tl.reason, 'time-limit');
  t.throws(() => sketchSolveSync(A, new Float64Array(100)), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'b',
  });
  t.throws(() => sketchSolveSync(A, b, { x0: new Float64Array(400) }), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'x0',
  });
  const sq = poisson2d(6);
  const bs = new Float64Array(sq.rows).fill(1);
  t.throws(() => sketchSolveSync(sq, bs, { out: bs }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'out',
    message: /overlap b/,
  });
  await t.rejects(sketchSolve(sq, bs, { out: bs }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'out',
  });
  t.throws(() => sketchSolveSync(A, b, { sketch: 'srht' as never }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'sketch',
  });
  t.throws(() => sketchSolveSync(A, b, { sampling: 'x' as never }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'sampling',
  });
  t.throws(() => sketchSolveSync(A, b, { blockSize: 401 }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'blockSize',
  });
  t.throws(() => sketchSolveSync(A, b, { seed: -1 }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'seed',
  });
  const nan = b.slice();
  nan[0] = NaN;
  t.throws(() => sketchSolveSync(A, nan), { code: 'ERR_INVALID_ARGUMENT', argument: 'b' });
  const Z = new CsrMatrix(3, 3, new Int32Array(4), new Int32Array(0), new Float64Array(0));
  t.throws(() => sketchSolveSync(Z, Float64Array.from([1, 0, 0])), { code: 'ERR_INVALID_MATRIX' });
  await t.rejects(sketchSolve(A, b, { blockSize: 0 }), { code: 'ERR_INVALID_ARGUMENT' });
});
