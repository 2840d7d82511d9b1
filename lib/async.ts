import { awaitNative } from './errors';
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

// Concurrency limit for native jobs: at most getThreads() + 1 are handed to the binding at once
// (the rest wait here, not on libuv's pool, which fs and dns share). The binding lets
// getThreads() of them compute and holds the extra one at a gate, so a thread whose job finishes
// starts the next at once instead of idling through a round trip to the event loop; many
// concurrent solves never use more compute threads than configured. A job alone gets the whole
// thread pool for its kernels; while several run, each stays on its own thread (see
// native/core/threadpool.hpp and Addon::enter_compute in bindings/common.hpp).
let running = 0;
const waiting: Array<() => void> = [];

async function slot(): Promise<void> {
  if (running < Math.max(1, native().getThreads()) + 1) {
    running++;
    return;
  }
  await new Promise<void>((resolve) => waiting.push(resolve));
}

function releaseSlot(): void {
  const next = waiting.shift();
  if (next) next();
  else running--;
}

/** Jobs started and waiting (for tests and diagnostics). */
export function jobStats(): { running: number; waiting: number } {
  return { running, waiting: waiting.length };
}

/**
 * Runs a native job with cancellation, a time budget and progress wired up, and converts its
 * errors. `start` receives the native options object to hand to the binding.
 */
export async function runJob<T>(o: Partial<AsyncOptions>, start: (opts: NativeJobOptions) => Promise<T>): Promise<T> {
  checkAsyncOptions(o);
  const signal = o.signal;
  const opts: NativeJobOptions = {};
  // The native cancellation flag costs an object per job: only made when there is a signal.
  let onAbort: (() => void) | undefined;
  if (signal) {
    const cancel = new (native().Cancel)();
    opts.cancel = cancel;
    onAbort = () => cancel.abort();
    if (signal.aborted) cancel.abort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }
  const t0 = performance.now();
  const user = o.onProgress;
  if (o.timeLimitMs !== undefined) opts.timeLimitMs = o.timeLimitMs;
  if (user) opts.onProgress = (p) => user({ ...p, elapsedMs: performance.now() - t0 });
  await slot();
  try {
    return await awaitNative(start(opts));
  } finally {
    releaseSlot();
    if (signal && onAbort) signal.removeEventListener('abort', onAbort);
  }
}
