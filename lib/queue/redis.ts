/**
 * What itersolve/queue needs from BullMQ and Redis, and nothing more: the lazy loader of the
 * optional peer dependency bullmq (absent -> ERR_UNAVAILABLE), the connection option (a redis://
 * URL, ioredis options, or an ioredis instance), the BlobStore over an ioredis client (binary
 * string keys with PX expiry) and the key names.
 */
import { ItersolveError } from '../errors';
import * as v from '../validate';
import type { BlobStore } from './codec';

/** The part of an ioredis client the queue uses (BullMQ's own connection, or a duplicate). */
export interface RedisLike {
  getBuffer(key: string): Promise<Buffer | null>;
  mgetBuffer(...keys: string[]): Promise<(Buffer | null)[]>;
  set(key: string, value: Buffer | string, px: 'PX', ms: number): Promise<unknown>;
  pexpire(key: string, ms: number): Promise<number>;
  exists(key: string): Promise<number>;
  del(...keys: string[]): Promise<number>;
  publish(channel: string, message: string): Promise<number>;
  xrevrange(key: string, end: string, start: string, count: 'COUNT', n: number): Promise<unknown>;
  duplicate(): RedisSubscriber;
}

/** A subscriber connection. */
export interface RedisSubscriber {
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', fn: (channel: string, message: string) => void): unknown;
  on(event: 'error', fn: (e: Error) => void): unknown;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/** The BullMQ classes the queue uses (typed loosely: bullmq is an optional peer dependency). */
export interface BullmqModule {
  Queue: new (name: string, opts: Record<string, unknown>) => BullQueue;
  QueueEvents: new (name: string, opts: Record<string, unknown>) => BullQueueEvents;
  Worker: new (
    name: string,
    processor: (job: BullJob, token?: string) => Promise<unknown>,
    opts: Record<string, unknown>,
  ) => BullWorker;
}

export interface BullJob {
  id?: string;
  name: string;
  data: unknown;
  updateProgress(p: object | number): Promise<void>;
}

export interface BullQueue {
  readonly client: Promise<RedisLike>;
  add(name: string, data: unknown, opts: Record<string, unknown>): Promise<{ id?: string }>;
  remove(id: string): Promise<number>;
  getJobState(id: string): Promise<string>;
  waitUntilReady(): Promise<unknown>;
  on(event: 'error', fn: (e: Error) => void): unknown;
  close(): Promise<void>;
}

export interface BullQueueEvents {
  on(event: 'completed', fn: (a: { jobId: string; returnvalue: unknown }) => void): unknown;
  on(event: 'failed', fn: (a: { jobId: string; failedReason: string }) => void): unknown;
  on(event: 'progress', fn: (a: { jobId: string; data: unknown }) => void): unknown;
  on(event: 'error', fn: (e: Error) => void): unknown;
  waitUntilReady(): Promise<unknown>;
  readonly client: Promise<unknown>;
  close(): Promise<void>;
}

export interface BullWorker {
  readonly client: Promise<RedisLike>;
  on(event: 'error', fn: (e: Error) => void): unknown;
  on(event: 'failed' | 'completed', fn: (...a: unknown[]) => void): unknown;
  waitUntilReady(): Promise<unknown>;
  close(force?: boolean): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const defaultLoader = (): BullmqModule => require('bullmq') as BullmqModule;
let loader: () => BullmqModule = defaultLoader;

/**
 * Replaces how bullmq is loaded (tests: a loader that throws, or an in-memory stand-in); no
 * argument restores require('bullmq').
 * @internal
 */
export function setBullmqLoader(fn?: () => BullmqModule): void {
  loader = fn ?? defaultLoader;
}

/**
 * bullmq, loaded on first use; ERR_UNAVAILABLE (with the loader's error as cause) when it cannot
 * be loaded.
 * @internal
 */
export function loadBullmq(): BullmqModule {
  try {
    return loader();
  } catch (e) {
    throw new ItersolveError(
      'ERR_UNAVAILABLE',
      'itersolve/queue needs the optional peer dependency bullmq: npm install bullmq',
      { cause: e },
    );
  }
}

/** A connection: a redis:// (rediss://) URL, ioredis options, or an ioredis instance. */
export type RedisConnection = string | Record<string, unknown> | object;

/**
 * The connection as BullMQ takes it: a URL becomes ioredis options (host, port, username,
 * password, db, tls for rediss:); options and instances pass through.
 * @internal
 */
export function connectionOption(argument: string, c: unknown): object {
  if (typeof c === 'string') {
    let u: URL;
    try {
      u = new URL(c);
    } catch {
      throw v.invalid(argument, 'a redis:// URL, ioredis options or an ioredis instance', c);
    }
    if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
      throw v.invalid(argument, 'a redis:// or rediss:// URL', c);
    const o: Record<string, unknown> = { host: u.hostname || '127.0.0.1' };
    o.port = u.port === '' ? 6379 : Number(u.port);
    if (u.username) o.username = decodeURIComponent(u.username);
    if (u.password) o.password = decodeURIComponent(u.password);
    const db = u.pathname.replace(/^\//, '');
    if (db !== '') {
      if (!/^\d+$/.test(db)) throw v.invalid(`${argument}`, 'a URL whose path is a db number', c);
      o.db = Number(db);
    }
    if (u.protocol === 'rediss:') o.tls = {};
    return o;
  }
  if (typeof c !== 'object' || c === null || Array.isArray(c))
    throw v.invalid(argument, 'a redis:// URL, ioredis options or an ioredis instance', c);
  return c;
}

/**
 * Checks an options object against its known keys (a queue's or a worker's options are not
 * solver options): an unknown key is ERR_INVALID_ARGUMENT naming it.
 * @internal
 */
export function checkKeys(argument: string, o: object, known: readonly string[]): void {
  for (const k of Object.keys(o))
    if (!known.includes(k))
      throw new ItersolveError(
        'ERR_INVALID_ARGUMENT',
        `${argument}.${k}: no such option (${argument} takes ${known.join(', ')})`,
        { argument: `${argument}.${k}` },
      );
}

/**
 * Queue and key names: letters, digits and -_. (no ':', which separates key parts).
 * @internal
 */
export function checkName(argument: string, s: unknown, fallback: string): string {
  if (s === undefined) return fallback;
  if (typeof s !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(s))
    throw v.invalid(argument, 'a non-empty name of letters, digits, -, _ and .', s);
  return s;
}

/** @internal the names of one queue's keys */
export function namespace(prefix: string, queueName: string): string {
  return `${prefix}:${queueName}`;
}

/** @internal the cancel flag of a job */
export function cancelKey(ns: string, id: string): string {
  return `${ns}:cancel:${id}`;
}

/** @internal the channel cancellations are published on */
export function cancelChannel(ns: string): string {
  return `${ns}:cancel`;
}

/**
 * A BlobStore over an ioredis client: SET key bytes PX ttl, PEXPIRE refresh, MGET reads.
 * @internal
 */
export function redisStore(redis: RedisLike): BlobStore & {
  getMany(keys: string[]): Promise<(Buffer | null)[]>;
} {
  return {
    touch: async (key, ttlMs) => (await redis.pexpire(key, ttlMs)) === 1,
    put: async (key, bytes, ttlMs) => {
      await redis.set(key, bytes, 'PX', ttlMs);
    },
    get: (key) => redis.getBuffer(key),
    getMany: (keys) => (keys.length === 0 ? Promise.resolve([]) : redis.mgetBuffer(...keys)),
    del: async (keys) => {
      if (keys.length > 0) await redis.del(...keys);
    },
  };
}

/**
 * A Redis (or BullMQ) failure as ERR_EXTERNAL with the original as cause.
 * @internal
 */
export function external(what: string, e: unknown): ItersolveError {
  if (e instanceof ItersolveError) return e;
  const m = e instanceof Error ? e.message : String(e);
  return new ItersolveError('ERR_EXTERNAL', `${what}: ${m}`, { cause: e });
}

/**
 * `p` (a connection becoming ready), or ERR_EXTERNAL with the cause when `emitter` reports an
 * error first (ioredis reports a refused or failed connection as an 'error' event and keeps
 * retrying; the caller should not wait for ever).
 * @internal
 */
export function readyOrError<T>(
  emitter: { on(event: 'error', fn: (e: Error) => void): unknown },
  p: Promise<T>,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    emitter.on('error', (e) => {
      if (done) return;
      done = true;
      reject(external(what, e));
    });
    p.then(
      (v) => {
        done = true;
        resolve(v);
      },
      (e: unknown) => {
        done = true;
        reject(external(what, e));
      },
    );
  });
}

/**
 * Closes a BullMQ object without leaving an 'error' event unheard: a connection that never got
 * ready rejects its initialisation after close() has removed the listeners (BullMQ re-emits that
 * rejection as an 'error' event, which would end the process), so the initialisation is given
 * up to a second to settle first, and the connection keeps a listener after closing.
 * @internal
 */
export async function closeQuietly(o: {
  close(): Promise<void>;
  readonly client: Promise<unknown>;
}): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    o.client.then(
      () => {},
      () => {},
    ),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 1000);
    }),
  ]);
  clearTimeout(timer);
  const conn = (o as { connection?: { on?(e: 'error', fn: () => void): unknown } }).connection;
  try {
    await o.close();
  } finally {
    conn?.on?.('error', () => {});
  }
}
