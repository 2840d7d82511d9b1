// The stationary methods (lib/stationary.ts over native/stationary/): every method, sweep and
// ordering against a plain-JS reference iteration of the same formula, the stopping rule relative
// to ‖b − A x0‖ checked on the true residual, the Sync and Promise forms, cancellation, time
// limits, progress, and the errors (zero or missing diagonal, options these methods do not take).
import t from 'tap';
import {
  AbortError,
  CsrMatrix,
  gaussSeidel,
  gaussSeidelSync,
  ItersolveError,
  jacobi,
  jacobiSync,
  poisson2d,
  sor,
  sorSync,
  ssor,
  ssorSync,
} from '../lib/index';
import type { SolveResult } from '../lib/index';
import { native } from '../lib/native';
import { STATIONARY } from '../lib/layout';
import { naiveSpmv, randomVector, residualNorm } from './helpers';

type Method = 'jacobi' | 'gaussSeidel' | 'sor' | 'ssor';
type Sweep = 'forward' | 'backward' | 'symmetric';
type Ordering = 'natural' | 'multicolor';
type Opts = Record<string, unknown>;
type SyncFn = (A: CsrMatrix, b: Float64Array, o?: Opts) => SolveResult;
type AsyncFn = (A: CsrMatrix, b: Float64Array, o?: Opts) => Promise<SolveResult>;

const SYNC: Record<Method, SyncFn> = {
  jacobi: jacobiSync as SyncFn,
  gaussSeidel: gaussSeidelSync as SyncFn,
  sor: sorSync as SyncFn,
  ssor: ssorSync as SyncFn,
};
const ASYNC: Record<Method, AsyncFn> = {
  jacobi: jacobi as AsyncFn,
  gaussSeidel: gaussSeidel as AsyncFn,
  sor: sor as AsyncFn,
  ssor: ssor as AsyncFn,
};
const METHODS = Object.keys(SYNC) as Method[];

const norm = (v: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
};

/** ‖ |b| + |A| |x| ‖₂: the scale of the rounding errors of b − A x. */
function roundingScale(A: CsrMatrix, b: Float64Array, x: Float64Array): number {
  const s = new Float64Array(A.rows);
  for (let i = 0; i < A.rows; i++) {
    s[i] = Math.abs(b[i]);
    for (let k = A.rowPtr[i]; k < A.rowPtr[i + 1]; k++)
      s[i] += Math.abs(A.values[k] * x[A.colIdx[k]]);
  }
  return norm(s);
}

// ---- the plain-JS reference ------------------------------------------------------------------

/** Greedy first-fit colouring of the graph of A + Aᵀ in natural order (self loops ignored). */
function greedyColours(A: CsrMatrix): number[][] {
  const n = A.rows;
  const adj: Array<Set<number>> = Array.from({ length: n }, () => new Set());
  for (let i = 0; i < n; i++)
    for (let k = A.rowPtr[i]; k < A.rowPtr[i + 1]; k++) {
      const j = A.colIdx[k];
      if (j !== i) {
        adj[i].add(j);
        adj[j].add(i);
      }
    }
  const colour = new Int32Array(n).fill(-1);
  const classes: number[][] = [];
  for (let i = 0; i < n; i++) {
    const taken = new Set<number>();
    for (const j of adj[i]) if (colour[j] >= 0) taken.add(colour[j]);
    let c = 0;
    while (taken.has(c)) c++;
    colour[i] = c;
    (classes[c] ??= []).push(i);
  }
  return classes;
}

/** x_i += ω (b_i − Σ_j a_ij x_j) / a_ii for the rows in `rows`, in that order. */
function relax(A: CsrMatrix, b: Float64Array, x: Float64Array, omega: number, rows: number[]) {
  for (const i of rows) {
    let s = b[i];
    let d = 0;
    for (let k = A.rowPtr[i]; k < A.rowPtr[i + 1]; k++) {
      const j = A.colIdx[k];
      s -= A.values[k] * x[j];
      if (j === i) d = A.values[k];
    }
    x[i] += (omega * s) / d;
  }
}

interface RefOptions {
  omega?: number;
  sweep?: Sweep;
  ordering?: Ordering;
  rtol?: number;
  maxIterations?: number;
  x0?: Float64Array;
  /** The norm rtol multiplies: the initial residual (the rule under test) or ‖b‖. */
  relativeTo?: 'r0' | 'b';
}

/** The iteration the native code runs, one sweep at a time, with the true residual after each. */
function reference(method: Method, A: CsrMatrix, b: Float64Array, o: RefOptions = {}) {
  const n = A.rows;
  const x = o.x0 ? o.x0.slice() : new Float64Array(n);
  const omega = method === 'gaussSeidel' ? 1 : (o.omega ?? 1);
  const sweep: Sweep =
    method === 'ssor' ? 'symmetric' : method === 'gaussSeidel' ? (o.sweep ?? 'forward') : 'forward';
  const natural = Array.from({ length: n }, (_, i) => i);
  const forward =
    o.ordering === 'multicolor' && method !== 'jacobi'
      ? greedyColours(A).flat() // colour by colour, rows ascending within a colour
      : natural;
  const backward =
    o.ordering === 'multicolor' && method !== 'jacobi'
      ? greedyColours(A)
          .reverse()
          .flatMap((rows) => rows.slice().reverse())
      : natural.slice().reverse();
  const r0 = residualNorm(A, b, x);
  const tol = (o.rtol ?? 1e-8) * (o.relativeTo === 'b' ? norm(b) : r0);
  const maxIterations = o.maxIterations ?? 10 * n;
  const history = [r0];
  let it = 0;
  while (history[history.length - 1] > tol && it < maxIterations) {
    if (method === 'jacobi') {
      const Ax = naiveSpmv(A, x);
      const xs = x.slice();
      for (let i = 0; i < n; i++) {
        let d = 0;
        for (let k = A.rowPtr[i]; k < A.rowPtr[i + 1]; k++) if (A.colIdx[k] === i) d = A.values[k];
        x[i] = xs[i] + (omega * (b[i] - Ax[i])) / d;
      }
    } else {
      if (sweep !== 'backward') relax(A, b, x, omega, forward);
      if (sweep !== 'forward') relax(A, b, x, omega, backward);
    }
    it++;
    history.push(residualNorm(A, b, x));
  }
  return { x, iterations: it, history };
}

// ---- test problems -----------------------------------------------------------------------------

const A = poisson2d(8); // n = 64
const n = A.rows;
const b = randomVector(n, 11);
const tiny = 1e-300;
const relDiff = (a: number, c: number) => Math.abs(a - c) / Math.max(Math.abs(c), tiny);
const maxRel = (x: Float64Array, y: Float64Array) => {
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d / Math.max(norm(y) / Math.sqrt(y.length), tiny);
};

/** Every method with each of its sweeps, orderings and an ω other than 1. */
const CASES: Array<{ method: Method; o: Opts }> = [
  { method: 'jacobi', o: {} },
  { method: 'jacobi', o: { omega: 0.8 } },
  ...(['forward', 'backward', 'symmetric'] as const).flatMap((sweep) =>
    (['natural', 'multicolor'] as const).map((ordering) => ({
      method: 'gaussSeidel' as const,
      o: { sweep, ordering },
    })),
  ),
  ...(['sor', 'ssor'] as const).flatMap((method) =>
    (['natural', 'multicolor'] as const).flatMap((ordering) =>
      [1, 1.3, 1.7].map((omega) => ({ method, o: { omega, ordering } })),
    ),
  ),
];

const label = (c: { method: Method; o: Opts }) => `${c.method} ${JSON.stringify(c.o)}`;

t.test('every method, sweep and ordering matches the plain-JS iteration', async (t) => {
  for (const c of CASES) {
    const ref = reference(c.method, A, b, c.o as RefOptions);
    const r = SYNC[c.method](A, b, { ...c.o, history: true });
    t.equal(r.iterations, ref.iterations, `${label(c)}: ${ref.iterations} iterations`);
    t.same([r.converged, r.reason], [true, 'rtol'], label(c));
    t.ok(maxRel(r.x, ref.x) <= 1e-10, `${label(c)}: x agrees (${maxRel(r.x, ref.x)})`);
    // residualNorm is the true residual of the x returned, to rounding: each b_i − Σ_j a_ij x_j
    // is exact to about ε·(|b_i| + Σ_j |a_ij x_j|), far below the 1e-8·‖b‖ residual itself (which
    // two summation orders therefore only reproduce to ~1e-9 relative)
    const js = residualNorm(A, b, r.x);
    t.ok(
      Math.abs(r.residualNorm - js) <= 1e-14 * roundingScale(A, b, r.x),
      `${label(c)}: residualNorm ${r.residualNorm} = ‖b − A x‖ ${js}`,
    );
    t.ok(r.residualNorm <= 1e-8 * norm(b), `${label(c)}: the rule met`);
    // history: ‖r0‖ first, then the true residual after every iteration
    t.equal(r.history!.length, r.iterations + 1, `${label(c)}: history length`);
    t.ok(relDiff(r.history![0], ref.history[0]) <= 1e-14, 'history[0] = ‖b − A x0‖');
    t.equal(r.history![r.iterations], r.residualNorm, 'the last entry is the final residual');
    for (let k = 1; k <= r.iterations; k++)
      if (relDiff(r.history![k], ref.history[k]) > 1e-6) {
        t.fail(`${label(c)}: history[${k}] ${r.history![k]} vs ${ref.history[k]}`);
        break;
      }
    // a symmetric sweep is two passes over A
    const passes = c.method === 'ssor' || c.o.sweep === 'symmetric' ? 2 : 1;
    t.ok(
      r.matvecs >= passes * r.iterations && r.matvecs <= passes * r.iterations + 1,
      `${label(c)}: ${r.matvecs} matvecs for ${r.iterations} iterations`,
    );
  }
  // the counts the textbook predicts: SOR with a good ω ≪ Gauss-Seidel < Jacobi; red-black
  // Gauss-Seidel as fast as natural order on Poisson
  const its = (m: Method, o: Opts = {}) => SYNC[m](A, b, o).iterations;
  t.ok(its('sor', { omega: 1.7 }) * 2 < its('gaussSeidel'), 'SOR(1.7) ≪ Gauss-Seidel');
  t.ok(its('gaussSeidel') * 1.5 < its('jacobi'), 'Gauss-Seidel < Jacobi');
  t.equal(its('sor', { omega: 1 }), its('gaussSeidel'), 'SOR(1) is Gauss-Seidel');
  t.ok(
    Math.abs(its('gaussSeidel', { ordering: 'multicolor' }) - its('gaussSeidel')) <=
      0.1 * its('gaussSeidel'),
    'red-black ≈ natural order',
  );
});

t.test('multicolor: a converged result on a larger grid, the same as a second run', async (t) => {
  const B = poisson2d(30); // 900 unknowns, 450 rows per colour
  const rhs = randomVector(B.rows, 3);
  // (Red-black SSOR relaxes the black rows twice in a row, in effect by 2ω − ω²: it slows down
  // as ω grows, hence a small ω for it.)
  for (const [m, omega] of [
    ['gaussSeidel', undefined],
    ['sor', 1.8],
    ['ssor', 1.3],
  ] as const) {
    const o = { ordering: 'multicolor', omega };
    const r = SYNC[m](B, rhs, o);
    t.same([r.converged, r.reason], [true, 'rtol'], `${m}: converged in ${r.iterations}`);
    t.ok(residualNorm(B, rhs, r.x) <= 1e-8 * norm(rhs) * (1 + 1e-9), `${m}: true residual`);
    t.same(SYNC[m](B, rhs, o).x, r.x, `${m}: deterministic`);
  }
  const nat = sorSync(B, rhs, { omega: 1.8 }).iterations;
  const rb = sorSync(B, rhs, { omega: 1.8, ordering: 'multicolor' }).iterations;
  t.ok(Math.abs(rb - nat) <= 0.25 * nat, `red-black SOR ${rb} ≈ natural ${nat} iterations`);
});

t.test('the stopping rule is relative to ‖b − A x0‖', async (t) => {
  // A start far from the solution: ‖b − A x0‖ ≫ ‖b‖, so the two rules stop at different counts.
  const x0 = randomVector(n, 5).map((v) => 100 * v);
  for (const c of [
    { method: 'sor' as const, o: { omega: 1.5 } },
    { method: 'jacobi' as const, o: {} },
  ]) {
    const ref = reference(c.method, A, b, { ...c.o, x0 });
    const byB = reference(c.method, A, b, { ...c.o, x0, relativeTo: 'b' });
    t.ok(byB.iterations > ref.iterations, `${c.method}: the rules differ here`);
    const r = SYNC[c.method](A, b, { ...c.o, x0, history: true });
    t.equal(r.iterations, ref.iterations, `${c.method}: ${ref.iterations} iterations`);
    const r0 = residualNorm(A, b, x0);
    t.ok(relDiff(r.history![0], r0) <= 1e-12, 'history[0] = ‖b − A x0‖');
    t.ok(r.residualNorm <= 1e-8 * r0, 'met');
    t.ok(r.history![r.iterations - 1] > 1e-8 * r0, 'and not one sweep earlier');
    // atol: max(rtol·‖r0‖, atol)
    const a = SYNC[c.method](A, b, { ...c.o, x0, rtol: 0, atol: 1e-3 });
    t.same(
      [a.reason, a.iterations],
      ['atol', reference(c.method, A, b, { ...c.o, x0, rtol: 1e-3 / r0 }).iterations],
    );
  }
  // already converged: no sweep
  const exact = sorSync(A, b).x;
  const z = sorSync(A, b, { x0: exact, rtol: 1, atol: 1 });
  t.same([z.iterations, z.converged], [0, true]);
  // maxIterations
  const m = ssorSync(A, b, { maxIterations: 3, history: true });
  t.same([m.reason, m.iterations, m.converged, m.history!.length], ['max-iterations', 3, false, 4]);
  const z0 = gaussSeidelSync(A, b, { maxIterations: 0 });
  t.same([z0.reason, z0.iterations], ['max-iterations', 0]);
  t.ok(relDiff(z0.residualNorm, norm(b)) <= 1e-14, '‖b‖ for a zero start');
});

t.test('Sync and Promise forms give the same result', async (t) => {
  for (const c of CASES.filter((_, i) => i % 3 === 0)) {
    const s = SYNC[c.method](A, b, { ...c.o, history: true });
    const a = await ASYNC[c.method](A, b, { ...c.o, history: true });
    t.same(a.x, s.x, `${label(c)}: same x`);
    t.same(
      [a.iterations, a.reason, a.residualNorm, a.matvecs, a.history],
      [s.iterations, s.reason, s.residualNorm, s.matvecs, s.history],
      `${label(c)}: same figures`,
    );
    t.ok(a.elapsedMs >= 0 && s.elapsedMs >= 0);
  }
});

t.test('out and x0', async (t) => {
  const x0 = randomVector(n, 9);
  const want = sorSync(A, b, { x0, omega: 1.5 });
  // out may be x0 itself: solved in place
  const buf = x0.slice();
  const r = sorSync(A, b, { x0: buf, out: buf, omega: 1.5 });
  t.equal(r.x, buf, 'the result is the out buffer');
  t.same(r.x, want.x);
  // x0 is not modified when out is another buffer
  const keep = x0.slice();
  const out = new Float64Array(n);
  const r2 = await sor(A, b, { x0, out, omega: 1.5 });
  t.equal(r2.x, out);
  t.same(out, want.x);
  t.same(x0, keep, 'x0 untouched');
  // out without x0: starts from zero whatever out holds
  const dirty = new Float64Array(n).fill(7);
  t.same(jacobiSync(A, b, { out: dirty }).x, jacobiSync(A, b).x, 'zero start');
  t.throws(() => sorSync(A, b, { out: new Float64Array(n - 1) }), { argument: 'out' });
  t.throws(() => sorSync(A, b, { x0: new Float64Array(3) }), { argument: 'x0' });
  t.throws(() => sorSync(A, b, { out: b }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'out',
  });
});

// ---- Promise form: abort, time limit, progress -------------------------------------------------

const big = poisson2d(300); // 90,000 unknowns: each sweep takes a while
const bigB = new Float64Array(big.rows).fill(1);
const forever = { rtol: 0, maxIterations: 1e9 };

t.test('abort mid-solve: an AbortError with the partial result', async (t) => {
  for (const m of METHODS) {
    const ac = new AbortController();
    const err = (await ASYNC[m](big, bigB, {
      ...forever,
      signal: ac.signal,
      onProgress: (p: { iteration: number }) => p.iteration > 0 && ac.abort(),
    }).then(
      () => t.fail(`${m}: resolved`),
      (e: unknown) => e,
    )) as AbortError<SolveResult>;
    t.ok(err instanceof AbortError && err instanceof ItersolveError, `${m}: an AbortError`);
    t.match(err, { name: 'AbortError', code: 'ABORT_ERR' });
    const r = err.result!;
    t.same([r.reason, r.converged], ['aborted', false], m);
    t.ok(r.iterations > 0, `${m}: ${r.iterations} iterations done`);
    t.ok(
      relDiff(r.residualNorm, residualNorm(big, bigB, r.x)) <= 1e-9,
      `${m}: residualNorm is that of the partial x`,
    );
  }
  // aborted before the start: nothing runs
  const out = new Float64Array(n).fill(3);
  await t.rejects(sor(A, b, { out, signal: AbortSignal.abort() }), { name: 'AbortError' });
  t.ok(
    out.every((v) => v === 3),
    'out untouched',
  );
});

t.test('time limit and progress', async (t) => {
  const calls: Array<{ iteration: number; total?: number; value: number }> = [];
  const r = await ssor(big, bigB, {
    ...forever,
    omega: 1.9,
    timeLimitMs: 250,
    onProgress: (p: { iteration: number; total?: number; value: number }) => calls.push(p),
  });
  t.same([r.reason, r.converged], ['time-limit', false]);
  t.ok(r.iterations > 0 && r.elapsedMs >= 250, `${r.iterations} iterations in ${r.elapsedMs} ms`);
  t.ok(calls.length >= 2, `onProgress called ${calls.length} times`);
  t.equal(calls[0].total, 1e9, 'total = maxIterations');
  t.ok(calls.every((c, i) => i === 0 || c.iteration >= calls[i - 1].iteration));
  t.ok(
    calls.slice(1).every((c) => c.value > 0 && Number.isFinite(c.value)),
    'value = residual',
  );
  // the Sync form takes timeLimitMs too
  const s = jacobiSync(big, bigB, { ...forever, timeLimitMs: 60 });
  t.equal(s.reason, 'time-limit');
});

// ---- errors --------------------------------------------------------------------------------------

/** A with the diagonal entry of `row` set to `value`, or removed. */
function withDiagonal(row: number, value: number | 'missing'): CsrMatrix {
  const rp: number[] = [0];
  const ci: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < A.rows; i++) {
    for (let k = A.rowPtr[i]; k < A.rowPtr[i + 1]; k++) {
      const j = A.colIdx[k];
      if (i === row && j === row) {
        if (value === 'missing') continue;
        ci.push(j);
        vals.push(value);
      } else {
        ci.push(j);
        vals.push(A.values[k]);
      }
    }
    rp.push(ci.length);
  }
  return new CsrMatrix(n, n, Int32Array.from(rp), Int32Array.from(ci), Float64Array.from(vals));
}

t.test('a zero or missing diagonal entry: ERR_ZERO_PIVOT naming the row', async (t) => {
  const zero = withDiagonal(5, 0);
  const missing = withDiagonal(17, 'missing');
  for (const m of METHODS) {
    for (const [M, row] of [
      [zero, 5],
      [missing, 17],
    ] as const) {
      const want = {
        code: 'ERR_ZERO_PIVOT',
        argument: 'A',
        row,
        message: new RegExp(`row ${row}\\b`),
      };
      t.throws(() => SYNC[m](M, b), want, `${m}: row ${row} (Sync)`);
      const e = await ASYNC[m](M, b).then(
        () => undefined,
        (x: unknown) => x,
      );
      t.ok(e instanceof ItersolveError, `${m}: an ItersolveError`);
      t.match(e, want, `${m}: row ${row} (Promise)`);
    }
  }
  // checked before anything is written
  const out = new Float64Array(n).fill(2);
  t.throws(() => sorSync(zero, b, { out, x0: out }));
  t.ok(
    out.every((v) => v === 2),
    'x0 untouched',
  );
});

t.test('options these methods do not take, and bad values, are named', async (t) => {
  t.throws(() => sorSync(A, b, { trueResidualEvery: 5 } as never), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'trueResidualEvery',
    message: /^trueResidualEvery: not an option of sor \(/,
  });
  t.throws(() => jacobiSync(A, b, { preconditioner: 'jacobi' } as never), {
    argument: 'preconditioner',
    message: /^preconditioner: not an option of jacobi \(/,
  });
  await t.rejects(ssor(A, b, { trueResidualEvery: 1 } as never), {
    argument: 'trueResidualEvery',
    message: /^trueResidualEvery: not an option of ssor/,
  });
  t.throws(() => sorSync(A, b, { omgea: 1.5 } as never), {
    argument: 'omgea',
    message: "omgea: unknown option of sor (did you mean 'omega'?)",
  });
  t.throws(() => sorSync(A, b, { sweep: 'backward' } as never), {
    argument: 'sweep',
    message: 'sweep: not an option of sor (gaussSeidel takes it)',
  });
  t.throws(() => ssorSync(A, b, { sweep: 'forward' } as never), { argument: 'sweep' });
  t.throws(() => gaussSeidelSync(A, b, { omega: 1.2 } as never), {
    argument: 'omega',
    message:
      /^omega: not an option of gaussSeidel \(jacobi, sor, ssor and Preconditioner\.create take it\)/,
  });
  t.throws(() => jacobiSync(A, b, { ordering: 'multicolor' } as never), {
    argument: 'ordering',
    message:
      /^ordering: not an option of jacobi \(gaussSeidel, sor, ssor, cholesky and lu take it\)/,
  });
  t.throws(() => sorSync(A, b, { signal: new AbortController().signal } as never), {
    argument: 'signal',
    message: 'signal: not an option of sorSync (the Promise form sor takes it)',
  });
  for (const omega of [0, 2, -1, 2.5, NaN, Infinity]) {
    for (const m of ['jacobi', 'sor', 'ssor'] as const)
      t.throws(() => SYNC[m](A, b, { omega }), {
        code: 'ERR_INVALID_ARGUMENT',
        argument: 'omega',
        message: /^omega: expected (a number in \(0, 2\)|a finite number), received/,
      });
  }
  t.throws(() => gaussSeidelSync(A, b, { sweep: 'sideways' } as never), {
    argument: 'sweep',
    message: `sweep: expected 'forward', 'backward' or 'symmetric', received string "sideways"`,
  });
  t.throws(() => sorSync(A, b, { ordering: 'red-black' } as never), {
    argument: 'ordering',
    message: `ordering: expected 'natural' or 'multicolor', received string "red-black"`,
  });
  t.throws(() => sorSync(A, b, { rtol: -1 }), { argument: 'rtol' });
  t.throws(() => sorSync(A, new Float64Array(3)), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'b',
  });
  t.throws(() => sorSync(CsrMatrix.fromDense(2, 3, new Float64Array(6)), new Float64Array(2)), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'A',
  });
  const nanB = b.slice();
  nanB[4] = NaN;
  t.throws(() => jacobiSync(A, nanB), { argument: 'b', message: /index 4/ });
  // defaults: rtol 1e-8, maxIterations 10·n, omega 1, forward natural sweeps
  t.same(sorSync(A, b).x, gaussSeidelSync(A, b).x, 'SOR with the default ω is Gauss-Seidel');
  t.equal(jacobiSync(A, b, { rtol: 0 }).iterations, 10 * n, 'maxIterations 10·n');
});

t.test('the binding checks its io itself (direct calls)', async (t) => {
  const io = new Float64Array(STATIONARY.params.length + STATIONARY.stats.length);
  const P = STATIONARY.p;
  const fill = (o: Partial<Record<keyof typeof P, number>>) => {
    io.fill(0);
    Object.assign(io, { [P.rows]: n, [P.cols]: n, [P.method]: 2, [P.omega]: 1, [P.rtol]: 1e-8 });
    io[P.maxIterations] = 1000;
    io[P.zeroStart] = 1;
    for (const [k, v] of Object.entries(o)) io[P[k as keyof typeof P]] = v!;
  };
  const call = () => native().stationary(A.rowPtr, A.colIdx, A.values, b, new Float64Array(n), io);
  fill({});
  t.doesNotThrow(call, 'a valid io');
  t.equal(io[STATIONARY.params.length + STATIONARY.s.reason], 0, "reason 'rtol'");
  for (const [k, v] of [
    ['omega', 2],
    ['omega', NaN],
    ['method', 4],
    ['sweep', 3],
    ['ordering', 2],
    ['maxIterations', -1],
    ['rtol', -1],
  ] as const) {
    fill({ [k]: v });
    t.throws(call, { code: 'ERR_INVALID_ARGUMENT', argument: k }, `${k} ${v}`);
  }
});
