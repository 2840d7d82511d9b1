#!/usr/bin/env node
'use strict';
// The itersolve solve queue end to end: many independent solves handed to `itersolve worker`
// processes (on this machine or others) through Redis, with BullMQ (`npm install bullmq`).
//
//   redis-server --port 6379 --save '' &                      # any reachable Redis
//   npx itersolve worker --redis redis://127.0.0.1:6379 --queue demo --concurrency 2 &
//                                                             # ...on as many machines as you like
//   REDIS_URL=redis://127.0.0.1:6379 node examples/queue.js
//
// or let this script start two local workers itself (and stop them at the end):
//
//   REDIS_URL=redis://127.0.0.1:6379 node examples/queue.js --spawn-workers 2
const path = require('path');
const { spawn } = require('child_process');
const { poisson2d, cgSync, rng, CsrMatrix } = require('itersolve');
const { SolveQueue } = require('itersolve/queue');

const REDIS_URL = process.env.REDIS_URL;
const QUEUE = process.env.QUEUE || 'demo';
if (!REDIS_URL) {
  console.error('set REDIS_URL (e.g. redis://127.0.0.1:6379); see the comment at the top');
  process.exit(2);
}

/** Starts `itersolve worker` processes and resolves once each printed its ready line. */
async function spawnWorkers(count) {
  const pkg = require('itersolve/package.json');
  const cli = path.join(path.dirname(require.resolve('itersolve/package.json')), pkg.bin.itersolve);
  const args = [cli, 'worker', '--redis', REDIS_URL, '--queue', QUEUE, '--concurrency', '2'];
  const procs = Array.from({ length: count }, () =>
    spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  await Promise.all(
    procs.map(
      (p) => new Promise((ok) => p.stdout.once('data', (line) => ok(process.stdout.write(line)))),
    ),
  );
  return procs;
}

async function main() {
  const at = process.argv.indexOf('--spawn-workers');
  const workers = at > 0 ? await spawnWorkers(Number(process.argv[at + 1] || 2)) : [];
  const q = new SolveQueue({ connection: REDIS_URL, queueName: QUEUE });
  try {
    // 1. Fifty right-hand sides against one matrix. A travels to Redis once (stored under its
    //    content hash); each worker decodes it once and keeps the IC(0) factor in its cache.
    const A = poisson2d(200); // 40 000 unknowns
    const rand = rng(1);
    const rhs = Array.from({ length: 50 }, () => new Float64Array(A.rows).map(() => rand() - 0.5));
    let t0 = Date.now();
    const results = await Promise.all(
      rhs.map((b) => q.solve('cg', A, b, { preconditioner: 'ic0', rtol: 1e-10 })),
    );
    console.log(
      `50 solves in ${Date.now() - t0} ms; first: ${results[0].iterations} its, ${results[0].reason}`,
    );
    // Exactly what the local call gives, bit for bit (only elapsedMs is the worker's own).
    const local = cgSync(A, rhs[0], { preconditioner: 'ic0', rtol: 1e-10 });
    console.log(
      'same x as the local cgSync:',
      Buffer.compare(Buffer.from(local.x.buffer), Buffer.from(results[0].x.buffer)) === 0,
    );

    // 2. A long solve with progress (forwarded from the worker), cancelled after three reports:
    //    it stops on its worker and rejects with an AbortError carrying the partial result.
    const job = q.submit('cg', A, rhs[1], { rtol: 0, maxIterations: 1e7 }); // would run for minutes
    let reports = 0;
    job.on('progress', (p) => {
      console.log(`  job ${job.id}: iteration ${p.iteration} after ${p.elapsedMs.toFixed(0)} ms`);
      if (++reports === 3) job.cancel();
    });
    try {
      await job.result();
    } catch (e) {
      console.log(
        `${e.name}: stopped after ${e.result?.iterations} iterations (reason ${e.result?.reason})`,
      );
    }

    // 3. Errors come back typed: Cholesky of an indefinite matrix fails on the worker.
    const I = new CsrMatrix(
      2,
      2,
      new Int32Array([0, 1, 2]),
      new Int32Array([0, 1]),
      new Float64Array([1, -1]),
    );
    await q.solve('spsolve', I, new Float64Array([1, 1]), { method: 'cholesky' }).catch((e) => {
      console.log(`spsolve: ${e.code} at column ${e.column}: ${e.message}`);
    });
  } finally {
    await q.close();
    // SIGTERM lets a worker finish its running jobs, then it exits 0.
    await Promise.all(
      workers.map((w) => new Promise((done) => w.once('exit', done).kill('SIGTERM'))),
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
