import t from 'tap';
import { AbortError } from '../lib/index';
import { bump, HeatEquation, heatKappa, runHeat, runHeatSync } from '../lib/relax/heat';
import type { HeatTuner } from '../lib/relax/heat';

/** Dense Cholesky of a row-major SPD n×n matrix in place; false when a pivot is not positive. */
function cholesky(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] ** 2;
    if (!(d > 0)) return false;
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / l;
    }
  }
  return true;
}

/** Solves L Lᵀ x = b with the factor from cholesky(). */
function cholSolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const y = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) y[i] -= l[i * n + k] * y[k];
    y[i] /= l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) y[i] -= l[k * n + i] * y[k];
    y[i] /= l[i * n + i];
  }
  return y;
}

/**
 * The same simulation in plain JS, dense: L from its definition (grid neighbours, 1/dx²),
 * A = I − (dt/2)κL, b = (I + (dt/2)κL)u + dt·f, κ and f at t_{k+½}, solved by Cholesky.
 */
function denseHeat(nx: number, dt: number, steps: number): Float64Array {
  const m = nx - 1;
  const n = m * m;
  const dx = 1 / nx;
  const L = new Float64Array(n * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) {
      const r = i * m + j;
      L[r * n + r] = -4 / dx ** 2;
      for (const [di, dj] of [
        [-1, 0],
        [1, 0],
        [0, -1],
        [0, 1],
      ]) {
        const a = i + di;
        const b = j + dj;
        if (a >= 0 && a < m && b >= 0 && b < m) L[r * n + a * m + b] = 1 / dx ** 2;
      }
    }
  const x = (i: number): number => (i + 1) * dx;
  let u = new Float64Array(n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) u[i * m + j] = bump(x(i), x(j), 0.5, 0.5, 0.25);
  for (let k = 0; k < steps; k++) {
    const th = (k + 0.5) * dt;
    const kap = Math.max(0.1 * Math.sin(2 * Math.PI * th), -10 * Math.sin(2 * Math.PI * th));
    const cx = 0.5 + Math.cos(16 * Math.PI * th) / 4;
    const cy = 0.5 + Math.sin(16 * Math.PI * th) / 4;
    const A = new Float64Array(n * n);
    const b = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let c = 0; c < n; c++) {
        const cl = 0.5 * dt * kap * L[r * n + c];
        A[r * n + c] = (r === c ? 1 : 0) - cl;
        s += ((r === c ? 1 : 0) + cl) * u[c];
      }
      const i = Math.floor(r / m);
      const j = r % m;
      b[r] = s + dt * 32 * bump(x(i), x(j), cx, cy, 0.125);
    }
    if (!cholesky(A, n)) throw new Error(`step ${k}: A is not positive definite`);
    u = cholSolve(A, n, b) as Float64Array<ArrayBuffer>;
  }
  return u;
}

function maxDiff(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

t.test('bump and κ(t)', async (t) => {
  t.equal(bump(0.5, 0.5, 0.5, 0.5, 0.25), 1, 'bump is 1 at its centre');
  t.equal(bump(0.75, 0.5, 0.5, 0.5, 0.25), 0, '0 at the radius');
  t.equal(bump(0.9, 0.9, 0.5, 0.5, 0.25), 0, '0 outside');
  t.ok(Math.abs(bump(0.625, 0.5, 0.5, 0.5, 0.25) - Math.exp(-1 / 3)) < 1e-15, 'exp(-1/3) at r/2');
  t.equal(heatKappa(0), 0);
  t.ok(Math.abs(heatKappa(0.25) - 0.1) < 1e-15, 'κ(1/4) = 0.1');
  t.ok(Math.abs(heatKappa(0.75) - 10) < 1e-12, 'κ(3/4) = 10');
  for (let s = 0; s <= 100; s++) t.ok(heatKappa(s / 37) >= 0, 'κ ≥ 0');
});

t.test('Crank-Nicolson matrix: the 5-point pattern, symmetric positive definite', async (t) => {
  const h = new HeatEquation({ nx: 6, dt: 0.3 });
  t.same([h.m, h.n, h.dx], [5, 25, 1 / 6]);
  t.equal(h.A.nnz, 5 * 25 - 4 * 5);
  const kap = h.assemble(); // step 0: t = 0.15
  t.ok(Math.abs(kap - heatKappa(0.15)) < 1e-15, 'κ at the half step');
  t.ok(h.A.isSymmetric(), 'A symmetric');
  const d = h.A.toDense();
  const c = (0.3 * kap) / 2 / h.dx ** 2;
  t.ok(Math.abs(d[0] - (1 + 4 * c)) < 1e-12, 'diagonal 1 + 4(dt/2)κ/dx²');
  t.ok(Math.abs(d[1] + c) < 1e-12, 'neighbour −(dt/2)κ/dx²');
  t.ok(cholesky(d, 25), 'positive definite');
  // b = (I + (dt/2)κL)u + dt f = 2u − A u + dt f
  const Au = h.A.multiply(h.u);
  const f = h.forcing(0.15);
  let err = 0;
  for (let i = 0; i < 25; i++)
    err = Math.max(err, Math.abs(h.b[i] - (2 * h.u[i] - Au[i] + 0.3 * f[i])));
  t.ok(err < 1e-14, 'b from u');
  // Rewritten in place: κ = 10 at t = 0.75 (step 2).
  h.advance();
  h.advance();
  t.ok(Math.abs(h.assemble() - 10) < 1e-12);
  t.ok(Math.abs(h.A.toDense()[0] - (1 + (4 * 0.3 * 10) / 2 / h.dx ** 2)) < 1e-9);
});

t.test('steps match a dense plain-JS Crank-Nicolson solve (nx = 6)', async (t) => {
  // dt 0.3: κ = 0.081, 0.031, 10 at the three half steps.
  const exact = denseHeat(6, 0.3, 3);
  const halfSteps = [0, 1, 2].map((k) => (k + 0.5) * 0.3);
  let norm = 0;
  for (const x of exact) norm = Math.max(norm, Math.abs(x));
  t.ok(norm > 0.01 && norm < 10, `bounded, non-trivial solution (max ${norm})`);
  const seen: Array<[string, number | undefined]> = [];
  const tuner: HeatTuner = {
    suggest: (c) => (seen.push(['suggest', c]), 1.2),
    observe: (w, it, c) => {
      t.equal(w, 1.2);
      t.ok(it > 0);
      seen.push(['observe', c]);
    },
  };
  for (const strategy of [
    1,
    1.5,
    'optimal',
    'cg',
    { tuner, context: true, label: 'fake' },
  ] as const) {
    const r = runHeatSync({ nx: 6, dt: 0.3, steps: 3, strategy });
    t.ok(maxDiff(r.u, exact) < 1e-7 * norm, `${r.label}: matches the dense solve`);
    t.equal(r.steps, 3);
    t.equal(r.notConverged, 0);
    t.equal(
      r.totalIterations,
      r.iterations.reduce((a, b) => a + b, 0),
    );
    t.ok(r.elapsedMs > 0 && r.omegaMs >= 0);
    t.same(Array.from(r.kappas), halfSteps.map(heatKappa));
    if (strategy === 'cg') t.ok(Number.isNaN(r.omegas[0]));
    else if (strategy === 'optimal') {
      t.ok(r.omegas.every((w) => w >= 1 && w < 2));
      t.equal(r.oracleCalls, 3, 'one optimalSorOmega per distinct κ');
      t.ok(r.omegas[2] > r.omegas[0], 'larger κ, larger ω*');
    } else t.equal(r.oracleCalls, 0);
  }
  t.same(
    seen,
    halfSteps.flatMap((th) => [
      ['suggest', heatKappa(th)],
      ['observe', heatKappa(th)],
    ]),
    'the tuner sees κ(t_{k+½}) on suggest and observe',
  );
  const plain: number[] = [];
  runHeatSync({
    nx: 6,
    dt: 0.3,
    steps: 2,
    strategy: { tuner: { suggest: (c) => (plain.push(c ?? -1), 1), observe: () => {} } },
  });
  t.same(plain, [-1, -1], 'no context unless asked for');
});

t.test('runHeat: the default grid, progress per step, abort, bad arguments', async (t) => {
  const steps: number[] = [];
  const r = await runHeat({ steps: 2, strategy: 1.5, onStep: (s) => steps.push(s.step) });
  t.equal(r.n, 99 * 99);
  t.same(steps, [0, 1]);
  // 'optimal' reuses ω* for a κ it has seen. dt 0.25: t = 0.125, 0.375 (same κ by symmetry),
  // 0.625, 0.875 (same again), 1.125 (period 1): two distinct κ.
  const o = runHeatSync({ nx: 4, dt: 0.25, steps: 5, strategy: 'optimal' });
  t.equal(o.oracleCalls, 2);
  t.same([o.omegas[1], o.omegas[3], o.omegas[4]], [o.omegas[0], o.omegas[2], o.omegas[0]]);
  t.ok(o.omegas[2] > o.omegas[0]);
  t.equal(r.label, 'ω = 1.5');
  for (const v of r.u) if (!(Math.abs(v) <= 1.01)) t.fail(`unbounded u: ${v}`);
  const ac = new AbortController();
  ac.abort();
  await t.rejects(runHeat({ steps: 2, strategy: 1, signal: ac.signal }), AbortError);
  for (const strategy of [0, 2, 'fast', null, { tuner: {} }])
    t.throws(
      () => runHeatSync({ nx: 4, steps: 1, strategy: strategy as never }),
      { code: 'ERR_INVALID_ARGUMENT', argument: 'strategy' },
      String(strategy),
    );
  t.throws(() => runHeatSync({ nx: 1, steps: 1, strategy: 1 }), { argument: 'nx' });
  t.throws(() => runHeatSync({ nx: 4, dt: 0, steps: 1, strategy: 1 }), { argument: 'dt' });
  t.throws(() => runHeatSync({ nx: 4, steps: -1, strategy: 1 }), { argument: 'steps' });
});
