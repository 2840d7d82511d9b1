// CI-only (.ci/run runs it as its own step, with a loopback redis-server; not part of `npm test`):
//   REDIS_URL=redis://127.0.0.1:6379 npx tap --disable-coverage test/ci/queue.test.ts
// Without REDIS_URL it starts its own `redis-server --port <free port> --save '' --appendonly no`
// (and stops it); it fails at once, saying so, when redis-server is not installed.
//
// The solve queue (lib/queue, `itersolve/queue`) end to end against real `itersolve worker`
// PROCESSES: 200 solves of fourteen methods on two workers, one of them SIGKILLed after a third of
// the results (BullMQ's stalled-job recovery hands its jobs to the other): every result arrives,
// once, bitwise equal to the local Sync call; one upload of A for a stream of right-hand sides;
// payload TTLs; progress; cancel (running and waiting) and AbortSignal; bad input rejected at
// submit (the job rejects, nothing is queued) exactly as the local call rejects it; worker-side
// failures (ERR_NOT_SPD, ERR_SINGULAR) as ItersolveErrors; timeLimitMs and options.out; an
// unreachable Redis; SIGTERM finishing the running job and exiting 0; close() leaving no handles.
//
// Worker processes run a compiled copy of lib/: ITERSOLVE_CLI names its cli/index.js (default
// dist/cjs/cli/index.js, which `npm ci` builds); e.g. `npx tsc -p tsconfig.json --outDir
// /tmp/q/dist && ITERSOLVE_CLI=/tmp/q/dist/cli/index.js npx tap ...`. ITERSOLVE_ADDON reaches them
// through the environment.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import t from 'tap';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import * as lib from '../../lib/index';
import { CsrMatrix, ItersolveError, Preconditioner } from '../../lib/index';
import { SolveQueue } from '../../lib/queue';
import type { Progress } from '../../lib/index';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.resolve(
  process.env.ITERSOLVE_CLI ?? path.join(ROOT, 'dist', 'cjs', 'cli', 'index.js'),
);
const DIST = path.dirname(path.dirname(CLI)); // the compiled lib/ the CLI belongs to
const PREFIX = 'itersolve';
const TAG = `qt${process.pid}`;
// Short BullMQ lock / stalled-check periods so a SIGKILLed worker's jobs come back in ~3 s.
const LOCK_MS = 2000;
const STALLED_MS = 1000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyResult = any;
type Args = unknown[];

// ---------------------------------------------------------------------------------------------
// Redis and worker processes

let redisUrl = '';
let redisChild: ChildProcess | null = null;
let redis: Redis;
const workers = new Set<ChildProcess>();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves when `re` matches a line of the child's stdout; rejects on exit or after `ms`. */
function waitForLine(child: ChildProcess, re: RegExp, ms: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => done(new Error(`${what}: no "${re.source}" after ${ms} ms\n${out}${err}`)),
      ms,
    );
    const onOut = (d: Buffer) => {
      out += d.toString();
      const m = out.split('\n').find((l) => re.test(l));
      if (m !== undefined) done(null, m);
    };
    const onErr = (d: Buffer) => (err += d.toString());
    const onExit = (code: number | null, sig: string | null) =>
      done(new Error(`${what} exited (${code ?? sig}) before "${re.source}":\n${out}${err}`));
    function done(e: Error | null, line?: string) {
      clearTimeout(timer);
      child.stdout!.off('data', onOut);
      child.stderr!.off('data', onErr);
      child.off('exit', onExit);
      if (e) reject(e);
      else resolve(line!);
    }
    child.stdout!.on('data', onOut);
    child.stderr!.on('data', onErr);
    child.once('exit', onExit);
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

interface WorkerProc {
  child: ChildProcess;
  ready: string;
  /** Everything it printed so far (for failure messages). */
  log: () => string;
}

async function startWorker(queueName: string, concurrency = 2): Promise<WorkerProc> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'worker',
      '--redis',
      redisUrl,
      '--queue',
      queueName,
      '--concurrency',
      String(concurrency),
      '--lock-ms',
      String(LOCK_MS),
      '--stalled-ms',
      String(STALLED_MS),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
  );
  workers.add(child);
  child.once('exit', () => workers.delete(child));
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  const ready = await waitForLine(child, /^itersolve worker: queue /, 20000, `worker ${queueName}`);
  return { child, ready, log: () => text };
}

function queueName(name: string): string {
  return `${TAG}-${name}`;
}

async function scanKeys(pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

async function netInputBytes(): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_net_input_bytes:(\d+)/.exec(info)![1]);
}

function bullQueue(name: string): Queue {
  return new Queue(name, { connection: { url: redisUrl } as never, prefix: PREFIX });
}

async function until(cond: () => Promise<boolean> | boolean, ms: number, what: string) {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

t.before(async () => {
  if (!fs.existsSync(CLI))
    throw new Error(
      `${CLI} is missing: build lib/ first (npm run build:ts) or set ITERSOLVE_CLI to a compiled cli/index.js`,
    );
  if (process.env.REDIS_URL) {
    redisUrl = process.env.REDIS_URL;
  } else {
    const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0)
      throw new Error(
        'redis-server is not installed (apt-get install redis-server) and REDIS_URL is not set: ' +
          'this test needs a Redis server',
      );
    const port = await freePort();
    redisChild = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await waitForLine(redisChild, /Ready to accept connections/, 10000, 'redis-server');
    redisUrl = `redis://127.0.0.1:${port}`;
  }
  redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  await redis.ping();
});

t.teardown(async () => {
  for (const w of [...workers]) w.kill('SIGKILL');
  if (q) await q.close().catch(() => {});
  if (redis) {
    const mine = await scanKeys(`${PREFIX}:${TAG}-*`);
    for (let i = 0; i < mine.length; i += 500) await redis.del(...mine.slice(i, i + 500));
    await redis.quit();
  }
  if (redisChild) {
    redisChild.kill('SIGTERM');
    await exited(redisChild);
  }
});

// ---------------------------------------------------------------------------------------------
// Problems (all seeded) and the bitwise comparison

function randomVector(n: number, seed: number, lo = -0.5, hi = 0.5): Float64Array {
  const r = lib.rng(seed);
  return new Float64Array(n).map(() => lo + (hi - lo) * r());
}

function histogram(n: number, seed: number): Float64Array {
  const h = randomVector(n, seed, 0.1, 1);
  const s = h.reduce((a, b) => a + b, 0);
  return h.map((v) => v / s);
}

const P = lib.poisson2d(48); // SPD, 2304 unknowns
const CD = lib.convectionDiffusion(40, { peclet: 30 }); // nonsymmetric, 1600 unknowns
const OT_N = 40;
const OT_M = 50;
const C = {
  rows: OT_N,
  cols: OT_M,
  data: Float64Array.from({ length: OT_N * OT_M }, (_, k) => {
    const i = Math.floor(k / OT_M);
    const j = k % OT_M;
    return ((i / OT_N - j / OT_M) ** 2 + 0.01 * ((i * 7 + j * 3) % 5)) as number;
  }),
};
const OT_B = histogram(OT_M, 99);
const X = { rows: 80, cols: 20, data: randomVector(80 * 20, 77, -1, 1) };

/** The i-th of the 200 solves: [method, args]; A, C and X shared by many right-hand sides. */
function job(i: number): [string, Args] {
  const seed = 1000 + i;
  switch (i % 14) {
    case 0:
      return ['cg', [P, randomVector(P.rows, seed), { rtol: 1e-10 }]];
    case 1:
      return ['gmres', [CD, randomVector(CD.rows, seed), { restart: 20, rtol: 1e-10 }]];
    case 2:
      return ['bicgstab', [CD, randomVector(CD.rows, seed), { rtol: 1e-10 }]];
    case 3:
      return ['minres', [P, randomVector(P.rows, seed), { rtol: 1e-10 }]];
    case 4:
      return ['sor', [P, randomVector(P.rows, seed), { omega: 1.7, rtol: 1e-8 }]];
    case 5: {
      const A = i % 28 === 5 ? P : CD;
      return ['spsolve', [A, randomVector(A.rows, seed)]];
    }
    case 6:
      return ['sinkhorn', [histogram(OT_N, seed), OT_B, C, { epsilon: 0.05, tol: 1e-9 }]];
    case 7:
      return ['lasso', [X, randomVector(X.rows, seed, -2, 2), { lambda: 0.02, tol: 1e-8 }]];
    case 8:
      return ['solveBy', ['gcrotmk', CD, randomVector(CD.rows, seed), { rtol: 1e-10 }]];
    case 9:
      return ['cgBatch', [P, randomVector(3 * P.rows, seed), { rtol: 1e-10 }]];
    case 10:
      return ['eigsh', [P, { k: 3, seed: i }]];
    case 11:
      return ['emd', [histogram(OT_N, seed), OT_B, C]];
    case 12:
      return ['nnls', [X, randomVector(X.rows, seed, -2, 2)]];
    default:
      return [
        'elasticNet',
        [X, randomVector(X.rows, seed, -2, 2), { lambda: 0.02, l1Ratio: 0.5, tol: 1e-8 }],
      ];
  }
}

function localSync(method: string, args: Args): AnyResult {
  const name = method === 'solveBy' ? 'solveSyncBy' : `${method}Sync`;
  const fn = (lib as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
  return fn(...args);
}

function localAsync(method: string, args: Args): Promise<AnyResult> {
  const fn = (lib as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method];
  return fn(...args);
}

/** First difference between two results (typed arrays bitwise, numbers with Object.is), or null. */
function diff(got: unknown, want: unknown, at = 'result'): string | null {
  if (ArrayBuffer.isView(want)) {
    if (!ArrayBuffer.isView(got) || got.constructor !== want.constructor)
      return `${at}: ${want.constructor.name} expected, got ${Object.prototype.toString.call(got)}`;
    const a = Buffer.from(got.buffer, got.byteOffset, got.byteLength);
    const b = Buffer.from(want.buffer, want.byteOffset, want.byteLength);
    if (!a.equals(b)) {
      const w = want as unknown as ArrayLike<number>;
      const g = got as unknown as ArrayLike<number>;
      let k = 0;
      while (k < w.length && Object.is(w[k], g[k])) k++;
      return `${at}: not bitwise equal (length ${g.length} vs ${w.length}; first at [${k}]: ${g[k]} vs ${w[k]})`;
    }
    return null;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length)
      return `${at}: array of ${want.length} expected`;
    for (let k = 0; k < want.length; k++) {
      const d = diff(got[k], want[k], `${at}[${k}]`);
      if (d) return d;
    }
    return null;
  }
  if (typeof want === 'object' && want !== null) {
    if (typeof got !== 'object' || got === null)
      return `${at}: object expected, got ${String(got)}`;
    const wk = Object.keys(want).sort();
    const gk = Object.keys(got).sort();
    if (wk.join() !== gk.join()) return `${at}: keys [${gk}] vs [${wk}]`;
    for (const k of wk) {
      if (k.endsWith('Ms')) continue; // elapsedMs, factorMs, ...: the worker's own clock
      const d = diff(
        (got as Record<string, unknown>)[k],
        (want as Record<string, unknown>)[k],
        `${at}.${k}`,
      );
      if (d) return d;
    }
    return null;
  }
  return Object.is(got, want) ? null : `${at}: ${String(got)} vs ${String(want)}`;
}

/** code, argument, name, message, column, row of an error (the parts that must travel). */
function errorParts(e: unknown) {
  const x = e as ItersolveError;
  return {
    isItersolveError: e instanceof ItersolveError,
    name: x?.name,
    code: x?.code,
    argument: x?.argument,
    message: x?.message,
    column: x?.column,
    row: x?.row,
  };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection, the promise resolved');
}

/**
 * submit() never throws (as the local Promise forms never throw): bad input rejects the job's
 * result, and nothing is queued.
 */
async function submitRejection(q: SolveQueue, method: string, args: Args): Promise<unknown> {
  let job;
  try {
    job = q.submit(method, ...args);
  } catch (e) {
    throw new Error(`submit threw instead of returning a job that rejects: ${String(e)}`);
  }
  return rejection(job.result());
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

// ---------------------------------------------------------------------------------------------
// The worker pool most cases share: two processes on one queue

const MAIN = queueName('main');
let q: SolveQueue;
let pool: WorkerProc[] = [];

t.test(
  'two worker processes: 200 solves, one worker SIGKILLed mid-run',
  { timeout: 60000 },
  async (t) => {
    pool = await Promise.all([startWorker(MAIN), startWorker(MAIN)]);
    t.match(pool[0].ready, /^itersolve worker: queue \S+ on .+, concurrency \d+/, 'ready line');
    q = new SolveQueue({ connection: redisUrl, queueName: MAIN });
    const events = new QueueEvents(MAIN, {
      connection: { url: redisUrl } as never,
      prefix: PREFIX,
    });
    await events.waitUntilReady();
    let stalled = 0;
    events.on('stalled', () => stalled++);

    const COUNT = 200;
    const specs = Array.from({ length: COUNT }, (_, i) => job(i));
    const submitted = specs.map(([m, a]) => q.submit(m, ...a));
    const ids = new Set(submitted.map((j) => j.id));
    t.equal(ids.size, COUNT, 'distinct job ids');

    let done = 0;
    let killedAt = -1;
    const settled = new Array<number>(COUNT).fill(0);
    const results = await Promise.all(
      submitted.map((j, i) =>
        j.result().then(
          (r) => {
            settled[i]++;
            done++;
            if (killedAt < 0 && done >= COUNT / 3) {
              killedAt = done;
              pool[0].child.kill('SIGKILL');
            }
            return r as AnyResult;
          },
          (e) => {
            settled[i]++;
            done++;
            return { failed: e };
          },
        ),
      ),
    );
    t.ok(killedAt > 0 && killedAt < COUNT, `worker SIGKILLed after ${killedAt} results`);
    const k = await exited(pool[0].child);
    t.equal(k.signal, 'SIGKILL', 'the first worker died of SIGKILL');
    t.ok(stalled >= 1, `its active jobs stalled and were recovered (${stalled} stalled events)`);
    t.ok(
      settled.every((c) => c === 1),
      'every job settled once',
    );
    t.same(
      results.filter((r) => r.failed).map((r) => String(r.failed)),
      [],
      'no job failed',
    );
    // Same answer twice: each job's result() settles with the same value.
    t.equal(await submitted[7].result(), results[7], 'result() settles with the same value again');

    // Bitwise equal to the local Sync call.
    const bad: string[] = [];
    const byMethod: Record<string, number> = {};
    for (let i = 0; i < COUNT; i++) {
      const [m, a] = specs[i];
      byMethod[m] = (byMethod[m] ?? 0) + 1;
      const d = diff(results[i], localSync(m, a));
      if (d) bad.push(`#${i} ${m}: ${d}`);
      if (typeof results[i]?.elapsedMs !== 'number') bad.push(`#${i} ${m}: no elapsedMs`);
    }
    t.same(
      bad,
      [],
      `all ${COUNT} results bitwise equal to the local Sync call (${JSON.stringify(byMethod)})`,
    );

    const bq = bullQueue(MAIN);
    const counts = await bq.getJobCounts('active', 'wait', 'delayed', 'failed', 'completed');
    t.match(
      counts,
      { active: 0, wait: 0, delayed: 0, failed: 0 },
      `queue drained: ${JSON.stringify(counts)}`,
    );
    t.ok(counts.completed <= COUNT, 'no job completed twice');
    // The client deletes the result payloads it read; what is left (a result the killed worker
    // wrote before it died) expires.
    const left = await scanKeys(`${PREFIX}:${MAIN}:res:*`);
    const ttl = await Promise.all(left.map((k) => redis.pttl(k)));
    t.ok(left.length <= 16, `${left.length} result payload keys left`);
    t.ok(
      ttl.every((ms) => ms > 0),
      'each of them expires',
    );
    await bq.close();
    await events.close();
  },
);

t.test(
  'a stream of right-hand sides uploads A once; payload keys carry a TTL; cancel of waiting jobs',
  async (t) => {
    const name = queueName('idle'); // no worker: the jobs wait
    const TTL = 60000;
    const qi = new SolveQueue({ connection: redisUrl, queueName: name, payloadTtlMs: TTL });
    t.teardown(() => qi.close());
    const A = lib.poisson2d(60); // 3600 unknowns, 17 760 nonzeros: ~228 KB of CSR arrays
    const aBytes = 12 * A.nnz + 4 * (A.rows + 1);
    const bBytes = 8 * A.rows;
    const K = 20;
    const bq = bullQueue(name);
    t.teardown(() => bq.close());

    const before = await netInputBytes();
    const jobs = Array.from({ length: K }, (_, k) =>
      qi.submit('cg', A, randomVector(A.rows, 500 + k)),
    );
    await until(async () => (await bq.getJobCounts('wait')).wait === K, 10000, `${K} waiting jobs`);
    const sent = (await netInputBytes()) - before;
    t.ok(
      sent >= aBytes + K * bBytes && sent < 2 * aBytes + K * (bBytes + 8192),
      `${K} solves against one A sent ${(sent / 1e3).toFixed(0)} kB to Redis (A ${(aBytes / 1e3).toFixed(0)} kB once + ${K} x b ${(bBytes / 1e3).toFixed(1)} kB; ${K} copies of A would be ${((K * aBytes) / 1e6).toFixed(1)} MB)`,
    );
    const mats = await scanKeys(`${PREFIX}:${name}:mat:*`);
    const bufs = await scanKeys(`${PREFIX}:${name}:buf:*`);
    t.equal(mats.length, 1, 'one matrix key');
    t.equal(bufs.length, K, 'one buffer key per distinct b');
    const ttls = await Promise.all([...mats, ...bufs].map((k) => redis.pttl(k)));
    t.ok(
      ttls.every((ms) => ms > 0 && ms <= TTL),
      `every payload key expires (PTTL ${Math.min(...ttls)}..${Math.max(...ttls)} ms, payloadTtlMs ${TTL})`,
    );
    // The job data references the payloads; no number arrays inside.
    const one = await bq.getJob(jobs[0].id);
    const data = JSON.stringify(one!.data);
    t.ok(data.length < 2000, `job data is a small descriptor (${data.length} chars)`);
    t.notMatch(data, /(-?\d+\.\d+,){20}/, 'no number arrays in the job data');

    // Cancelling a waiting job removes it: AbortError without a partial result.
    await Promise.all(jobs.map((j) => j.cancel()));
    for (const j of jobs.slice(0, 3)) {
      const e = (await rejection(j.result())) as AnyResult;
      t.match(
        errorParts(e),
        { name: 'AbortError', code: 'ABORT_ERR' },
        `waiting job ${j.id} cancelled`,
      );
      t.equal(e.result, undefined, 'no partial result (it never started)');
    }
    const rest = await Promise.all(jobs.slice(3).map((j) => rejection(j.result())));
    t.ok(
      rest.every((e) => (e as ItersolveError).code === 'ABORT_ERR'),
      'all cancelled',
    );
    const counts = await bq.getJobCounts('wait', 'active', 'delayed');
    t.match(counts, { wait: 0, active: 0, delayed: 0 }, 'cancelled jobs left the queue');
  },
);

t.test('bad input: the job rejects with the local call error, nothing is queued', async (t) => {
  const name = queueName('idle-bad');
  const qb = new SolveQueue({ connection: redisUrl, queueName: name });
  t.teardown(() => qb.close());
  const b = randomVector(P.rows, 1);
  const cases: [string, Args][] = [
    ['cg', [P, new Float64Array(5)]],
    ['cg', [P, b, { nosuchOption: 1 }]],
    ['cg', [P, b, { rtol: -1 }]],
    ['gmres', [CD, randomVector(CD.rows, 2), { restart: 0 }]],
    ['sor', [P, b, { omega: 2.5 }]],
    [
      'spsolve',
      [
        new CsrMatrix(
          2,
          3,
          new Int32Array([0, 1, 2]),
          new Int32Array([0, 1]),
          new Float64Array([1, 1]),
        ),
        b,
      ],
    ],
    ['sinkhorn', [histogram(OT_N, 3), OT_B, C, {}]],
    ['lasso', [X, randomVector(X.rows, 4), { lambda: -1 }]],
    ['minres', [P, b, { maxIterations: 1.5 }]],
  ];
  for (const [m, a] of cases) {
    const local = errorParts(await rejection(localAsync(m, a)));
    t.equal(
      local.isItersolveError,
      true,
      `${m}: the local call rejects (${local.code} ${local.argument})`,
    );
    const atSubmit = errorParts(await submitRejection(qb, m, a));
    t.same(
      atSubmit,
      local,
      `${m}: the job rejects with the local error (${local.argument}: ${local.message})`,
    );
    const viaSolve = errorParts(await rejection(qb.solve(m, ...a)));
    t.same(viaSolve, local, `${m}: solve rejects with it`);
  }
  const unknown = errorParts(await submitRejection(qb, 'nosuchMethod', [P, b]));
  t.match(unknown, { code: 'ERR_INVALID_ARGUMENT', argument: 'method' }, 'unknown method');
  t.match(unknown.message, /\bcg\b.*\bgmres\b|\bgmres\b.*\bcg\b/, 'the message lists the methods');
  const pre = errorParts(
    await submitRejection(qb, 'cg', [P, b, { preconditioner: Preconditioner.jacobi(P) }]),
  );
  t.match(
    pre,
    { code: 'ERR_INVALID_ARGUMENT', argument: 'options.preconditioner' },
    'a Preconditioner object',
  );
  const op = errorParts(await submitRejection(qb, 'cg', [lib.aslinearoperator(P), b]));
  t.match(op, { code: 'ERR_INVALID_ARGUMENT', isItersolveError: true }, 'a LinearOperator object');
  t.match(String(op.argument), /^A|^args/, `names the argument (${op.argument})`);

  const bq = bullQueue(name);
  const counts = await bq.getJobCounts('wait', 'active', 'delayed', 'completed', 'failed');
  await bq.close();
  t.same(
    Object.values(counts).reduce((s, v) => s + v, 0),
    0,
    'nothing was enqueued',
  );
  t.same(await scanKeys(`${PREFIX}:${name}:*:*`), [], 'nothing was uploaded');
});

t.test('an unreachable Redis: ERR_EXTERNAL with the cause, no hang', async (t) => {
  const port = await freePort(); // nothing listens there
  const qx = new SolveQueue({ connection: `redis://127.0.0.1:${port}`, queueName: queueName('x') });
  const t0 = Date.now();
  const e = await rejection(qx.solve('cg', P, randomVector(P.rows, 5)));
  t.match(errorParts(e), { code: 'ERR_EXTERNAL', isItersolveError: true }, 'ERR_EXTERNAL');
  t.ok((e as Error).cause !== undefined, `with the cause (${String((e as Error).cause)})`);
  t.ok(Date.now() - t0 < 15000, `after ${Date.now() - t0} ms`);
  await qx.close();
});

t.test('worker-side failures come back as ItersolveErrors with their code', async (t) => {
  // Symmetric tridiag(-1, 4, -1) with a negative diagonal entry at 5: not positive definite there.
  const n = 30;
  const rowPtr = new Int32Array(n + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const j of [i - 1, i, i + 1]) {
      if (j < 0 || j >= n) continue;
      cols.push(j);
      vals.push(j !== i ? -1 : i === 5 ? -4 : 4);
    }
    rowPtr[i + 1] = cols.length;
  }
  const indef = new CsrMatrix(n, n, rowPtr, Int32Array.from(cols), Float64Array.from(vals));
  // Rows 3 and 4 equal: singular.
  const dense = Array.from({ length: 6 }, (_, i) =>
    Array.from({ length: 6 }, (_, j) => (i === j ? 5 : 1 / (1 + i + j))),
  );
  dense[4] = dense[3].slice();
  const sp = [] as number[];
  const sc = [] as number[];
  const sr = new Int32Array(7);
  for (let i = 0; i < 6; i++) {
    for (let j = 0; j < 6; j++) {
      sc.push(j);
      sp.push(dense[i][j]);
    }
    sr[i + 1] = sc.length;
  }
  const singular = new CsrMatrix(6, 6, sr, Int32Array.from(sc), Float64Array.from(sp));
  const cases: [string, Args, string][] = [
    ['spsolve', [indef, randomVector(n, 8), { method: 'cholesky' }], 'ERR_NOT_SPD'],
    ['spsolve', [singular, randomVector(6, 9), { method: 'lu' }], 'ERR_SINGULAR'],
  ];
  for (const [m, a, code] of cases) {
    const local = errorParts(thrown(() => localSync(m, a)));
    t.equal(local.code, code, `the local call fails with ${code} (column ${local.column})`);
    const remote = errorParts(await rejection(q.solve(m, ...a)));
    t.same(remote, local, `${m} ${code}: the same ItersolveError from the worker`);
  }
  // The pool still works afterwards.
  const [m, a] = job(0);
  t.equal(diff(await q.solve(m, ...a), localSync(m, a)), null, 'a solve after the failures');
  // options.out: the result's x is the caller's array, filled, as in the local call.
  const out = new Float64Array(P.rows);
  const ro = (await q.solve('cg', P, a[1], { rtol: 1e-10, out })) as AnyResult;
  t.equal(ro.x, out, "options.out: x is the caller's array");
  t.equal(diff(ro, lib.cgSync(P, a[1] as Float64Array, { rtol: 1e-10 })), null, 'filled, bitwise');
});

// A CG long enough for several progress reports: unpreconditioned, rtol 0 never met, fixed work.
const L = lib.poisson2d(300);
const LB = randomVector(L.rows, 4242);

t.test(
  'progress events for a long solve; cancel() and AbortSignal of running jobs',
  { timeout: 60000 },
  async (t) => {
    const opts = { rtol: 1e-300, maxIterations: 1200 };
    const seen: Progress[] = [];
    const viaEvent: Progress[] = [];
    const j = q.submit('cg', L, LB, { ...opts, onProgress: (p: Progress) => seen.push(p) });
    j.on('progress', (p: Progress) => viaEvent.push(p));
    const r = (await j.result()) as AnyResult;
    t.equal(diff(r, lib.cgSync(L, LB, opts)), null, 'the long solve: bitwise equal to cgSync');
    t.ok(
      seen.length >= 2,
      `onProgress called ${seen.length} times (solve ${r.elapsedMs.toFixed(0)} ms on the worker)`,
    );
    t.ok(viaEvent.length >= 2, `job 'progress' events: ${viaEvent.length}`);
    t.ok(
      seen.every(
        (p, k) =>
          Number.isFinite(p.value) &&
          p.elapsedMs >= 0 &&
          (k === 0 || p.iteration >= seen[k - 1].iteration),
      ),
      'progress objects: iteration non-decreasing, value and elapsedMs numbers',
    );
    t.ok(
      seen.every((p) => p.iteration <= opts.maxIterations),
      'iteration within maxIterations',
    );

    // cancel() of a running job: AbortError with the partial result; the worker keeps working.
    const long = { rtol: 1e-300, maxIterations: 10_000_000 };
    const running = q.submit('cg', L, LB, long);
    // (the first report of a Krylov solve is at iteration 0: wait until it has iterated)
    await new Promise<void>((resolve) =>
      running.on('progress', (p: Progress) => p.iteration > 0 && resolve()),
    );
    const t0 = Date.now();
    await running.cancel('test');
    const e = (await rejection(running.result())) as AnyResult;
    const ms = Date.now() - t0;
    t.match(
      errorParts(e),
      { name: 'AbortError', code: 'ABORT_ERR', isItersolveError: true },
      'running job cancelled',
    );
    t.ok(ms < 5000, `rejected ${ms} ms after cancel()`);
    t.ok(
      e.result && e.result.x instanceof Float64Array && e.result.x.length === L.rows,
      'partial result with x',
    );
    t.equal(e.result?.reason, 'aborted', "partial result's reason is 'aborted'");
    t.ok(
      e.result?.iterations > 0 && e.result.iterations < long.maxIterations,
      `stopped after ${e.result?.iterations} iterations`,
    );

    // AbortSignal in the options: the same.
    const ac = new AbortController();
    const viaSignal = q.submit('cg', L, LB, { ...long, signal: ac.signal });
    await new Promise<void>((resolve) =>
      viaSignal.on('progress', (p: Progress) => p.iteration > 0 && resolve()),
    );
    ac.abort(new Error('stop'));
    const e2 = (await rejection(viaSignal.result())) as AnyResult;
    t.match(
      errorParts(e2),
      { name: 'AbortError', code: 'ABORT_ERR' },
      'signal abort rejects with AbortError',
    );
    t.equal(e2.result?.reason, 'aborted', 'with the partial result');

    const [m, a] = job(3);
    t.equal(
      diff(await q.solve(m, ...a), localSync(m, a)),
      null,
      'the worker keeps working after the cancels',
    );

    // timeLimitMs travels with the job: the worker stops the solve (a result, not an error).
    const tl = (await q.solve('cg', L, LB, { ...long, timeLimitMs: 300 })) as AnyResult;
    t.match(
      tl,
      { converged: false, reason: 'time-limit' },
      `timeLimitMs: reason 'time-limit' after ${tl.iterations} iterations`,
    );
    t.ok(
      tl.elapsedMs >= 250 && tl.elapsedMs < 5000,
      `elapsedMs ${tl.elapsedMs.toFixed(0)} (the worker's)`,
    );
  },
);

t.test(
  'SIGTERM: the running job finishes, then the worker exits 0',
  { timeout: 60000 },
  async (t) => {
    const name = queueName('term');
    const w = await startWorker(name, 1);
    const qt = new SolveQueue({ connection: redisUrl, queueName: name });
    t.teardown(() => qt.close());
    const opts = { rtol: 1e-300, maxIterations: 2000 };
    const j = qt.submit('cg', L, LB, opts);
    await new Promise<void>((resolve) => j.on('progress', () => resolve()));
    w.child.kill('SIGTERM');
    const r = await j.result();
    t.equal(
      diff(r, lib.cgSync(L, LB, opts)),
      null,
      'the job running at SIGTERM completed, bitwise equal',
    );
    const ex = await Promise.race([
      exited(w.child),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 15000)),
    ]);
    t.same(ex, { code: 0, signal: null }, `the worker exited 0 after SIGTERM\n${w.log()}`);
  },
);

t.test(
  'close() leaves no handles: a client process exits by itself',
  { timeout: 30000 },
  async (t) => {
    const script = `
    const lib = require(${JSON.stringify(path.join(DIST, 'index.js'))});
    const { SolveQueue } = require(${JSON.stringify(path.join(DIST, 'queue', 'index.js'))});
    (async () => {
      const q = new SolveQueue({ connection: ${JSON.stringify(redisUrl)}, queueName: ${JSON.stringify(MAIN)} });
      const r = await q.solve('cg', lib.poisson2d(10), new Float64Array(100).fill(1));
      await q.close();
      console.log('closed ' + r.reason);
    })().catch((e) => { console.error(e); process.exit(3); });
  `;
    const child = spawn(process.execPath, ['-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const line = await waitForLine(child, /^closed /, 20000, 'client process');
    t.equal(line, 'closed rtol', 'the client solved and closed');
    const t0 = Date.now();
    const ex = await Promise.race([
      exited(child),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000)),
    ]);
    if (ex === null) child.kill('SIGKILL');
    t.same(
      ex,
      { code: 0, signal: null },
      `the process exited by itself ${Date.now() - t0} ms after close()\n${out}`,
    );
  },
);

t.test('shut the pool down', async (t) => {
  await q.close();
  for (const w of pool)
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  const ex = await Promise.all(pool.slice(1).map((w) => exited(w.child)));
  t.same(ex, [{ code: 0, signal: null }], 'the surviving worker exits 0 on SIGTERM');
});
