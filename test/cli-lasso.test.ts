// `itersolve lasso` (lib/cli/lasso.ts), run in-process through main(): on test/fixtures/bcd/
// diabetes.csv (the diabetes design of lasso.json with a header row) the printed coefficients
// agree with scikit-learn's (lasso.json) for lasso, elastic net and without intercept, with λ
// absolute or as a multiple of λ_max; --path prints the table and --json the whole path, --plot
// writes the coefficient-path SVG; usage mistakes exit 2 naming what is wrong; exit codes 3
// (not converged), 1 (an unwritable --plot, before the work) and 130 (interrupted).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import t from 'tap';
import { EXIT, main, USAGE } from '../lib/cli';
import { LassoCase, loadBcdFixture } from './bcd-helpers';

const csv = path.join(__dirname, 'fixtures', 'bcd', 'diabetes.csv');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-cli-lasso-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
const NAMES = ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'];

const cases = loadBcdFixture<{ cases: LassoCase[] }>('lasso.json').cases;
const find = (estimator: string, fitIntercept: boolean, ratio: number) =>
  cases.find(
    (c) =>
      c.design === 'diabetes' &&
      !c.sparse &&
      !c.positive &&
      c.sampleWeight === null &&
      c.estimator === estimator &&
      c.fitIntercept === fitIntercept &&
      c.lambdaRatio === ratio,
  )!;

async function run(argv: string[], signal?: AbortSignal) {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    isTTY: false,
    signal,
  });
  return { code, out, err };
}

const tight = ['--tol', '1e-12', '--max-iterations', '1000000'];
/** `lasso diabetes.csv --target y --lambda <lambda> <extra> --json` at tight tolerance, parsed. */
async function fitJson(lambda: number | string, ...extra: string[]) {
  const r = await run([
    'lasso',
    csv,
    '--target',
    'y',
    '--lambda',
    String(lambda),
    ...extra,
    '--json',
    ...tight,
  ]);
  return { ...r, j: JSON.parse(r.out) as Record<string, unknown> };
}

function checkFit(t: Tap, j: Record<string, unknown>, c: LassoCase, what: string) {
  const coef = j.coef as Record<string, number>;
  let d = 0;
  NAMES.forEach((name, k) => (d = Math.max(d, Math.abs(coef[name] - c.coef[k]))));
  t.ok(d <= 1e-6, `${what}: coefficients as sklearn's within 1e-6 (${d.toExponential(1)})`);
  t.ok(Math.abs((j.intercept as number) - c.intercept) <= 1e-6, `${what}: intercept`);
  t.ok(Math.abs((j.objective as number) - c.objective) <= 1e-8, `${what}: objective within 1e-8`);
  t.equal(j.converged, true);
  t.equal(j.reason, 'tol');
  const sup = j.support as Array<{ name: string; coef: number }>;
  t.strictSame(
    sup.map((s) => s.name).sort(),
    NAMES.filter((_, k) => c.coef[k] !== 0).sort(),
    `${what}: the support by name`,
  );
}
type Tap = Parameters<Parameters<typeof t.test>[1]>[0];

t.test('a fit agrees with sklearn (lasso.json), --json', async (t) => {
  const c = find('lasso', true, 0.1);
  const { code, err, j } = await fitJson(c.lambda);
  t.equal(code, EXIT.ok, err);
  t.equal(j.rows, 442);
  t.equal(j.features, 10);
  t.equal(j.lambda, c.lambda);
  checkFit(t, j, c, 'lasso, intercept');
  // the same λ as a multiple of λ_max
  const jr = (await fitJson('0.1max')).j;
  t.ok(Math.abs((jr.lambda as number) / c.lambda - 1) < 1e-9, '0.1max = 0.1·λ_max');
  checkFit(t, jr, c, 'lasso, 0.1max');
  const e = find('enet', true, 0.1);
  const je = (await fitJson(e.lambda, '--l1-ratio', '0.5')).j;
  t.equal(je.model, 'elasticNet');
  checkFit(t, je, e, 'elastic net');
  const n = find('lasso', false, 0.5);
  const jn = (await fitJson(n.lambda, '--no-intercept')).j;
  t.equal(jn.intercept, 0);
  checkFit(t, jn, n, 'no intercept');
});

t.test('text output: support by name, objective, gap, iterations, status', async (t) => {
  const r = await run(['lasso', csv, '--target', 'y', '--lambda', '0.1max']);
  t.equal(r.code, EXIT.ok);
  t.equal(r.err, '');
  t.match(r.out, /^itersolve lasso: diabetes\.csv \(442 rows, 10 features\), target y\n/);
  t.match(r.out, /lambda\s+0\.214804 \(0\.1 x lambda_max 2\.14804\)/);
  t.match(r.out, /support\s+5 of 10 features\n\s+bmi\s+510\.\d+\n\s+s5\s+449\.\d+/);
  t.match(r.out, /intercept\s+152\.13/);
  t.match(r.out, /objective\s+1807\.1/);
  t.match(r.out, /duality gap\s+\d\.\d\de[-+]\d+/);
  t.match(r.out, /iterations\s+\d+/);
  t.match(r.out, /status\s+converged \(tol\)/);
  t.match(USAGE, /lasso <data\.csv> --target NAME/, 'in the usage text');
  // another column as the target: the others are the features
  const b = await run(['lasso', csv, '--target', 'bmi', '--lambda', '0.001', '--json']);
  t.equal(b.code, EXIT.ok);
  const jb = JSON.parse(b.out) as { features: number; coef: Record<string, number> };
  t.equal(jb.features, 10);
  t.ok('y' in jb.coef && !('bmi' in jb.coef), 'y is a feature, bmi the target');
});

t.test('--path: the table, --json and the --plot SVG', async (t) => {
  const r = await run(['lasso', csv, '--target', 'y', '--path', '--n-lambdas', '12']);
  t.equal(r.code, EXIT.ok, r.err);
  t.match(r.out, /12 values from 2\.14804 down to 0\.00214804 \(lambda_max 2\.14804\)/);
  t.match(r.out, /lambda\s+nnz\s+objective\s+gap\s+epochs/);
  const rows = r.out.split('\n').filter((l) => /^\s+\d\.\d\de[-+]\d+\s+\d+\s/.test(l));
  t.equal(rows.length, 12, 'one row per λ');
  t.match(rows[0], /^\s+2\.15e\+0\s+0\s/, 'no feature at λ_max');
  const plot = path.join(tmp, 'path.svg');
  const j = await run([
    'lasso',
    csv,
    '--target',
    'y',
    '--n-lambdas',
    '20',
    '--plot',
    plot,
    '--json',
    ...tight,
  ]);
  t.equal(j.code, EXIT.ok, j.err);
  const doc = JSON.parse(j.out) as {
    path: Array<{ lambda: number; nnz: number; coef: number[]; objective: number }>;
    lambdaMax: number;
    plot: string;
  };
  t.equal(doc.path.length, 20, '--plot implies --path');
  t.equal(doc.path[0].lambda, doc.lambdaMax);
  t.equal(doc.path[0].nnz, 0);
  t.equal(doc.path[19].nnz, 10);
  t.ok(Math.abs(doc.path[19].lambda / doc.lambdaMax - 1e-3) < 1e-12);
  // a row of the path is the single fit at its λ
  const k = 10;
  const one = await run([
    'lasso',
    csv,
    '--target',
    'y',
    '--lambda',
    String(doc.path[k].lambda),
    '--json',
    ...tight,
  ]);
  const jo = JSON.parse(one.out) as { coef: Record<string, number>; objective: number };
  let d = 0;
  NAMES.forEach((name, q) => (d = Math.max(d, Math.abs(jo.coef[name] - doc.path[k].coef[q]))));
  t.ok(d < 1e-6, `path row ${k} = the fit at its λ (${d.toExponential(1)})`);
  const svg = fs.readFileSync(plot, 'utf8');
  t.match(svg, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg /);
  t.match(svg, /<\/svg>\n$/);
  t.equal(
    (svg.match(/<title>(age|sex|bmi|bp|s\d)<\/title><\/path>/g) ?? []).length,
    10,
    'a line per feature',
  );
  for (const name of ['bmi', 's5', 'sex'])
    t.match(svg, new RegExp(`>${name}</text>`), `${name} labelled`);
  t.match(svg, />1e-3</, 'decade ticks on the λ axis');
});

t.test('usage mistakes exit 2 and say what is wrong', async (t) => {
  const usage = async (argv: string[], re: RegExp, what: string) => {
    const r = await run(argv);
    t.equal(r.code, EXIT.usage, `${what}: exit 2`);
    t.match(r.err, re, what);
  };
  await usage(['lasso', csv, '--lambda', '0.1'], /option '--target' is required/, 'no --target');
  await usage(
    ['lasso', csv, '--target', 'z', '--lambda', '0.1'],
    /no column 'z' in '.*diabetes\.csv' \(columns: age, sex, bmi, bp, s1, s2, s3, s4, s5, s6, y\)/,
    'unknown column',
  );
  for (const bad of ['abc', '-1', '0.1maxx', 'max', '1e400', ''])
    await usage(
      ['lasso', csv, '--target', 'y', '--lambda', bad],
      /option '--lambda' expects a number >= 0 or a multiple of lambda_max such as 0\.1max/,
      `--lambda '${bad}'`,
    );
  await usage(['lasso', csv, '--target', 'y'], /option '--lambda' is required/, 'no --lambda');
  await usage(
    ['lasso', csv, '--target', 'y', '--path', '--lambda', '1'],
    /'--lambda' does not apply to a path/,
    '--lambda with --path',
  );
  await usage(
    ['lasso', csv, '--target', 'y', '--lambda', '1', '--n-lambdas', '5'],
    /'--n-lambdas' needs --path/,
    '--n-lambdas without --path',
  );
  await usage(['lasso', '--target', 'y', '--lambda', '1'], /expects one file/, 'no file');
  await usage(
    ['lasso', csv, '--target', 'y', '--lambda', '1', '--l1-ratio', '2'],
    /option '--l1-ratio' expects a number in \[0, 1\]/,
    'bad --l1-ratio',
  );
  await usage(
    ['lasso', csv, '--target', 'y', '--path', '--n-lambdas', '0'],
    /option '--n-lambdas' expects an integer/,
    'bad --n-lambdas',
  );
  await usage(
    ['lasso', csv, '--target', 'y', '--path', '--lambda-min-ratio', '1'],
    /option '--lambda-min-ratio' expects a number in \(0, 1\)/,
    'bad --lambda-min-ratio',
  );
  await usage(['lasso', csv, '--target', 'y', '--lamda', '1'], /unknown option '--lamda'/, 'typo');
  const noHeader = path.join(tmp, 'plain.csv');
  fs.writeFileSync(noHeader, '1,2,3\n4,5,6\n7,8,10\n');
  await usage(
    ['lasso', noHeader, '--target', 'y', '--lambda', '1'],
    /has no header row/,
    'no header',
  );
  const j = await run(['lasso', csv, '--lambda', '1', '--json']);
  t.equal(j.code, EXIT.usage);
  t.strictSame(JSON.parse(j.out), {
    error: {
      code: 'ERR_USAGE',
      message: "lasso: option '--target' is required (the response column's name)",
    },
  });
});

t.test('exit codes: not converged 3, unwritable plot 1, interrupted 130', async (t) => {
  const r = await run([
    'lasso',
    csv,
    '--target',
    'y',
    '--lambda',
    '0.001max',
    '--tol',
    '1e-14',
    '--max-iterations',
    '2',
  ]);
  t.equal(r.code, EXIT.notConverged);
  t.match(r.out, /status\s+NOT converged \(max-iterations\)/);
  const p = await run([
    'lasso',
    csv,
    '--target',
    'y',
    '--path',
    '--plot',
    path.join(tmp, 'missing', 'p.svg'),
  ]);
  t.equal(p.code, EXIT.failure);
  t.match(p.err, /option '--plot': cannot write .*the folder .* does not exist/);
  t.equal(p.out, '', 'nothing fitted');
  const i = await run(['lasso', csv, '--target', 'y', '--path'], AbortSignal.abort());
  t.equal(i.code, EXIT.interrupted);
  const missing = await run([
    'lasso',
    path.join(tmp, 'nope.csv'),
    '--target',
    'y',
    '--lambda',
    '1',
  ]);
  t.equal(missing.code, EXIT.failure);
  t.match(missing.err, /data: cannot read/);
});
