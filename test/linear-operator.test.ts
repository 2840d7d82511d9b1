// Matrix-free operators { rows, cols, multiply(x, out), multiplyTranspose? } in every Krylov solver
// (lib/operator.ts, bindings/linear_operator.cpp): the same x as with the CsrMatrix in the Sync and
// Promise forms, errors thrown by multiply, abort, JS preconditioner + JS operator, bad operators,
// preconditioners that need A's entries.
import * as path from 'path';
import t from 'tap';
import { Worker } from 'worker_threads';
import {
  AbortError,
  bicgstab,
  bicgstabSync,
  cg,
  cgBatch,
  cgBatchSync,
  cgSync,
  conjugateDirection,
  conjugateDirectionSync,
  convectionDiffusion,
  CsrMatrix,
  gcrotmk,
  gcrotmkSync,
  gmres,
  gmresSync,
  minres,
  minresSync,
  poisson2d,
  Preconditioner,
  SolveResult,
} from '../lib';
import { jobStats } from '../lib/async';
import { native } from '../lib/native';
import { aslinearoperator, isLinearOperator, LinearOperatorLike } from '../lib/operator';
import { randomVector, relErr } from './helpers';

// An operator that multiplies through the matrix (so its products equal the CSR path's), counting
// its calls.
function operatorOf(A: CsrMatrix): LinearOperatorLike & { calls: number } {
  return {
    rows: A.rows,
    cols: A.cols,
    calls: 0,
    multiply(x, out) {
      this.calls++;
      A.multiply(x, out);
    },
  };
}

type Solve = (A: never, b: Float64Array, o?: object) => SolveResult;
type SolveAsync = (A: never, b: Float64Array, o?: object) => Promise<SolveResult>;
const spd = poisson2d(12); // 144 unknowns, SPD: every solver applies
const nonsym = convectionDiffusion(10, { peclet: 20 });
const solvers: [string, Solve, SolveAsync, boolean][] = [
  ['cg', cgSync as Solve, cg as SolveAsync, true],
  ['bicgstab', bicgstabSync as Solve, bicgstab as SolveAsync, false],
  ['gmres', gmresSync as Solve, gmres as SolveAsync, false],
  ['minres', minresSync as Solve, minres as SolveAsync, true],
  ['gcrotmk', gcrotmkSync as Solve, gcrotmk as SolveAsync, false],
  ['conjugateDirection', conjugateDirectionSync as Solve, conjugateDirection as SolveAsync, true],
];

t.test('every solver gives the CsrMatrix x with an operator, Sync and Promise', async (t) => {
  for (const [name, sync, promise, symmetricOnly] of solvers) {
    for (const A of symmetricOnly ? [spd] : [spd, nonsym]) {
      const b = randomVector(A.rows, 3);
      const x0 = randomVector(A.rows, 4);
      for (const opts of [{ rtol: 1e-10 }, { rtol: 1e-10, x0, history: true }]) {
        const what = `${name} ${A === spd ? 'poisson' : 'convdiff'}${opts.x0 ? ' x0' : ''}`;
        const ref = sync(A as never, b, opts);
        t.ok(ref.converged, `${what}: converges`);
        const op = operatorOf(A);
        const r = sync(op as never, b, opts);
        t.ok(r.converged, `${what}: converges with an operator`);
        // Not bitwise: the CSR path fuses the product with a dot product (other rounding).
        t.ok(relErr(r.x, ref.x) <= 1e-12, `${what}: x to ${relErr(r.x, ref.x).toExponential(1)}`);
        t.equal(r.matvecs, op.calls, `${what}: matvecs counts the multiply calls`);
        t.ok(Math.abs(r.iterations - ref.iterations) <= 1, `${what}: iterations`);
        const op2 = operatorOf(A);
        const p = await promise(op2 as never, b, opts);
        t.same(p.x, r.x, `${what}: the Promise form gives the Sync form's x`);
        t.equal(p.matvecs, op2.calls);
      }
    }
  }
  // cgBatch: one multiply per running column and iteration.
  const k = 3;
  const B = new Float64Array(spd.rows * k);
  for (let c = 0; c < k; c++) B.set(randomVector(spd.rows, 10 + c), c * spd.rows);
  const ref = cgBatchSync(spd, B, { rtol: 1e-10 });
  const op = operatorOf(spd);
  const r = cgBatchSync(op, B, { rtol: 1e-10 });
  t.ok(r.converged && ref.converged);
  t.ok(relErr(r.x, ref.x) <= 1e-12, `cgBatch: x to ${relErr(r.x, ref.x).toExponential(1)}`);
  t.equal(r.matvecs, op.calls, 'cgBatch: matvecs counts the multiply calls');
  t.same(
    r.columns.map((c) => c.iterations),
    ref.columns.map((c) => c.iterations),
  );
  const p = await cgBatch(operatorOf(spd), B, { rtol: 1e-10 });
  t.same(p.x, r.x, 'cgBatch: Promise form');
  t.same(jobStats(), { running: 0, waiting: 0 });
});

t.test('methods are called with the operator as this; a class works', (t) => {
  class Shifted implements LinearOperatorLike {
    readonly rows: number;
    readonly cols: number;
    constructor(
      private readonly A: CsrMatrix,
      private readonly sigma: number,
    ) {
      this.rows = A.rows;
      this.cols = A.cols;
    }
    multiply(x: Float64Array, out: Float64Array): void {
      this.A.multiply(x, out);
      for (let i = 0; i < out.length; i++) out[i] += this.sigma * x[i];
    }
  }
  const b = randomVector(spd.rows, 5);
  const r = cgSync(new Shifted(spd, 0.5), b, { rtol: 1e-10 });
  t.ok(r.converged);
  const Ax = spd.multiply(r.x);
  let s = 0;
  for (let i = 0; i < b.length; i++) s += (b[i] - Ax[i] - 0.5 * r.x[i]) ** 2;
  t.ok(Math.sqrt(s) <= 1e-9 * Math.sqrt(b.reduce((a, v) => a + v * v, 0)), 'solves (A + σI) x = b');
  t.end();
});

t.test('a throwing multiply is the error of the solve, Sync and Promise', async (t) => {
  const b = randomVector(spd.rows, 6);
  const err = new Error('multiply failed');
  const failing = (after: number): LinearOperatorLike => {
    let n = 0;
    return {
      rows: spd.rows,
      cols: spd.cols,
      multiply(x, out) {
        if (++n > after) throw err;
        spd.multiply(x, out);
      },
    };
  };
  for (const [name, sync, promise] of solvers) {
    for (const after of [0, 5]) {
      t.throws(() => sync(failing(after) as never, b, { x0: b }), err, `${name} Sync (${after})`);
      await t.rejects(promise(failing(after) as never, b, { x0: b }), err, `${name} Promise`);
    }
  }
  t.throws(() => cgBatchSync(failing(4), b), err, 'cgBatch Sync');
  await t.rejects(cgBatch(failing(4), b), err, 'cgBatch Promise');
  t.same(jobStats(), { running: 0, waiting: 0 });
});

t.test('NaN written by multiply ends the solve as non-finite', (t) => {
  const b = randomVector(spd.rows, 7);
  let n = 0;
  const op: LinearOperatorLike = {
    rows: spd.rows,
    cols: spd.cols,
    multiply(x, out) {
      spd.multiply(x, out);
      if (++n === 4) out[3] = NaN;
    },
  };
  const r = cgSync(op, b);
  t.equal(r.reason, 'non-finite');
  t.equal(r.converged, false);
  t.end();
});

t.test('abort during a Promise solve with an operator: AbortError, partial x', async (t) => {
  const A = poisson2d(40);
  const b = randomVector(A.rows, 8);
  for (const [name, , promise] of solvers) {
    const ac = new AbortController();
    let calls = 0;
    const op: LinearOperatorLike = {
      rows: A.rows,
      cols: A.cols,
      multiply(x, out) {
        if (++calls === 25) ac.abort();
        A.multiply(x, out);
      },
    };
    const err = (await promise(op as never, b, {
      rtol: 0,
      maxIterations: 1e6,
      signal: ac.signal,
    }).then(
      () => t.fail(`${name}: resolved`),
      (e: unknown) => e,
    )) as AbortError<SolveResult>;
    t.ok(err instanceof AbortError, `${name}: an AbortError`);
    t.match(err, { name: 'AbortError', code: 'ABORT_ERR' });
    const r = err.result!;
    t.equal(r.reason, 'aborted', `${name}: aborted`);
    t.ok(r.iterations > 0, `${name}: ${r.iterations} iterations`);
    t.ok(
      r.x.every(Number.isFinite) && r.x.some((v) => v !== 0),
      `${name}: the partial x is a real iterate`,
    );
    // The abort stops the solve at its next check; the exit's true residual is still formed.
    const Ax = A.multiply(r.x);
    let ss = 0;
    let bb = 0;
    for (let i = 0; i < Ax.length; i++) {
      ss += (b[i] - Ax[i]) ** 2;
      bb += b[i] ** 2;
    }
    t.ok(
      Math.abs(Math.sqrt(ss) - r.residualNorm) <= 1e-9 * Math.sqrt(bb),
      `${name}: residualNorm is b − A x of the partial x`,
    );
    t.ok(calls <= 28, `${name}: stops promptly (${calls} products)`);
  }
  t.same(jobStats(), { running: 0, waiting: 0 });
});

t.test('a JS preconditioner with a JS operator', async (t) => {
  const b = randomVector(spd.rows, 9);
  const jacobi = (r: Float64Array, z: Float64Array) => {
    for (let i = 0; i < r.length; i++) z[i] = r[i] / 4;
  };
  const ref = cgSync(spd, b, { rtol: 1e-10, preconditioner: jacobi });
  const s = cgSync(operatorOf(spd), b, { rtol: 1e-10, preconditioner: jacobi });
  const p = await cg(operatorOf(spd), b, { rtol: 1e-10, preconditioner: jacobi });
  t.ok(ref.converged && s.converged && p.converged);
  t.ok(relErr(s.x, ref.x) <= 1e-12, 'Sync: the CsrMatrix x');
  t.same(p.x, s.x, 'Promise: the Sync x');
  const g = await gmres(operatorOf(nonsym), b.subarray(0, nonsym.rows), {
    rtol: 1e-10,
    preconditioner: jacobi,
    flexible: true,
  });
  t.ok(g.converged, 'fgmres with both callbacks');
  // A built preconditioner (from the matrix) serves an operator too.
  const ic0 = Preconditioner.create(spd, 'ic0');
  const q = cgSync(operatorOf(spd), b, { rtol: 1e-10, preconditioner: ic0 });
  const qr = cgSync(spd, b, { rtol: 1e-10, preconditioner: ic0 });
  t.ok(q.converged && relErr(q.x, qr.x) <= 1e-12, 'a built IC(0) with an operator');
  const ssor = Preconditioner.create(spd, 'ssor', { omega: 1.2 });
  const w = cgSync(operatorOf(spd), b, { rtol: 1e-10, preconditioner: ssor });
  const wr = cgSync(spd, b, { rtol: 1e-10, preconditioner: ssor });
  // The CSR path runs SSOR in Eisenstat's form, the operator path applies it: same iterates.
  t.ok(w.converged && relErr(w.x, wr.x) <= 1e-8, 'a built SSOR with an operator');
  t.end();
});

t.test('bad operators are named errors', async (t) => {
  const b = new Float64Array(4).fill(1);
  const ok = { rows: 4, cols: 4, multiply: (x: Float64Array, out: Float64Array) => out.set(x) };
  t.equal(cgSync(ok, b).converged, true);
  const cases: [unknown, { code: string; argument: string }][] = [
    [
      { rows: 4, cols: 4 },
      { code: 'ERR_INVALID_ARGUMENT', argument: 'A.multiply' },
    ],
    [
      { ...ok, multiply: 3 },
      { code: 'ERR_INVALID_ARGUMENT', argument: 'A.multiply' },
    ],
    [
      { ...ok, rows: 4.5 },
      { code: 'ERR_INVALID_ARGUMENT', argument: 'A.rows' },
    ],
    [
      { ...ok, rows: '4' },
      { code: 'ERR_INVALID_ARGUMENT', argument: 'A.rows' },
    ],
    [
      { ...ok, cols: 0 },
      { code: 'ERR_INVALID_ARGUMENT', argument: 'A.cols' },
    ],
    [
      { ...ok, cols: undefined },
      { code: 'ERR_INVALID_ARGUMENT', argument: 'A.cols' },
    ],
    [
      { ...ok, multiplyTranspose: 1 },
      { code: 'ERR_INVALID_ARGUMENT', argument: 'A.multiplyTranspose' },
    ],
    [
      { ...ok, cols: 5 },
      { code: 'ERR_DIMENSION_MISMATCH', argument: 'A' },
    ],
    [null, { code: 'ERR_INVALID_ARGUMENT', argument: 'A' }],
    [new Float64Array(4), { code: 'ERR_INVALID_ARGUMENT', argument: 'A' }],
    [4, { code: 'ERR_INVALID_ARGUMENT', argument: 'A' }],
  ];
  for (const [A, expected] of cases) {
    t.throws(() => cgSync(A as never, b), expected);
    t.throws(() => cgBatchSync(A as never, b), expected);
    await t.rejects(gmres(A as never, b), expected);
  }
  const five = { ...ok, rows: 5, cols: 5 };
  t.throws(() => cgSync(five, b), { code: 'ERR_DIMENSION_MISMATCH', argument: 'b' });
  t.throws(() => cgBatchSync(five, b), { code: 'ERR_DIMENSION_MISMATCH', argument: 'B' });
  t.throws(() => minresSync(ok, b, { checkSymmetry: true }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'checkSymmetry',
  });
  // The binding checks what a caller of the native function could bypass.
  const io = new Float64Array(64);
  t.throws(
    () =>
      native().krylov(
        { rows: 4, cols: 4 } as never,
        undefined as never,
        undefined as never,
        b,
        new Float64Array(4),
        io,
      ),
    {
      code: 'ERR_INVALID_ARGUMENT',
      argument: 'A',
    },
  );
  t.end();
});

t.test('preconditioners built from A need a matrix', async (t) => {
  const b = randomVector(spd.rows, 11);
  const op = operatorOf(spd);
  for (const kind of ['jacobi', 'ssor', 'ic0', 'ilu0', { type: 'ssor', omega: 1.5 }]) {
    const e = { code: 'ERR_INVALID_ARGUMENT', argument: 'preconditioner', message: /matrix-free/ };
    t.throws(() => cgSync(op, b, { preconditioner: kind as never }), e);
    await t.rejects(bicgstab(op, b, { preconditioner: kind as never }), e);
    t.throws(() => cgBatchSync(op, b, { preconditioner: kind as never }), e);
  }
  t.throws(() => conjugateDirectionSync(op, b, { oracle: 'jacobi' }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'oracle',
  });
  t.equal(op.calls, 0, 'nothing ran');
  t.end();
});

t.test('aslinearoperator and isLinearOperator', (t) => {
  const L = aslinearoperator(nonsym);
  t.ok(isLinearOperator(L));
  t.notOk(isLinearOperator(nonsym), 'a CsrMatrix is not a matrix-free operator');
  t.notOk(isLinearOperator({ rows: 2, cols: 2 }));
  t.notOk(isLinearOperator(null));
  const x = randomVector(nonsym.cols, 12);
  const y = new Float64Array(nonsym.rows);
  L.multiply(x, y);
  t.same(y, nonsym.multiply(x));
  const z = new Float64Array(nonsym.cols);
  L.multiplyTranspose!(x, z);
  t.same(z, nonsym.multiplyTranspose(x));
  t.equal(aslinearoperator(L), L, 'an operator is returned as it is');
  t.throws(() => aslinearoperator({ rows: 1 } as never), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'A.multiply',
  });
  const b = randomVector(nonsym.rows, 13);
  t.ok(
    relErr(gmresSync(L, b, { rtol: 1e-10 }).x, gmresSync(nonsym, b, { rtol: 1e-10 }).x) <= 1e-12,
  );
  t.end();
});

t.test(
  'operators in worker threads: same x, and a terminated worker shuts down cleanly',
  async (t) => {
    const fixture = path.join(__dirname, 'fixtures', 'worker-operator.js');
    const n = 12;
    const w = new Worker(fixture, { workerData: { mode: 'solve', n }, execArgv: [] });
    const xs = (await new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    })) as Float64Array[];
    await w.terminate();
    const A = poisson2d(n);
    const b = new Float64Array(A.rows).fill(1);
    const op = operatorOf(A);
    t.same(xs[0], cgSync(op, b, { rtol: 1e-10 }).x, 'cg in a worker');
    t.same(xs[1], gmresSync(op, b, { rtol: 1e-10 }).x, 'gmres in a worker');
    t.same(xs[2], cgBatchSync(op, b, { rtol: 1e-10 }).x, 'cgBatch in a worker');
    const h = new Worker(fixture, { workerData: { mode: 'hang', n: 100 }, execArgv: [] });
    const msg = await new Promise((resolve, reject) => {
      h.once('message', resolve);
      h.once('error', reject);
    });
    t.equal(msg, 'running');
    t.equal(await h.terminate(), 1, 'the worker waiting on multiply terminated');
    t.ok(cgSync(operatorOf(A), b).converged, 'this process is healthy');
    t.same(jobStats(), { running: 0, waiting: 0 });
  },
);
