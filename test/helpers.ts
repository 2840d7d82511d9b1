import * as fs from 'fs';
import { CsrMatrix, rng } from '../lib/index';

/** Plain-JS reference y = A x. */
export function naiveSpmv(A: CsrMatrix, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(A.rows);
  for (let r = 0; r < A.rows; r++) {
    let s = 0;
    for (let k = A.rowPtr[r]; k < A.rowPtr[r + 1]; k++) s += A.values[k] * x[A.colIdx[k]];
    y[r] = s;
  }
  return y;
}

export function naiveSpmvT(A: CsrMatrix, x: Float64Array): Float64Array {
  const y = new Float64Array(A.cols);
  for (let r = 0; r < A.rows; r++)
    for (let k = A.rowPtr[r]; k < A.rowPtr[r + 1]; k++) y[A.colIdx[k]] += A.values[k] * x[r];
  return y;
}

/** ‖b − A x‖₂ in plain JS. */
export function residualNorm(A: CsrMatrix, b: ArrayLike<number>, x: ArrayLike<number>): number {
  const Ax = naiveSpmv(A, x);
  let s = 0;
  for (let i = 0; i < Ax.length; i++) {
    const r = b[i] - Ax[i];
    s += r * r;
  }
  return Math.sqrt(s);
}

/** max_i |a_i − b_i| / max(max_i |b_i|, tiny) */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

export interface RandomCsrOptions {
  density?: number;
  emptyRowFraction?: number;
  longRow?: number; // index of a row to fill densely
}

/** Seeded random CSR with sorted unique columns (optionally empty rows and one dense row). */
export function randomCsr(
  rows: number,
  cols: number,
  seed: number,
  o: RandomCsrOptions = {},
): CsrMatrix {
  const rand = rng(seed);
  const density = o.density ?? 0.05;
  const rowPtr = new Int32Array(rows + 1);
  const ci: number[] = [];
  const vals: number[] = [];
  for (let r = 0; r < rows; r++) {
    const empty = rand() < (o.emptyRowFraction ?? 0.1);
    if (!empty) {
      for (let c = 0; c < cols; c++) {
        if (r === o.longRow || rand() < density) {
          ci.push(c);
          vals.push(rand() * 2 - 1);
        }
      }
    }
    rowPtr[r + 1] = ci.length;
  }
  return new CsrMatrix(rows, cols, rowPtr, Int32Array.from(ci), Float64Array.from(vals));
}

export function randomVector(n: number, seed: number): Float64Array {
  const rand = rng(seed);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = rand() * 2 - 1;
  return x;
}

/**
 * Live processes (other than this one) with `text` in an argument of their command line, read from
 * /proc (Linux): how the PETSc tests find what is left of a job (mpiexec, its ranks, the supervisor
 * node, whose arguments name the job's directory or pidfile).
 */
export function processesMentioning(text: string): { pid: number; argv: string[] }[] {
  const out: { pid: number; argv: string[] }[] = [];
  for (const n of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(n) || +n === process.pid) continue;
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${n}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (argv.some((a) => a.includes(text))) out.push({ pid: +n, argv });
  }
  return out;
}
