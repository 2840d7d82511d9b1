// Krylov robustness end to end (issue 8, section 1): GMRES on singular and defective operators
// returns the least-squares answer over the Krylov space it built; the stop reasons
// 'max-iterations' (a cycle cut short), 'stagnation' (restarted GMRES stops improving) and
// 'non-finite' (x holds NaN/Inf); GCROT(m, k) (gcrotmk / gcrotmkSync) converging where GMRES(m)
// stagnates, on SciPy's own test problem. References: test/fixtures/krylov/robust.json and
// gcrotmk.json (scripts/krylov-fixtures.py, SciPy 1.10). The native side is tested in depth by
// test/native/krylov_robust_tests.cpp.
import * as fs from 'fs';
import * as path from 'path';
import t from 'tap';
import {
  bicgstabSync,
  CsrMatrix,
  gcrotmk,
  gcrotmkSync,
  gmresSync,
  readMatrixMarket,
} from '../lib/index';
import { naiveSpmv } from './helpers';

const FIX = path.join(__dirname, 'fixtures');
const load = (f: string) => JSON.parse(fs.readFileSync(path.join(FIX, 'krylov', f), 'utf8'));
const robust = load('robust.json');
const gfx = load('gcrotmk.json');

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}
function trueResidual(A: CsrMatrix, b: Float64Array, x: Float64Array): number {
  const y = naiveSpmv(A, x);
  let s = 0;
  for (let i = 0; i < b.length; i++) s += (b[i] - y[i]) ** 2;
  return Math.sqrt(s);
}
const dense = (n: number, rows: number[][]) =>
  CsrMatrix.fromDense(n, n, Float64Array.from(rows.flat()));
const allFinite = (x: Float64Array) => x.every((v) => Number.isFinite(v));

// The nilpotent 4×4 strictly upper-triangular matrix of ones.
const nilpotent = () => dense(4, robust.nilpotent.A);

// NumPy's legacy np.random.seed(s) + np.random.rand(): MT19937 seeded with init_genrand(s), doubles
// from two 32-bit draws (genrand_res53). Rebuilds SciPy's test_truncate problem from its seed.
function numpyRand(seed: number): () => number {
  const mt = new Uint32Array(624);
  let idx = 624;
  mt[0] = seed >>> 0;
  for (let i = 1; i < 624; i++) {
    const p = mt[i - 1] ^ (mt[i - 1] >>> 30);
    // 1812433253 * p + i modulo 2^32, in two 16-bit halves to stay exact in doubles.
    mt[i] = ((((p >>> 16) * 1812433253) << 16) + (p & 0xffff) * 1812433253 + i) >>> 0;
  }
  const next = (): number => {
    if (idx >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      idx = 0;
    }
    let y = mt[idx++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  };
  return () => {
    const a = next() >>> 5;
    const b = next() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  };
}

function truncateProblem(): { A: CsrMatrix; b: Float64Array } {
  const r = numpyRand(1234);
  const a = new Float64Array(900);
  for (let i = 0; i < 30; i++) for (let j = 0; j < 30; j++) a[i * 30 + j] = r() + (i === j ? 1 : 0);
  const b = new Float64Array(30);
  for (let i = 0; i < 30; i++) b[i] = r();
  return { A: CsrMatrix.fromDense(30, 30, a), b };
}

t.test(
  'GMRES with a singular preconditioner returns the least-squares x (0, 1/3, 0) as SciPy does',
  async (t) => {
    const d = robust.diag;
    const A = dense(3, [
      [2, 0, 0],
      [0, 3, 0],
      [0, 0, 4],
    ]);
    const b = Float64Array.from(d.b);
    const r = gmresSync(A, b, {
      x0: Float64Array.from(d.x0),
      preconditioner: (res: Float64Array, z: Float64Array) => {
        z[0] = res[0];
        z[1] = res[1];
        z[2] = 0;
      },
      rtol: 1e-15,
      history: true,
    });
    t.ok(
      Math.abs(r.x[0]) <= 1e-14 && Math.abs(r.x[1] - 1 / 3) <= 1e-14 && Math.abs(r.x[2]) <= 1e-14,
      `x = ${Array.from(r.x)}`,
    );
    for (let i = 0; i < 3; i++)
      t.ok(Math.abs(r.x[i] - d.scipyGmres.x[i]) <= 1e-14, `x[${i}] as SciPy's`);
    t.equal(r.converged, false);
    t.equal(r.reason, 'breakdown');
    t.ok(Math.abs(r.residualNorm - 1) <= 1e-14, `residual ${r.residualNorm} is the reachable 1`);
    t.ok(Math.abs(trueResidual(A, b, r.x) - 1) <= 1e-14);
    // The residual estimate never dips below what is reachable (it used to show 0.75).
    t.ok(
      r.history !== undefined && r.history.every((h) => h >= 1 - 1e-12),
      `history ${r.history && Array.from(r.history)}`,
    );
    t.equal(r.history!.length, r.iterations + 1);
  },
);

t.test(
  'GMRES(4) on the nilpotent 4x4 matrix ends on the Krylov least-squares optimum, finite',
  async (t) => {
    const N = nilpotent();
    const b = Float64Array.from(robust.nilpotent.b);
    t.ok(
      robust.nilpotent.scipyGmres.residual > norm(b) / 2,
      'SciPy misses the optimum (what is fixed here)',
    );
    for (const maxIterations of [4, 100]) {
      const r = gmresSync(N, b, { restart: 4, maxIterations, rtol: 1e-10 });
      const res = trueResidual(N, b, r.x);
      t.ok(allFinite(r.x), `finite x ${Array.from(r.x)}`);
      t.ok(res <= norm(b), `‖b − Ax‖ = ${res} ≤ ‖b‖`);
      t.ok(Math.abs(res - robust.nilpotent.lstsq.residual) <= 1e-12, 'the least-squares optimum 1');
      t.ok(Math.abs(r.residualNorm - res) <= 1e-12);
      // Every optimal x is (t, 0, 0, 1); the minimiser over the 3 independent Krylov columns has t = 1.
      t.ok(Math.abs(r.x[1]) <= 1e-12 && Math.abs(r.x[2]) <= 1e-12 && Math.abs(r.x[3] - 1) <= 1e-12);
      t.ok(Math.abs(r.x[0] - 1) <= 1e-12);
      t.equal(r.converged, false);
      t.equal(r.reason, 'breakdown', 'rank loss: no restart can do better');
      t.equal(r.iterations, 4);
    }
  },
);

t.test(
  "reasons: a cycle cut short is 'max-iterations'; restarted GMRES that stops improving is 'stagnation'",
  async (t) => {
    // Cyclic shift S e_i = e_{i+1}, b = e_0: every GMRES(4) cycle gains exactly nothing.
    const n = 16;
    const S = CsrMatrix.fromCoo(
      n,
      n,
      Int32Array.from({ length: n }, (_, i) => (i + 1) % n),
      Int32Array.from({ length: n }, (_, i) => i),
      new Float64Array(n).fill(1),
    );
    const b = new Float64Array(n);
    b[0] = 1;
    const cut = gmresSync(S, b, { restart: 4, maxIterations: 3 });
    t.equal(cut.reason, 'max-iterations');
    t.equal(cut.iterations, 3);
    const stag = gmresSync(S, b, { restart: 4, maxIterations: 100 });
    t.equal(stag.reason, 'stagnation');
    t.equal(stag.iterations, 4, 'one cycle: a cycle that gains nothing would repeat itself');
    t.equal(stag.residualNorm, 1);

    // bp_1600 (SuiteSparse), b = A·1, GMRES(30) without preconditioner: it used to say 'breakdown'.
    const A = readMatrixMarket(path.join(FIX, 'matrices', 'bp_1600.mtx'));
    const b1 = naiveSpmv(A, new Float64Array(A.rows).fill(1));
    const r = gmresSync(A, b1, { restart: 30 });
    t.equal(r.reason, 'stagnation');
    t.equal(r.converged, false);
    t.equal(r.iterations % 30, 0, 'at the end of a cycle');
    t.ok(r.iterations < 1000, `${r.iterations} iterations`);
    const rel = r.residualNorm / norm(b1);
    t.ok(rel > 0.6 && rel < 0.7, `stuck at relres ${rel}`);
    t.ok(Math.abs(trueResidual(A, b1, r.x) / r.residualNorm - 1) < 1e-8);
    const short = gmresSync(A, b1, { restart: 30, maxIterations: 100 });
    t.equal(short.reason, 'max-iterations');
    t.equal(short.iterations, 100);
  },
);

t.test("a non-finite x is always 'non-finite' (BiCGSTAB on the nilpotent matrix)", async (t) => {
  t.equal(robust.nilpotent.scipyBicgstabB1110.xFinite, false);
  const r = bicgstabSync(nilpotent(), Float64Array.from([1, 1, 1, 0]), { rtol: 1e-10 });
  t.notOk(allFinite(r.x), 'x holds a NaN');
  t.equal(r.reason, 'non-finite');
  t.equal(r.converged, false);
});

t.test('gcrotmk converges on SciPy test_truncate where GMRES(10) stagnates', async (t) => {
  const tr = gfx.truncate;
  const { A, b } = truncateProblem();
  // The seeded draw is SciPy's, bit for bit.
  let same = true;
  for (let i = 0; i < 30; i++) {
    for (let j = 0; j < 30; j++) same = same && A.values[i * 30 + j] === tr.A[i][j];
    same = same && b[i] === tr.b[i];
  }
  t.ok(same, 'A = rand(30,30) + I, b = rand(30) as np.random.seed(1234) draws them');
  const bn = norm(b);

  const g = gmresSync(A, b, { restart: 10, rtol: 1e-4, maxIterations: 1000 });
  t.equal(g.reason, 'stagnation');
  t.ok(
    Math.abs(g.residualNorm / bn - tr.gmres.relres) <= 1e-6,
    `GMRES(10) stalls at ${g.residualNorm / bn} (SciPy ${tr.gmres.relres})`,
  );

  for (const ref of tr.gcrotmk) {
    const r = gcrotmkSync(A, b, {
      restart: ref.m,
      recycle: ref.k,
      rtol: ref.tol,
      maxIterations: 5000,
      history: true,
    });
    t.equal(r.converged, true, `tol ${ref.tol}: ${r.reason}`);
    t.equal(r.reason, 'rtol');
    t.ok(
      Math.abs(r.iterations - ref.innerSteps) <= 2,
      `${r.iterations} steps, SciPy ${ref.innerSteps}`,
    );
    t.ok(trueResidual(A, b, r.x) <= ref.tol * bn, 'the residual meets rtol');
    t.equal(r.history!.length, r.iterations + 1);
    // The Promise form runs the same solve.
    const p = await gcrotmk(A, b, {
      restart: ref.m,
      recycle: ref.k,
      rtol: ref.tol,
      maxIterations: 5000,
    });
    t.equal(p.reason, 'rtol');
    t.equal(p.iterations, r.iterations);
    t.same(Array.from(p.x), Array.from(r.x));
  }
  // recycle 0 keeps nothing: GCROT(10, 0) is GMRES(10) and stagnates the same way.
  const k0 = gcrotmkSync(A, b, { restart: 10, recycle: 0, rtol: 1e-4, maxIterations: 5000 });
  t.equal(k0.reason, 'stagnation');
  t.ok(Math.abs(k0.residualNorm / bn - tr.gmres.relres) <= 1e-6);
  // Default recycle = restart.
  const def = gcrotmkSync(A, b, { restart: 10, rtol: 1e-4 });
  const k10 = gcrotmkSync(A, b, { restart: 10, recycle: 10, rtol: 1e-4 });
  t.equal(def.iterations, k10.iterations);
  t.same(Array.from(def.x), Array.from(k10.x));
});

t.test(
  'gcrotmk matches SciPy step counts on SuiteSparse matrices (with and without Jacobi)',
  async (t) => {
    for (const m of gfx.matrices.filter((m: { name: string }) =>
      ['bcsstk02', 'bcsstm07', '685_bus'].includes(m.name),
    )) {
      const A = readMatrixMarket(path.join(FIX, 'matrices', `${m.name}.mtx`));
      const b = naiveSpmv(A, new Float64Array(A.rows).fill(1));
      for (const ref of m.runs) {
        const r = gcrotmkSync(A, b, {
          restart: ref.m,
          recycle: ref.k,
          rtol: ref.tol,
          maxIterations: 20000,
          preconditioner: ref.preconditioner === 'jacobi' ? 'jacobi' : 'none',
        });
        const label = `${m.name} (${ref.m},${ref.k}${ref.preconditioner ? ',jacobi' : ''})`;
        t.equal(r.reason, 'rtol', label);
        t.ok(
          Math.abs(r.iterations - ref.innerSteps) <= Math.max(3, ref.innerSteps / 20),
          `${label}: ${r.iterations} vs SciPy ${ref.innerSteps}`,
        );
        t.ok(trueResidual(A, b, r.x) <= ref.tol * norm(b) * (1 + 1e-10), `${label}: residual`);
      }
    }
  },
);
