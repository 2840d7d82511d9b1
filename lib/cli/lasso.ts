/**
 * `itersolve lasso data.csv --target y --lambda 0.1`: a lasso (or, with --l1-ratio, elastic-net)
 * fit of one CSV column on the others. The CSV has a header row naming the columns
 * (lib/cli/csv.ts readCsvWithHeader); --target names the response, every other column is a
 * feature. Prints the support (the features with a non-zero coefficient, by name, largest first),
 * the intercept, the objective (1/(2n))‖y − Xw − c‖² + λ·penalty(w), the duality gap, the epochs
 * and the reason. --lambda is absolute, or relative to λ_max as `0.1max` (0.1·λ_max, λ_max the
 * smallest λ whose solution is zero). --path fits the regularisation path instead (lassoPath:
 * --n-lambdas values from λ_max down to --lambda-min-ratio·λ_max) and prints one row per λ (λ,
 * non-zeros, objective, gap, epochs); --plot FILE.svg writes its coefficient paths (and implies
 * --path). Exit codes as `solve`: 0 converged, 3 not, 4 the plot not written, 130 interrupted
 * (the partial result is reported).
 */
import * as fs from 'fs';
import * as path from 'path';
import { elasticNet, lambdaMax, lasso, type LassoResult } from '../bcd';
import type { DenseMatrix } from '../dense';
import { AbortError, ItersolveError } from '../errors';
import { OPTIONS, variantOf } from '../options';
import type { Operation } from '../options';
import { elasticNetPath, lassoPath, type LassoPathResult } from '../path';
import { coefficientPathSvg } from '../plot';
import { ProgressBar } from '../progress';
import { getThreads } from '../runtime';
import { flag, JSON_FLAG, numFlag, parseArgs, strFlag, THREADS, UsageError } from './args';
import type { FlagTable, Parsed } from './args';
import { errorJson, EXIT, withThreads } from './common';
import type { CommandIO } from './common';
import { readCsvWithHeader } from './csv';
import { fmtInt, fmtSci, fmtTime, Out, writeJson } from './format';
import { checkWritable, specOf } from './solve';

/** The options of the table the command exposes, by flag. */
const TABLE_FLAGS: Array<{ key: string; op: Operation }> = [
  { key: 'tol', op: 'lasso' },
  { key: 'maxIterations', op: 'lasso' },
  { key: 'timeLimitMs', op: 'lasso' },
  { key: 'nLambdas', op: 'lassoPath' },
  { key: 'lambdaMinRatio', op: 'lassoPath' },
];
const table = (key: string, op: Operation) =>
  variantOf(
    OPTIONS.find((o) => o.key === key)!,
    op,
  );

/** The flags of `lasso`, checked by parseArgs. */
export const LASSO_FLAGS: FlagTable = {
  '--target': { kind: 'path' },
  '--lambda': { kind: 'path' }, // a number or `<fraction>max`: checked by parseLambda
  '--l1-ratio': { kind: 'number', min: 0, max: 1 },
  '--no-intercept': { kind: 'bool' },
  '--path': { kind: 'bool' },
  ...Object.fromEntries(
    TABLE_FLAGS.map(({ key, op }) => {
      const o = table(key, op);
      return [o.flag as string, specOf(o)];
    }),
  ),
  '--plot': { kind: 'path' },
  '--json': JSON_FLAG,
  '--threads': THREADS,
};

export const LASSO_USAGE = `  lasso <data.csv> --target NAME (--lambda L | --path) [--l1-ratio A] [--no-intercept]
        [--n-lambdas K] [--lambda-min-ratio R] [--plot FILE.svg]
                             lasso (elastic net with --l1-ratio) of column NAME on the other
                             columns of a CSV with a header row: prints the support, intercept,
                             objective (1/(2n))|y - Xw - c|^2 + L*penalty(w), duality gap and
                             iterations. --lambda L absolute, or 0.1max = 0.1 * lambda_max;
                             --path fits K values (default 100) from lambda_max down to
                             R * lambda_max (default 1e-3) and prints a table; --plot writes the
                             coefficient paths (SVG; implies --path); --tol (default 1e-4,
                             duality gap <= tol*|y - mean y|^2/n), --max-iterations, --time-limit MS`;

/** λ as the command line gave it. */
export type LambdaSpec = { kind: 'absolute'; value: number } | { kind: 'relative'; ratio: number };

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** --lambda's value: a number >= 0, or `<ratio>max` (ratio >= 0) for ratio·λ_max. */
export function parseLambda(p: Parsed): LambdaSpec | undefined {
  const s = p.flags.get('--lambda');
  if (s === undefined) return undefined;
  const bad = () =>
    new UsageError(
      `${p.cmd}: option '--lambda' expects a number >= 0 or a multiple of lambda_max such as 0.1max, received '${String(s)}'`,
    );
  if (typeof s !== 'string') throw bad();
  const rel = /^(.*?)\*?max$/i.exec(s);
  const text = rel ? rel[1] : s;
  const x = DECIMAL.test(text) ? Number(text) : NaN;
  if (!(Number.isFinite(x) && x >= 0)) throw bad();
  return rel ? { kind: 'relative', ratio: x } : { kind: 'absolute', value: x };
}

/** Everything `lasso` was asked to do, checked. */
export interface LassoCommand {
  file: string;
  target: string;
  lambda?: LambdaSpec;
  l1Ratio?: number;
  fitIntercept: boolean;
  path: boolean;
  nLambdas?: number;
  lambdaMinRatio?: number;
  tol?: number;
  maxIterations?: number;
  timeLimitMs?: number;
  plotFile?: string;
  json: boolean;
  threads?: number;
}

/** Arguments to a LassoCommand; throws UsageError (exit 2). */
export function parseLasso(args: string[]): LassoCommand {
  const cmd = 'lasso';
  const p = parseArgs(cmd, args, LASSO_FLAGS, 1);
  if (p.positional.length !== 1)
    throw new UsageError(`${cmd}: expects one file data.csv, received ${p.positional.length}`);
  const target = p.flags.get('--target');
  if (target === undefined)
    throw new UsageError(`${cmd}: option '--target' is required (the response column's name)`);
  if (typeof target !== 'string' || target === '')
    throw new UsageError(`${cmd}: option '--target' expects a column name`);
  const plotFile = strFlag(p, '--plot');
  const c: LassoCommand = {
    file: p.positional[0],
    target,
    lambda: parseLambda(p),
    l1Ratio: numFlag(p, '--l1-ratio'),
    fitIntercept: !p.flags.has('--no-intercept'),
    path: p.flags.has('--path') || plotFile !== undefined,
    nLambdas: numFlag(p, '--n-lambdas'),
    lambdaMinRatio: numFlag(p, '--lambda-min-ratio'),
    tol: numFlag(p, '--tol'),
    maxIterations: numFlag(p, '--max-iterations'),
    timeLimitMs: numFlag(p, '--time-limit'),
    plotFile,
    json: flag(p, '--json') === true,
    threads: numFlag(p, '--threads'),
  };
  if (c.path && c.lambda !== undefined)
    throw new UsageError(
      `${cmd}: option '--lambda' does not apply to a path (${p.flags.has('--path') ? '--path' : '--plot'}): its values run from lambda_max down to --lambda-min-ratio * lambda_max`,
    );
  if (!c.path && c.lambda === undefined)
    throw new UsageError(`${cmd}: option '--lambda' is required (or --path for the whole path)`);
  if (!c.path)
    for (const f of ['--n-lambdas', '--lambda-min-ratio'])
      if (p.flags.has(f)) throw new UsageError(`${cmd}: option '${f}' needs --path`);
  return c;
}

interface LassoInput {
  X: DenseMatrix;
  y: Float64Array;
  names: string[];
  target: string;
}

/** The CSV split into the features and the target column. */
function readInput(c: LassoCommand): LassoInput {
  const { names, M } = readCsvWithHeader(c.file, 'data');
  if (names === undefined)
    throw new UsageError(
      `lasso: '${c.file}' has no header row: --target needs the columns' names in the first row`,
    );
  if (names.length !== M.cols)
    throw new ItersolveError(
      'ERR_PARSE',
      `${c.file}: the header names ${names.length} columns, the rows hold ${M.cols} values`,
      { argument: 'data' },
    );
  const t = names.indexOf(c.target);
  if (t < 0)
    throw new UsageError(
      `lasso: option '--target': no column '${c.target}' in '${c.file}' (columns: ${names.join(', ')})`,
    );
  if (M.cols < 2)
    throw new UsageError(`lasso: '${c.file}' has no feature column besides the target`);
  const n = M.rows;
  const p = M.cols - 1;
  const X = new Float64Array(n * p); // column-major: the fast path
  const y = new Float64Array(n);
  const feat: string[] = [];
  for (let j = 0, q = 0; j < M.cols; j++) {
    if (j === t) {
      for (let i = 0; i < n; i++) y[i] = M.data[i * M.cols + j];
      continue;
    }
    for (let i = 0; i < n; i++) X[q * n + i] = M.data[i * M.cols + j];
    feat.push(names[j]);
    q++;
  }
  return { X: { rows: n, cols: p, data: X, order: 'F' }, y, names: feat, target: c.target };
}

/** The non-zero coefficients, largest magnitude first. */
function support(coef: Float64Array, names: string[]): Array<{ name: string; coef: number }> {
  const s: Array<{ name: string; coef: number; j: number }> = [];
  for (let j = 0; j < coef.length; j++)
    if (coef[j] !== 0) s.push({ name: names[j], coef: coef[j], j });
  s.sort((a, b) => Math.abs(b.coef) - Math.abs(a.coef) || a.j - b.j);
  return s.map(({ name, coef }) => ({ name, coef }));
}

const num = (v: number): string =>
  Number.isFinite(v) ? String(Number(v.toPrecision(6))) : String(v);

/** Runs `work`; on Ctrl-C the AbortError's partial result instead. */
async function partialOnAbort<R>(work: Promise<R>): Promise<R> {
  try {
    return await work;
  } catch (e) {
    const partial = e instanceof AbortError ? (e.result as R | undefined) : undefined;
    if (partial === undefined) throw e;
    return partial;
  }
}

export async function cmdLasso(args: string[], io: CommandIO): Promise<number> {
  const c = parseLasso(args);
  if (c.plotFile !== undefined) checkWritable('--plot', c.plotFile);
  return withThreads(c.threads, async () => {
    const x = readInput(c);
    const enet = c.l1Ratio !== undefined;
    const l1Ratio = c.l1Ratio ?? 1;
    const common = {
      fitIntercept: c.fitIntercept,
      ...(c.tol !== undefined ? { tol: c.tol } : {}),
      ...(c.maxIterations !== undefined ? { maxIterations: c.maxIterations } : {}),
      ...(c.timeLimitMs !== undefined ? { timeLimitMs: c.timeLimitMs } : {}),
      signal: io.signal,
    };
    const source = `${path.basename(c.file)} (${fmtInt(x.X.rows)} rows, ${fmtInt(x.X.cols)} features), target ${x.target}`;
    const model = enet ? `elastic net, l1 ratio ${l1Ratio}` : 'lasso';
    const bar = new ProgressBar(io.stderr, c.path ? 'lasso path' : 'lasso', {
      enabled: io.isTTY,
    });
    if (!c.path) {
      const spec = c.lambda!;
      const lmax =
        spec.kind === 'relative'
          ? lambdaMax(x.X, x.y, { l1Ratio, fitIntercept: c.fitIntercept })
          : undefined;
      const lambda = spec.kind === 'relative' ? spec.ratio * lmax! : spec.value;
      if (!Number.isFinite(lambda))
        throw new ItersolveError(
          'ERR_INVALID_ARGUMENT',
          `lambda: ${spec.kind === 'relative' ? `${spec.ratio}·lambda_max` : ''} is not finite (lambda_max is infinite for l1 ratio 0: give an absolute --lambda)`,
          { argument: 'lambda' },
        );
      let r: LassoResult;
      try {
        const o = {
          ...common,
          lambda,
          onProgress: (q: { iteration: number }) =>
            bar.update(q.iteration / (c.maxIterations ?? 1000), `epoch ${fmtInt(q.iteration)}`),
        };
        r = await partialOnAbort(
          enet ? elasticNet(x.X, x.y, { ...o, l1Ratio }) : lasso(x.X, x.y, o),
        );
      } finally {
        bar.done();
      }
      const sup = support(r.coef, x.names);
      if (c.json) {
        writeJson(io.stdout, {
          input: c.file,
          target: x.target,
          rows: x.X.rows,
          features: x.X.cols,
          model: enet ? 'elasticNet' : 'lasso',
          l1Ratio,
          lambda,
          lambdaMax: lmax ?? null,
          fitIntercept: c.fitIntercept,
          intercept: r.intercept,
          support: sup,
          coef: Object.fromEntries(x.names.map((name, j) => [name, r.coef[j]])),
          objective: r.objective,
          dualGap: r.dualGap,
          iterations: r.iterations,
          converged: r.converged,
          reason: r.reason,
          elapsedMs: r.elapsedMs,
          threads: getThreads(),
        });
      } else {
        const out = new Out(io.stdout, 14);
        out.line(`itersolve lasso: ${source}`);
        out.row('model', model, '  ');
        out.row(
          'lambda',
          spec.kind === 'relative'
            ? `${num(lambda)} (${num(spec.ratio)} x lambda_max ${num(lmax!)})`
            : num(lambda),
          '  ',
        );
        out.row('intercept', c.fitIntercept ? num(r.intercept) : '0 (--no-intercept)', '  ');
        out.row('support', `${fmtInt(sup.length)} of ${fmtInt(x.X.cols)} features`, '  ');
        const w = Math.max(0, ...sup.map((s) => s.name.length));
        for (const s of sup) out.line(`    ${s.name.padEnd(w)}  ${num(s.coef)}`);
        out.row('objective', num(r.objective), '  ');
        out.row('duality gap', fmtSci(r.dualGap), '  ');
        out.row('iterations', fmtInt(r.iterations), '  ');
        out.row(
          'status',
          `${r.converged ? 'converged' : 'NOT converged'} (${r.reason}) in ${fmtTime(r.elapsedMs)}`,
          '  ',
        );
      }
      if (r.reason === 'aborted') return EXIT.interrupted;
      return r.converged ? EXIT.ok : EXIT.notConverged;
    }

    // the path
    let r: LassoPathResult;
    try {
      const o = {
        ...common,
        ...(c.nLambdas !== undefined ? { nLambdas: c.nLambdas } : {}),
        ...(c.lambdaMinRatio !== undefined ? { lambdaMinRatio: c.lambdaMinRatio } : {}),
        onProgress: (q: { iteration: number; total?: number; value: number }) =>
          bar.update(
            q.total ? q.iteration / q.total : 0,
            `lambda ${fmtInt(q.iteration)} of ${fmtInt(q.total ?? 0)} (${fmtSci(q.value)})`,
          ),
      };
      r = await partialOnAbort(
        enet ? elasticNetPath(x.X, x.y, { ...o, l1Ratio }) : lassoPath(x.X, x.y, o),
      );
    } finally {
      bar.done();
    }
    const K = r.lambdas.length;
    const p = x.X.cols;
    const nnz = Array.from({ length: K }, (_, k) => {
      let z = 0;
      for (let j = 0; j < p; j++) if (r.coefs[k * p + j] !== 0) z++;
      return z;
    });

    let plotError: ItersolveError | undefined;
    if (c.plotFile !== undefined) {
      try {
        const svg = coefficientPathSvg(r.lambdas, r.coefs, p, {
          names: x.names,
          title: `${model} path: ${x.target} on ${fmtInt(p)} features, ${fmtInt(K)} lambda values`,
        });
        fs.writeFileSync(c.plotFile, svg);
      } catch (e) {
        plotError = new ItersolveError(
          'ERR_IO',
          `option '--plot': cannot write '${c.plotFile}': ${e instanceof Error ? e.message : String(e)} (the path itself finished)`,
          { argument: '--plot', cause: e },
        );
      }
    }
    if (c.json) {
      writeJson(io.stdout, {
        input: c.file,
        target: x.target,
        rows: x.X.rows,
        features: x.X.cols,
        model: enet ? 'elasticNet' : 'lasso',
        l1Ratio,
        fitIntercept: c.fitIntercept,
        lambdaMax: r.lambdaMax ?? null,
        names: x.names,
        path: Array.from({ length: K }, (_, k) => ({
          lambda: r.lambdas[k],
          nnz: nnz[k],
          intercept: r.intercepts[k],
          objective: r.objectives[k],
          dualGap: r.dualGaps[k],
          iterations: r.iterationsPerLambda[k],
          coef: Array.from(r.coefs.subarray(k * p, (k + 1) * p)),
        })),
        iterations: r.iterations,
        converged: r.converged,
        reason: r.reason,
        elapsedMs: r.elapsedMs,
        threads: getThreads(),
        plot: c.plotFile ?? null,
        ...(plotError ? { error: errorJson(plotError) } : {}),
      });
    } else {
      const out = new Out(io.stdout, 14);
      out.line(`itersolve lasso --path: ${source}`);
      out.row('model', model, '  ');
      out.row(
        'lambda',
        `${fmtInt(K)} values from ${num(r.lambdas[0])} down to ${num(r.lambdas[K - 1])}${r.lambdaMax !== undefined ? ` (lambda_max ${num(r.lambdaMax)})` : ''}`,
        '  ',
      );
      out.line();
      out.line(
        `  ${'lambda'.padStart(12)}  ${'nnz'.padStart(5)}  ${'objective'.padStart(12)}  ${'gap'.padStart(9)}  ${'epochs'.padStart(7)}`,
      );
      for (let k = 0; k < K; k++)
        out.line(
          `  ${fmtSci(r.lambdas[k]).padStart(12)}  ${String(nnz[k]).padStart(5)}  ${num(r.objectives[k]).padStart(12)}  ${fmtSci(r.dualGaps[k]).padStart(9)}  ${fmtInt(r.iterationsPerLambda[k]).padStart(7)}`,
        );
      out.line();
      out.row('iterations', `${fmtInt(r.iterations)} epochs in all`, '  ');
      out.row(
        'status',
        `${r.converged ? 'converged' : 'NOT converged'} (${r.reason}) in ${fmtTime(r.elapsedMs)}`,
        '  ',
      );
      if (c.plotFile !== undefined)
        out.row(
          'plot',
          plotError
            ? `${c.plotFile} NOT written (error below)`
            : `${c.plotFile} (coefficient paths)`,
          '  ',
        );
    }
    if (r.reason === 'aborted') return EXIT.interrupted;
    if (plotError) {
      io.stderr.write(`itersolve: ${plotError.message}\n`);
      return EXIT.outputFailed;
    }
    return r.converged ? EXIT.ok : EXIT.notConverged;
  });
}
