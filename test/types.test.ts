// Type-level checks of the published declarations: compiles lib/ with the package's tsconfig into
// a temporary folder (as `npm run build:ts` does into dist/cjs), then type-checks a small consumer
// against the emitted .d.ts files. The consumer's `// @ts-expect-error` lines must each be an
// error (tsc reports an unused directive otherwise) and its narrowings must compile. Also checks
// that @internal declarations are stripped and that the source maps carry their sources.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import t from 'tap';

const root = path.join(__dirname, '..');
const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-types-'));
t.teardown(() => fs.rmSync(out, { recursive: true, force: true }));

function run(args: string[]): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [tsc, ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

// dist/cjs as `npm run build:ts` left it (npm ci builds it) when it is newer than every lib/
// source and the tsconfig: compiling lib/ again would cost most of this file's time. Otherwise
// lib/ is compiled into the temporary folder.
function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const f = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(f) : fs.statSync(f).mtimeMs);
  }
  return t;
}
function distIsFresh(): boolean {
  const marker = path.join(root, 'dist', 'cjs', 'index.d.ts');
  if (!fs.existsSync(marker)) return false;
  const built = fs.statSync(marker).mtimeMs;
  return (
    built >= newest(path.join(root, 'lib')) &&
    built >= fs.statSync(path.join(root, 'tsconfig.json')).mtimeMs
  );
}
const reuse = distIsFresh();
const dist = reuse ? path.join(root, 'dist', 'cjs') : path.join(out, 'dist');
const build = reuse ? { status: 0, output: '' } : run(['-p', 'tsconfig.json', '--outDir', dist]);
if (reuse) fs.symlinkSync(dist, path.join(out, 'dist'), 'dir');

t.test('lib/ compiles with the package tsconfig', async (t) => {
  t.equal(build.status, 0, build.output || 'no diagnostics');
});

t.test('@internal declarations are stripped from the .d.ts files', async (t) => {
  const dts = (f: string) => fs.readFileSync(path.join(dist, f), 'utf8');
  t.notMatch(dts('preconditioner.d.ts'), /\bhandle\b/, 'Preconditioner#handle');
  t.notMatch(dts('preconditioner.d.ts'), /resolvePreconditioner/);
  t.notMatch(dts('csr.d.ts'), /\bargs\(\)/, 'CsrMatrix#args');
  t.notMatch(dts('csc.d.ts'), /\bargs\(\)/, 'CscMatrix#args');
  t.notMatch(dts('krylov.d.ts'), /solveResult/);
  t.notMatch(dts('async.d.ts'), /runJob|checkAsyncOptions|jobStats/);
  t.notMatch(dts('errors.d.ts'), /fromNative|callNative/);
  t.notMatch(dts('validate.d.ts'), /export declare function/);
  t.notMatch(dts('layout.d.ts'), /KRYLOV|LAYOUT|METHOD_INDEX/);
  t.match(dts('layout.d.ts'), /REASONS/, 'public REASONS stays');
  t.notMatch(dts('options.d.ts'), /checkOptions|ResolvedOptions/);
  t.notMatch(dts('stationary.d.ts'), /stationaryBy|isStationaryMethod/);
  t.notMatch(dts('layout.d.ts'), /STATIONARY_PARAMS|STATIONARY_INDEX/);
  t.match(dts('preconditioner.d.ts'), /get shift\(\): number;/);
  t.notMatch(dts('dense.d.ts'), /checkDense|rowMajor|colMajor|isDenseLike/);
  t.notMatch(dts('layout.d.ts'), /SINKHORN_PARAMS|OT_INDEX|PLAN_KINDS/);
  t.match(dts('layout.d.ts'), /SINKHORN_METHODS/, 'public SINKHORN_METHODS stays');
});

t.test('source maps carry their sources (lib/ is not shipped)', async (t) => {
  for (const f of ['index.js.map', 'krylov.js.map', 'async.js.map']) {
    const map = JSON.parse(fs.readFileSync(path.join(dist, f), 'utf8')) as {
      sources: string[];
      sourcesContent?: string[];
    };
    t.equal(map.sourcesContent?.length, map.sources.length, `${f}: sourcesContent`);
    const src = fs.readFileSync(path.join(root, 'lib', f.replace(/\.js\.map$/, '.ts')), 'utf8');
    t.equal(map.sourcesContent![0], src, `${f}: the TypeScript source itself`);
  }
});

// The consumer, compiled against the emitted declarations (./dist/index).
const consumer = `
import {
  AbortError, cg, cgBatchSync, cgSync, gcrotmkSync, gmresSync, ItersolveError, minresSync,
  poisson2d, powerIterationSync, Preconditioner, sketchSolveSync, conjugateDirectionSync,
  gaussSeidelSync, jacobiSync, sorSync, ssor, ssorSync,
  CsrMatrix, costMatrix, emd, emdSync, sinkhorn, sinkhornBatchSync, sinkhornNewtonSync, sinkhornSync,
  wassersteinSync,
} from './dist/index';
import type { ConvergedReason, NotConvergedReason, SolveResult, StopReason } from './dist/index';

const A = poisson2d(4);
const b = new Float64Array(16);

// Discriminated results: converged narrows reason.
const r = cgSync(A, b);
if (r.converged) {
  const c: 'rtol' | 'atol' = r.reason;
  void c;
} else {
  const nc: NotConvergedReason = r.reason;
  // @ts-expect-error a run that did not converge has no 'rtol' reason
  const bad: ConvergedReason = r.reason;
  void nc, bad;
}
const batch = cgBatchSync(A, b);
if (batch.converged) {
  const c: ConvergedReason = batch.reason;
  void c;
}
for (const col of batch.columns) {
  if (!col.converged) {
    const nc: NotConvergedReason = col.reason;
    void nc;
  }
}
const p = powerIterationSync(A);
if (p.converged) {
  const c: ConvergedReason = p.reason;
  void c;
}
// @ts-expect-error converged: true with a non-converged reason is not a result
const wrong: SolveResult = { x: b, converged: true, reason: 'max-iterations', iterations: 0, residualNorm: 0, matvecs: 0, elapsedMs: 0 };
void wrong;
const reasons: StopReason[] = ['stagnation', 'time-limit', 'aborted'];
void reasons;

// Options: the Sync forms take no signal/onProgress, each method only its own options.
// @ts-expect-error signal is a Promise-form option
cgSync(A, b, { signal: new AbortController().signal });
// @ts-expect-error onProgress is a Promise-form option
cgSync(A, b, { onProgress: () => {} });
// @ts-expect-error restart is not an option of cg
cgSync(A, b, { restart: 3 });
// @ts-expect-error unknown option
cgSync(A, b, { maxIter: 3 });
// @ts-expect-error conjugateDirection takes oracle, not preconditioner
conjugateDirectionSync(A, b, { preconditioner: 'jacobi' });
// @ts-expect-error recycle is gcrotmk's
gmresSync(A, b, { recycle: 2 });
// @ts-expect-error checkSymmetry is minres's
cgSync(A, b, { checkSymmetry: true });
// @ts-expect-error sketch kinds are a closed set
sketchSolveSync(A, b, { sketch: 'srht' });
// The stationary methods: each takes its own options, none a preconditioner or trueResidualEvery.
// @ts-expect-error sweep is gaussSeidel's (SOR sweeps forward)
sorSync(A, b, { sweep: 'backward' });
// @ts-expect-error the stationary methods always check the true residual
jacobiSync(A, b, { trueResidualEvery: 5 });
// @ts-expect-error no preconditioner for a stationary method
ssorSync(A, b, { preconditioner: 'jacobi' });
// @ts-expect-error Gauss-Seidel has no omega (SOR with omega 1 is Gauss-Seidel)
gaussSeidelSync(A, b, { omega: 1.5 });
// @ts-expect-error orderings are a closed set
gaussSeidelSync(A, b, { ordering: 'red-black' });
// @ts-expect-error Jacobi has no ordering
jacobiSync(A, b, { ordering: 'natural' });
// @ts-expect-error signal is a Promise-form option
sorSync(A, b, { signal: new AbortController().signal });
gaussSeidelSync(A, b, { sweep: 'symmetric', ordering: 'multicolor' });
const st: SolveResult = sorSync(A, b, { omega: 1.7, ordering: 'multicolor', x0: b, history: true });
void st;
void ssor(A, b, { omega: 1.5, signal: AbortSignal.timeout(10), onProgress: (q) => void q.value });
gmresSync(A, b, { restart: 3, flexible: true });
gcrotmkSync(A, b, { restart: 10, recycle: 5 });
minresSync(A, b, { checkSymmetry: true });
void cg(A, b, { signal: AbortSignal.timeout(10), onProgress: (q) => void q.elapsedMs, timeLimitMs: 5 });

// Optimal transport: converged narrows reason to 'tol' (Sinkhorn, SNS) or 'optimal' (emd).
const h = new Float64Array([0.5, 0.5]);
const c2 = new Float64Array([0, 1, 1, 0]);
const sk = sinkhornSync(h, h, c2, { epsilon: 0.1 });
if (sk.converged) {
  const c: 'tol' = sk.reason;
  void c;
} else {
  const nc: NotConvergedReason = sk.reason;
  // @ts-expect-error a Sinkhorn run that did not converge has no 'tol' reason
  const bad: 'tol' = sk.reason;
  void nc, bad;
}
const em = emdSync(h, h, { rows: 2, cols: 2, data: c2, order: 'F' });
if (em.converged) {
  const c: 'optimal' = em.reason;
  // @ts-expect-error emd converges with 'optimal', never 'tol'
  const t2: 'tol' = em.reason;
  void c, t2;
}
const emPlan: CsrMatrix = em.plan;
void emPlan;
const sparsePlan: CsrMatrix | undefined = sinkhornNewtonSync(h, h, c2, { epsilon: 0.1, plan: 'sparse' }).plan;
const densePlan: Float64Array | undefined = sinkhornNewtonSync(h, h, c2, { epsilon: 0.1 }).plan;
void sparsePlan, densePlan;
const w = wassersteinSync(h, h, c2, { p: 2 });
const wd: number = w.distance;
if (w.converged) {
  const c: 'tol' | 'optimal' = w.reason;
  void c;
}
void wd;
const batch2 = sinkhornBatchSync([h, h], [h, h], c2, { epsilon: 0.1 });
const costs: Float64Array = batch2.cost;
void costs;
void sinkhorn(h, h, c2, { epsilon: 0.1, signal: AbortSignal.timeout(10), onProgress: (q) => void q.value });
void emd(h, h, c2, { signal: AbortSignal.timeout(10) });
costMatrix({ rows: 1, cols: 2, data: h }, { rows: 1, cols: 2, data: h, order: 'F' }, { metric: 'cityblock' });
// @ts-expect-error epsilon is required
sinkhornSync(h, h, c2, {});
// @ts-expect-error sinkhorn's plan is dense or none (sinkhornNewton has 'sparse')
sinkhornSync(h, h, c2, { epsilon: 1, plan: 'sparse' });
// @ts-expect-error signal is a Promise-form option
emdSync(h, h, c2, { signal: AbortSignal.timeout(1) });
// @ts-expect-error metrics are a closed set
costMatrix(h, h, { dimension: 2, metric: 'cosine' });

// Errors: AbortError is an ItersolveError with a typed partial result.
cg(A, b).catch((e: unknown) => {
  if (e instanceof AbortError) {
    const code: 'ABORT_ERR' = e.code;
    const partial = (e as AbortError<SolveResult>).result;
    if (partial) void partial.x;
    void code;
  }
  if (e instanceof ItersolveError) void e.argument;
});
const shift: number = Preconditioner.ic0(A).shift;
void shift;
// @ts-expect-error shift is read-only
Preconditioner.ic0(A).shift = 1;
// @ts-expect-error internal: not in the declarations
void Preconditioner.ic0(A).handle;
// @ts-expect-error internal: not in the declarations
void A.args();
`;

t.test('the declarations type a consumer as documented', async (t) => {
  if (build.status !== 0) return t.fail('lib/ did not compile');
  const file = path.join(out, 'consumer.ts');
  fs.writeFileSync(file, consumer);
  const r = run([
    '--noEmit',
    '--strict',
    '--target',
    'ES2022',
    '--module',
    'commonjs',
    '--moduleResolution',
    'node',
    '--lib',
    'ES2022',
    '--types',
    'node',
    '--typeRoots',
    path.join(root, 'node_modules', '@types'),
    file,
  ]);
  t.equal(r.status, 0, r.output || 'compiles, every @ts-expect-error is an error');
});
