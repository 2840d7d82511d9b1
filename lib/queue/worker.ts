/**
 * startSolveWorker: takes jobs from a SolveQueue's BullMQ queue and runs each as the local
 * Promise-form call (so the result is bitwise what the caller would get locally), with an
 * AbortSignal the queue's cancel messages abort, onProgress forwarded to job.updateProgress
 * (at most one update per 100 ms), and an LRU cache of decoded matrices by content hash. At most
 * getThreads() jobs run at once (the native compute pool runs that many jobs in parallel; more
 * would only queue inside the process, holding their locks). close() lets running jobs finish.
 */
import type { Progress } from '../async';
import { getThreads } from '../runtime';
import * as v from '../validate';
import { LruCache } from './cache';
import { decodeValue, encodeValue, errorToWire, resultKeys, storeBlobs } from './codec';
import {
  BullJob,
  cancelChannel,
  cancelKey,
  checkKeys,
  checkName,
  connectionOption,
  loadBullmq,
  namespace,
  readyOrError,
  closeQuietly,
  external,
  RedisConnection,
  RedisLike,
  RedisSubscriber,
  redisStore,
} from './redis';
import { localMethod, methodEntry, takesProgress } from './registry';
import type { QueueMethod } from './registry';
import { CsrMatrix } from '../csr';
import { Preconditioner } from '../preconditioner';
import type { PreconditionerKind } from '../preconditioner';
import { AbortError, ItersolveError } from '../errors';

/** Options of {@link startSolveWorker}. */
export interface SolveWorkerOptions {
  /** Redis: a redis:// URL, ioredis options, or an ioredis instance (as BullMQ takes). */
  connection: RedisConnection;
  /** The queue name (default 'itersolve'), as the SolveQueue's. */
  queueName?: string;
  /** Key prefix (default 'itersolve'), as the SolveQueue's. */
  prefix?: string;
  /** Jobs run at once (default 1); clamped to the compute pool, getThreads(). */
  concurrency?: number;
  /** Bytes of decoded matrices and payloads kept for later jobs (default 512 MiB; 0: none). */
  cacheBytes?: number;
  /** BullMQ's job lock: a worker that stops renewing it (killed) loses its jobs after this. */
  lockDurationMs?: number;
  /** How often stalled jobs (their worker died) are looked for and put back to wait. */
  stalledIntervalMs?: number;
  /** Times a job may stall before it fails (default 1). */
  maxStalledCount?: number;
}

const WORKER_KEYS = [
  'connection',
  'queueName',
  'prefix',
  'concurrency',
  'cacheBytes',
  'lockDurationMs',
  'stalledIntervalMs',
  'maxStalledCount',
] as const;

/** What {@link SolveWorker.stats} reports. */
export interface SolveWorkerStats {
  /** Jobs run at once (the requested concurrency clamped to getThreads()). */
  concurrency: number;
  /** The concurrency asked for. */
  requestedConcurrency: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
  cache: { entries: number; bytes: number; maxBytes: number; hits: number; misses: number };
}

/** A running worker. */
export interface SolveWorker {
  readonly queueName: string;
  readonly concurrency: number;
  /** Stops taking jobs, lets the running ones finish, and closes the connections. */
  close(): Promise<void>;
  stats(): SolveWorkerStats;
}

const PROGRESS_EVERY_MS = 100;

/** Starts a worker; resolves once it is connected and taking jobs. */
export async function startSolveWorker(options: SolveWorkerOptions): Promise<SolveWorker> {
  const o = v.options<SolveWorkerOptions>('options', options);
  checkKeys('options', o, WORKER_KEYS);
  if (o.connection === undefined)
    throw v.invalid(
      'connection',
      'a redis:// URL, ioredis options or an ioredis instance',
      undefined,
    );
  const connection = connectionOption('connection', o.connection);
  const queueName = checkName('queueName', o.queueName, 'itersolve');
  const prefix = checkName('prefix', o.prefix, 'itersolve');
  const requested = o.concurrency === undefined ? 1 : v.int('concurrency', o.concurrency, 1, 1024);
  const cacheBytes =
    o.cacheBytes === undefined ? 512 * 1024 * 1024 : v.int('cacheBytes', o.cacheBytes, 0, 2 ** 52);
  const lockDuration =
    o.lockDurationMs === undefined ? 30_000 : v.int('lockDurationMs', o.lockDurationMs, 1000);
  const stalledInterval =
    o.stalledIntervalMs === undefined
      ? 30_000
      : v.int('stalledIntervalMs', o.stalledIntervalMs, 1000);
  const maxStalledCount =
    o.maxStalledCount === undefined ? 1 : v.int('maxStalledCount', o.maxStalledCount, 0, 1000);
  const concurrency = Math.min(requested, getThreads());
  const ns = namespace(prefix, queueName);
  const bull = loadBullmq();
  const cache = new LruCache(cacheBytes);
  const running = new Map<string, AbortController>();
  const counts = { completed: 0, failed: 0, cancelled: 0 };
  let redis: RedisLike | undefined;

  const processor = async (job: BullJob): Promise<unknown> => {
    const id = job.id as string;
    const ctl = new AbortController();
    running.set(id, ctl);
    try {
      const r = redis as RedisLike;
      // Registered first, then the flag checked: a cancel published before this point left it.
      if ((await r.exists(cancelKey(ns, id))) === 1) ctl.abort();
      const data = job.data as { v?: unknown; method?: unknown; args?: unknown };
      if (data.v !== 1 || !Array.isArray(data.args))
        throw new ItersolveError('ERR_EXTERNAL', `job ${id}: not an itersolve/queue job`);
      const entry = methodEntry(data.method);
      const ttl = ttlOfJob(job);
      const method = data.method as string;
      if (ctl.signal.aborted) throw new AbortError('The operation was aborted');
      const store = redisStore(r);
      const args = (await decodeValue(data.args, (k) => store.getMany(k), cache)) as unknown[];
      let last = 0;
      const onProgress = (p: Progress) => {
        const now = Date.now();
        if (now - last < PROGRESS_EVERY_MS) return;
        last = now;
        job.updateProgress(p as unknown as object).catch(() => {});
      };
      usePreconditionerCache(cache, entry, method, data.args as unknown[], args);
      const given = args[entry.options];
      args[entry.options] = {
        ...(typeof given === 'object' && given !== null ? given : {}),
        signal: ctl.signal,
        ...(takesProgress(method) ? { onProgress } : {}),
      };
      const result = await localMethod(method)(...args);
      return await writeResult(r, id, result, ttl);
    } catch (e) {
      let partial: unknown;
      if (e instanceof AbortError) {
        counts.cancelled++;
        if (e.result !== undefined && redis)
          partial = await writeResult(redis, id, e.result, ttlOfJob(job));
      }
      // BullMQ keeps the message as the failed reason: the client rebuilds the error from it.
      throw new Error(JSON.stringify(errorToWire(e, partial)));
    } finally {
      running.delete(id);
    }
  };

  const writeResult = async (
    r: RedisLike,
    id: string,
    result: unknown,
    ttlMs: number,
  ): Promise<unknown> => {
    const enc = encodeValue(result, 'result', resultKeys(ns, id));
    // The keys of a result live until the client reads (and deletes) them, or the TTL.
    await storeBlobs(redisStore(r), enc.blobs, ttlMs, false);
    return enc.data;
  };

  // Connect first, through a Queue object (the connection the payload reads and the cancel
  // subscription use), so an unreachable Redis fails here, before a Worker is made.
  const keys = new bull.Queue(queueName, { connection, prefix });
  keys.on('error', () => {
    // ioredis reconnects by itself; an error event must have a listener.
  });
  let sub: RedisSubscriber | undefined;
  try {
    redis = await readyOrError(keys, keys.client, 'worker: connecting to Redis');
    sub = redis.duplicate();
    sub.on('error', () => {});
    sub.on('message', (_channel, id) => running.get(id)?.abort());
    await sub.subscribe(cancelChannel(ns));
  } catch (e) {
    sub?.disconnect();
    await closeQuietly(keys).catch(() => {});
    throw external('worker: connecting to Redis', e);
  }
  const worker = new bull.Worker(queueName, processor, {
    connection,
    prefix,
    concurrency,
    lockDuration,
    stalledInterval,
    maxStalledCount,
    autorun: true,
  });
  worker.on('error', () => {});
  worker.on('completed', () => counts.completed++);
  worker.on('failed', () => counts.failed++);
  await worker.waitUntilReady();
  let closing: Promise<void> | undefined;
  return {
    queueName,
    concurrency,
    close() {
      closing ??= (async () => {
        await worker.close();
        await sub?.quit().catch(() => sub?.disconnect());
        await closeQuietly(keys);
      })();
      return closing;
    },
    stats() {
      return {
        concurrency,
        requestedConcurrency: requested,
        running: running.size,
        ...counts,
        cache: cache.stats(),
      };
    },
  };
}

// Methods whose options take a preconditioner kind that is built from A inside the job: the
// worker builds it once per (A, kind) instead, which gives bitwise the same iterates (checked for
// every kind and method by test/queue-codec.test.ts).
const PRECONDITIONED: Readonly<Record<string, string>> = {
  cg: 'preconditioner',
  bicgstab: 'preconditioner',
  gmres: 'preconditioner',
  minres: 'preconditioner',
  gcrotmk: 'preconditioner',
  solveBy: 'preconditioner',
  cgBatch: 'preconditioner',
  conjugateDirection: 'oracle',
};
const CACHED_KINDS: ReadonlySet<string> = new Set(['jacobi', 'ssor', 'ic0', 'ilu0']);

/**
 * Replaces a preconditioner kind ('ic0', …) in the decoded options by the Preconditioner built
 * from A once and cached by (A's content hash, kind). A build that fails leaves the kind in place,
 * so the job fails exactly as the local call does.
 * @internal
 */
export function usePreconditionerCache(
  cache: LruCache,
  entry: QueueMethod,
  method: string,
  encoded: unknown[],
  args: unknown[],
): void {
  const key = PRECONDITIONED[method];
  if (key === undefined) return;
  const ai = entry.params.indexOf('A');
  const A = args[ai];
  const desc = encoded[ai] as { $csr?: string; key?: string } | undefined;
  const o = args[entry.options] as Record<string, unknown> | undefined;
  if (!(A instanceof CsrMatrix) || desc?.$csr === undefined || typeof o !== 'object' || o === null)
    return;
  const kind = o[key];
  if (typeof kind !== 'string' || !CACHED_KINDS.has(kind)) return;
  const ck = `${desc.key as string}:pc:${kind}`;
  let P = cache.get(ck) as Preconditioner | undefined;
  if (P === undefined) {
    try {
      P = Preconditioner.create(A, kind as PreconditionerKind);
    } catch {
      return;
    }
    cache.set(ck, P, A.nnz * 12 + A.rows * 16);
  }
  args[entry.options] = { ...o, [key]: P };
}

/** Result keys' lifetime: the client's payloadTtlMs (it deletes them when it reads them). */
function ttlOfJob(job: BullJob): number {
  const t = (job.data as { ttl?: unknown } | null)?.ttl;
  return typeof t === 'number' && Number.isInteger(t) && t > 0 ? t : 3_600_000;
}
