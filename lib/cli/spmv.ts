/** `itersolve spmv A.mtx`: read a Matrix Market file, time y = A x, report GB/s. */
import * as path from 'path';
import { CsrMatrix, getThreads, info, readMatrixMarketAsync } from '../index';
import { ProgressBar } from '../progress';
import { JSON_FLAG, numFlag, parseArgs, THREADS, UsageError } from './args';
import type { FlagTable } from './args';
import { checkAborted, EXIT, fileSize, now, readProgress, withThreads } from './common';
import type { CommandIO } from './common';
import { fmtBytes, fmtInt, fmtTime, Out, sig, writeJson } from './format';

export const SPMV_USAGE = `  spmv <A.mtx> [--threads N] [--repeat K] [--json]
                             read a Matrix Market file, time y = A x, report GB/s`;

const FLAGS: FlagTable = {
  '--threads': THREADS,
  '--repeat': { kind: 'int', min: 1, max: 1e7 },
  '--json': JSON_FLAG,
};

/** Bytes one SpMV moves: 12 B per nonzero (value + column), 4 B per row pointer, 16 B per row (x and y). */
export function spmvBytes(rows: number, nnz: number): number {
  return 12 * nnz + 4 * (rows + 1) + 16 * rows;
}

export interface SpmvTiming {
  /** Timed samples. */
  runs: number;
  /** SpMVs per sample (more than 1 only for tiny matrices under the default time budget). */
  callsPerRun: number;
  bestMs: number;
  medianMs: number;
  bytesPerSpmv: number;
  /** spmvBytes / best time, 1 GB = 1e9 B. */
  gbPerS: number;
}

/**
 * Times y = A x: `repeat` single SpMVs when given, else samples for about `budgetMs` (at least 5),
 * each sample batching enough calls to last ~50 µs so tiny matrices are not timer noise.
 */
export function timeSpmv(A: CsrMatrix, repeat: number | undefined, budgetMs = 500): SpmvTiming {
  const x = new Float64Array(A.cols);
  for (let i = 0; i < x.length; i++) x[i] = 1 + (i % 7) / 8;
  const y = new Float64Array(A.rows);
  A.multiply(x, y); // warm-up: page in y, wake the thread pool
  let t = 0;
  let once = Infinity; // calibration: best of 3 single calls
  for (let k = 0; k < 3; k++) {
    t = now();
    A.multiply(x, y);
    once = Math.min(once, now() - t);
  }
  once = Math.max(once, 1e-6);
  // Under the time budget, samples of ~50 µs or more (timer resolution), at most 100 000 of them.
  const batch = repeat === undefined && once < 0.05 ? Math.min(10000, Math.ceil(0.05 / once)) : 1;
  const list: number[] = [];
  const start = now();
  for (;;) {
    if (
      repeat !== undefined
        ? list.length >= repeat
        : list.length >= 5 && (now() - start >= budgetMs || list.length >= 1e5)
    )
      break;
    t = now();
    for (let b = 0; b < batch; b++) A.multiply(x, y);
    list.push((now() - t) / batch);
  }
  const runs = list.length;
  const times = Float64Array.from(list);
  times.sort();
  const bestMs = Math.max(times[0], 1e-9);
  const medianMs = runs % 2 ? times[(runs - 1) / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
  const bytesPerSpmv = spmvBytes(A.rows, A.nnz);
  return {
    runs,
    callsPerRun: batch,
    bestMs,
    medianMs,
    bytesPerSpmv,
    gbPerS: bytesPerSpmv / (bestMs * 1e-3) / 1e9,
  };
}

export function spmvSummary(s: SpmvTiming): string {
  const runs =
    s.callsPerRun > 1
      ? `${fmtInt(s.runs)} x ${fmtInt(s.callsPerRun)} calls`
      : `${fmtInt(s.runs)} runs`;
  return `best ${fmtTime(s.bestMs)}, median ${fmtTime(s.medianMs)} (${runs}), ${sig(s.gbPerS)} GB/s`;
}

export async function cmdSpmv(args: string[], io: CommandIO): Promise<number> {
  const p = parseArgs('spmv', args, FLAGS, 1);
  const threads = numFlag(p, '--threads');
  const repeat = numFlag(p, '--repeat');
  const file = p.positional[0];
  if (file === undefined)
    throw new UsageError('spmv: missing the Matrix Market file (itersolve spmv A.mtx)');
  const size = fileSize(file);
  return withThreads(threads, async () => {
    const bar = new ProgressBar(io.stderr, `reading ${path.basename(file)}`, {
      enabled: io.isTTY && size !== undefined && size >= 1 << 20,
    });
    const t0 = now();
    let A: CsrMatrix;
    try {
      A = await readMatrixMarketAsync(file, { onProgress: readProgress(bar), signal: io.signal });
    } finally {
      bar.done();
    }
    const readMs = now() - t0;
    checkAborted(io.signal);
    const s = timeSpmv(A, repeat);
    const { simd } = info();
    const nt = getThreads();
    if (p.flags.has('--json')) {
      writeJson(io.stdout, {
        file,
        fileBytes: size ?? null,
        readMs,
        rows: A.rows,
        cols: A.cols,
        nnz: A.nnz,
        threads: nt,
        simd,
        ...s,
      });
      return EXIT.ok;
    }
    const out = new Out(io.stdout);
    out.row(
      'file',
      `${file} (${size === undefined ? '?' : fmtBytes(size)}, read in ${fmtTime(readMs)})`,
    );
    out.row('rows', fmtInt(A.rows));
    out.row('cols', fmtInt(A.cols));
    out.row('nnz', fmtInt(A.nnz));
    out.row('threads', `${nt} (simd ${simd})`);
    out.row(
      'runs',
      s.callsPerRun > 1 ? `${fmtInt(s.runs)} x ${fmtInt(s.callsPerRun)} calls` : fmtInt(s.runs),
    );
    out.row('best', fmtTime(s.bestMs));
    out.row('median', fmtTime(s.medianMs));
    out.row(
      'bandwidth',
      `${sig(s.gbPerS)} GB/s (${fmtBytes(s.bytesPerSpmv)} per SpMV at the best time)`,
    );
    return EXIT.ok;
  });
}
