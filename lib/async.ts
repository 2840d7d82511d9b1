import { AbortError, fromNative } from './errors';
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
  /**
   * Cancels the work (the native loop checks it every iteration): the promise rejects with an
   * {@link AbortError} (name 'AbortError', code 'ABORT_ERR', `cause` the signal's reason) whose
   * `result` is the partial result; at once, without starting, when the signal is already aborted.
   */
  signal?: AbortSignal;
  /** Stops the work after this many milliseconds (reason 'time-limit'). */
  timeLimitMs?: number;
  /**
   * Called on the main thread with progress, at most 20 calls a second: each call comes 50 ms or
   * more after the previous one, with the newest figures (reports never queue up behind a busy
   * event loop).
   */
  onProgress?: (p: Progress) => void;
}

/**
 * Checks the shared async options (also used by Sync forms for timeLimitMs).
 * @internal
 */
export function checkAsyncOptions(o: Partial<AsyncOptions>): void {
  if (o.signal !== undefined && !v.isAbortSignal(o.signal))
    throw v.invalid('signal', 'an AbortSignal', o.signal);
  if (o.timeLimitMs !== undefined) v.num('timeLimitMs', o.timeLimitMs, { positive: true });
  v.optFn('onProgress', o.onProgress);
}

// Every job goes straight to the binding, which queues it (FIFO) and runs at most getThreads() at
// once on its own threads, never on libuv's pool (which fs and dns share): a thread whose job
// finishes takes the next queued one at once, so many small solves keep every core busy. A job
// alone gets the whole thread pool for its kernels; while several run, each stays on its own
// thread (see native/core/threadpool.hpp and JobRunner in bindings/async.hpp).

/**
 * Native jobs computing now and queued for a thread (for tests and diagnostics).
 * @internal
 */
export function jobStats(): { running: number; waiting: number } {
  const s = native().jobStats();
  return { running: s.running, waiting: s.queued };
}

/**
 * The rejection for an aborted signal: an AbortError whose cause is the signal's reason, with the
 * partial result when there is one.
 * @internal
 */
export function abortError<R>(signal: AbortSignal | undefined, result?: R): AbortError<R> {
  return new AbortError<R>('The operation was aborted', { cause: signal?.reason, result });
}

/**
 * Runs a native job with cancellation, a time budget and progress wired up, and converts its
 * errors. `start` receives the native options object to hand to the binding; `finish` turns what
 * the binding resolved with into the result. A signal that is already aborted rejects at once
 * with an AbortError, without starting anything; a job that stopped because of the signal
 * (finish's result has reason 'aborted', or the binding rejected with ABORT_ERR) rejects with an
 * AbortError carrying the partial result. (Not an async function: one `then` on the binding's
 * promise is all a job costs here, which counts when many small solves are in flight.)
 * @internal
 */
export function runJob<T, R = T>(
  o: Partial<AsyncOptions>,
  start: (opts: NativeJobOptions) => Promise<T>,
  finish?: (v: T) => R,
): Promise<R> {
  try {
    checkAsyncOptions(o);
  } catch (e) {
    return Promise.reject(e);
  }
  const signal = o.signal;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const opts: NativeJobOptions = {};
  // The native cancellation flag costs an object per job: only made when there is a signal.
  let done: (() => void) | undefined;
  if (signal) {
    const cancel = new (native().Cancel)();
    opts.cancel = cancel;
    const onAbort = () => cancel.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    done = () => signal.removeEventListener('abort', onAbort);
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
    return Promise.reject(fromNative(e));
  }
  const cleanup = done;
  return p.then(
    (v) => {
      if (cleanup) cleanup();
      const r = finish ? finish(v) : (v as unknown as R);
      // The native loop stops with reason 'aborted' and leaves the iterate it reached.
      if (signal && (r as { reason?: unknown } | undefined)?.reason === 'aborted')
        throw abortError(signal, r);
      return r;
    },
    (e: unknown) => {
      if (cleanup) cleanup();
      const err = fromNative(e);
      if (
        signal &&
        (err as { code?: unknown }).code === 'ABORT_ERR' &&
        !(err instanceof AbortError)
      )
        throw abortError(signal);
      throw err;
    },
  );
}
