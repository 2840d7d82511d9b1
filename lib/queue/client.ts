/**
 * SolveQueue: runs itersolve's Promise-form methods on worker processes through a BullMQ queue on
 * Redis. A job is validated here first (the local facade with an already-aborted signal: the very
 * error the local call gives), encoded (codec.ts: JSON job data, typed arrays and matrices as
 * binary Redis keys by content hash, uploaded once), added to the queue, and settled from the
 * queue's event stream (QueueEvents): the result decoded from the worker's result keys, or the
 * worker's ItersolveError rebuilt with its code, argument, row, column and message.
 */
import { randomUUID } from 'crypto';
import { EventEmitter } from 'events';
import { AbortError, ItersolveError } from '../errors';
import type { Progress } from '../async';
import * as v from '../validate';
import {
  contentKeys,
  decodeValue,
  encodeValue,
  errorFromWire,
  parseErrorWire,
  payloadKeys,
  storeBlobs,
} from './codec';
import type { Encoded } from './codec';
import {
  BullQueue,
  BullQueueEvents,
  cancelChannel,
  cancelKey,
  checkKeys,
  checkName,
  connectionOption,
  external,
  loadBullmq,
  namespace,
  readyOrError,
  closeQuietly,
  RedisConnection,
  RedisLike,
  redisStore,
} from './redis';
import { dryRun, methodEntry } from './registry';

/** Options of {@link SolveQueue}. */
export interface SolveQueueOptions {
  /** Redis: a redis:// URL, ioredis options, or an ioredis instance (as BullMQ takes). */
  connection: RedisConnection;
  /** The BullMQ queue name (default 'itersolve'); workers must use the same. */
  queueName?: string;
  /** Prefix of every Redis key (default 'itersolve'); workers must use the same. */
  prefix?: string;
  /**
   * Lifetime of payload keys and finished jobs in Redis, in milliseconds (default one hour): an
   * argument's payload is refreshed on every job that references it.
   */
  payloadTtlMs?: number;
}

const QUEUE_KEYS = ['connection', 'queueName', 'prefix', 'payloadTtlMs'] as const;

const WAITING: ReadonlySet<string> = new Set([
  'waiting',
  'delayed',
  'prioritized',
  'waiting-children',
]);

/** A submitted job: its id, result, cancellation and progress events. */
export interface SolveJob<R = unknown> {
  /** The BullMQ job id. */
  readonly id: string;
  /** The method's result (the same settle value on every call). */
  result(): Promise<R>;
  /**
   * Cancels the job: a waiting job is removed (its result rejects with an AbortError without
   * result); a running one is aborted on its worker (an AbortError carrying the partial result).
   */
  cancel(reason?: unknown): Promise<void>;
  on(event: 'progress', fn: (p: Progress) => void): this;
  off(event: 'progress', fn: (p: Progress) => void): this;
}

class Job<R> extends EventEmitter implements SolveJob<R> {
  readonly id: string;
  private readonly promise: Promise<R>;
  private resolveFn!: (r: R) => void;
  private rejectFn!: (e: unknown) => void;
  settled = false;
  /** Resolves once the job is in the queue (rejects when adding failed). */
  added: Promise<void> = Promise.resolve();
  cancelReason: unknown;
  cancelled = false;
  onProgress?: (p: Progress) => void;
  /** The caller's `out` and the result field it becomes. */
  out?: { field: string; array: Float64Array };

  constructor(
    id: string,
    private readonly owner: SolveQueue,
  ) {
    super();
    this.id = id;
    this.promise = new Promise<R>((res, rej) => {
      this.resolveFn = res;
      this.rejectFn = rej;
    });
    // A caller that only listens to events must not get an unhandled rejection.
    this.promise.catch(() => {});
  }

  result(): Promise<R> {
    return this.promise;
  }

  resolve(r: R): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveFn(r);
  }

  reject(e: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.rejectFn(e);
  }

  cancel(reason?: unknown): Promise<void> {
    return this.owner.cancelJob(this as unknown as Job<unknown>, reason);
  }
}

/** An encoded argument, or the error that kept it from being encoded. */
type Pending = Encoded & { error?: unknown };

/** Writes a result's `out` field into the caller's `out` and puts that array in its place. */
function fillOut(job: Job<unknown>, r: unknown): unknown {
  const o = job.out;
  if (o === undefined || typeof r !== 'object' || r === null) return r;
  const x = (r as Record<string, unknown>)[o.field];
  if (x instanceof Float64Array && x.length === o.array.length) {
    o.array.set(x);
    (r as Record<string, unknown>)[o.field] = o.array;
  }
  return r;
}

/**
 * A client of the solve queue: `solve(method, ...args)` resolves with exactly what
 * `itersolve[method](...args)` resolves with, computed by a worker (startSolveWorker or
 * `itersolve worker`).
 */
export class SolveQueue {
  readonly queueName: string;
  readonly prefix: string;
  readonly payloadTtlMs: number;
  private readonly ns: string;
  private readonly queue: BullQueue;
  private events?: BullQueueEvents;
  private readonly connection: object;
  private ready?: Promise<RedisLike>;
  private readonly jobs = new Map<string, Job<unknown>>();
  private closed = false;
  private readonly uploads = new Map<string, { at: number; done: Promise<void> }>();
  private lastError?: Error;

  constructor(options: SolveQueueOptions) {
    const o = v.options<SolveQueueOptions>('options', options);
    checkKeys('options', o, QUEUE_KEYS);
    if (o.connection === undefined)
      throw v.invalid(
        'connection',
        'a redis:// URL, ioredis options or an ioredis instance',
        o.connection,
      );
    this.connection = connectionOption('connection', o.connection);
    this.queueName = checkName('queueName', o.queueName, 'itersolve');
    this.prefix = checkName('prefix', o.prefix, 'itersolve');
    this.payloadTtlMs =
      o.payloadTtlMs === undefined ? 3_600_000 : v.int('payloadTtlMs', o.payloadTtlMs, 1000);
    this.ns = namespace(this.prefix, this.queueName);
    const bull = loadBullmq();
    this.queue = new bull.Queue(this.queueName, {
      connection: this.connection,
      prefix: this.prefix,
    });
    this.queue.on('error', (e) => {
      this.lastError = e;
    });
  }

  /** Connects, and starts listening to the queue's events from the stream's current end. */
  private start(): Promise<RedisLike> {
    if (this.ready === undefined) {
      this.ready = (async () => {
        const redis = await readyOrError(
          this.queue,
          this.queue.client,
          `queue ${this.queueName}: connecting to Redis`,
        );
        // Events are read from the stream's last entry as of now: none of a job added after
        // this point can be missed, however late the event reader's first read is.
        const last = (await redis.xrevrange(`${this.ns}:events`, '+', '-', 'COUNT', 1)) as [
          string,
          unknown,
        ][];
        const bull = loadBullmq();
        const events = new bull.QueueEvents(this.queueName, {
          connection: this.connection,
          prefix: this.prefix,
          lastEventId: last.length > 0 ? last[0][0] : '0-0',
        });
        events.on('error', (e) => {
          this.lastError = e;
        });
        events.on('completed', ({ jobId, returnvalue }) => this.completed(jobId, returnvalue));
        events.on('failed', ({ jobId, failedReason }) => this.failed(jobId, failedReason));
        events.on('progress', ({ jobId, data }) => {
          const job = this.jobs.get(jobId);
          if (job === undefined || typeof data !== 'object' || data === null) return;
          job.emit('progress', data);
          job.onProgress?.(data as Progress);
        });
        this.events = events;
        await readyOrError(events, events.waitUntilReady(), `queue ${this.queueName}: events`);
        return redis;
      })();
      // A failed connection is retried by the next job.
      this.ready.catch(() => {
        this.ready = undefined;
      });
    }
    return this.ready;
  }

  private async completed(jobId: string, returnvalue: unknown): Promise<void> {
    const job = this.jobs.get(jobId);
    if (job === undefined || job.settled) return;
    try {
      const data = typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue;
      const r = fillOut(job, await this.readResult(data));
      this.settle(job, () => job.resolve(r));
    } catch (e) {
      this.settle(job, () => job.reject(external(`job ${jobId}: reading the result`, e)));
    }
  }

  private async failed(jobId: string, reason: string): Promise<void> {
    const job = this.jobs.get(jobId);
    if (job === undefined || job.settled) return;
    const w = parseErrorWire(reason);
    if (w === undefined) {
      this.settle(job, () =>
        job.reject(new ItersolveError('ERR_EXTERNAL', `job ${jobId} failed: ${reason}`)),
      );
      return;
    }
    try {
      const partial =
        w.result === undefined ? undefined : fillOut(job, await this.readResult(w.result));
      const cause = job.cancelled ? job.cancelReason : undefined;
      this.settle(job, () => job.reject(errorFromWire(w, partial, cause)));
    } catch (e) {
      this.settle(job, () => job.reject(external(`job ${jobId}: reading the partial result`, e)));
    }
  }

  private settle(job: Job<unknown>, fn: () => void): void {
    this.jobs.delete(job.id);
    fn();
  }

  /** Reads (and deletes) a result's payload keys and decodes it. */
  private async readResult(data: unknown): Promise<unknown> {
    const redis = await this.start();
    const store = redisStore(redis);
    const keys = [...payloadKeys(data)];
    const r = await decodeValue(data, (k) => store.getMany(k));
    await store.del(keys);
    return r;
  }

  /**
   * Submits `method` with `args` (as the local call takes them) and returns the job at once. The
   * job is added to the queue only when the arguments are valid: otherwise its result rejects, as
   * the local Promise form rejects, with the local call's very ItersolveError, or with
   * ERR_INVALID_ARGUMENT naming the argument path when one cannot be sent to a worker (a function,
   * an operator, a built preconditioner), an unknown method or a closed queue. `signal` and
   * `onProgress` in the options act here: abort cancels the job.
   */
  submit<R = unknown>(method: string, ...args: unknown[]): SolveJob<R> {
    const job = new Job<R>(randomUUID(), this);
    let prepared: { encoded: Pending[]; signal?: AbortSignal };
    try {
      if (this.closed)
        throw new ItersolveError('ERR_INVALID_ARGUMENT', 'the SolveQueue is closed', {
          argument: 'queue',
        });
      prepared = this.prepare(job as Job<unknown>, method, args);
    } catch (e) {
      job.reject(e);
      return job;
    }
    const { encoded, signal } = prepared;
    if (signal?.aborted) {
      job.reject(new AbortError('The operation was aborted', { cause: signal.reason }));
      return job;
    }
    this.jobs.set(job.id, job as Job<unknown>);
    if (signal) {
      // A failed cancel has settled the job already (see cancelJob).
      const onAbort = () => job.cancel(signal.reason).catch(() => {});
      signal.addEventListener('abort', onAbort, { once: true });
      job.result().then(
        () => signal.removeEventListener('abort', onAbort),
        () => signal.removeEventListener('abort', onAbort),
      );
    }
    const validated = dryRun(method, args);
    job.added = (async () => {
      // The local call's own error comes first (it is what the same call made locally gives).
      await validated;
      for (const e of encoded) if (e.error !== undefined) throw e.error;
      if (job.cancelled) {
        // Cancelled while being validated: never queued.
        this.settle(job as Job<unknown>, () =>
          job.reject(new AbortError('The operation was aborted', { cause: job.cancelReason })),
        );
        return;
      }
      const redis = await this.start();
      const blobs = new Map<string, Buffer>();
      for (const e of encoded) for (const [k, b] of e.blobs) blobs.set(k, b);
      try {
        await this.upload(redis, blobs);
        const age = Math.ceil(this.payloadTtlMs / 1000);
        await this.queue.add(
          method,
          { v: 1, method, args: encoded.map((e) => e.data), ttl: this.payloadTtlMs },
          {
            jobId: job.id,
            removeOnComplete: { age },
            removeOnFail: { age },
            attempts: 1,
          },
        );
      } catch (e) {
        throw external(`queue ${this.queueName}: adding the job`, e);
      }
    })();
    job.added.catch((e: unknown) => this.settle(job as Job<unknown>, () => job.reject(e)));
    return job;
  }

  /**
   * Takes `signal`, `onProgress` and `out` off the options (they act here) and encodes the rest;
   * an argument that cannot travel is kept as its error, thrown once the local validation passed.
   */
  private prepare(
    job: Job<unknown>,
    method: string,
    args: unknown[],
  ): { encoded: Pending[]; signal?: AbortSignal } {
    const entry = methodEntry(method);
    const a = args.slice();
    let signal: AbortSignal | undefined;
    const opts = a[entry.options];
    if (typeof opts === 'object' && opts !== null) {
      const {
        signal: s,
        onProgress: f,
        ...rest
      } = opts as {
        signal?: AbortSignal;
        onProgress?: (p: Progress) => void;
        out?: unknown;
      };
      if (s instanceof AbortSignal) signal = s;
      if (typeof f === 'function') job.onProgress = f;
      // The caller's `out` is filled here from the result (the dry run checks it).
      if (entry.out !== undefined && rest.out instanceof Float64Array) {
        job.out = { field: entry.out, array: rest.out };
        delete rest.out;
      }
      a[entry.options] = rest;
    }
    // Trailing undefined arguments are the local call's defaults: they need not travel.
    while (a.length > 0 && a[a.length - 1] === undefined) a.pop();
    const params = entry.params;
    const encoded = a.map((x, i): Pending => {
      try {
        return encodeValue(x, params[i] ?? `args[${i}]`, contentKeys(this.ns));
      } catch (e) {
        return { data: null, blobs: new Map(), error: e };
      }
    });
    return { encoded, signal };
  }

  /** Submits and waits: resolves with the result, rejects as {@link submit} / the worker does. */
  solve<R = unknown>(method: string, ...args: unknown[]): Promise<R> {
    return this.submit<R>(method, ...args).result();
  }

  /**
   * Stores payloads once per process: a key uploaded (or refreshed) within half the TTL, or being
   * uploaded now by another submit, is not sent again (a burst of right-hand sides against one A
   * transfers A once); older ones get a PEXPIRE refresh.
   */
  private async upload(redis: RedisLike, blobs: Map<string, Buffer>): Promise<void> {
    const store = redisStore(redis);
    const now = Date.now();
    const fresh = this.payloadTtlMs / 2;
    if (this.uploads.size > 4096)
      for (const [k, u] of this.uploads) if (now - u.at > fresh) this.uploads.delete(k);
    await Promise.all(
      [...blobs].map(([key, bytes]) => {
        const u = this.uploads.get(key);
        if (u !== undefined && now - u.at <= fresh) return u.done;
        const done = storeBlobs(store, new Map([[key, bytes]]), this.payloadTtlMs).then(() => {});
        this.uploads.set(key, { at: now, done });
        done.catch(() => this.uploads.delete(key));
        return done;
      }),
    );
  }

  /** @internal */
  async cancelJob(job: Job<unknown>, reason?: unknown): Promise<void> {
    if (job.settled || job.cancelled) return;
    job.cancelled = true;
    job.cancelReason = reason;
    try {
      await job.added;
    } catch {
      return; // never queued: already rejected
    }
    if (job.settled) return;
    try {
      const redis = await this.start();
      // The flag first, then the message: a worker that takes the job after this sees the flag,
      // one that runs it already gets the message.
      await redis.set(cancelKey(this.ns, job.id), '1', 'PX', this.payloadTtlMs);
      await redis.publish(cancelChannel(this.ns), job.id);
      // A job still waiting is removed (1; 0 when a worker took it meanwhile: it sees the flag).
      // A running one is left to its worker, a finished one to its event: either brings the
      // partial (or whole) result.
      const state = await this.queue.getJobState(job.id);
      if (WAITING.has(state) && (await this.queue.remove(job.id)) === 1)
        this.settle(job, () =>
          job.reject(new AbortError('The operation was aborted', { cause: reason })),
        );
    } catch (e) {
      // Redis did not take the cancel: the job may still run, but the caller asked to stop, so
      // its result rejects here, as an abort does locally; cancel() itself reports the failure.
      this.settle(job, () =>
        job.reject(new AbortError('The operation was aborted', { cause: reason })),
      );
      throw external(`queue ${this.queueName}: cancelling job ${job.id}`, e);
    }
  }

  /** Closes the connections; jobs not settled yet reject with ERR_EXTERNAL. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of [...this.jobs.values()])
      this.settle(job, () =>
        job.reject(new ItersolveError('ERR_EXTERNAL', `job ${job.id}: the SolveQueue was closed`)),
      );
    await Promise.all([this.events && closeQuietly(this.events), closeQuietly(this.queue)]);
  }

  /** The last connection error reported by BullMQ / ioredis (undefined when none). */
  get error(): Error | undefined {
    return this.lastError;
  }
}
