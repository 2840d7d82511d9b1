#!/usr/bin/env node
/**
 * The `itersolve` command: `info`, `spmv A.mtx` and `demo`. main() takes the arguments (without
 * `node` and the script) and the streams to write to, and resolves to the exit code, so tests run
 * it in-process. Exit codes: 0 ok, 1 a library error (printed as `itersolve: <message>`) or a
 * failed self-check, 2 a usage error, 130 interrupted.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CsrMatrix,
  getThreads,
  info,
  ItersolveError,
  poisson2d,
  powerIteration,
  readMatrixMarketAsync,
  setThreads,
  writeMatrixMarket,
} from './index';
import type { PowerIterationResult, Progress } from './index';
import { ProgressBar } from './progress';

/** The part of a writable stream the CLI uses. */
export interface CliStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIO {
  stdout: CliStream;
  /** Errors and progress bars go here. */
  stderr: CliStream;
  /** Draw progress bars (on stderr). Default: whether process.stderr is a terminal. */
  isTTY?: boolean;
  /** Stops long-running steps (the entry point wires it to Ctrl-C). */
  signal?: AbortSignal;
}

const USAGE = `Usage: itersolve <command> [options]

Commands:
  info [--json]              version, SIMD path, threads, Node-API version, platform
  spmv <A.mtx> [--threads N] [--repeat K] [--json]
                             read a Matrix Market file, time y = A x, report GB/s
  demo [--n N] [--threads N] 2D Poisson problem on an n x n grid (default n = 1000, 10^6
                             unknowns): build, SpMV, Matrix Market round trip, largest eigenvalue
  help                       this text

Options:
  --threads N   threads one kernel may use (1-256; default: logical CPUs, or ITERSOLVE_THREADS)
  --repeat K    timed SpMVs (default: enough for about 0.5 s, at least 5)
  --json        machine-readable output on stdout
  -h, --help    this text
  --version     the version

SpMV traffic is counted as 12 B per nonzero + 4 B per row pointer + 16 B per row (x and y);
GB/s = that / best time (1 GB = 1e9 B).
`;

/** A command-line mistake: exit code 2. */
class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------
// argument parsing

type FlagKind = 'bool' | 'value';

interface Parsed {
  flags: Map<string, string | true>;
  positional: string[];
}

function parseArgs(cmd: string, args: string[], spec: Record<string, FlagKind>, maxPositional: number): Parsed {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(0, eq) : a;
      const kind = spec[name];
      if (kind === undefined) throw new UsageError(`${cmd}: unknown option '${name}'`);
      if (kind === 'bool') {
        if (eq >= 0) throw new UsageError(`${cmd}: option '${name}' takes no value`);
        flags.set(name, true);
      } else if (eq >= 0) {
        flags.set(name, a.slice(eq + 1));
      } else {
        if (i + 1 >= args.length) throw new UsageError(`${cmd}: option '${name}' needs a value`);
        flags.set(name, args[++i]);
      }
    } else {
      positional.push(a);
    }
  }
  if (positional.length > maxPositional) throw new UsageError(`${cmd}: unexpected argument '${positional[maxPositional]}'`);
  return { flags, positional };
}

function intFlag(cmd: string, p: Parsed, name: string, min: number, max: number): number | undefined {
  const s = p.flags.get(name);
  if (s === undefined) return undefined;
  const n = typeof s === 'string' && /^\d+$/.test(s) ? Number(s) : NaN;
  if (!(n >= min && n <= max))
    throw new UsageError(`${cmd}: option '${name}' expects an integer from ${min} to ${max}, received '${String(s)}'`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// formatting

/** Three significant digits without exponent notation. */
function sig(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function fmtTime(ms: number): string {
  if (ms < 1) return `${sig(ms * 1000)} µs`;
  if (ms < 1000) return `${sig(ms)} ms`;
  return `${sig(ms / 1000)} s`;
}

function fmtBytes(b: number): string {
  if (b < 1e3) return `${b} B`;
  if (b < 1e6) return `${sig(b / 1e3)} kB`;
  if (b < 1e9) return `${sig(b / 1e6)} MB`;
  return `${sig(b / 1e9)} GB`;
}

function fmtInt(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** @internal the formatters, for tests */
export const format = { sig, fmtTime, fmtBytes, fmtInt };

class Out {
  constructor(
    private readonly s: CliStream,
    private readonly keyWidth = 12,
  ) {}
  line(s = ''): void {
    this.s.write(`${s}\n`);
  }
  row(key: string, value: string, indent = ''): void {
    this.s.write(`${indent}${key.padEnd(this.keyWidth)}${value}\n`);
  }
}

// ---------------------------------------------------------------------------------------------
// shared pieces

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

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * Times y = A x: `repeat` single SpMVs when given, else samples for about `budgetMs` (at least 5),
 * each sample batching enough calls to last ~50 µs so tiny matrices are not timer noise.
 */
function timeSpmv(A: CsrMatrix, repeat: number | undefined, budgetMs = 500): SpmvTiming {
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
    if (repeat !== undefined ? list.length >= repeat : list.length >= 5 && (now() - start >= budgetMs || list.length >= 1e5)) break;
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
  return { runs, callsPerRun: batch, bestMs, medianMs, bytesPerSpmv, gbPerS: bytesPerSpmv / (bestMs * 1e-3) / 1e9 };
}

function spmvSummary(s: SpmvTiming): string {
  const runs = s.callsPerRun > 1 ? `${fmtInt(s.runs)} x ${fmtInt(s.callsPerRun)} calls` : `${fmtInt(s.runs)} runs`;
  return `best ${fmtTime(s.bestMs)}, median ${fmtTime(s.medianMs)} (${runs}), ${sig(s.gbPerS)} GB/s`;
}

/** Bar fed by a byte-count progress report (Matrix Market readers). */
function readProgress(bar: ProgressBar): (p: Progress) => void {
  return (p) => bar.update(p.total ? p.iteration / p.total : 0, p.total ? `${fmtBytes(p.iteration)} / ${fmtBytes(p.total)}` : fmtBytes(p.iteration));
}

function sameBits(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return (
    a.byteLength === b.byteLength &&
    Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0
  );
}

/** Same shape, and rowPtr, colIdx and values equal bit for bit. */
function identical(A: CsrMatrix, B: CsrMatrix): boolean {
  return A.rows === B.rows && A.cols === B.cols && sameBits(A.rowPtr, B.rowPtr) && sameBits(A.colIdx, B.colIdx) && sameBits(A.values, B.values);
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ItersolveError('ABORT_ERR', 'interrupted');
}

/** Runs `fn` with the thread count set to `threads` (when given), restoring it afterwards. */
async function withThreads<T>(threads: number | undefined, fn: () => Promise<T>): Promise<T> {
  if (threads === undefined) return fn();
  const before = getThreads();
  setThreads(threads);
  try {
    return await fn();
  } finally {
    setThreads(before);
  }
}

// ---------------------------------------------------------------------------------------------
// commands

function cmdInfo(args: string[], io: Required<Pick<CliIO, 'stdout'>>): number {
  const p = parseArgs('info', args, { '--json': 'bool' }, 0);
  const i = info();
  const nodeNapi = Number(process.versions.napi);
  if (p.flags.has('--json')) {
    const o = { ...i, nodeNapiVersion: nodeNapi, platform: process.platform, arch: process.arch, node: process.version };
    io.stdout.write(`${JSON.stringify(o, null, 2)}\n`);
    return 0;
  }
  const out = new Out(io.stdout);
  out.line(`itersolve ${i.version}`);
  out.row('simd', `${i.simd} (detected ${i.simdDetected}; supported: ${i.simdSupported.join(', ')})`, '  ');
  out.row('threads', `${i.threads} (default ${i.defaultThreads})`, '  ');
  out.row('node-api', `${i.napiVersion} (addon), node supports ${nodeNapi}`, '  ');
  out.row('platform', `${process.platform}-${process.arch}, node ${process.version}`, '  ');
  return 0;
}

async function cmdSpmv(args: string[], io: CliIO, tty: boolean): Promise<number> {
  const p = parseArgs('spmv', args, { '--threads': 'value', '--repeat': 'value', '--json': 'bool' }, 1);
  const threads = intFlag('spmv', p, '--threads', 1, 256);
  const repeat = intFlag('spmv', p, '--repeat', 1, 1e7);
  const file = p.positional[0];
  if (file === undefined) throw new UsageError('spmv: missing the Matrix Market file (itersolve spmv A.mtx)');
  let size: number | undefined;
  try {
    size = fs.statSync(file).size;
  } catch {
    size = undefined; // the reader reports a missing or unreadable file
  }
  return withThreads(threads, async () => {
    const bar = new ProgressBar(io.stderr, `reading ${path.basename(file)}`, {
      enabled: tty && size !== undefined && size >= 1 << 20,
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
      const o = { file, fileBytes: size ?? null, readMs, rows: A.rows, cols: A.cols, nnz: A.nnz, threads: nt, simd, ...s };
      io.stdout.write(`${JSON.stringify(o, null, 2)}\n`);
      return 0;
    }
    const out = new Out(io.stdout);
    out.row('file', `${file} (${size === undefined ? '?' : fmtBytes(size)}, read in ${fmtTime(readMs)})`);
    out.row('rows', fmtInt(A.rows));
    out.row('cols', fmtInt(A.cols));
    out.row('nnz', fmtInt(A.nnz));
    out.row('threads', `${nt} (simd ${simd})`);
    out.row('runs', s.callsPerRun > 1 ? `${fmtInt(s.runs)} x ${fmtInt(s.callsPerRun)} calls` : fmtInt(s.runs));
    out.row('best', fmtTime(s.bestMs));
    out.row('median', fmtTime(s.medianMs));
    out.row('bandwidth', `${sig(s.gbPerS)} GB/s (${fmtBytes(s.bytesPerSpmv)} per SpMV at the best time)`);
    return 0;
  });
}

async function cmdDemo(args: string[], io: CliIO, tty: boolean): Promise<number> {
  const p = parseArgs('demo', args, { '--n': 'value', '--threads': 'value' }, 0);
  const n = intFlag('demo', p, '--n', 1, 46340) ?? 1000;
  const threads = intFlag('demo', p, '--threads', 1, 256);
  const signal = io.signal;
  const out = new Out(io.stdout);
  const ind = '  ';
  return withThreads(threads, async () => {
    const tStart = now();
    let status = 0;
    out.line(`itersolve demo: 2D Poisson problem on a ${n} x ${n} grid (simd ${info().simd}, ${getThreads()} threads)`);

    // 1. Build the system.
    let t = now();
    const A = poisson2d(n);
    out.row('problem', `${fmtInt(A.rows)} unknowns, ${fmtInt(A.nnz)} nonzeros, built in ${fmtTime(now() - t)}`, ind);

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
      out.row('mm read', `${fmtBytes(bytes)} in ${fmtTime(readMs)}, ${mbps(readMs)}, round trip ${same ? 'identical' : 'DIFFERS'}`, ind);
      if (!same) status = 1;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    checkAborted(signal);

    // 4. Largest eigenvalue by power iteration, against the exact 8·cos²(π/(2(n+1))).
    const maxIterations = 2000;
    const timeLimitMs = 3000;
    const bar = new ProgressBar(io.stderr, 'power iteration', { enabled: tty });
    let r: PowerIterationResult;
    try {
      r = await powerIteration(A, {
        rtol: 1e-6,
        maxIterations,
        timeLimitMs,
        signal,
        onProgress: (q) =>
          bar.update(Math.max(q.iteration / maxIterations, q.elapsedMs / timeLimitMs), `λ ≈ ${q.value.toPrecision(8)}`),
      });
    } finally {
      bar.done();
    }
    checkAborted(signal);
    const exact = 8 * Math.cos(Math.PI / (2 * (n + 1))) ** 2;
    const rel = Math.abs(r.eigenvalue - exact) / exact;
    out.row('eigenvalue', `${r.eigenvalue.toPrecision(10)} (power iteration: ${fmtInt(r.iterations)} iterations in ${fmtTime(r.elapsedMs)}, stopped by ${r.reason})`, ind);
    out.row('exact', `${exact.toPrecision(10)} = 8 cos²(π/(2(n+1))), relative error ${rel.toExponential(1)}`, ind);

    // 5. Solve A x = b. This is the one block to replace when the Krylov solvers land, e.g.:
    //      const xTrue = new Float64Array(A.rows).fill(1); const b = A.multiply(xTrue);
    //      const bar = new ProgressBar(io.stderr, 'cg', { enabled: tty });
    //      const c = await cg(A, b, { rtol: 1e-8, signal, onProgress: ... }); bar.done();
    //      out.row('cg', `${c.iterations} iterations in ${fmtTime(c.elapsedMs)}, ${c.reason}`, ind);
    out.row('solve', 'the CG solve of this system arrives with the Krylov solvers', ind);

    out.row('total', fmtTime(now() - tStart), ind);
    return status;
  });
}

// ---------------------------------------------------------------------------------------------
// entry

/** Runs the command line `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[], io?: Partial<CliIO>): Promise<number> {
  const stdout = io?.stdout ?? process.stdout;
  const stderr = io?.stderr ?? process.stderr;
  const tty = io?.isTTY ?? (io?.stderr === undefined && process.stderr.isTTY === true);
  const full: CliIO = { stdout, stderr, isTTY: tty, signal: io?.signal };
  const end = argv.indexOf('--');
  const opts = end >= 0 ? argv.slice(0, end) : argv;
  try {
    if (opts.includes('--help') || opts.includes('-h')) {
      stdout.write(USAGE);
      return 0;
    }
    const [cmd, ...rest] = argv;
    switch (cmd) {
      case undefined:
        stderr.write(USAGE);
        return 2;
      case 'help':
        stdout.write(USAGE);
        return 0;
      case '--version':
        parseArgs('--version', rest, {}, 0);
        stdout.write(`${info().version}\n`);
        return 0;
      case 'info':
        return cmdInfo(rest, { stdout });
      case 'spmv':
        return await cmdSpmv(rest, full, tty);
      case 'demo':
        return await cmdDemo(rest, full, tty);
      default:
        throw new UsageError(cmd.startsWith('-') ? `unknown option '${cmd}'` : `unknown command '${cmd}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      stderr.write(`itersolve: ${e.message}\nRun 'itersolve --help' for usage.\n`);
      return 2;
    }
    const code = (e as { code?: unknown } | null)?.code;
    if (e instanceof ItersolveError || (e instanceof Error && typeof code === 'string')) {
      if (code === 'ABORT_ERR') {
        stderr.write('itersolve: interrupted\n');
        return 130;
      }
      stderr.write(`itersolve: ${e.message.replace(/^itersolve: /, '')}\n`);
      return 1;
    }
    // A bug, not a user error: keep the stack.
    stderr.write(`itersolve: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
    return 1;
  }
}

/* c8 ignore start */
if (require.main === module) {
  const ac = new AbortController();
  process.on('SIGINT', () => {
    if (ac.signal.aborted) process.exit(130); // second Ctrl-C: leave now
    ac.abort();
  });
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); // `itersolve … | head`
    throw e;
  });
  main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: process.stderr.isTTY === true,
    signal: ac.signal,
  }).then((code) => {
    process.exitCode = code;
  });
}
/* c8 ignore stop */
