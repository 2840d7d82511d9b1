// cgBatch: k right-hand sides sharing each pass over A, with per-column convergence.
import t from 'tap';
import {
  AbortError,
  cgBatch,
  cgBatchSync,
  cgSync,
  CsrMatrix,
  poisson2d,
  Preconditioner,
} from '../lib/index';
import type { CgBatchResult } from '../lib/index';
import { randomVector } from './helpers';

const A = poisson2d(30);
const n = A.rows;

function columns(k: number, seed: number, zeroColumn = -1): Float64Array {
  const B = new Float64Array(n * k);
  for (let c = 0; c < k; c++) if (c !== zeroColumn) B.set(randomVector(n, seed + c), c * n);
  return B;
}

t.test('each column matches a single CG solve', async (t) => {
  for (const k of [1, 3, 8]) {
    const B = columns(k, 100 * k);
    const r = cgBatchSync(A, B, { history: true });
    t.equal(r.x.length, n * k);
    t.equal(r.columns.length, k);
    t.equal(r.converged, true, `k=${k}: all converged`);
    t.equal(r.reason, 'rtol');
    for (let c = 0; c < k; c++) {
      const b = B.subarray(c * n, (c + 1) * n);
      const s = cgSync(A, b, { history: true });
      const col = r.columns[c];
      t.equal(col.iterations, s.iterations, `k=${k} column ${c}: ${col.iterations} iterations`);
      t.ok(col.residualNorm <= 1e-8 * Math.hypot(...b));
      let e = 0;
      for (let i = 0; i < n; i++) e = Math.max(e, Math.abs(r.x[c * n + i] - s.x[i]));
      t.ok(
        e <= 1e-9 * Math.max(...s.x.map(Math.abs)),
        `k=${k} column ${c}: same solution (${e.toExponential(1)})`,
      );
      t.equal(col.history!.length, col.iterations + 1);
    }
    t.equal(r.iterations, Math.max(...r.columns.map((c) => c.iterations)));
  }
});

t.test('a zero column, preconditioners, x0/out, Promise form', async (t) => {
  const B = columns(4, 7, 2);
  const r = cgBatchSync(A, B, { preconditioner: 'ic0' });
  t.equal(r.converged, true);
  t.same(
    [r.columns[2].iterations, r.columns[2].converged],
    [0, true],
    'b = 0 column: x = 0 at once',
  );
  t.ok(r.x.subarray(2 * n, 3 * n).every((v) => v === 0));
  const M = Preconditioner.ic0(A);
  const rm = cgBatchSync(A, B, { preconditioner: M });
  t.same(rm.x, r.x, 'built preconditioner = kind string');
  const one = cgSync(A, B.subarray(0, n), { preconditioner: M });
  t.equal(rm.columns[0].iterations, one.iterations);
  const j = cgBatchSync(A, B, { preconditioner: { type: 'ssor', omega: 1.5 } });
  t.equal(j.converged, true);
  const out = new Float64Array(n * 4);
  const w = cgBatchSync(A, B, { x0: r.x, out });
  t.equal(w.x, out);
  t.ok(w.iterations <= 1, 'warm start from the solutions');
  const a = await cgBatch(A, B, { preconditioner: 'ic0' });
  t.same(a.x, r.x, 'Promise form: same x');
  const m = cgBatchSync(A, B, { maxIterations: 4 });
  t.same([m.converged, m.reason], [false, 'max-iterations']);
  t.ok(m.columns[2].converged, 'the zero column still converged');
});

t.test('abort and errors', async (t) => {
  const big = poisson2d(300);
  const B = new Float64Array(big.rows * 3).fill(1);
  const ac = new AbortController();
  const err = (await cgBatch(big, B, {
    rtol: 0,
    maxIterations: 1e9,
    signal: ac.signal,
    onProgress: (p) => p.iteration > 0 && ac.abort(),
  }).then(
    () => t.fail('resolved'),
    (e: unknown) => e,
  )) as AbortError<CgBatchResult>;
  t.match(err, { name: 'AbortError', code: 'ABORT_ERR' });
  t.equal(err.cause, ac.signal.reason);
  const r = err.result!;
  t.equal(r.reason, 'aborted');
  t.equal(r.x.length, big.rows * 3);
  t.ok(r.columns.every((c) => c.reason === 'aborted' && c.iterations > 0));
  await t.rejects(cgBatch(big, B, { signal: AbortSignal.abort() }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
  t.throws(() => cgBatchSync(A, new Float64Array(n + 1)), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'B',
  });
  t.throws(() => cgBatchSync(A, new Float64Array(0)), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'B',
  });
  const nan = columns(2, 1);
  nan[n + 3] = NaN;
  t.throws(() => cgBatchSync(A, nan), { code: 'ERR_INVALID_ARGUMENT', argument: 'B' });
  t.throws(
    () =>
      cgBatchSync(A, columns(2, 1), {
        preconditioner: ((r: Float64Array, z: Float64Array) => z.set(r)) as never,
      }),
    {
      code: 'ERR_INVALID_ARGUMENT',
      argument: 'preconditioner',
    },
  );
  t.throws(
    () => cgBatchSync(CsrMatrix.fromDense(1, 2, Float64Array.from([1, 2])), new Float64Array(2)),
    {
      code: 'ERR_DIMENSION_MISMATCH',
      argument: 'A',
    },
  );
  t.throws(() => cgBatchSync(A, columns(2, 1), { out: new Float64Array(n) }), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'out',
  });
  const Bo = columns(2, 1);
  t.throws(() => cgBatchSync(A, Bo, { out: Bo }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'out',
    message: /overlap B/,
  });
  await t.rejects(cgBatch(A, Bo, { out: Bo }), { code: 'ERR_INVALID_ARGUMENT', argument: 'out' });
  await t.rejects(cgBatch(A, columns(2, 1), { rtol: -1 }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'rtol',
  });
});
