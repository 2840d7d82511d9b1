// Conjugate-direction method with a pluggable oracle (DCDM, Kaneda et al., ICML 2023): the golden
// properties the issue lists, on 2D Poisson 64×64 with a seeded random right-hand side.
import t from 'tap';
import {
  cgSync,
  conjugateDirection,
  conjugateDirectionSync,
  CsrMatrix,
  poisson2d,
  Preconditioner,
  rng,
} from '../lib/index';
import { naiveSpmv } from './helpers';

const A = poisson2d(64);
const n = A.rows;
const rand = rng(2023);
const b = new Float64Array(n);
for (let i = 0; i < n; i++) b[i] = rand() * 2 - 1;
const rtol = 1e-6;

t.test('identity oracle: the iterates are those of CG', async (t) => {
  const c = cgSync(A, b, { rtol, history: true });
  t.ok(c.iterations >= 150 && c.iterations <= 185, `cg: ${c.iterations} iterations (about 168)`);
  for (const memory of [1, 2, 4]) {
    const d = conjugateDirectionSync(A, b, { rtol, memory, history: true });
    t.equal(d.converged, true);
    t.ok(
      Math.abs(d.iterations - c.iterations) <= 1,
      `memory ${memory}: ${d.iterations} iterations, cg ${c.iterations}`,
    );
    let dev = 0;
    for (let i = 0; i < 60; i++)
      dev = Math.max(dev, Math.abs(d.history![i] - c.history![i]) / c.history![i]);
    t.ok(
      dev < 1e-6,
      `memory ${memory}: residual history follows CG's (max rel. deviation ${dev.toExponential(1)} over 60 its)`,
    );
  }
  const p = conjugateDirectionSync(A, b, { rtol, oracle: 'none' });
  t.ok(Math.abs(p.iterations - c.iterations) <= 1, "oracle 'none' is the identity");
});

t.test('exact-inverse oracle: one iteration', async (t) => {
  const exact = (r: Float64Array, out: Float64Array) => {
    cgSync(A, r, { rtol: 1e-14, out });
  };
  const d = conjugateDirectionSync(A, b, { rtol, oracle: exact });
  t.same([d.converged, d.iterations], [true, 1]);
  t.ok(d.residualNorm <= rtol * Math.hypot(...b));
});

t.test(
  'nonlinear oracle (5 steps of inner CG) converges in about 34-39 iterations for memory 1-8',
  async (t) => {
    const inner = (r: Float64Array, out: Float64Array) => {
      cgSync(A, r, { rtol: 0, maxIterations: 5, out });
    };
    const counts: Record<number, number> = {};
    for (const memory of [0, 1, 2, 4, 8]) {
      const d = conjugateDirectionSync(A, b, { rtol, memory, oracle: inner, maxIterations: 2000 });
      counts[memory] = d.iterations;
      t.equal(d.converged, true, `memory ${memory}: ${d.iterations} iterations`);
      if (memory >= 1)
        t.ok(
          d.iterations >= 28 && d.iterations <= 45,
          `memory ${memory}: ${d.iterations} in the expected band`,
        );
    }
    t.ok(counts[8] <= counts[1], `more memory does not hurt (${counts[1]} → ${counts[8]})`);
    t.ok(counts[0] > counts[1], `memory 0 (no conjugation) is slower: ${counts[0]}`);
    // The Promise form calls the oracle through a thread-safe function: same iterates.
    const a = await conjugateDirection(A, b, { rtol, memory: 2, oracle: inner });
    const s = conjugateDirectionSync(A, b, { rtol, memory: 2, oracle: inner });
    t.same(a.x, s.x);
    t.equal(a.iterations, s.iterations);
  },
);

t.test('memory 0 with the identity oracle is steepest descent', async (t) => {
  const steps = 7;
  const d = conjugateDirectionSync(A, b, { memory: 0, maxIterations: steps, rtol: 0 });
  t.equal(d.reason, 'max-iterations');
  // reference steepest descent: x += (rᵀr / rᵀAr) r
  const x = new Float64Array(n);
  const r = b.slice();
  for (let k = 0; k < steps; k++) {
    const Ar = naiveSpmv(A, r);
    let rr = 0;
    let rAr = 0;
    for (let i = 0; i < n; i++) {
      rr += r[i] * r[i];
      rAr += r[i] * Ar[i];
    }
    const a = rr / rAr;
    for (let i = 0; i < n; i++) {
      x[i] += a * r[i];
      r[i] -= a * Ar[i];
    }
  }
  let e = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    e = Math.max(e, Math.abs(d.x[i] - x[i]));
    s = Math.max(s, Math.abs(x[i]));
  }
  t.ok(e <= 1e-12 * s, `same iterates (max diff ${e.toExponential(1)})`);
});

t.test('a preconditioner as oracle is PCG-like', async (t) => {
  const ic = Preconditioner.ic0(A);
  const d = conjugateDirectionSync(A, b, { rtol, oracle: ic });
  const c = cgSync(A, b, { rtol, preconditioner: ic });
  t.ok(
    Math.abs(d.iterations - c.iterations) <= 1,
    `ic0 oracle ${d.iterations} vs IC(0)-PCG ${c.iterations}`,
  );
  const j = conjugateDirectionSync(A, b, { rtol, oracle: 'jacobi' });
  t.equal(j.converged, true);
  const s = conjugateDirectionSync(A, b, { rtol, oracle: { type: 'ssor', omega: 1.5 } });
  t.ok(
    s.converged && s.iterations < j.iterations,
    `ssor oracle ${s.iterations} < jacobi ${j.iterations}`,
  );
  // A direction with qᵀA q <= 0 means A is not positive definite: reported, not divided by.
  const D = CsrMatrix.fromDense(2, 2, Float64Array.from([1, 0, 0, -1]));
  const bad = conjugateDirectionSync(D, Float64Array.from([1, 1]));
  t.same(
    [bad.converged, bad.reason, bad.iterations],
    [false, 'indefinite', 0],
    'the failing step is not counted',
  );
});
