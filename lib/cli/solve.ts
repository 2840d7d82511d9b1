/**
 * `itersolve solve A.mtx [b.mtx]`: solve A x = b with a Krylov or a stationary method (Jacobi,
 * Gauss-Seidel, SOR, SSOR), or a sparse direct one (`--method direct`: spsolve, Cholesky or LU),
 * and report how it went.
 *
 * parse → run → report: parseSolve() turns the arguments into a SolveCommand (usage errors, exit
 * 2) and checkWritable() makes sure --plot and --out can be written before any work is done;
 * runSolve() reads the system and solves it; writeOutputs() writes the plot and the solution and
 * reportSolve() prints the summary and picks the exit code.
 * A finished solve is never thrown away: when writing --plot or --out still fails, the summary is
 * printed first, then the ERR_IO error naming the flag, and the exit code is 4.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  AbortError,
  CsrMatrix,
  getThreads,
  info,
  ItersolveError,
  norm2,
  readMatrixMarketAsync,
  solveBy,
} from '../index';
import type { PreconditionerSpec, SolveResult } from '../index';
import { spsolve } from '../direct';
import type { SpsolveResult } from '../direct';
import { METHODS as LAYOUT_METHODS, STATIONARY_METHODS } from '../layout';
import { checkOptions, OPTIONS, variantOf } from '../options';
import type { Operation, OptionSpec, SolverMethod, StationaryMethod } from '../options';
import { isStationaryMethod, stationaryBy } from '../stationary';
import { convergencePlotSvg } from '../plot';
import { ProgressBar } from '../progress';
import { flag, JSON_FLAG, numFlag, parseArgs, strFlag, THREADS, UsageError } from './args';
import type { FlagSpec, FlagTable } from './args';
import {
  checkAborted,
  errorJson,
  EXIT,
  fileSize,
  now,
  readProgress,
  solveProgress,
  trueResidual,
  withThreads,
} from './common';
import type { CommandIO } from './common';
import { fmtInt, fmtSci, fmtTime, Out, writeJson, writeVectorMarket } from './format';

// ---------------------------------------------------------------------------------------------
// the option table

/** A method `solve` runs: a Krylov or a stationary one. */
export type SolveMethod = SolverMethod | StationaryMethod;

/** CLI name of each method: the API's name, except cd for conjugateDirection and gauss-seidel. */
const CLI_NAME: Partial<Record<SolveMethod, string>> = {
  conjugateDirection: 'cd',
  gaussSeidel: 'gauss-seidel',
};

/** CLI method names -> the API's, in the layouts' order (cg first: the default; then the stationary ones). */
export const METHODS: Readonly<Record<string, SolveMethod>> = Object.fromEntries(
  [...LAYOUT_METHODS, ...STATIONARY_METHODS].map((m) => [CLI_NAME[m] ?? m, m]),
);
const METHOD_NAMES = Object.keys(METHODS);
/** `--method direct`: spsolve (Cholesky or LU, chosen from A), not one of METHODS. */
const DIRECT = 'direct';
/** The flags --method direct takes besides --method (the solver options do not apply). */
const DIRECT_FLAGS = ['--time-limit', '--threads', '--out', '--json'];
const cliName = (m: Operation): string => CLI_NAME[m as SolveMethod] ?? m;
const KRYLOV_NAMES = LAYOUT_METHODS.map(cliName);
const STATIONARY_NAMES = STATIONARY_METHODS.map(cliName);

const PRECONDS = ['none', 'jacobi', 'ssor', 'ic0', 'ilu0'] as const;
type Precond = (typeof PRECONDS)[number];

/**
 * One row per `solve` flag: how it is parsed (FlagSpec), its value's name and its line in the
 * usage text, its default (as printed), and the methods it applies to (a flag given with another
 * method is a usage error rather than silently ignored). The solver options' rows are made from
 * lib/options.ts (OPTIONS: kind, range, default, operations, doc, flag), so the facades, this
 * parser and the usage text cannot disagree; the rest are the command's own.
 */
export interface SolveFlag {
  flag: string;
  /** The value's name in the usage text ('R' in `--rtol R`); absent for a boolean flag. */
  meta?: string;
  spec: FlagSpec;
  doc: string;
  /** Printed as `Default: …` after the doc line. */
  default?: string;
  /** CLI method names that accept the flag; absent: all. */
  methods?: readonly string[];
  /**
   * Another flag's value the flag needs, e.g. --omega needs --precond ssor, except with the
   * methods in `except` (--method sor takes --omega itself).
   */
  needs?: { flag: string; value: string; except?: readonly string[] };
  /** Documented with the options every command shares, not in the `Solve options:` block. */
  shared?: boolean;
  /** The solver option the flag sets (a key of OPTIONS); absent for the command's own flags. */
  key?: string;
}

/** Value names for the usage text; others get one by kind. */
const META: Record<string, string> = {
  '--precond': 'P',
  '--omega': 'W',
  '--rtol': 'R',
  '--atol': 'A',
  '--time-limit': 'MS',
  '--restart': 'K',
  '--recycle': 'K',
  '--memory': 'K',
  '--true-residual-every': 'K',
};

/** Where the API's doc line does not fit a command line. */
const CLI_DOC: Record<string, string> = {
  '--precond': 'none, jacobi, ssor, ic0 or ilu0 (for cd: its direction oracle).',
  '--omega':
    'Relaxation factor in (0, 2): of --method sor or ssor, the damping of --method jacobi, or of --precond ssor.',
};

/** The parse rule for an option of the table, with the bounds of its variant for `op`. */
export function specOf(o: OptionSpec): FlagSpec {
  const num = (b: OptionSpec['min']): number | undefined => (typeof b === 'number' ? b : undefined);
  switch (o.kind) {
    case 'number': {
      const min = num(o.min);
      const max = num(o.max);
      const positive = o.exclusive && min === 0 && max === undefined;
      return {
        kind: 'number',
        min,
        max,
        exclusive: o.exclusive,
        expected: positive ? 'a positive number' : undefined,
      };
    }
    case 'integer':
      return { kind: 'int', min: num(o.min) ?? 0, max: num(o.max) ?? 2 ** 52 };
    case 'boolean':
      return { kind: 'bool' };
    case 'enum':
      return { kind: 'choice', choices: o.values ?? [] };
    default: // 'preconditioner': the CLI's kinds by name
      return { kind: 'choice', choices: PRECONDS };
  }
}

/** "1e-8", or "30 (gmres), 20 (gcrotmk)" when the methods differ; undefined when there is none to print. */
function defaultOf(o: OptionSpec, ops: readonly Operation[]): string | undefined {
  if (o.kind === 'preconditioner') return 'none';
  if (o.kind === 'boolean') return undefined;
  const texts = ops.map((op) => {
    const w = variantOf(o, op);
    if (w.defaultText !== undefined) return w.defaultText;
    return w.default === undefined || typeof w.default === 'function'
      ? undefined
      : String(w.default);
  });
  if (texts.every((t) => t === texts[0])) return texts[0];
  return texts
    .map((t, i) => (t === undefined ? undefined : `${t} (${cliName(ops[i])})`))
    .filter(Boolean)
    .join(', ');
}

/** The solver options' flags, from OPTIONS: every option with a flag that a method (or the Krylov methods' preconditioner) takes. */
function solverFlags(): SolveFlag[] {
  const methods = Object.values(METHODS) as readonly Operation[];
  const rows: SolveFlag[] = [];
  for (const o of OPTIONS) {
    if (o.flag === null) continue;
    const ops = o.ops.filter((op) => methods.includes(op));
    const forPreconditioner = o.ops.includes('preconditioner');
    if (ops.length === 0 && !forPreconditioner) continue;
    const prev = rows.find((r) => r.flag === o.flag);
    if (prev) {
      // One flag for two keys (--precond: preconditioner, and oracle for cd): its methods add up.
      if (prev.methods) {
        const both = [...prev.methods, ...ops.map(cliName)];
        prev.methods = METHOD_NAMES.filter((m) => both.includes(m));
      }
      if (prev.methods?.length === METHOD_NAMES.length) delete prev.methods;
      continue;
    }
    const spec = specOf(o);
    rows.push({
      flag: o.flag,
      meta:
        spec.kind === 'bool'
          ? undefined
          : (META[o.flag] ?? (spec.kind === 'int' ? 'N' : spec.kind === 'number' ? 'X' : 'NAME')),
      spec,
      doc: CLI_DOC[o.flag] ?? o.doc,
      default: defaultOf(o, forPreconditioner ? ['preconditioner', ...ops] : ops),
      // --omega: the methods in ops take it themselves, the Krylov ones with --precond ssor.
      methods: forPreconditioner || ops.length === methods.length ? undefined : ops.map(cliName),
      needs: forPreconditioner
        ? { flag: '--precond', value: 'ssor', except: ops.map(cliName) }
        : undefined,
      key: o.key,
    });
  }
  return rows;
}

export const SOLVE_FLAGS: readonly SolveFlag[] = [
  {
    flag: '--method',
    meta: 'M',
    spec: { kind: 'choice', choices: [...METHOD_NAMES, DIRECT] },
    doc: `Krylov: ${KRYLOV_NAMES.join(', ')} (cd: conjugate directions); stationary: ${STATIONARY_NAMES.join(', ')}; direct: sparse Cholesky (symmetric A with a positive diagonal) or LU, with iterative refinement (spsolve; takes only --time-limit, --threads, --out and --json).`,
    default: METHOD_NAMES[0],
  },
  ...solverFlags(),
  { flag: '--threads', meta: 'N', spec: THREADS, doc: 'Threads one kernel may use.', shared: true },
  {
    flag: '--plot',
    meta: 'FILE',
    spec: { kind: 'path' },
    doc: 'Write the residual history as an SVG plot (log scale, tolerance line).',
  },
  {
    flag: '--out',
    meta: 'FILE',
    spec: { kind: 'path' },
    doc: 'Write x as a Matrix Market array (n x 1).',
  },
  {
    flag: '--json',
    spec: JSON_FLAG,
    doc: 'The summary as JSON on stdout (errors too).',
    shared: true,
  },
];

const FLAGS: FlagTable = Object.fromEntries(SOLVE_FLAGS.map((f) => [f.flag, f.spec]));

/** Words of `text` in lines of at most `width` columns, every line after the first indented by `indent`. */
function wrap(first: string, text: string, indent: number, width = 100): string {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(' ')) {
    if (line.length + 1 + word.length > width && line.trim().length > 0 && line.length > indent) {
      lines.push(line);
      line = ' '.repeat(indent) + word;
    } else line += (line.length > 0 && !line.endsWith(' ') ? ' ' : '') + word;
  }
  lines.push(line);
  return lines.join('\n');
}

/** The `Solve options:` block of the usage text, one entry per SOLVE_FLAGS row. */
export function solveFlagsUsage(): string {
  const col = 24;
  const lines = SOLVE_FLAGS.filter((f) => !f.shared).map((f) => {
    const head = `  ${f.flag}${f.meta ? ` ${f.meta}` : ''}`.padEnd(col);
    const only = f.methods ? `${f.methods.join(', ')} only: ` : '';
    const dflt = f.default !== undefined ? ` Default: ${f.default}.` : '';
    return wrap(head.length > col ? `${head} ` : head, `${only}${f.doc}${dflt}`, col);
  });
  return `Solve options:\n${lines.join('\n')}\n  b.mtx is a Matrix Market array (n x 1) or an n x 1 (or 1 x n) coordinate matrix.`;
}

export const SOLVE_USAGE = `  solve <A.mtx> [b.mtx] [--method M] [--precond P] [solve options] [--json]
                             solve A x = b with a Krylov, stationary or direct method and report;
                             without b.mtx, b = A * ones (so the exact solution is all ones)`;

// ---------------------------------------------------------------------------------------------
// parse

/** Everything `solve` was asked to do, checked. */
export interface SolveCommand {
  file: string;
  bFile?: string;
  /** The CLI's name (cd) and the API's (conjugateDirection); 'direct' for --method direct. */
  method: string;
  op: SolveMethod | typeof DIRECT;
  precond: Precond;
  omega?: number;
  /** The solver options the flags set, by OPTIONS key (rtol, maxIterations, …); the facade applies the defaults. */
  given: Record<string, number | boolean | string>;
  threads?: number;
  plotFile?: string;
  outFile?: string;
  json: boolean;
}

/** An existing path that is not a regular file or folder: /dev/null, /dev/full, a FIFO. */
function isSpecial(file: string): boolean {
  try {
    const st = fs.statSync(file);
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false;
  }
}

/** Arguments to a SolveCommand; throws UsageError (exit 2). */
export function parseSolve(args: string[]): SolveCommand {
  const cmd = 'solve';
  const p = parseArgs(cmd, args, FLAGS, 2);
  const method = strFlag(p, '--method') ?? METHOD_NAMES[0];
  const precond = (strFlag(p, '--precond') ?? 'none') as Precond;
  // Options that would silently do nothing are mistakes.
  for (const f of SOLVE_FLAGS) {
    if (!p.flags.has(f.flag)) continue;
    if (method === DIRECT) {
      if (f.flag !== '--method' && !DIRECT_FLAGS.includes(f.flag))
        throw new UsageError(`${cmd}: option '${f.flag}' does not apply to --method direct`);
      continue;
    }
    if (f.methods && !f.methods.includes(method))
      throw new UsageError(
        `${cmd}: option '${f.flag}' applies only to ${f.methods.map((m) => `--method ${m}`).join(' or ')}`,
      );
    const except = f.needs?.except ?? [];
    if (
      f.needs &&
      !except.includes(method) &&
      (f.needs.flag === '--precond' ? precond : strFlag(p, f.needs.flag)) !== f.needs.value
    )
      throw new UsageError(
        `${cmd}: option '${f.flag}' needs ${f.needs.flag} ${f.needs.value}` +
          (except.length > 0
            ? ` or --method ${except.join(', ').replace(/, ([^,]*)$/, ' or $1')}`
            : ''),
      );
  }
  const [file, bFile] = p.positional;
  if (file === undefined)
    throw new UsageError(`${cmd}: missing the Matrix Market file (itersolve solve A.mtx [b.mtx])`);
  const op = method === DIRECT ? DIRECT : METHODS[method];
  const given: Record<string, number | boolean | string> = {};
  for (const f of SOLVE_FLAGS) {
    // --precond and (for a Krylov method) --omega make the preconditioner
    if (
      f.key === undefined ||
      f.flag === '--precond' ||
      (f.flag === '--omega' && (op === DIRECT || !isStationaryMethod(op)))
    )
      continue;
    const value = flag(p, f.flag);
    if (value !== undefined) given[f.key] = value;
  }
  const c: SolveCommand = {
    file,
    bFile,
    method,
    op,
    precond,
    omega: numFlag(p, '--omega'),
    given,
    threads: numFlag(p, '--threads'),
    plotFile: strFlag(p, '--plot'),
    outFile: strFlag(p, '--out'),
    json: p.flags.has('--json'),
  };
  // An output that would overwrite an input or the other output is a mistake, not a request.
  const inputs = [file, bFile]
    .filter((f): f is string => f !== undefined)
    .map((f) => path.resolve(f));
  const outputs: Array<[string, string | undefined]> = [
    ['--plot', c.plotFile],
    ['--out', c.outFile],
  ];
  for (const [name, f] of outputs)
    if (f !== undefined && inputs.includes(path.resolve(f)))
      throw new UsageError(`${cmd}: option '${name}' would overwrite the input '${f}'`);
  // (Both may be /dev/null, or any other existing non-regular file.)
  if (
    c.plotFile !== undefined &&
    c.outFile !== undefined &&
    path.resolve(c.plotFile) === path.resolve(c.outFile) &&
    !isSpecial(c.outFile)
  )
    throw new UsageError(`${cmd}: options '--plot' and '--out' name the same file '${c.plotFile}'`);
  return c;
}

/** ERR_IO naming the flag: `option '--out': cannot write 'x.mtx': <why>`. */
function ioError(flagName: string, file: string, why: string, cause?: unknown): ItersolveError {
  return new ItersolveError('ERR_IO', `option '${flagName}': cannot write '${file}': ${why}`, {
    argument: flagName,
    cause,
  });
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Throws ERR_IO (naming the flag) unless `file` can be written: an existing file that is not a
 * folder and is writable, or a new name in an existing, writable folder. Runs before the solve, so
 * a typo in a path costs nothing; the write itself can still fail later (disk full).
 */
export function checkWritable(flagName: string, file: string): void {
  const abs = path.resolve(file);
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw ioError(flagName, file, errText(e), e);
  }
  if (st !== undefined) {
    if (st.isDirectory()) throw ioError(flagName, file, 'it is a folder');
    try {
      fs.accessSync(abs, fs.constants.W_OK);
    } catch (e) {
      throw ioError(flagName, file, errText(e), e);
    }
    return;
  }
  const dir = path.dirname(abs);
  let ds: fs.Stats;
  try {
    ds = fs.statSync(dir);
  } catch {
    throw ioError(flagName, file, `the folder '${dir}' does not exist`);
  }
  if (!ds.isDirectory()) throw ioError(flagName, file, `'${dir}' is not a folder`);
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (e) {
    throw ioError(flagName, file, errText(e), e);
  }
}

// ---------------------------------------------------------------------------------------------
// run

/** What the solve produced, for writing and reporting. */
export interface SolveRun {
  rows: number;
  cols: number;
  nnz: number;
  readMs: number;
  bNorm: number;
  /** The solver options in effect (defaults applied by lib/options.ts), by key, for those with a flag. */
  settings: Record<string, unknown>;
  rtol: number;
  atol: number;
  maxIterations: number;
  timeLimitMs?: number;
  /** max(rtol ‖b‖, atol). */
  target: number;
  result: SolveResult;
  /** ‖b − A x‖ recomputed from x. */
  residual: number;
  relative: number;
  threads: number;
  simd: string;
}

async function readSystem(
  c: SolveCommand,
  io: CommandIO,
): Promise<{ A: CsrMatrix; b: Float64Array; readMs: number }> {
  const size = fileSize(c.file);
  const rbar = new ProgressBar(io.stderr, `reading ${path.basename(c.file)}`, {
    enabled: io.isTTY && size !== undefined && size >= 1 << 20,
  });
  const t0 = now();
  let A: CsrMatrix;
  try {
    A = await readMatrixMarketAsync(c.file, { onProgress: readProgress(rbar), signal: io.signal });
  } finally {
    rbar.done();
  }
  const readMs = now() - t0;
  if (A.rows !== A.cols)
    throw new ItersolveError(
      'ERR_DIMENSION_MISMATCH',
      `${c.file}: expected a square matrix to solve with, received ${A.rows}x${A.cols}`,
    );
  const n = A.rows;
  if (c.bFile === undefined) return { A, b: A.multiply(new Float64Array(n).fill(1)), readMs };
  const B = await readMatrixMarketAsync(c.bFile, { signal: io.signal });
  if (!((B.rows === n && B.cols === 1) || (B.rows === 1 && B.cols === n)))
    throw new ItersolveError(
      'ERR_DIMENSION_MISMATCH',
      `${c.bFile}: expected a vector of length ${n} (an ${n} x 1 array or coordinate matrix), received ${B.rows}x${B.cols}`,
    );
  return { A, b: B.toDense(), readMs }; // row-major n x 1 (or 1 x n): the vector itself
}

/** Reads A (and b), solves, and checks the residual independently. */
export async function runSolve(c: SolveCommand, io: CommandIO): Promise<SolveRun> {
  const op = c.op;
  if (op === DIRECT) throw new Error('runSolve: --method direct runs through runDirect');
  const { A, b, readMs } = await readSystem(c, io);
  checkAborted(io.signal);
  const n = A.rows;
  // The defaults (rtol 1e-8, maxIterations 10 n, restart 30 …) as the facade will apply them, for
  // the progress bar and the report.
  const resolved = checkOptions(op, c.given, false, n) as unknown as Record<string, unknown>;
  const settings: Record<string, unknown> = {};
  for (const f of SOLVE_FLAGS)
    if (f.key !== undefined && f.key in resolved) settings[f.key] = resolved[f.key];
  const rtol = resolved.rtol as number;
  const atol = resolved.atol as number;
  const maxIterations = resolved.maxIterations as number;
  const timeLimitMs = resolved.timeLimitMs as number | undefined;
  const bNorm = norm2(b);
  const target = Math.max(rtol * bNorm, atol);
  const spec: PreconditionerSpec | undefined =
    c.precond === 'none'
      ? undefined
      : c.precond === 'ssor'
        ? { type: 'ssor', omega: c.omega ?? 1 }
        : c.precond;
  const bar = new ProgressBar(io.stderr, c.method, { enabled: io.isTTY });
  let result: SolveResult;
  try {
    const common = {
      ...c.given,
      history: c.plotFile !== undefined,
      signal: io.signal,
      onProgress: solveProgress(bar, bNorm, target, maxIterations, timeLimitMs),
    };
    result = isStationaryMethod(op)
      ? await stationaryBy(op, A, b, common)
      : await solveBy(op, A, b, {
          ...common,
          // cd takes any preconditioner as its direction oracle, under its own option name.
          ...(spec === undefined
            ? {}
            : op === 'conjugateDirection'
              ? { oracle: spec }
              : { preconditioner: spec }),
        });
  } catch (e) {
    // Ctrl-C during the solve: the AbortError carries the partial result, which is reported like
    // any other (reason 'aborted', exit 130). Before the solve started there is none to report.
    const partial = e instanceof AbortError ? (e.result as SolveResult | undefined) : undefined;
    if (partial === undefined) throw e;
    result = partial;
  } finally {
    bar.done();
  }
  const residual = trueResidual(A, b, result.x);
  const relative = bNorm > 0 ? residual / bNorm : residual === 0 ? 0 : Infinity;
  return {
    rows: n,
    cols: A.cols,
    nnz: A.nnz,
    readMs,
    bNorm,
    settings,
    rtol,
    atol,
    maxIterations,
    timeLimitMs,
    target,
    result,
    residual,
    relative,
    threads: getThreads(),
    simd: info().simd,
  };
}

// ---------------------------------------------------------------------------------------------
// write and report

function precondText(c: SolveCommand): string {
  return c.precond === 'ssor' ? `ssor (omega ${c.omega ?? 1})` : c.precond;
}

function label(c: SolveCommand): string {
  return c.method + (c.precond === 'none' ? '' : ` + ${precondText(c)}`);
}

/** What writing the outputs came to: the flags whose file could not be written, as one ERR_IO error. */
export interface WriteOutcome {
  failed: string[];
  /** Names the first failing flag in `argument`; undefined when all went well. */
  error?: ItersolveError;
}

/**
 * Writes --plot and --out, whatever the outcome (a partial history or iterate is what one looks
 * at to see why a solve stopped). Both are attempted even when the first fails.
 */
export function writeOutputs(c: SolveCommand, run: SolveRun): WriteOutcome {
  const r = run.result;
  const failures: ItersolveError[] = [];
  if (c.plotFile !== undefined) {
    try {
      const svg = convergencePlotSvg(
        [{ label: label(c), values: r.history ?? new Float64Array(0) }],
        {
          title: `${path.basename(c.file)} (n = ${fmtInt(run.rows)}): ${label(c)}, ${r.converged ? 'converged' : `stopped: ${r.reason}`}`,
          xLabel: 'iteration',
          yLabel: 'residual norm',
          threshold: run.target > 0 ? run.target : undefined,
        },
      );
      fs.writeFileSync(c.plotFile, svg);
    } catch (e) {
      failures.push(ioError('--plot', c.plotFile, `${errText(e)} (the solve itself finished)`, e));
    }
  }
  if (c.outFile !== undefined) {
    try {
      writeVectorMarket(
        c.outFile,
        r.x,
        `itersolve solve ${path.basename(c.file)}: ${label(c)}, ${r.reason} after ${r.iterations} iterations`,
      );
    } catch (e) {
      failures.push(ioError('--out', c.outFile, `${errText(e)} (the solve itself finished)`, e));
    }
  }
  const failed = failures.map((f) => f.argument as string);
  if (failures.length <= 1) return { failed, error: failures[0] };
  return {
    failed,
    error: new ItersolveError('ERR_IO', failures.map((f) => f.message).join('; '), {
      argument: failed[0],
      cause: failures[0],
    }),
  };
}

/** Exit code of a finished solve: interrupted beats a failed write beats not converged. */
function exitCode(r: SolveResult, writeError: ItersolveError | undefined): number {
  if (r.reason === 'aborted') return EXIT.interrupted;
  if (writeError) return EXIT.outputFailed;
  return r.converged ? EXIT.ok : EXIT.notConverged;
}

/** Flags the tolerance row reports; the others with a key are the method's own settings. */
const TOLERANCE_KEYS = ['rtol', 'atol', 'maxIterations', 'timeLimitMs'];
const PRECOND_FLAGS = ['--precond', '--omega'];

/** ω in effect: the stationary method's own (jacobi, sor, ssor), SSOR's as a preconditioner, else null. */
function omegaOf(c: SolveCommand, run: SolveRun): number | null {
  if (c.op !== DIRECT && isStationaryMethod(c.op))
    return (run.settings.omega as number | undefined) ?? null;
  return c.precond === 'ssor' ? (c.omega ?? 1) : null;
}

/** Every solver setting with a flag, in table order: its value in effect, or null when the method does not take it. */
function solverSettings(run: SolveRun): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of SOLVE_FLAGS)
    if (f.key !== undefined && !PRECOND_FLAGS.includes(f.flag))
      o[f.key] = run.settings[f.key] ?? null;
  return o;
}

/**
 * The method's own settings for the `method` row: those of flags only some methods of its family
 * (Krylov or stationary) take (restart 30, memory 2, flexible; sweep, ordering) and a stationary
 * method's omega, and any other given explicitly (true-residual-every 50).
 */
function methodDetails(c: SolveCommand, run: SolveRun): string {
  const stationary = c.op !== DIRECT && isStationaryMethod(c.op);
  const family = stationary ? STATIONARY_NAMES : KRYLOV_NAMES;
  const parts: string[] = [];
  for (const f of SOLVE_FLAGS) {
    if (f.key === undefined || TOLERANCE_KEYS.includes(f.key)) continue;
    if (PRECOND_FLAGS.includes(f.flag) && !(stationary && f.flag === '--omega')) continue;
    const v = run.settings[f.key];
    const own =
      f.flag === '--omega' ||
      (f.methods !== undefined && !family.every((m) => f.methods!.includes(m)));
    if (v === undefined || (!own && !(f.key in c.given))) continue;
    const name = f.flag.replace(/^--/, '');
    if (typeof v === 'boolean') {
      if (v) parts.push(name);
    } else parts.push(`${name} ${String(v)}`);
  }
  return parts.join(', ');
}

/** Prints the summary (text or JSON), then the write error if any; returns the exit code. */
export function reportSolve(
  c: SolveCommand,
  run: SolveRun,
  written: WriteOutcome,
  io: CommandIO,
): number {
  const r = run.result;
  const writeError = written.error;
  const status = exitCode(r, writeError);
  const msPerIteration = r.iterations > 0 ? r.elapsedMs / r.iterations : null;
  const failed = (flagName: string): boolean => written.failed.includes(flagName);
  // Ctrl-C: the partial result follows on stdout; say why on stderr as every command does.
  if (status === EXIT.interrupted) io.stderr.write('itersolve: interrupted\n');
  if (c.json) {
    writeJson(io.stdout, {
      file: c.file,
      rows: run.rows,
      cols: run.cols,
      nnz: run.nnz,
      readMs: run.readMs,
      rhs: c.bFile ?? 'A*ones',
      method: c.method,
      preconditioner: c.precond,
      omega: omegaOf(c, run),
      threads: run.threads,
      simd: run.simd,
      ...solverSettings(run),
      tolerance: run.target,
      converged: r.converged,
      reason: r.reason,
      iterations: r.iterations,
      matvecs: r.matvecs,
      bNorm: run.bNorm,
      residualNorm: run.residual,
      relativeResidual: run.relative,
      solverResidualNorm: r.residualNorm,
      elapsedMs: r.elapsedMs,
      msPerIteration,
      plot: c.plotFile ?? null,
      out: c.outFile ?? null,
      ...(writeError ? { error: errorJson(writeError) } : {}),
    });
  } else {
    const out = new Out(io.stdout, 16);
    out.row('matrix', c.file);
    out.row(
      'size',
      `${fmtInt(run.rows)} x ${fmtInt(run.cols)}, ${fmtInt(run.nnz)} nonzeros (read in ${fmtTime(run.readMs)})`,
    );
    out.row('b', c.bFile ?? 'A * ones (no b.mtx given: the exact solution is all ones)');
    const details = methodDetails(c, run);
    out.row('method', details ? `${c.method} (${details})` : c.method);
    out.row('preconditioner', precondText(c));
    out.row('threads', `${run.threads} (simd ${run.simd})`);
    out.row(
      'tolerance',
      `${fmtSci(run.target)} = max(rtol ${run.rtol} x |b| ${fmtSci(run.bNorm)}, atol ${run.atol}); at most ${fmtInt(run.maxIterations)} iterations` +
        (run.timeLimitMs === undefined ? '' : `, ${fmtTime(run.timeLimitMs)}`),
    );
    out.row(
      'outcome',
      r.converged ? `converged (${r.reason})` : `not converged: stopped by ${r.reason}`,
    );
    out.row('iterations', fmtInt(r.iterations));
    out.row('matvecs', fmtInt(r.matvecs));
    out.row(
      'residual',
      `|b - A x| = ${fmtSci(run.residual)}, relative ${fmtSci(run.relative)} (recomputed from x)`,
    );
    out.row(
      'time',
      `${fmtTime(r.elapsedMs)}${msPerIteration === null ? '' : ` (${fmtTime(msPerIteration)} per iteration)`}`,
    );
    if (c.plotFile !== undefined)
      out.row(
        'plot',
        failed('--plot')
          ? `${c.plotFile} NOT written (error below)`
          : `${c.plotFile} (residual history, ${fmtInt(r.history?.length ?? 0)} points)`,
      );
    if (c.outFile !== undefined)
      out.row(
        'solution',
        failed('--out')
          ? `${c.outFile} NOT written (error below)`
          : `${c.outFile} (Matrix Market array, ${fmtInt(run.rows)} x 1)`,
      );
  }
  if (writeError) io.stderr.write(`itersolve: ${writeError.message}\n`);
  return status;
}

// ---------------------------------------------------------------------------------------------
// --method direct

/** What a direct solve produced, for writing and reporting. */
export interface DirectRun {
  rows: number;
  cols: number;
  nnz: number;
  readMs: number;
  bNorm: number;
  timeLimitMs?: number;
  result: SpsolveResult;
  /** ‖b − A x‖ recomputed from x. */
  residual: number;
  relative: number;
  threads: number;
  simd: string;
}

/** Reads A (and b) and solves by spsolve (Cholesky or LU, refined). */
export async function runDirect(c: SolveCommand, io: CommandIO): Promise<DirectRun> {
  const { A, b, readMs } = await readSystem(c, io);
  checkAborted(io.signal);
  const timeLimitMs = c.given.timeLimitMs as number | undefined;
  const result = await spsolve(A, b, { signal: io.signal, timeLimitMs });
  const bNorm = norm2(b);
  const residual = trueResidual(A, b, result.x);
  return {
    rows: A.rows,
    cols: A.cols,
    nnz: A.nnz,
    readMs,
    bNorm,
    timeLimitMs,
    result,
    residual,
    relative: bNorm > 0 ? residual / bNorm : residual === 0 ? 0 : Infinity,
    threads: getThreads(),
    simd: info().simd,
  };
}

/** The factorisation in words: 'cholesky (ordering amd)', 'lu (ordering colamd; cholesky failed: not SPD)'. */
function directText(r: SpsolveResult): string {
  return `${r.method} (ordering ${r.ordering}${r.fellBack ? '; A is not positive definite: cholesky fell back to lu' : ''})`;
}

/** Writes --out, prints the summary (text or JSON) and the write error if any; the exit code. */
export function reportDirect(c: SolveCommand, run: DirectRun, io: CommandIO): number {
  const r = run.result;
  let writeError: ItersolveError | undefined;
  if (c.outFile !== undefined) {
    try {
      writeVectorMarket(
        c.outFile,
        r.x,
        `itersolve solve ${path.basename(c.file)}: direct, ${directText(r)}, relative residual ${fmtSci(run.relative)}`,
      );
    } catch (e) {
      writeError = ioError('--out', c.outFile, `${errText(e)} (the solve itself finished)`, e);
    }
  }
  if (c.json) {
    writeJson(io.stdout, {
      file: c.file,
      rows: run.rows,
      cols: run.cols,
      nnz: run.nnz,
      readMs: run.readMs,
      rhs: c.bFile ?? 'A*ones',
      method: DIRECT,
      factorization: r.method,
      fellBack: r.fellBack,
      ordering: r.ordering,
      nnzL: r.nnzL,
      nnzU: r.method === 'lu' ? r.nnzU : null,
      refinementSteps: r.refinementSteps,
      threads: run.threads,
      simd: run.simd,
      timeLimitMs: run.timeLimitMs ?? null,
      bNorm: run.bNorm,
      residualNorm: run.residual,
      relativeResidual: run.relative,
      solverResidualNorm: r.residualNorm,
      factorMs: r.factorMs,
      solveMs: r.solveMs,
      elapsedMs: r.elapsedMs,
      out: c.outFile ?? null,
      ...(writeError ? { error: errorJson(writeError) } : {}),
    });
  } else {
    const out = new Out(io.stdout, 16);
    out.row('matrix', c.file);
    out.row(
      'size',
      `${fmtInt(run.rows)} x ${fmtInt(run.cols)}, ${fmtInt(run.nnz)} nonzeros (read in ${fmtTime(run.readMs)})`,
    );
    out.row('b', c.bFile ?? 'A * ones (no b.mtx given: the exact solution is all ones)');
    out.row('method', `direct: ${directText(r)}`);
    out.row(
      'factor',
      r.method === 'lu'
        ? `nnz(L) ${fmtInt(r.nnzL)}, nnz(U) ${fmtInt(r.nnzU)}`
        : `nnz(L) ${fmtInt(r.nnzL)}`,
    );
    out.row('threads', `${run.threads} (simd ${run.simd})`);
    out.row('refinement', `${r.refinementSteps} step${r.refinementSteps === 1 ? '' : 's'}`);
    out.row(
      'residual',
      `|b - A x| = ${fmtSci(run.residual)}, relative ${fmtSci(run.relative)} (recomputed from x)`,
    );
    out.row(
      'time',
      `${fmtTime(r.elapsedMs)} (factorise ${fmtTime(r.factorMs)}, solve and refine ${fmtTime(r.solveMs)})`,
    );
    if (c.outFile !== undefined)
      out.row(
        'solution',
        writeError
          ? `${c.outFile} NOT written (error below)`
          : `${c.outFile} (Matrix Market array, ${fmtInt(run.rows)} x 1)`,
      );
  }
  if (writeError) io.stderr.write(`itersolve: ${writeError.message}\n`);
  return writeError ? EXIT.outputFailed : EXIT.ok;
}

// ---------------------------------------------------------------------------------------------

export async function cmdSolve(args: string[], io: CommandIO): Promise<number> {
  const c = parseSolve(args);
  if (c.plotFile !== undefined) checkWritable('--plot', c.plotFile);
  if (c.outFile !== undefined) checkWritable('--out', c.outFile);
  if (c.op === DIRECT)
    return withThreads(c.threads, async () => reportDirect(c, await runDirect(c, io), io));
  return withThreads(c.threads, async () => {
    const run = await runSolve(c, io);
    return reportSolve(c, run, writeOutputs(c, run), io);
  });
}
