/**
 * `itersolve ot a.csv b.csv C.csv` and `itersolve ot --points X.csv Y.csv`: optimal transport
 * between histograms a and b for the cost matrix C (CSV files, lib/cli/csv.ts), or between
 * uniformly weighted point clouds X (n×d) and Y (m×d) with the cost costMatrix() builds
 * (--metric). Solves with a Sinkhorn method, Sinkhorn-Newton-Sparse (--method newton) or exactly
 * (--method emd) and prints the cost, the iterations and the marginal error ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁
 * (recomputed here from the plan for every method); --plan writes the plan as Matrix Market,
 * --plot the marginal error per check as an SVG. Exit codes as `solve`: 0 converged, 3 not, 4 an
 * output not written, 130 interrupted (the partial result is reported).
 */
import * as fs from 'fs';
import * as path from 'path';
import { CsrMatrix } from '../csr';
import { AbortError, ItersolveError } from '../errors';
import { writeMatrixMarket } from '../matrixmarket';
import { SINKHORN_METHODS } from '../layout';
import { OPTIONS, variantOf } from '../options';
import type { Operation } from '../options';
import {
  costMatrix,
  emd,
  sinkhorn,
  sinkhornNewton,
  type EmdResult,
  type SinkhornNewtonResult,
  type SinkhornResult,
} from '../ot';
import { convergencePlotSvg } from '../plot';
import { ProgressBar } from '../progress';
import { getThreads } from '../runtime';
import { flag, JSON_FLAG, numFlag, parseArgs, strFlag, THREADS, UsageError } from './args';
import type { FlagTable } from './args';
import { errorJson, EXIT, withThreads } from './common';
import type { CommandIO } from './common';
import { readCsv, readCsvVector } from './csv';
import { fmtInt, fmtSci, fmtTime, Out, writeJson } from './format';
import { checkWritable, specOf } from './solve';

/** The CLI's methods: the Sinkhorn ones, newton (sinkhornNewton) and emd (exact). */
export const OT_METHODS = [...SINKHORN_METHODS, 'newton', 'emd'] as const;
type OtMethod = (typeof OT_METHODS)[number];

/** ε when --epsilon is not given (an entropic method). */
export const DEFAULT_EPSILON = 0.01;

/** The options of the table the command exposes, by flag. */
const TABLE_FLAGS: Array<{ key: string; op: Operation }> = [
  { key: 'epsilon', op: 'sinkhorn' },
  { key: 'tol', op: 'sinkhorn' },
  { key: 'maxIterations', op: 'sinkhorn' },
  { key: 'timeLimitMs', op: 'sinkhorn' },
  { key: 'metric', op: 'costMatrix' },
];
const table = (key: string, op: Operation) =>
  variantOf(
    OPTIONS.find((o) => o.key === key)!,
    op,
  );

const FLAGS: FlagTable = {
  '--points': { kind: 'bool' },
  '--method': { kind: 'choice', choices: OT_METHODS },
  ...Object.fromEntries(
    TABLE_FLAGS.map(({ key, op }) => {
      const o = table(key, op);
      return [o.flag as string, specOf(o)];
    }),
  ),
  '--plan': { kind: 'path' },
  '--plot': { kind: 'path' },
  '--json': JSON_FLAG,
  '--threads': THREADS,
};

export const OT_USAGE = `  ot <a.csv> <b.csv> <C.csv> [--method M] [--epsilon E] [--plan FILE] [--plot FILE]
  ot --points <X.csv> <Y.csv> [--metric sqeuclidean|euclidean|cityblock] [...]
                             optimal transport between histograms a, b (CSV vectors) for the
                             cost matrix C (n x m CSV), or between uniform point clouds X (n x d),
                             Y (m x d); prints cost, iterations and marginal error. --method
                             auto (default), scaling, log, stabilized, epsilon-scaling, newton
                             or emd; --epsilon (default ${DEFAULT_EPSILON}; not with emd), --tol,
                             --max-iterations, --time-limit MS; --plan writes the plan (Matrix
                             Market), --plot the marginal error per check (SVG)`;

/** Everything `ot` was asked to do, checked. */
export interface OtCommand {
  files: string[];
  points: boolean;
  method: OtMethod;
  epsilon?: number;
  tol?: number;
  maxIterations?: number;
  timeLimitMs?: number;
  metric?: string;
  planFile?: string;
  plotFile?: string;
  json: boolean;
  threads?: number;
}

/** Arguments to an OtCommand; throws UsageError (exit 2). */
export function parseOt(args: string[]): OtCommand {
  const cmd = 'ot';
  const p = parseArgs(cmd, args, FLAGS, 3);
  const points = p.flags.has('--points');
  const files = p.positional;
  const want = points ? 2 : 3;
  if (files.length !== want)
    throw new UsageError(
      points
        ? `${cmd}: --points expects two files X.csv Y.csv, received ${files.length}`
        : `${cmd}: expects three files a.csv b.csv C.csv (or --points X.csv Y.csv), received ${files.length}`,
    );
  const method = (strFlag(p, '--method') ?? 'auto') as OtMethod;
  const c: OtCommand = {
    files,
    points,
    method,
    epsilon: numFlag(p, '--epsilon'),
    tol: numFlag(p, '--tol'),
    maxIterations: numFlag(p, '--max-iterations'),
    timeLimitMs: numFlag(p, '--time-limit'),
    metric: strFlag(p, '--metric'),
    planFile: strFlag(p, '--plan'),
    plotFile: strFlag(p, '--plot'),
    json: flag(p, '--json') === true,
    threads: numFlag(p, '--threads'),
  };
  if (method === 'emd') {
    for (const f of ['--epsilon', '--tol', '--plot'])
      if (p.flags.has(f))
        throw new UsageError(`${cmd}: option '${f}' does not apply to --method emd (exact OT)`);
  } else if (c.epsilon === undefined) c.epsilon = DEFAULT_EPSILON;
  if (c.metric !== undefined && !points)
    throw new UsageError(`${cmd}: option '--metric' needs --points`);
  if (c.planFile !== undefined && c.planFile === c.plotFile)
    throw new UsageError(
      `${cmd}: options '--plot' and '--plan' name the same file '${c.planFile}'`,
    );
  return c;
}

interface OtInput {
  a: Float64Array;
  b: Float64Array;
  C: Float64Array;
  n: number;
  m: number;
  /** For the report: what a, b and C came from. */
  source: string;
}

function readInput(c: OtCommand): OtInput {
  if (c.points) {
    const X = readCsv(c.files[0], 'X');
    const Y = readCsv(c.files[1], 'Y');
    if (Y.cols !== X.cols)
      throw new ItersolveError(
        'ERR_DIMENSION_MISMATCH',
        `Y: expected points of dimension ${X.cols} (as X in '${c.files[0]}'), received ${Y.cols} in '${c.files[1]}'`,
        { argument: 'Y' },
      );
    const n = X.rows;
    const m = Y.rows;
    const C = costMatrix(X, Y, { metric: (c.metric ?? 'sqeuclidean') as 'sqeuclidean' });
    return {
      a: new Float64Array(n).fill(1 / n),
      b: new Float64Array(m).fill(1 / m),
      C,
      n,
      m,
      source: `${path.basename(c.files[0])} (${fmtInt(n)} points) -> ${path.basename(c.files[1])} (${fmtInt(m)} points), d = ${X.cols}, ${c.metric ?? 'sqeuclidean'} cost, uniform weights`,
    };
  }
  const a = readCsvVector(c.files[0], 'a');
  const b = readCsvVector(c.files[1], 'b');
  const M = readCsv(c.files[2], 'C');
  const n = a.length;
  const m = b.length;
  if (M.rows !== n || M.cols !== m)
    throw new ItersolveError(
      'ERR_DIMENSION_MISMATCH',
      `C: expected ${n} x ${m} values (a has ${n}, b ${m}) in '${c.files[2]}', received ${M.rows} x ${M.cols}`,
      { argument: 'C' },
    );
  return {
    a,
    b,
    C: M.data,
    n,
    m,
    source: `${path.basename(c.files[0])} (n = ${fmtInt(n)}) -> ${path.basename(c.files[1])} (m = ${fmtInt(m)}), cost ${path.basename(c.files[2])}`,
  };
}

type AnyResult = SinkhornResult | SinkhornNewtonResult<Float64Array | CsrMatrix> | EmdResult;

/** The plan as a CsrMatrix (exact zeros dropped from a dense one). */
function planMatrix(r: AnyResult, n: number, m: number): CsrMatrix | undefined {
  if (r.plan === undefined) return undefined;
  return r.plan instanceof CsrMatrix ? r.plan : CsrMatrix.fromDense(n, m, r.plan);
}

/** ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ from the plan itself (an independent check of the solver's figure). */
export function marginalError(P: CsrMatrix, a: Float64Array, b: Float64Array): number {
  const col = new Float64Array(b.length);
  let err = 0;
  for (let i = 0; i < P.rows; i++) {
    let row = 0;
    for (let k = P.rowPtr[i]; k < P.rowPtr[i + 1]; k++) {
      row += P.values[k];
      col[P.colIdx[k]] += P.values[k];
    }
    err += Math.abs(row - a[i]);
  }
  for (let j = 0; j < b.length; j++) err += Math.abs(col[j] - b[j]);
  return err;
}

async function solve(c: OtCommand, x: OtInput, io: CommandIO): Promise<AnyResult> {
  const bar = new ProgressBar(io.stderr, `ot ${c.method}`, { enabled: io.isTTY });
  const common = {
    signal: io.signal,
    onProgress: (q: { iteration: number; value: number }) =>
      bar.update(
        c.maxIterations ? q.iteration / c.maxIterations : 0,
        `iteration ${fmtInt(q.iteration)}, marginal error ${fmtSci(q.value)}`,
      ),
    ...(c.timeLimitMs !== undefined ? { timeLimitMs: c.timeLimitMs } : {}),
  };
  const entropic = {
    ...common,
    epsilon: c.epsilon as number,
    ...(c.tol !== undefined ? { tol: c.tol } : {}),
    history: c.plotFile !== undefined,
  };
  try {
    if (c.method === 'emd')
      return await emd(x.a, x.b, x.C, {
        ...common,
        ...(c.maxIterations !== undefined ? { maxIterations: c.maxIterations } : {}),
      });
    if (c.method === 'newton')
      return await sinkhornNewton(x.a, x.b, x.C, {
        ...entropic,
        ...(c.maxIterations !== undefined ? { maxNewtonIterations: c.maxIterations } : {}),
        plan: 'sparse',
      });
    return await sinkhorn(x.a, x.b, x.C, {
      ...entropic,
      method: c.method,
      ...(c.maxIterations !== undefined ? { maxIterations: c.maxIterations } : {}),
      // the marginal error is recomputed from the plan: a dense one is always needed
      plan: 'dense',
    });
  } catch (e) {
    // Ctrl-C: the AbortError carries the partial result, reported with reason 'aborted'.
    const partial = e instanceof AbortError ? (e.result as AnyResult | undefined) : undefined;
    if (partial === undefined) throw e;
    return partial;
  } finally {
    bar.done();
  }
}

function methodLabel(c: OtCommand, r: AnyResult): string {
  if (c.method === 'emd') return 'emd (network simplex)';
  if (c.method === 'newton') return `sinkhorn-newton-sparse, epsilon ${c.epsilon}`;
  const m = (r as SinkhornResult).method;
  return `sinkhorn ${c.method === 'auto' ? `auto -> ${m}` : m}, epsilon ${c.epsilon}`;
}

export async function cmdOt(args: string[], io: CommandIO): Promise<number> {
  const c = parseOt(args);
  if (c.plotFile !== undefined) checkWritable('--plot', c.plotFile);
  if (c.planFile !== undefined) checkWritable('--plan', c.planFile);
  return withThreads(c.threads, async () => {
    const x = readInput(c);
    const r = await solve(c, x, io);
    const P = planMatrix(r, x.n, x.m);
    const marginal = P !== undefined ? marginalError(P, x.a, x.b) : NaN;
    const label = methodLabel(c, r);

    // outputs: both attempted, whatever the outcome
    const failures: ItersolveError[] = [];
    const ioFail = (flagName: string, file: string, e: unknown) =>
      failures.push(
        new ItersolveError(
          'ERR_IO',
          `option '${flagName}': cannot write '${file}': ${e instanceof Error ? e.message : String(e)} (the solve itself finished)`,
          { argument: flagName, cause: e },
        ),
      );
    if (c.planFile !== undefined && P !== undefined) {
      try {
        writeMatrixMarket(P, c.planFile, {
          comment: `itersolve ot: ${label}, cost ${r.cost}, ${r.reason} after ${r.iterations} iterations`,
        });
      } catch (e) {
        ioFail('--plan', c.planFile, e);
      }
    }
    if (c.plotFile !== undefined) {
      try {
        const svg = convergencePlotSvg(
          [{ label, values: ('history' in r ? r.history : undefined) ?? new Float64Array(0) }],
          {
            title: `ot n = ${fmtInt(x.n)}, m = ${fmtInt(x.m)}: ${label}, ${r.converged ? 'converged' : `stopped: ${r.reason}`}`,
            xLabel: c.method === 'newton' ? 'check (warm-up), then Newton step' : 'check',
            yLabel: 'marginal error',
            threshold:
              c.tol ??
              (table('tol', c.method === 'newton' ? 'sinkhornNewton' : 'sinkhorn')
                .default as number),
          },
        );
        fs.writeFileSync(c.plotFile, svg);
      } catch (e) {
        ioFail('--plot', c.plotFile, e);
      }
    }
    const error =
      failures.length === 0
        ? undefined
        : failures.length === 1
          ? failures[0]
          : new ItersolveError('ERR_IO', failures.map((f) => f.message).join('; '), {
              argument: failures[0].argument,
              cause: failures[0],
            });

    const newton = c.method === 'newton' ? (r as SinkhornNewtonResult<CsrMatrix>) : undefined;
    if (c.json) {
      writeJson(io.stdout, {
        input: c.points
          ? { X: c.files[0], Y: c.files[1], metric: c.metric ?? 'sqeuclidean' }
          : { a: c.files[0], b: c.files[1], C: c.files[2] },
        n: x.n,
        m: x.m,
        method: c.method,
        resolvedMethod: c.method === 'emd' || newton ? c.method : (r as SinkhornResult).method,
        epsilon: c.method === 'emd' ? null : c.epsilon,
        cost: r.cost,
        objective: r.objective,
        iterations: r.iterations,
        ...(newton
          ? {
              warmupIterations: newton.warmupIterations,
              newtonIterations: newton.newtonIterations,
              cgIterations: newton.cgIterations,
            }
          : {}),
        marginalError: Number.isFinite(marginal) ? marginal : null,
        converged: r.converged,
        reason: r.reason,
        elapsedMs: r.elapsedMs,
        planNnz: P?.nnz ?? null,
        threads: getThreads(),
        plan: c.planFile ?? null,
        plot: c.plotFile ?? null,
        ...(error ? { error: errorJson(error) } : {}),
      });
    } else {
      const out = new Out(io.stdout, 16);
      out.line(`itersolve ot: ${x.source}`);
      out.row('method', label, '  ');
      out.row('cost', String(r.cost), '  ');
      out.row(
        'iterations',
        newton
          ? `${fmtInt(r.iterations)} (${fmtInt(newton.warmupIterations)} warm-up + ${fmtInt(newton.newtonIterations)} Newton, ${fmtInt(newton.cgIterations)} CG)`
          : c.method === 'emd'
            ? `${fmtInt(r.iterations)} pivots`
            : fmtInt(r.iterations),
        '  ',
      );
      out.row('marginal error', fmtSci(marginal), '  ');
      out.row(
        'status',
        `${r.converged ? 'converged' : 'NOT converged'} (${r.reason}) in ${fmtTime(r.elapsedMs)}`,
        '  ',
      );
      if (c.planFile !== undefined)
        out.row(
          'plan',
          failures.some((f) => f.argument === '--plan')
            ? `${c.planFile} NOT written (error below)`
            : `${c.planFile} (${fmtInt(P?.nnz ?? 0)} nonzeros)`,
          '  ',
        );
      if (c.plotFile !== undefined)
        out.row(
          'plot',
          failures.some((f) => f.argument === '--plot')
            ? `${c.plotFile} NOT written (error below)`
            : `${c.plotFile} (marginal error per check)`,
          '  ',
        );
    }
    if (r.reason === 'aborted') return EXIT.interrupted;
    if (error) {
      io.stderr.write(`itersolve: ${error.message}\n`);
      return EXIT.outputFailed;
    }
    return r.converged ? EXIT.ok : EXIT.notConverged;
  });
}
