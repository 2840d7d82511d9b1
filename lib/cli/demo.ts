/**
 * `itersolve demo`: the 2D Poisson problem on an n x n grid, built in memory, then SpMV timing, a
 * Matrix Market round trip, the extreme eigenvalues by eigsh (largest by Lanczos, smallest by
 * shift-invert through a sparse Cholesky factor) against their exact values with the condition
 * number they give, and a CG solve.
 * Exit 1 when a self-check fails (round trip differs, CG stops for a reason other than its time cap).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  cg,
  CsrMatrix,
  eigsh,
  getThreads,
  info,
  poisson2d,
  readMatrixMarketAsync,
  writeMatrixMarket,
} from '../index';
import type { EigshResult, SolveResult } from '../index';
import { ProgressBar } from '../progress';
import { numFlag, parseArgs, THREADS } from './args';
import type { FlagTable } from './args';
import {
  checkAborted,
  EXIT,
  now,
  readProgress,
  solveProgress,
  trueResidual,
  withThreads,
} from './common';
import type { CommandIO } from './common';
import { fmtBytes, fmtInt, fmtSci, fmtTime, Out, sig } from './format';
import { spmvSummary, timeSpmv } from './spmv';

export const DEMO_USAGE = `  demo [--n N] [--threads N] 2D Poisson problem on an n x n grid (default n = 1000, 10^6
                             unknowns): build, SpMV, Matrix Market round trip, largest
                             and smallest eigenvalues (condition number), CG solve`;

// 46340² < 2^31: the grid's unknowns fit the 32-bit indices.
const FLAGS: FlagTable = { '--n': { kind: 'int', min: 1, max: 46340 }, '--threads': THREADS };

/**
 * Estimated bytes one CG iteration moves: A once (12 B per nonzero + 4 B per row pointer) plus
 * about 10 passes over vectors of 8 B per row (x, r, p, Ap read or written by the SpMV, two dots
 * and three axpys). An estimate for a GB/s figure, not a measurement.
 */
export function cgIterationBytes(rows: number, nnz: number): number {
  return 12 * nnz + 4 * (rows + 1) + 10 * 8 * rows;
}

function sameBits(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return (
    a.byteLength === b.byteLength &&
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}

/** Same shape, and rowPtr, colIdx and values equal bit for bit. */
function identical(A: CsrMatrix, B: CsrMatrix): boolean {
  return (
    A.rows === B.rows &&
    A.cols === B.cols &&
    sameBits(A.rowPtr, B.rowPtr) &&
    sameBits(A.colIdx, B.colIdx) &&
    sameBits(A.values, B.values)
  );
}

export async function cmdDemo(args: string[], io: CommandIO): Promise<number> {
  const p = parseArgs('demo', args, FLAGS, 0);
  const n = numFlag(p, '--n') ?? 1000;
  const threads = numFlag(p, '--threads');
  const tty = io.isTTY;
  const signal = io.signal;
  const out = new Out(io.stdout);
  const ind = '  ';
  return withThreads(threads, async () => {
    const tStart = now();
    let status: number = EXIT.ok;
    out.line(
      `itersolve demo: 2D Poisson problem on a ${n} x ${n} grid (simd ${info().simd}, ${getThreads()} threads)`,
    );

    // 1. Build the system.
    let t = now();
    const A = poisson2d(n);
    out.row(
      'problem',
      `${fmtInt(A.rows)} unknowns, ${fmtInt(A.nnz)} nonzeros, built in ${fmtTime(now() - t)}`,
      ind,
    );

    // 2. SpMV.
    const s = timeSpmv(A, undefined);
    out.row('spmv', spmvSummary(s), ind);
    checkAborted(signal);

    // 3. Matrix Market round trip.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-demo-'));
    try {
      const file = path.join(dir, `poisson2d-${n}.mtx`);
      t = now();
      writeMatrixMarket(A, file, { comment: `itersolve demo: 2D Poisson matrix, n = ${n}` });
      const writeMs = now() - t;
      const bytes = fs.statSync(file).size;
      const mbps = (ms: number) => `${sig(bytes / 1e6 / (Math.max(ms, 1e-6) / 1e3))} MB/s`;
      out.row('mm write', `${fmtBytes(bytes)} in ${fmtTime(writeMs)}, ${mbps(writeMs)}`, ind);
      const bar = new ProgressBar(io.stderr, `reading ${path.basename(file)}`, { enabled: tty });
      t = now();
      let B: CsrMatrix;
      try {
        B = await readMatrixMarketAsync(file, { onProgress: readProgress(bar), signal });
      } finally {
        bar.done();
      }
      const readMs = now() - t;
      const same = identical(A, B);
      out.row(
        'mm read',
        `${fmtBytes(bytes)} in ${fmtTime(readMs)}, ${mbps(readMs)}, round trip ${same ? 'identical' : 'DIFFERS'}`,
        ind,
      );
      if (!same) status = EXIT.failure;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    checkAborted(signal);

    // 4. The extreme eigenvalues by eigsh, against λmax = 8 cos²(h), λmin = 8 sin²(h), h =
    //    π/(2(n+1)): the largest by Lanczos on A (k = 1), the smallest by shift-invert about
    //    σ = 0 (one sparse Cholesky factorisation of A, then a few solves; Lanczos on A itself
    //    would need thousands of products for λmin ~ 2e-5 at n = 1000). Their ratio is A's
    //    2-norm condition number, the figure CG's iteration count follows. tol 1e-6 on the Ritz
    //    residual gives the eigenvalues to ~1e-10 (the error is of the residual's square); each
    //    run is capped at 10 s (at n = 1000 the factorisation takes seconds), and hitting the cap
    //    is not a failure.
    const eigTimeLimitMs = 10000;
    const extreme = async (which: 'largest' | 'smallest'): Promise<EigshResult> => {
      const ebar = new ProgressBar(io.stderr, `eigsh ${which}`, { enabled: tty });
      try {
        return await eigsh(A, {
          k: 1,
          which,
          tol: 1e-6,
          timeLimitMs: eigTimeLimitMs,
          signal,
          onProgress: (q) =>
            ebar.update(q.elapsedMs / eigTimeLimitMs, `θ ≈ ${q.value.toPrecision(8)}`),
        });
      } finally {
        ebar.done();
      }
    };
    const big = await extreme('largest');
    checkAborted(signal);
    const small = await extreme('smallest');
    checkAborted(signal);
    const h = Math.PI / (2 * (n + 1));
    const exactMax = 8 * Math.cos(h) ** 2;
    const exactMin = 8 * Math.sin(h) ** 2;
    const lmax = big.values[0];
    const lmin = small.values[0];
    const stopped = (r: EigshResult) => (r.converged ? 'converged' : `stopped by ${r.reason}`);
    out.row(
      'eigenvalue',
      `${lmax.toPrecision(10)} largest (eigsh, Lanczos: ${fmtInt(big.matvecs)} products, ${fmtInt(big.iterations)} cycles in ${fmtTime(big.elapsedMs)}, ${stopped(big)})`,
      ind,
    );
    out.row(
      'smallest',
      `${lmin.toPrecision(10)} (eigsh, shift-invert σ = 0: Cholesky nnz(L) ${fmtInt(small.factorization?.nnzL ?? 0)}, ${fmtInt(small.matvecs)} solves in ${fmtTime(small.elapsedMs)}, ${stopped(small)})`,
      ind,
    );
    out.row(
      'exact',
      `${exactMax.toPrecision(10)} = 8 cos²(π/(2(n+1))), ${exactMin.toPrecision(10)} = 8 sin²(π/(2(n+1))), relative errors ${(Math.abs(lmax - exactMax) / exactMax).toExponential(1)}, ${(Math.abs(lmin - exactMin) / exactMin).toExponential(1)}`,
      ind,
    );
    out.row(
      'condition',
      `κ₂(A) = λmax/λmin = ${(lmax / lmin).toPrecision(6)} (exact cot²(π/(2(n+1))) = ${(1 / Math.tan(h) ** 2).toPrecision(6)})`,
      ind,
    );
    if (!big.converged && big.reason !== 'time-limit') status = EXIT.failure;
    if (!small.converged && small.reason !== 'time-limit') status = EXIT.failure;

    // 5. Solve A x = ones by CG (Promise form, progress bar on a TTY). At n = 1000 that is
    //    ~1850 iterations of ~150 MB of memory traffic each (the GB/s figure uses that estimated
    //    byte count). rtol 1e-6 would save little (~1630 iterations: CG on this b converges
    //    slowly first, then fast), so the demo keeps 1e-8 and caps the time instead; as with
    //    eigsh, hitting that cap is not a failure.
    const b = new Float64Array(A.rows).fill(1);
    const bNorm = Math.sqrt(A.rows);
    const rtol = 1e-8;
    const cgMax = 10 * A.rows;
    const cgTimeLimitMs = 60000;
    const cbar = new ProgressBar(io.stderr, 'cg', { enabled: tty });
    let c: SolveResult;
    try {
      c = await cg(A, b, {
        rtol,
        maxIterations: cgMax,
        timeLimitMs: cgTimeLimitMs,
        signal,
        onProgress: solveProgress(cbar, bNorm, rtol * bNorm, cgMax, cgTimeLimitMs),
      });
    } finally {
      cbar.done();
    }
    checkAborted(signal);
    const res = trueResidual(A, b, c.x);
    const perIt = c.elapsedMs / Math.max(1, c.iterations);
    const bytes = cgIterationBytes(A.rows, A.nnz);
    out.row(
      'cg',
      `${fmtInt(c.iterations)} iterations in ${fmtTime(c.elapsedMs)} (${fmtTime(perIt)} per iteration), ` +
        (c.converged ? `converged (${c.reason})` : `NOT converged: stopped by ${c.reason}`),
      ind,
    );
    out.row('residual', `|b - A x| / |b| = ${fmtSci(res / bNorm)} (b = ones, rtol ${rtol})`, ind);
    out.row(
      'cg traffic',
      `~${sig(bytes / (perIt * 1e-3) / 1e9)} GB/s (estimate: ${fmtBytes(bytes)} per iteration = A + ~10 vector passes)`,
      ind,
    );
    if (!c.converged && c.reason !== 'time-limit') status = EXIT.failure;

    out.row('total', fmtTime(now() - tStart), ind);
    return status;
  });
}
