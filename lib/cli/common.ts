/**
 * Pieces more than one command uses: the streams a command writes to, the clock, thread-count
 * scoping, cancellation, progress-bar feeds, and the independent residual check.
 */
import * as fs from 'fs';
import { CsrMatrix, getThreads, ItersolveError, norm2, setThreads } from '../index';
import type { Progress } from '../index';
import { ProgressBar } from '../progress';
import { fmtBytes, fmtInt, fmtSci } from './format';
import type { CliStream } from './format';

export interface CliIO {
  stdout: CliStream;
  /** Errors and progress bars go here. */
  stderr: CliStream;
  /** Draw progress bars (on stderr). Default: whether process.stderr is a terminal. */
  isTTY?: boolean;
  /** Stops long-running steps (the entry point wires it to Ctrl-C). */
  signal?: AbortSignal;
}

/** What a command receives: the streams with `isTTY` settled. */
export type CommandIO = CliIO & { isTTY: boolean };

/** Exit codes, documented in the usage text and the README. */
export const EXIT = {
  ok: 0,
  /** A library or system error, or a failed self-check. */
  failure: 1,
  usage: 2,
  /** The solve stopped without converging (its summary was printed). */
  notConverged: 3,
  /** The solve finished and its summary was printed, but --plot or --out could not be written. */
  outputFailed: 4,
  interrupted: 130,
} as const;

/** The JSON form of an error, as every `--json` failure prints it: `{ "error": errorJson(e) }`. */
export function errorJson(e: { code?: unknown; message: string; argument?: unknown }): {
  code: string;
  message: string;
  argument?: string;
} {
  const o: { code: string; message: string; argument?: string } = {
    code: String(e.code),
    message: e.message.replace(/^itersolve: /, ''),
  };
  if (typeof e.argument === 'string') o.argument = e.argument;
  return o;
}

export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ItersolveError('ABORT_ERR', 'interrupted');
}

/** Runs `fn` with the thread count set to `threads` (when given), restoring it afterwards. */
export async function withThreads<T>(
  threads: number | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  if (threads === undefined) return fn();
  const before = getThreads();
  setThreads(threads);
  try {
    return await fn();
  } finally {
    setThreads(before);
  }
}

/** The file's size, or undefined when it cannot be stat'ed (the reader then reports why). */
export function fileSize(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}

/** Bar fed by a byte-count progress report (Matrix Market readers). */
export function readProgress(bar: ProgressBar): (p: Progress) => void {
  return (p) =>
    bar.update(
      p.total ? p.iteration / p.total : 0,
      p.total ? `${fmtBytes(p.iteration)} / ${fmtBytes(p.total)}` : fmtBytes(p.iteration),
    );
}

/**
 * Bar fed by a solver's progress (iteration, residual norm). The fraction is the furthest of
 * iterations / maxIterations, elapsed / time limit and how far the residual has come down, on a
 * log scale, from ‖b‖ (the residual of x0 = 0) to the target: the solve ends when any gets there.
 */
export function solveProgress(
  bar: ProgressBar,
  bNorm: number,
  target: number,
  maxIterations: number,
  timeLimitMs: number | undefined,
): (p: Progress) => void {
  const span = Math.log(bNorm / target);
  return (q) => {
    let f = maxIterations > 0 ? q.iteration / maxIterations : 0;
    if (timeLimitMs !== undefined) f = Math.max(f, q.elapsedMs / timeLimitMs);
    if (span > 0 && Number.isFinite(span) && q.value > 0)
      f = Math.max(f, Math.log(bNorm / q.value) / span);
    bar.update(f, `iteration ${fmtInt(q.iteration)}, residual ${fmtSci(q.value)}`);
  };
}

/** ‖b − A x‖₂, recomputed here rather than taken from the solver (an independent check). */
export function trueResidual(A: CsrMatrix, b: Float64Array, x: Float64Array): number {
  const r = A.multiply(x);
  for (let i = 0; i < r.length; i++) r[i] = b[i] - r[i];
  return norm2(r);
}
