import * as path from 'path';
import t from 'tap';
import { Worker } from 'worker_threads';
import { getEventListeners } from 'events';
import { jobStats, runJob } from '../lib/async';
import {
  AbortError,
  CsrMatrix,
  getThreads,
  ItersolveError,
  poisson2d,
  powerIteration,
  powerIterationSync,
  setThreads,
} from '../lib/index';
import type { PowerIterationResult } from '../lib/index';

// Largest eigenvalue of the 2D Poisson matrix on an n×n grid: 8·cos²(π/(2(n+1))).
const lmax = (n: number) => 8 * Math.cos(Math.PI / (2 * (n + 1))) ** 2;

t.test('power iteration: result shape, Sync and Promise forms agree', async (t) => {
  const A = poisson2d(12);
  const s = powerIterationSync(A, { rtol: 1e-12, maxIterations: 20000, history: true });
  t.equal(s.converged, true);
  t.equal(s.reason, 'rtol');
  t.ok(Math.abs(s.eigenvalue - lmax(12)) < 1e-6, `λ ≈ ${lmax(12)}: ${s.eigenvalue}`);
  t.equal(s.vector.length, 144);
  t.equal(s.history!.length, s.iterations);
  t.equal(s.matvecs, s.iterations);
  t.ok(s.elapsedMs >= 0);
  const a = await powerIteration(A, { rtol: 1e-12, maxIterations: 20000 });
  t.equal(a.eigenvalue, s.eigenvalue, 'bit-identical to the Sync form');
  t.equal(a.iterations, s.iterations);
  t.equal(a.history, undefined);
  const m = powerIterationSync(A, { maxIterations: 3 });
  t.same([m.converged, m.reason, m.iterations], [false, 'max-iterations', 3]);
  const out = new Float64Array(144);
  const x0 = new Float64Array(144).fill(2);
  const r = powerIterationSync(A, { x0, out, maxIterations: 5 });
  t.equal(r.vector, out);
  t.equal(x0[0], 2, 'x0 untouched');
  const zero = powerIterationSync(A, { x0: new Float64Array(144) });
  t.equal(zero.reason, 'breakdown');
  const nan = new Float64Array(144);
  nan[3] = NaN;
  t.equal(powerIterationSync(A, { x0: nan }).reason, 'non-finite');
  t.throws(() => powerIterationSync(CsrMatrix.fromDense(1, 2, Float64Array.from([1, 2]))), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'A',
  });
  t.throws(() => powerIterationSync(A, { rtol: -1 }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'rtol',
  });
  t.throws(() => powerIterationSync(A, { x0: new Float64Array(3) }), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'x0',
  });
  t.throws(() => powerIterationSync(A, { timeLimitMs: -5 }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'timeLimitMs',
  });
  await t.rejects(powerIteration(A, { onProgress: 5 as never }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'onProgress',
  });
  await t.rejects(powerIteration('A' as never), { code: 'ERR_INVALID_ARGUMENT', argument: 'A' });
});

// A problem big enough to run for seconds when rtol = 0.
const big = poisson2d(300);
const forever = { rtol: 0, maxIterations: 1e9 };

t.test('abort mid-run rejects with an AbortError carrying the partial result', async (t) => {
  const ac = new AbortController();
  const started = Date.now();
  // Abort once the work is seen running (its first progress report), not after a fixed delay:
  // on a slow or busy machine a timer can fire before the first iteration.
  const why = new Error('user cancelled');
  const err = await powerIteration(big, {
    ...forever,
    signal: ac.signal,
    onProgress: (p) => p.iteration > 0 && ac.abort(why),
  }).then(
    () => t.fail('resolved'),
    (e: unknown) => e,
  );
  t.ok(err instanceof AbortError, 'an AbortError');
  t.ok(err instanceof ItersolveError, 'also an ItersolveError');
  t.match(err, { name: 'AbortError', code: 'ABORT_ERR', message: 'The operation was aborted' });
  t.equal((err as AbortError).cause, why, 'cause is the signal’s reason');
  const r = (err as AbortError<PowerIterationResult>).result!;
  t.equal(r.reason, 'aborted');
  t.equal(r.converged, false);
  t.ok(r.iterations > 0, `${r.iterations} iterations done`);
  t.ok(Date.now() - started < 2000, 'stops promptly');
  t.ok(Number.isFinite(r.eigenvalue) && r.eigenvalue > 0, 'partial estimate is usable');
  t.equal(r.vector.length, big.rows);
  // already aborted before the call: rejects at once, no native work starts
  const pre = AbortSignal.abort();
  const p = powerIteration(big, { ...forever, signal: pre });
  t.same(jobStats(), { running: 0, waiting: 0 }, 'nothing started');
  const e2 = await p.then(
    () => t.fail('resolved'),
    (e: unknown) => e,
  );
  t.match(e2, { name: 'AbortError', code: 'ABORT_ERR' });
  t.equal((e2 as AbortError).cause, pre.reason);
  t.equal((e2 as AbortError).result, undefined, 'no partial result: nothing ran');
  // a job that finishes before the abort resolves normally
  const ac3 = new AbortController();
  const ok = await powerIteration(poisson2d(4), { maxIterations: 3, signal: ac3.signal });
  ac3.abort();
  t.equal(ok.reason, 'max-iterations');
});

t.test('timeLimitMs stops with reason time-limit (Promise and Sync forms)', async (t) => {
  const r = await powerIteration(big, { ...forever, timeLimitMs: 100 });
  t.equal(r.reason, 'time-limit');
  t.ok(r.elapsedMs >= 100 && r.elapsedMs < 1500, `elapsed ${r.elapsedMs} ms`);
  const s = powerIterationSync(big, { ...forever, timeLimitMs: 50 });
  t.equal(s.reason, 'time-limit');
});

t.test('progress is delivered on the main thread at most 20 times a second', async (t) => {
  const calls: Array<{ iteration: number; elapsedMs: number; value: number; total?: number }> = [];
  const r = await powerIteration(big, {
    ...forever,
    timeLimitMs: 1000,
    onProgress: (p) => calls.push(p),
  });
  t.equal(r.reason, 'time-limit');
  t.ok(calls.length >= 5, `${calls.length} progress calls`);
  t.ok(calls.length <= 21, 'throttled to ≤ 20/s');
  for (let i = 1; i < calls.length; i++) {
    t.ok(calls[i].iteration > calls[i - 1].iteration, 'iterations increase');
    t.ok(calls[i].elapsedMs - calls[i - 1].elapsedMs >= 40, 'spaced ≥ 50 ms apart (±clock jitter)');
  }
  t.equal(calls[0].total, 1e9);
  t.ok(calls.every((c) => c.value > 0));
});

t.test('progress stays ≥ 50 ms apart on the main thread while it is busy at times', async (t) => {
  // The main thread blocks for 30 ms every 70 ms. Reports measured while it is blocked must not
  // pile up and then arrive back to back: the next report waits 50 ms from the last delivered.
  const spin = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };
  const busy = setInterval(() => spin(30), 70);
  const calls: Array<{ iteration: number; elapsedMs: number }> = [];
  try {
    const r = await powerIteration(big, {
      ...forever,
      timeLimitMs: 1500,
      onProgress: (p) => calls.push(p),
    });
    t.equal(r.reason, 'time-limit');
  } finally {
    clearInterval(busy);
  }
  t.ok(calls.length >= 5 && calls.length <= 31, `${calls.length} progress calls in 1.5 s`);
  let minGap = Infinity;
  for (let i = 1; i < calls.length; i++) {
    minGap = Math.min(minGap, calls[i].elapsedMs - calls[i - 1].elapsedMs);
    t.ok(calls[i].iteration > calls[i - 1].iteration, 'iterations increase');
  }
  t.ok(minGap >= 40, `smallest gap between calls ${minGap.toFixed(1)} ms`);
});

t.test('an onProgress that throws stops the work and rejects with its error', async (t) => {
  const boom = new Error('boom');
  await t.rejects(
    powerIteration(big, {
      ...forever,
      timeLimitMs: 5000,
      onProgress: () => {
        throw boom;
      },
    }),
    boom,
  );
});

t.test('a buffer detached while the work runs is detected, never used', async (t) => {
  const out = new Float64Array(big.rows);
  const p = powerIteration(big, { ...forever, out, timeLimitMs: 5000 });
  await new Promise((r) => setTimeout(r, 100));
  // transfer the output buffer away (detaches it here); keep the moved buffer alive meanwhile
  const moved = structuredClone(out.buffer, { transfer: [out.buffer] });
  t.equal(out.length, 0, 'detached in this realm');
  const started = Date.now();
  await t.rejects(p, { code: 'ERR_BUFFER_DETACHED', argument: 'out' });
  t.ok(Date.now() - started < 1000, 'stops within a heartbeat');
  t.equal(moved.byteLength, big.rows * 8);
  // a matrix array detached mid-run too
  const A = poisson2d(200);
  const values = new Float64Array(A.values);
  const B = new CsrMatrix(A.rows, A.cols, A.rowPtr, A.colIdx, values);
  const q = powerIteration(B, { ...forever, timeLimitMs: 5000 });
  await new Promise((r) => setTimeout(r, 80));
  const moved2 = structuredClone(values.buffer, { transfer: [values.buffer] });
  await t.rejects(q, { code: 'ERR_BUFFER_DETACHED', argument: 'values' });
  t.ok(moved2.byteLength > 0);
  // detached before the call
  t.throws(() => B.multiply(new Float64Array(B.cols)), { code: 'ERR_BUFFER_DETACHED' });
});

t.test('many concurrent async solves: correct results, event loop stays free', async (t) => {
  const A = poisson2d(60);
  const expected = powerIterationSync(A, { rtol: 1e-10, maxIterations: 100000 }).eigenvalue;
  let ticks = 0;
  let maxRunning = 0;
  const timer = setInterval(() => {
    ticks++;
    maxRunning = Math.max(maxRunning, jobStats().running);
  }, 2);
  const pending = Array.from({ length: 32 }, () =>
    powerIteration(A, { rtol: 1e-10, maxIterations: 100000 }),
  );
  // The facade hands every job to the binding at once; the binding queues them.
  const queued = jobStats();
  t.ok(
    queued.running + queued.waiting === 32,
    `all 32 jobs handed to the binding (${JSON.stringify(queued)})`,
  );
  t.ok(
    queued.waiting >= 32 - getThreads(),
    'jobs beyond the thread count wait in the binding queue',
  );
  const results = await Promise.all(pending);
  clearInterval(timer);
  for (const r of results) t.equal(r.eigenvalue, expected);
  t.ok(ticks > 0, `event loop ran ${ticks} timer ticks meanwhile`);
  t.ok(
    maxRunning >= 1 && maxRunning <= getThreads(),
    `at most getThreads() = ${getThreads()} jobs compute at once (saw ${maxRunning})`,
  );
  t.same(jobStats(), { running: 0, waiting: 0 }, 'nothing left running or queued');
});

t.test('a buffer detached while its job waits in the queue: the job never runs', async (t) => {
  // Occupy every runner thread, then queue one more job and transfer its output buffer away.
  const busy = Array.from({ length: getThreads() }, () =>
    powerIteration(big, { ...forever, timeLimitMs: 400 }),
  );
  while (jobStats().running < getThreads()) await new Promise((r) => setTimeout(r, 1));
  const out = new Float64Array(big.rows);
  // the facade copies x0 into out; the first iteration would normalise it
  const p = powerIteration(big, {
    ...forever,
    out,
    x0: new Float64Array(big.rows).fill(7),
    timeLimitMs: 5000,
  });
  t.equal(jobStats().waiting, 1, 'the last job waits for a thread');
  await new Promise((r) => setTimeout(r, 100));
  const moved = new Float64Array(structuredClone(out.buffer, { transfer: [out.buffer] }));
  await t.rejects(p, { code: 'ERR_BUFFER_DETACHED', argument: 'out' });
  t.ok(
    moved.every((v) => v === 7),
    'the moved memory was never written: the job stopped before it started',
  );
  for (const r of await Promise.all(busy)) t.equal(r.reason, 'time-limit');
});

t.test(
  'setThreads while jobs are queued: never more than getThreads() compute at once',
  async (t) => {
    const before = getThreads();
    const A = poisson2d(60);
    const expected = powerIterationSync(A, { rtol: 1e-10, maxIterations: 100000 }).eigenvalue;
    for (const n of [1, 3]) {
      setThreads(n);
      let maxRunning = 0;
      const timer = setInterval(() => (maxRunning = Math.max(maxRunning, jobStats().running)), 1);
      const rs = await Promise.all(
        Array.from({ length: 12 }, () => powerIteration(A, { rtol: 1e-10, maxIterations: 100000 })),
      );
      clearInterval(timer);
      t.ok(
        rs.every((r) => r.eigenvalue === expected),
        `threads ${n}: same results`,
      );
      t.ok(maxRunning <= n, `threads ${n}: at most ${n} at once (saw ${maxRunning})`);
    }
    setThreads(before);
    t.same(jobStats(), { running: 0, waiting: 0 });
  },
);

t.test('runJob: the abort listener is removed however the job ends', async (t) => {
  const ac = new AbortController();
  const err = Object.assign(new Error('bad argument'), { code: 'ERR_INVALID_ARGUMENT' });
  await t.rejects(
    runJob({ signal: ac.signal }, () => {
      throw err;
    }),
    err,
    'a synchronous throw from the binding rejects',
  );
  t.equal(getEventListeners(ac.signal, 'abort').length, 0, 'after a synchronous throw');
  await runJob({ signal: ac.signal }, () => Promise.resolve(1));
  t.equal(getEventListeners(ac.signal, 'abort').length, 0, 'after success');
  await t.rejects(
    runJob({ signal: ac.signal }, () => Promise.reject(err)),
    { code: 'ERR_INVALID_ARGUMENT' },
  );
  t.equal(getEventListeners(ac.signal, 'abort').length, 0, 'after a rejection');
});

t.test('loads and runs in worker_threads (context-aware addon)', async (t) => {
  const script = path.join(__dirname, 'fixtures', 'worker.js');
  const runs = await Promise.all(
    [0, 1, 2].map(
      () =>
        new Promise<{ eigen: number; threads: number }>((resolve, reject) => {
          const w = new Worker(script);
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  const ref = powerIterationSync(poisson2d(20), {
    x0: new Float64Array(400).fill(1),
    rtol: 1e-12,
    maxIterations: 100000,
  }).eigenvalue;
  for (const r of runs) {
    t.equal(r.eigen, ref);
    t.equal(r.threads, 1, 'setThreads in a worker is per environment');
  }
});

t.test('terminating a worker_thread mid-job stops the job and tears down cleanly', async (t) => {
  for (let i = 0; i < 3; i++) {
    const w = new Worker(path.join(__dirname, 'fixtures', 'worker-long.js'));
    const msg = await new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    t.equal(msg, 'running');
    const code = await w.terminate();
    t.equal(code, 1, `worker ${i} terminated`);
  }
  // this process is still healthy
  t.equal(powerIterationSync(poisson2d(4), { maxIterations: 2 }).iterations, 2);
});
