// Promise forms of the solvers: cancellation, time limits, progress, JS-function preconditioners
// and oracles called through a thread-safe function, detached buffers, worker teardown.
import * as path from 'path';
import t from 'tap';
import { Worker } from 'worker_threads';
import { jobStats } from '../lib/async';
import {
  AbortError,
  bicgstab,
  cg,
  cgSync,
  conjugateDirection,
  conjugateDirectionSync,
  gcrotmk,
  gmres,
  gmresSync,
  ItersolveError,
  minres,
  poisson2d,
  rng,
  solveBy,
} from '../lib/index';
import type { SolveResult } from '../lib/index';

function randomVector(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = r() * 2 - 1;
  return v;
}
const norm = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

const big = poisson2d(400);
const bigB = new Float64Array(big.rows).fill(1);
const forever = { rtol: 0, maxIterations: 1e9 };

t.test('Promise forms agree bit for bit with the Sync forms', async (t) => {
  const A = poisson2d(30);
  const b = randomVector(A.rows, 2);
  for (const m of ['cg', 'bicgstab', 'gmres', 'minres', 'conjugateDirection', 'gcrotmk'] as const) {
    const opts =
      m === 'conjugateDirection'
        ? { history: true }
        : { history: true, preconditioner: 'jacobi' as const };
    const a = await solveBy(m, A, b, opts);
    const s = (await import('../lib/krylov')).solveSyncBy(m, A, b, opts);
    t.same(a.x, s.x, `${m}: same x`);
    t.same(
      [a.iterations, a.reason, a.residualNorm],
      [s.iterations, s.reason, s.residualNorm],
      `${m}: same figures`,
    );
    t.same(a.history, s.history);
  }
  await t.rejects(solveBy('nope' as never, A, b), { code: 'ERR_INVALID_ARGUMENT' });
  await t.rejects(
    cg(A, new Float64Array(3)),
    { code: 'ERR_DIMENSION_MISMATCH', argument: 'b' },
    'validation errors reject',
  );
});

t.test('abort mid-solve rejects with an AbortError whose result is the partial x', async (t) => {
  for (const solve of [cg, bicgstab, gmres, minres, conjugateDirection, gcrotmk]) {
    const ac = new AbortController();
    const started = Date.now();
    // aborted from its first progress report: certainly mid-run, whatever the machine's speed
    const err = (await solve(big, bigB, {
      ...forever,
      signal: ac.signal,
      onProgress: (p) => p.iteration > 0 && ac.abort(),
    }).then(
      () => t.fail(`${solve.name}: resolved`),
      (e: unknown) => e,
    )) as AbortError<SolveResult>;
    t.ok(
      err instanceof AbortError && err instanceof ItersolveError,
      `${solve.name}: an AbortError`,
    );
    t.match(err, { name: 'AbortError', code: 'ABORT_ERR' });
    t.equal(err.cause, ac.signal.reason, 'cause is the signal’s reason');
    const r = err.result!;
    t.equal(r.reason, 'aborted', `${solve.name}: aborted`);
    t.equal(r.converged, false);
    t.ok(r.iterations > 0, `${solve.name}: ${r.iterations} iterations done`);
    t.ok(Date.now() - started < 2000, 'promptly');
    // The partial x is a real iterate: finite, moved from x0, and residualNorm is its residual.
    t.ok(
      r.x.every(Number.isFinite) && r.x.some((v) => v !== 0),
      `${solve.name}: partial x (residual ${r.residualNorm.toExponential(2)})`,
    );
    const Ax = big.multiply(r.x);
    let s = 0;
    for (let i = 0; i < Ax.length; i++) s += (bigB[i] - Ax[i]) ** 2;
    t.ok(
      Math.abs(Math.sqrt(s) - r.residualNorm) <= 1e-9 * norm(bigB),
      `${solve.name}: residualNorm is b − A x of the partial x`,
    );
  }
  // Already aborted: rejects without starting (the out buffer is never written).
  const out = new Float64Array(big.rows).fill(3);
  const reason = new Error('stop');
  await t.rejects(cg(big, bigB, { out, signal: AbortSignal.abort(reason) }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
    cause: reason,
  });
  t.ok(
    out.every((v) => v === 3),
    'nothing ran',
  );
  // argument errors still come first, as in fetch
  await t.rejects(cg(big, new Float64Array(3), { signal: AbortSignal.abort() }), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'b',
  });
  t.same(jobStats(), { running: 0, waiting: 0 });
});

t.test('time limit and progress', async (t) => {
  const calls: Array<{ iteration: number; value: number; total?: number }> = [];
  const r = await cg(big, bigB, { ...forever, timeLimitMs: 400, onProgress: (p) => calls.push(p) });
  t.equal(r.reason, 'time-limit');
  t.ok(calls.length >= 3 && calls.length <= 10, `${calls.length} progress calls in 400 ms`);
  t.ok(calls.every((c, i) => i === 0 || c.iteration > calls[i - 1].iteration));
  t.equal(calls[0].total, 1e9);
  t.ok(
    calls.every((c) => c.value > 0),
    'value = residual norm',
  );
  const boom = new Error('progress boom');
  await t.rejects(
    cg(big, bigB, {
      ...forever,
      timeLimitMs: 5000,
      onProgress: () => {
        throw boom;
      },
    }),
    boom,
  );
});

t.test('a buffer detached mid-solve is detected and never used', async (t) => {
  const out = new Float64Array(big.rows);
  const p = cg(big, bigB, { ...forever, out, timeLimitMs: 5000 });
  await new Promise((r) => setTimeout(r, 80));
  const moved = structuredClone(out.buffer, { transfer: [out.buffer] });
  await t.rejects(p, { code: 'ERR_BUFFER_DETACHED', argument: 'x' });
  t.equal(moved.byteLength, big.rows * 8);
});

t.test(
  'JS-function preconditioner and oracle in the Promise form (thread-safe function)',
  async (t) => {
    const A = poisson2d(40);
    const b = randomVector(A.rows, 4);
    let calls = 0;
    const jacobi = (r: Float64Array, z: Float64Array) => {
      calls++;
      for (let i = 0; i < r.length; i++) z[i] = r[i] / 4;
    };
    const sync = cgSync(A, b, { preconditioner: jacobi });
    const syncCalls = calls;
    calls = 0;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const r = await cg(A, b, { preconditioner: jacobi });
    clearInterval(timer);
    t.equal(r.converged, true);
    t.same(r.x, sync.x, 'same x as the Sync form');
    t.equal(calls, syncCalls, `one crossing per application (${calls})`);
    // Several at once, each with its own callback.
    const many = await Promise.all(
      [1, 2, 3, 4, 5].map((s) => cg(A, randomVector(A.rows, s), { preconditioner: jacobi })),
    );
    t.ok(many.every((m) => m.converged));
    // Oracle for the conjugate-direction method.
    const d = await conjugateDirection(A, b, { oracle: jacobi, memory: 2 });
    const ds = conjugateDirectionSync(A, b, { oracle: jacobi, memory: 2 });
    t.equal(d.converged, true);
    t.same(d.x, ds.x);
    // FGMRES with a callback.
    const g = await gmres(A, b, { preconditioner: jacobi, flexible: true });
    t.same(g.x, gmresSync(A, b, { preconditioner: jacobi, flexible: true }).x);
  },
);

t.test(
  'a throwing callback stops the solve: Sync throws it, Promise rejects with it',
  async (t) => {
    const A = poisson2d(20);
    const b = randomVector(A.rows, 6);
    let n = 0;
    const err = new Error('oracle failed');
    const bad = (r: Float64Array, z: Float64Array) => {
      if (++n === 5) throw err;
      z.set(r);
    };
    t.throws(() => cgSync(A, b, { preconditioner: bad }), err);
    n = 0;
    await t.rejects(cg(A, b, { preconditioner: bad }), err);
    n = 0;
    await t.rejects(conjugateDirection(A, b, { oracle: bad }), err);
    t.same(jobStats(), { running: 0, waiting: 0 });
  },
);

t.test('a callback that detaches a buffer the solver uses', async (t) => {
  const A = poisson2d(20);
  const b = randomVector(A.rows, 7);
  const out = new Float64Array(A.rows);
  let keep: ArrayBuffer | undefined;
  const thief = (r: Float64Array, z: Float64Array) => {
    z.set(r);
    if (!keep) keep = structuredClone(out.buffer, { transfer: [out.buffer] });
  };
  t.throws(() => cgSync(A, b, { out, preconditioner: thief }), {
    code: 'ERR_BUFFER_DETACHED',
    argument: 'x',
  });
  const out2 = new Float64Array(A.rows);
  let keep2: ArrayBuffer | undefined;
  await t.rejects(
    cg(A, b, {
      out: out2,
      preconditioner: (r, z) => {
        z.set(r);
        if (!keep2) keep2 = structuredClone(out2.buffer, { transfer: [out2.buffer] });
      },
    }),
    { code: 'ERR_BUFFER_DETACHED' },
  );
  // Transferring the callback's own arrays is caught as well.
  t.throws(
    () =>
      cgSync(A, b, {
        preconditioner: (r, z) => {
          z.set(r);
          structuredClone(z.buffer, { transfer: [z.buffer as ArrayBuffer] });
        },
      }),
    { code: 'ERR_BUFFER_DETACHED' },
  );
  t.ok(keep && keep2);
});

t.test('abort while the native loop waits on a JS callback', async (t) => {
  const ac = new AbortController();
  let calls = 0;
  const p = cg(big, bigB, {
    ...forever,
    signal: ac.signal,
    preconditioner: (r, z) => {
      if (++calls === 20) ac.abort();
      for (let i = 0; i < r.length; i++) z[i] = r[i] / 4;
    },
  });
  const err = (await p.then(
    () => t.fail('resolved'),
    (e: unknown) => e,
  )) as AbortError<SolveResult>;
  t.equal(err.code, 'ABORT_ERR');
  const r = err.result!;
  t.equal(r.reason, 'aborted');
  t.ok(r.iterations >= 19 && r.iterations <= 22, `stopped right after the abort (${r.iterations})`);
});

t.test(
  'a worker terminated while its solves wait on JS callbacks shuts down cleanly',
  async (t) => {
    for (let i = 0; i < 2; i++) {
      const w = new Worker(path.join(__dirname, 'fixtures', 'worker-callback.js'));
      const msg = await new Promise((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
      t.equal(msg, 'running');
      t.equal(await w.terminate(), 1, `worker ${i} terminated`);
    }
    t.equal(
      cgSync(poisson2d(4), new Float64Array(16).fill(1)).converged,
      true,
      'this process is healthy',
    );
  },
);
