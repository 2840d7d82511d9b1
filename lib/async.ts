import { fromNative } from './errors';
import { native, NativeJobOptions } from './native';
import * as v from './validate';

/** Progress report passed to `onProgress` (at most 20 calls a second). */
export interface Progress {
  /** Iterations done (bytes read, for readers). */
  iteration: number;
  /** Expected total when known (e.g. maxIterations, file size). */
  total?: number;
  /** Current figure of merit (residual norm, eigenvalue estimate, …). */
  value: number;
  /** Milliseconds since the operation started. */
  elapsedMs: number;
}

/** Options every Promise-form operation takes. */
export interface AsyncOptions {
  /** Cancels the work; the native loop checks it every iteration. */
  signal?: AbortSignal;
  /** Stops the work after this many milliseconds (reason 'time-limit'). */
  timeLimitMs?: number;
  /** Called on the main thread with progress, throttled to at most 20 calls a second. */
  onProgress?: (p: Progress) => void;
}

function isAbortSignal(s: unknown): s is AbortSignal {
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof (s as AbortSignal).aborted === 'boolean' &&
    typeof (s as AbortSignal).addEventListener === 'function'
  );
}

/** Checks the shared async options (also used by Sync forms for timeLimitMs). */
export function checkAsyncOptions(o: Partial<AsyncOptions>): void {
  if (o.signal !== undefined && !isAbortSignal(o.signal)) throw v.invalid('signal', 'an AbortSignal', o.signal);
  if (o.timeLimitMs !== undefined) v.num('timeLimitMs', o.timeLimitMs, { positive: true });
  v.optFn('onProgress', o.onProgress);
}

// Every job goes straight to the binding, which queues it (FIFO) and runs at most getThreads() at
// once on its own threads, never on libuv's pool (which fs and dns share): a thread whose job
// finishes takes the next queued one at once, so many small solves keep every core busy. A job
// alone gets the whole thread pool for its kernels; while several run, each stays on its own
// thread (see native/core/threadpool.hpp and JobRunner in bindings/async.hpp).

/** Native jobs computing now and queued for a thread (for tests and diagnostics). */
export function jobStats(): { running: number; waiting: number } {
  const s = native().jobStats();
  return { running: s.running, waiting: s.queued };
}

/**
 * Runs a native job with cancellation, a time budget and progress wired up, and converts its
 * errors. `start` receives the native options object to hand to the binding. (Not an async
 * function: one `then` on the binding's promise is all a job costs here, which counts when many
 * small solves are in flight.)
 */
export function runJob<T>(o: Partial<AsyncOptions>, start: (opts: NativeJobOptions) => Promise<T>): Promise<T> {
  try {
    checkAsyncOptions(o);
  } catch (e) {
    return Promise.reject(e);
  }
  const signal = o.signal;
  const opts: NativeJobOptions = {};
  // The native cancellation flag costs an object per job: only made when there is a signal.
  let done: (() => void) | undefined;
  if (signal) {
    const cancel = new (native().Cancel)();
    opts.cancel = cancel;
    const onAbort = () => cancel.abort();
    if (signal.aborted) cancel.abort();
    else {
      signal.addEventListener('abort', onAbort, { once: true });
      done = () => signal.removeEventListener('abort', onAbort);
    }
  }
  const user = o.onProgress;
  if (o.timeLimitMs !== undefined) opts.timeLimitMs = o.timeLimitMs;
  if (user) {
    const t0 = performance.now();
    opts.onProgress = (p) => user({ ...p, elapsedMs: performance.now() - t0 });
  }
  let p: Promise<T>;
  try {
    p = start(opts);
  } catch (e) {
    // argument errors the binding throws before it starts anything
    if (done) done();
    return Promise.reject(e);
  }
  if (!done) return p.then(undefined, rethrowNative);
  const cleanup = done;
  return p.then(
    (v) => {
      cleanup();
      return v;
    },
    (e: unknown) => {
      cleanup();
      return rethrowNative(e);
    },
  );
}

function rethrowNative(e: unknown): never {
  throw fromNative(e);
}
