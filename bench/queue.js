'use strict';
/**
 * queue suite (issue 13, section 1): the BullMQ solve queue (itersolve/queue) against local
 * Promise-form calls measured in this same run, on this one machine. It starts its own
 * `redis-server --port <free port> --save '' --appendonly no` and its own `itersolve worker`
 * processes (the CLI of the compiled lib/ it was loaded from) and stops them; it skips with a
 * note when redis-server or bullmq is absent (ITERSOLVE_BENCH_REDIS=redis://... uses a running
 * server instead of starting one).
 *
 *  1. Per-job overhead: CG on tridiag(−1, 4, −1), n = 100 (b = ones, rtol 1e-8: 13 iterations,
 *     a few µs of compute), awaited one at a time: `await q.solve('cg', T, b)` through one worker
 *     against `await lib.cg(T, b)` in this process (the anchor), in interleaved batches; first
 *     call (a new SolveQueue: connections, the matrix upload, the worker's first decode) and warm
 *     (median per-call µs over the batches). ratio = queue / local.
 *  2. Throughput: 200 CG solves of poisson2d(100) (10⁴ unknowns, A shared, b seeded, rtol 1e-8,
 *     ~300 iterations, ~20 ms each alone) submitted at once: local Promise form (the native job
 *     runner runs getThreads() at a time) against the queue with 1 worker process (concurrency =
 *     cores) and with 2 worker processes (concurrency = cores / 2 each, at least 1). Best of 3
 *     rounds (1 with --quick), each round local first then the queue, so both see the same
 *     machine. ratio = queue time / local time (> 1: the queue is slower on one machine; its
 *     use is more machines). Every queued result is checked bitwise against the local one.
 */
const fs = require('fs');
const net = require('net');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { summarize } = require('./probe');
const { tridiag } = require('./krylov');

const now = () => Number(process.hrtime.bigint()) / 1e6;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Resolves with the first stdout line matching re; rejects on exit or after ms. */
function waitForLine(child, re, ms, what) {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => finish(new Error(`${what}: not ready after ${ms} ms\n${out}`)),
      ms,
    );
    const onData = (d) => {
      out += d;
      const line = out.split('\n').find((l) => re.test(l));
      if (line !== undefined) finish(null, line);
    };
    const onExit = (code, sig) => finish(new Error(`${what} exited (${code ?? sig}):\n${out}`));
    function finish(e, line) {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      child.off('exit', onExit);
      if (e) reject(e);
      else resolve(line);
    }
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', onExit);
  });
}

function stop(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill(signal);
  });
}

async function startRedis() {
  if (process.env.ITERSOLVE_BENCH_REDIS)
    return { url: process.env.ITERSOLVE_BENCH_REDIS, child: null };
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0)
    return { skipped: 'redis-server not found (Debian: apt-get install redis-server)' };
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitForLine(child, /Ready to accept connections/, 10000, 'redis-server');
  return { url: `redis://127.0.0.1:${port}`, child, version: probe.stdout.trim() };
}

async function startWorkers(cli, url, queueName, count, concurrency) {
  const procs = [];
  for (let i = 0; i < count; i++) {
    const child = spawn(
      process.execPath,
      [cli, 'worker', '--redis', url, '--queue', queueName, '--concurrency', String(concurrency)],
      { stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
    );
    procs.push(child);
  }
  const lines = await Promise.all(
    procs.map((c, i) => waitForLine(c, /^itersolve worker: /, 20000, `worker ${i + 1}`)),
  );
  return { procs, lines };
}

function sameBits(a, b) {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

async function run({ lib, native, quick, machine, log, dist }) {
  const rows = [];
  const notes = [];
  const data = {};
  const cli = path.join(dist, 'cli', 'index.js');
  const queueModule = path.join(dist, 'queue', 'index.js');
  if (!fs.existsSync(queueModule) || !fs.existsSync(cli)) {
    notes.push(`skipped: ${queueModule} not built (npm run build:ts)`);
    return { rows, notes, data: { skipped: notes[0] } };
  }
  try {
    require.resolve('bullmq');
  } catch {
    notes.push('skipped: bullmq is not installed (npm install bullmq)');
    return { rows, notes, data: { skipped: notes[0] } };
  }
  const redis = await startRedis();
  if (redis.skipped) {
    notes.push(`skipped: ${redis.skipped}`);
    return { rows, notes, data: { skipped: redis.skipped } };
  }
  const { SolveQueue } = require(queueModule);
  const cores = native.getThreads();
  const tag = `bench${process.pid}`;
  const running = [];
  try {
    // 1. Per-job overhead.
    log('per-job overhead: 1 worker, cg on tridiag(100), one job at a time...');
    const w1 = await startWorkers(cli, redis.url, `${tag}-overhead`, 1, 1);
    running.push(...w1.procs);
    const T = tridiag(lib, 100, 4);
    const tb = new Float64Array(100).fill(1);
    const local0 = now();
    const localFirst = await lib.cg(T, tb);
    const localFirstMs = now() - local0;
    const q = new SolveQueue({ connection: redis.url, queueName: `${tag}-overhead` });
    const q0 = now();
    const first = await q.solve('cg', T, tb);
    const queueFirstMs = now() - q0;
    if (!sameBits(first.x, localFirst.x))
      notes.push('WARNING: queued tridiag x differs from the local x');
    const batches = quick ? 10 : 40;
    const per = 20;
    const tq = [];
    const tl = [];
    const ratios = [];
    for (let i = 0; i < 20; i++) await q.solve('cg', T, tb); // warm both sides
    for (let i = 0; i < 200; i++) await lib.cg(T, tb);
    for (let k = 0; k < batches; k++) {
      let t0 = now();
      for (let i = 0; i < per; i++) await lib.cg(T, tb);
      tl.push(((now() - t0) * 1e3) / per);
      t0 = now();
      for (let i = 0; i < per; i++) await q.solve('cg', T, tb);
      tq.push(((now() - t0) * 1e3) / per);
      ratios.push(tq[k] / tl[k]);
    }
    await q.close();
    const sl = summarize(tl);
    const sq = summarize(tq);
    const ratio = summarize(ratios).medianMs;
    rows.push(
      {
        problem: `anchor: await cg(tridiag(100)) local, ${localFirst.iterations} its: first call`,
        threads: cores,
        iterations: localFirst.iterations,
        bestMs: localFirstMs,
      },
      {
        problem: 'await q.solve(cg, tridiag(100)), 1 worker: first call',
        threads: cores,
        iterations: first.iterations,
        bestMs: queueFirstMs,
        ratio: queueFirstMs / localFirstMs,
      },
      {
        problem: 'anchor: await cg(tridiag(100)) local: median us/call',
        threads: cores,
        us: sl.medianMs,
        medianMs: sl.medianMs / 1e3,
      },
      {
        problem: 'await q.solve(cg, tridiag(100)), 1 worker: median us/call',
        threads: cores,
        us: sq.medianMs,
        medianMs: sq.medianMs / 1e3,
        ratio,
      },
    );
    data.overhead = { localFirstMs, queueFirstMs, localUs: sl, queueUs: sq, ratio, batches, per };
    log(
      `  first call: local ${localFirstMs.toFixed(2)} ms, queue ${queueFirstMs.toFixed(1)} ms; warm: local ${sl.medianMs.toFixed(1)} us, queue ${sq.medianMs.toFixed(0)} us (${ratio.toFixed(0)}x)`,
    );
    await Promise.all(w1.procs.map((c) => stop(c)));

    // 2. Throughput.
    const G = lib.poisson2d(100);
    const COUNT = 200;
    const rounds = quick ? 1 : 3;
    const rhs = Array.from({ length: COUNT }, (_, i) => {
      const r = lib.rng(100 + i);
      return new Float64Array(G.rows).map(() => r() - 0.5);
    });
    const opts = { rtol: 1e-8 };
    const probe = lib.cgSync(G, rhs[0], opts);
    const t1 = now();
    lib.cgSync(G, rhs[0], opts);
    const aloneMs = now() - t1;
    const localRun = async () => {
      const t0 = now();
      const res = await Promise.all(rhs.map((b) => lib.cg(G, b, opts)));
      return { ms: now() - t0, res };
    };
    const configs = [
      { workers: 1, concurrency: cores },
      { workers: 2, concurrency: Math.max(1, Math.floor(cores / 2)) },
    ];
    data.throughput = {
      count: COUNT,
      unknowns: G.rows,
      iterations: probe.iterations,
      aloneMs,
      configs: [],
    };
    let mismatches = 0;
    let localBest = Infinity;
    for (const cfg of configs) {
      const name = `${tag}-tp${cfg.workers}`;
      log(
        `throughput: ${COUNT} cg poisson2d(100), ${cfg.workers} worker(s) x concurrency ${cfg.concurrency}...`,
      );
      const w = await startWorkers(cli, redis.url, name, cfg.workers, cfg.concurrency);
      running.push(...w.procs);
      const qt = new SolveQueue({ connection: redis.url, queueName: name });
      await qt.solve('cg', G, rhs[0], opts); // first call: upload A, the workers' first decode
      let best = Infinity;
      let firstMs = null;
      let localCfgBest = Infinity;
      for (let r = 0; r < rounds; r++) {
        const l = await localRun();
        localCfgBest = Math.min(localCfgBest, l.ms);
        const t0 = now();
        const res = await Promise.all(rhs.map((b) => qt.solve('cg', G, b, opts)));
        const ms = now() - t0;
        if (firstMs === null) firstMs = ms;
        best = Math.min(best, ms);
        for (let i = 0; i < COUNT; i++) if (!sameBits(res[i].x, l.res[i].x)) mismatches++;
      }
      await qt.close();
      await Promise.all(w.procs.map((c) => stop(c)));
      localBest = Math.min(localBest, localCfgBest);
      data.throughput.configs.push({
        ...cfg,
        bestMs: best,
        firstRoundMs: firstMs,
        localBestMs: localCfgBest,
      });
      rows.push({
        problem: `${COUNT}x q.solve(cg, poisson2d(100)): ${cfg.workers} worker(s) x ${cfg.concurrency}`,
        threads: cfg.workers * cfg.concurrency,
        iterations: probe.iterations,
        bestMs: best,
        solvesPerS: (COUNT / best) * 1e3,
        ratio: best / localCfgBest,
      });
      log(
        `  best ${best.toFixed(0)} ms (${((COUNT / best) * 1e3).toFixed(0)} solves/s); local ${localCfgBest.toFixed(0)} ms`,
      );
    }
    rows.splice(rows.length - configs.length, 0, {
      problem: `anchor: ${COUNT}x await cg(poisson2d(100)) local, Promise.all`,
      threads: cores,
      iterations: probe.iterations,
      bestMs: localBest,
      solvesPerS: (COUNT / localBest) * 1e3,
    });
    data.throughput.localBestMs = localBest;
    data.throughput.mismatches = mismatches;
    if (mismatches) notes.push(`WARNING: ${mismatches} queued results differ from the local ones`);
    else notes.push('every queued throughput result is bitwise equal to the local one');
    notes.push(
      `redis ${redis.url}${redis.version ? ` (${redis.version.split(' ').slice(0, 3).join(' ')})` : ''}; ` +
        `overhead: ${batches} interleaved batches of ${per} sequential awaits each side, ratio = median over batches of queue / local`,
    );
    notes.push(
      `throughput: poisson2d(100) cg ${probe.iterations} its, ${aloneMs.toFixed(1)} ms alone; best of ${rounds} round(s), ` +
        `each local Promise.all then the queue; ratio = queue / local of the same rounds; workers and redis share this machine's ${machine.cores} cores`,
    );
  } finally {
    await Promise.all(running.map((c) => stop(c, 'SIGKILL')));
    if (redis.child) await stop(redis.child);
  }
  return { rows, notes, data };
}

module.exports = { run };
