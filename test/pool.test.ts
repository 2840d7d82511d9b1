// One compute pool per process (native/core/threadpool.hpp): 8 worker_threads each running
// IC(0)-PCG solves must never have more threads computing at once than the machine has cores
// (before, each environment started its own pool: 8 workers on 2 cores ran 16 compute threads).
// The timings (alone vs 8 workers) are printed as comments, not asserted: they depend on the
// machine's load.
import t from 'tap';
import os from 'os';
import path from 'path';
import { Worker } from 'worker_threads';
import { native } from '../lib/native';

type PoolStats = {
  limit: number;
  workers: number;
  computing: number;
  maxConcurrent: number;
  waiting: number;
  environments: number;
};
const poolStats = (reset = false): PoolStats =>
  (native() as unknown as { poolStats(r?: boolean): PoolStats }).poolStats(reset);

const N = 256; // 65 536 unknowns: kernels run on the pool (ops::kParallelMin), so helpers are used
const SOLVES_PER_WORKER = 2;
const WORKERS = 8;

// Runs in each worker (and once on the main thread for the lone timing): IC(0)-PCG on a 2D
// Poisson matrix through the raw binding, b seeded, zero start.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
const path = require('path');
const b = process.env.ITERSOLVE_ADDON
  ? require(path.resolve(process.env.ITERSOLVE_ADDON))
  : require(path.join(workerData.root, 'node_modules', 'node-gyp-build'))(workerData.root);
${solveSource()}
(async () => {
  const times = [];
  const runs = [];
  for (let i = 0; i < workerData.solves; ++i) {
    const t0 = process.hrtime.bigint();
    const r = await solve(b, workerData.n);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    runs.push(r);
  }
  parentPort.postMessage({ times, runs });
})().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
`;

function solveSource(): string {
  return `
async function solve(b, n) {
  const N = n * n;
  const rp = new Int32Array(N + 1);
  const ci = [];
  const v = [];
  for (let r = 0; r < N; r++) {
    const i = Math.floor(r / n), j = r % n;
    if (i > 0) { ci.push(r - n); v.push(-1); }
    if (j > 0) { ci.push(r - 1); v.push(-1); }
    ci.push(r); v.push(4);
    if (j < n - 1) { ci.push(r + 1); v.push(-1); }
    if (i < n - 1) { ci.push(r + n); v.push(-1); }
    rp[r + 1] = ci.length;
  }
  const rhs = new Float64Array(N);
  for (let i = 0; i < N; ++i) rhs[i] = 1 + (i % 7) / 8;
  const x = new Float64Array(N);
  const P = b.layout.krylov.params, S = b.layout.krylov.stats;
  const io = new Float64Array(P.length + S.length);
  const set = (k, val) => { const at = P.indexOf(k); if (at >= 0) io[at] = val; };
  set('method', b.layout.methods.indexOf('cg')); set('rows', N); set('cols', N); set('trusted', 1);
  set('omega', 1); set('rtol', 1e-8); set('atol', 0); set('maxIterations', 10 * N); set('history', 0);
  set('trueResidualEvery', 0); set('restart', 30); set('flexible', 0); set('memory', 2);
  set('timeLimitMs', 0); set('zeroStart', 1); set('recycle', -1);
  await b.krylovAsync(rp, Int32Array.from(ci), Float64Array.from(v), rhs, x, io, 'ic0', {});
  const stat = (k) => io[P.length + S.indexOf(k)];
  return { reason: b.layout.reasons[stat('reason')], iterations: stat('iterations'), residualNorm: stat('residualNorm') };
}`;
}

/**
 * The pool's figures once it is at rest: the workers' environments detached (each leaves the pool
 * in its environment cleanup hook, before its 'exit' event), nothing computing or waiting. Polled
 * up to 30 s all the same, in case a loaded machine delays a runner thread; what it last saw is
 * returned either way, for the assertions.
 */
async function settled(): Promise<PoolStats> {
  let s = poolStats();
  for (let i = 0; i < 3000 && (s.environments > 1 || s.computing > 0 || s.waiting > 0); ++i) {
    await new Promise((r) => setTimeout(r, 10));
    s = poolStats();
  }
  return s;
}

type Run = { reason: string; iterations: number; residualNorm: number };
type Report = { times: number[]; runs: Run[]; error?: string };

function startWorker(solves: number): Promise<Report> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { root: path.join(__dirname, '..'), n: N, solves },
    });
    let report: Report | undefined;
    w.on('message', (m: Report) => (report = m));
    w.on('error', reject);
    w.on('exit', () =>
      report ? resolve(report) : reject(new Error('worker exited without a report')),
    );
  });
}

t.test(
  '8 worker_threads share one compute pool: never more threads computing than cores',
  async (t) => {
    const cores = os.availableParallelism();
    const s0 = poolStats();
    t.equal(s0.limit, cores, `the process-wide limit is the core count (${cores})`);

    // Alone: one worker, one solve at a time (its kernels may use every core).
    const alone = await startWorker(SOLVES_PER_WORKER);
    t.notOk(alone.error, alone.error ?? 'alone: solved');
    const ref = alone.runs[0];
    t.equal(ref.reason, 'rtol', `IC(0)-PCG converges (${ref.iterations} iterations)`);

    poolStats(true);
    let maxSeen = 0;
    let maxEnvs = 0;
    const timer = setInterval(() => {
      const s = poolStats();
      maxSeen = Math.max(maxSeen, s.computing);
      maxEnvs = Math.max(maxEnvs, s.environments);
    }, 1);
    const t0 = Date.now();
    const reports = await Promise.all(
      Array.from({ length: WORKERS }, () => startWorker(SOLVES_PER_WORKER)),
    );
    const wall = Date.now() - t0;
    clearInterval(timer);
    const s1 = poolStats();

    for (const r of reports) t.notOk(r.error, r.error ?? 'worker solved');
    const runs = reports.flatMap((r) => r.runs);
    t.equal(runs.length, WORKERS * SOLVES_PER_WORKER);
    t.ok(
      runs.every(
        (r) =>
          r.reason === ref.reason &&
          r.iterations === ref.iterations &&
          r.residualNorm === ref.residualNorm,
      ),
      "every solve gives the lone solve's result, bit for bit",
    );
    t.ok(s1.maxConcurrent >= 1, `threads were seen computing (max ${s1.maxConcurrent})`);
    t.ok(
      s1.maxConcurrent <= cores,
      `at most ${cores} threads computed at once over 8 workers (max ${s1.maxConcurrent})`,
    );
    t.ok(maxSeen <= cores, `sampled: at most ${cores} computing (saw ${maxSeen})`);
    t.ok(
      maxEnvs >= 2,
      `the workers' environments attached to the same pool (saw ${maxEnvs} at once)`,
    );
    t.ok(
      s1.workers <= Math.max(0, cores - 1),
      `one set of pool workers for the process (${s1.workers} threads)`,
    );

    // The workers are gone: their environments detached from the pool; nothing computes.
    const s2 = await settled();
    t.equal(s2.environments, 1, 'only the main environment still holds the pool');
    t.equal(s2.computing, 0, 'nothing computes after the workers finished');
    t.equal(s2.waiting, 0, 'no runner waits for a core');

    const all = reports.flatMap((r) => r.times);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    t.comment(
      `IC(0)-PCG on poisson2d(${N}), ${ref.iterations} iterations, ${cores} cores: alone ${alone.times.map((x) => x.toFixed(0)).join(', ')} ms; ` +
        `8 workers x ${SOLVES_PER_WORKER}: ${mean(all).toFixed(0)} ms per solve (min ${Math.min(...all).toFixed(0)}, max ${Math.max(...all).toFixed(0)}), ` +
        `wall ${wall} ms for ${all.length} solves (${(wall / all.length).toFixed(0)} ms each); max computing ${s1.maxConcurrent}`,
    );
  },
);

t.test('worker teardown while its jobs wait for a core is safe', async (t) => {
  // Fill the cores from several workers, terminate some of them mid-way: the others finish, and
  // the terminated ones' runner threads waiting for a slot leave without computing.
  const ws = Array.from(
    { length: 6 },
    () =>
      new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { root: path.join(__dirname, '..'), n: N, solves: 3 },
      }),
  );
  const exits = ws.map((w) => new Promise<number>((r) => w.on('exit', r)));
  const messages = ws.map((w) => new Promise<Report>((r) => w.on('message', r)));
  await new Promise((r) => setTimeout(r, 150));
  await Promise.all([ws[0].terminate(), ws[1].terminate(), ws[2].terminate()]);
  const done = await Promise.all(messages.slice(3));
  for (const d of done)
    t.ok(!d.error && d.runs.every((r) => r.reason === 'rtol'), 'a surviving worker converged');
  await Promise.all(exits);
  const s = await settled();
  t.equal(s.environments, 1, 'every worker environment detached');
  t.equal(s.computing, 0, 'nothing computes');
});

t.test('a worker terminated while it loads the addon leaves nothing attached', async (t) => {
  // Terminating a worker during the addon's initialisation makes its calls into JS throw. The
  // environment's state (and its hold on the compute pool) used to be created before it was
  // handed to the environment, so such a worker left it attached for good: poolStats counted
  // one environment more for each (about 1 in 25 workers terminated at random moments).
  // Each worker says when it starts loading; it is terminated 0–3 ms after the parent hears it.
  const LOAD_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
const path = require('path');
parentPort.postMessage('loading');
const b = process.env.ITERSOLVE_ADDON
  ? require(path.resolve(process.env.ITERSOLVE_ADDON))
  : require(path.join(workerData.root, 'node_modules', 'node-gyp-build'))(workerData.root);
parentPort.postMessage('loaded');
setInterval(() => b.getThreads(), 1000);
`;
  const ROUNDS = 12;
  const PER_ROUND = 4;
  let loaded = 0;
  for (let k = 0; k < ROUNDS; ++k) {
    const runs = Array.from({ length: PER_ROUND }, (_, i) => {
      const w = new Worker(LOAD_SOURCE, {
        eval: true,
        workerData: { root: path.join(__dirname, '..') },
      });
      const exit = new Promise<void>((r) => w.on('exit', () => r()));
      const delay = (k * PER_ROUND + i) % 4;
      w.on('message', (m: string) => {
        if (m === 'loaded') loaded++;
        else setTimeout(() => void w.terminate(), delay);
      });
      return exit;
    });
    await Promise.all(runs);
  }
  const s = await settled();
  t.equal(
    s.environments,
    1,
    `every worker environment detached (${loaded} of ${ROUNDS * PER_ROUND} had loaded the addon)`,
  );
  t.equal(s.computing, 0, 'nothing computes');
});
