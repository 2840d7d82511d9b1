import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import t from 'tap';
import { cgIterationBytes, EXIT, format, main, USAGE } from '../lib/cli';
import { METHODS, SOLVE_FLAGS } from '../lib/cli/solve';
import { OPTIONS } from '../lib/options';
import * as lib from '../lib/index';
import {
  CsrMatrix,
  getThreads,
  info,
  norm2,
  poisson2d,
  readMatrixMarket,
  readMatrixMarketWithHeader,
  rng,
  writeMatrixMarket,
} from '../lib/index';
import { ProgressBar } from '../lib/progress';

const root = path.join(__dirname, '..');
const bcsstk01 = path.join(__dirname, 'fixtures', 'matrices', 'bcsstk01.mtx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-cli-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Run {
  code: number;
  out: string;
  err: string;
}

/** main() in-process with captured streams. */
async function run(
  argv: string[],
  o: { isTTY?: boolean; signal?: AbortSignal } = {},
): Promise<Run> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    isTTY: o.isTTY ?? false,
    signal: o.signal,
  });
  return { code, out, err };
}

const noStack = (s: string) => !/\n\s+at /.test(s);

t.test('info: text and --json', async (t) => {
  const i = info();
  const txt = await run(['info']);
  t.equal(txt.code, 0);
  t.equal(txt.err, '');
  t.match(txt.out, new RegExp(`^itersolve ${i.version.replace(/\./g, '\\.')}\n`));
  t.match(
    txt.out,
    new RegExp(
      `simd\\s+${i.simd} \\(detected ${i.simdDetected}; supported: ${i.simdSupported.join(', ')}\\)`,
    ),
  );
  t.match(txt.out, new RegExp(`threads\\s+${i.threads} \\(default ${i.defaultThreads}\\)`));
  t.match(txt.out, /node-api\s+\d+ \(addon\), node supports \d+/);
  t.match(txt.out, new RegExp(`platform\\s+${process.platform}-${process.arch}`));

  const js = await run(['info', '--json']);
  t.equal(js.code, 0);
  const o = JSON.parse(js.out);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  t.equal(o.version, pkg.version);
  t.ok(o.simdSupported.includes(o.simd), 'simd path in use is supported');
  t.ok(o.simdSupported.includes(o.simdDetected));
  t.equal(o.threads, getThreads());
  t.equal(typeof o.defaultThreads, 'number');
  t.equal(o.napiVersion, i.napiVersion);
  t.equal(o.nodeNapiVersion, Number(process.versions.napi));
  t.same([o.platform, o.arch, o.node], [process.platform, process.arch, process.version]);

  const v = await run(['--version']);
  t.same([v.code, v.out], [0, `${pkg.version}\n`]);
});

t.test('spmv on bcsstk01 --repeat 3 --json', async (t) => {
  const r = await run(['spmv', bcsstk01, '--repeat', '3', '--json']);
  t.equal(r.code, 0, r.err);
  t.equal(r.err, '');
  const o = JSON.parse(r.out);
  t.equal(o.file, bcsstk01);
  t.equal(o.fileBytes, fs.statSync(bcsstk01).size);
  t.same([o.rows, o.cols, o.nnz], [48, 48, 400]);
  t.same([o.runs, o.callsPerRun], [3, 1]);
  t.equal(o.threads, getThreads());
  t.ok(o.bestMs > 0 && o.bestMs <= o.medianMs, `best ${o.bestMs} <= median ${o.medianMs}`);
  t.equal(o.bytesPerSpmv, 12 * 400 + 4 * 49 + 16 * 48, '12 B/nnz + 4 B/row pointer + 16 B/row');
  t.ok(o.gbPerS > 0);
  t.ok(
    Math.abs(o.gbPerS - o.bytesPerSpmv / (o.bestMs * 1e-3) / 1e9) <= 1e-9 * o.gbPerS,
    'GB/s from the best time',
  );
});

t.test('spmv text output; --threads applies and is restored', async (t) => {
  const before = getThreads();
  const r = await run(['spmv', '--threads=1', bcsstk01, '--repeat', '5']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /^file\s+.*bcsstk01\.mtx \(4\.54 kB, read in .+\)$/m);
  t.match(r.out, /^rows\s+48$/m);
  t.match(r.out, /^cols\s+48$/m);
  t.match(r.out, /^nnz\s+400$/m);
  t.match(r.out, /^threads\s+1 \(simd \w+\)$/m);
  t.match(r.out, /^runs\s+5$/m);
  t.match(r.out, /^best\s+[\d.]+ (µs|ms|s)$/m);
  t.match(r.out, /^median\s+[\d.]+ (µs|ms|s)$/m);
  t.match(r.out, /^bandwidth\s+[\d.]+ GB\/s \(5\.76 kB per SpMV at the best time\)$/m);
  t.equal(getThreads(), before, 'thread count restored');
  // default: about 0.5 s of timing, batched for a tiny matrix
  const d = await run(['spmv', bcsstk01]);
  t.equal(d.code, 0);
  t.match(d.out, /^runs\s+[\d,]+ x [\d,]+ calls$/m);
});

t.test('demo --n 60', async (t) => {
  const n = 60;
  const r = await run(['demo', '--n', String(n)]);
  t.equal(r.code, 0, r.err);
  t.equal(r.err, '', 'no progress output when not a TTY');
  t.match(r.out, /^itersolve demo: 2D Poisson problem on a 60 x 60 grid/);
  t.match(r.out, /problem\s+3,600 unknowns, 17,760 nonzeros, built in /);
  t.match(r.out, /spmv\s+best [\d.]+ (µs|ms), median [\d.]+ (µs|ms) \(.+\), [\d.]+ GB\/s/);
  t.match(r.out, /mm write\s+[\d.]+ kB in .+, [\d.]+ MB\/s/);
  t.match(r.out, /mm read\s+[\d.]+ kB in .+, [\d.]+ MB\/s, round trip identical/);
  const lam = Number(/eigenvalue\s+([\d.]+)/.exec(r.out)?.[1]);
  const exact = Number(/exact\s+([\d.]+)/.exec(r.out)?.[1]);
  const want = 8 * Math.cos(Math.PI / (2 * (n + 1))) ** 2;
  t.ok(Math.abs(exact - want) < 1e-8, `exact printed: ${exact}`);
  t.ok(Math.abs(lam - want) / want < 1e-8, `eigsh largest ${lam} close to ${want}`);
  t.ok(lam <= want + 1e-9, 'a Ritz value does not exceed λmax');
  const lmin = Number(/smallest\s+([\d.]+) \(eigsh, shift-invert σ = 0/.exec(r.out)?.[1]);
  const wantMin = 8 * Math.sin(Math.PI / (2 * (n + 1))) ** 2;
  t.ok(Math.abs(lmin - wantMin) / wantMin < 1e-8, `eigsh smallest ${lmin} close to ${wantMin}`);
  t.match(r.out, /relative errors \d\.\de[-+]\d+, \d\.\de[-+]\d+/);
  const kappa = Number(/condition\s+κ₂\(A\) = λmax\/λmin = (\S+) /.exec(r.out)?.[1]);
  t.ok(Math.abs(kappa - want / wantMin) / kappa < 1e-5, `condition number ${kappa}`);
  const it = Number(
    /cg\s+(\d+) iterations in [\d.]+ (µs|ms|s) \([\d.]+ (µs|ms) per iteration\), converged \(rtol\)/.exec(
      r.out,
    )?.[1],
  );
  t.ok(it > 10 && it < 400, `cg iterations: ${it}`);
  const rel = Number(
    /residual\s+\|b - A x\| \/ \|b\| = (\S+) \(b = ones, rtol 1e-8\)/.exec(r.out)?.[1],
  );
  t.ok(rel <= 1e-8, `relative residual ${rel}`);
  const bytes = cgIterationBytes(n * n, 5 * n * n - 4 * n);
  t.equal(bytes, 12 * 17760 + 4 * 3601 + 80 * 3600);
  t.match(
    r.out,
    new RegExp(
      `cg traffic\\s+~[\\d.]+ GB/s \\(estimate: ${format.fmtBytes(bytes).replace('.', '\\.')} per iteration`,
    ),
  );
  t.match(r.out, /total\s+[\d.]+ (ms|s)\n$/);
});

t.test('demo on a TTY: progress only on stderr, single line, cleared', async (t) => {
  const r = await run(['demo', '--n', '40', '--threads', '1'], { isTTY: true });
  t.equal(r.code, 0, r.err);
  t.notMatch(r.err, /\n/, 'never a newline on the progress line');
  if (r.err.length > 0) {
    t.match(r.err, /^\r\[[#-]+\]\s+\d+% /);
    t.match(r.err, /\r {10,}\r$/, 'ends by clearing the line');
  }
  t.notMatch(r.out, /\r/, 'stdout stays clean');
});

t.test('progress bar', async (t) => {
  const writes: string[] = [];
  const tty = { write: (s: string) => writes.push(s), isTTY: true };
  const bar = new ProgressBar(tty, 'reading', { width: 10 });
  t.equal(bar.active, true);
  bar.update(0.52, '1 MB');
  t.same(writes, ['\r[#####-----]  52% reading  1 MB']);
  bar.update(0.52, '1 MB');
  t.equal(writes.length, 1, 'unchanged line is not redrawn');
  bar.update(2);
  t.equal(
    writes[1],
    '\r[##########] 100% reading      ',
    'clamped; pads over the longer previous line',
  );
  bar.setLabel('x');
  bar.update(NaN);
  t.match(writes[2], /^\r\[----------\] {3}0% x/);
  bar.done();
  t.match(writes[3], /^\r {5,}\r$/);
  bar.done();
  bar.update(0.5);
  t.equal(writes.length, 4, 'nothing after done');
  t.equal(bar.active, false);

  const narrow: string[] = [];
  const nb = new ProgressBar(
    { write: (s: string) => narrow.push(s), isTTY: true, columns: 20 },
    'a long label here',
  );
  nb.update(0.1);
  t.equal(narrow[0].length, 1 + 19, 'cut to the terminal width');

  const quiet: string[] = [];
  const pipe = new ProgressBar({ write: (s: string) => quiet.push(s) }, 'reading');
  pipe.update(0.5);
  pipe.done();
  t.same(quiet, [], 'nothing at all when not a TTY');
  const off = new ProgressBar(tty, 'off', { enabled: false });
  off.update(0.5);
  off.done();
  t.equal(writes.length, 4, 'enabled: false writes nothing');
  const never = new ProgressBar(tty, 'never');
  never.done();
  t.equal(writes.length, 4, 'done() without a drawing writes nothing');
});

t.test('number formatting', async (t) => {
  t.same([0.0042, 0.5, 12.345, 999, 2500].map(format.fmtTime), [
    '4.20 µs',
    '500 µs',
    '12.3 ms',
    '999 ms',
    '2.50 s',
  ]);
  t.same([512, 4541, 82.8e6, 1.5e9].map(format.fmtBytes), [
    '512 B',
    '4.54 kB',
    '82.8 MB',
    '1.50 GB',
  ]);
  t.same([0, 999, 1000, 4996000].map(format.fmtInt), ['0', '999', '1,000', '4,996,000']);
  t.same([-3.14159, 42.42, 123.6].map(format.sig), ['-3.14', '42.4', '124']);
  t.same([1.2345e-9, 0, 31.4, NaN, -Infinity].map(format.fmtSci), [
    '1.23e-9',
    '0.00e+0',
    '3.14e+1',
    'NaN',
    '-Infinity',
  ]);
});

t.test('help and usage errors', async (t) => {
  for (const argv of [['help'], ['--help'], ['-h'], ['spmv', '--help'], ['demo', '-h']]) {
    const r = await run(argv);
    t.equal(r.code, 0, argv.join(' '));
    t.match(r.out, /^Usage: itersolve <command>/);
    t.match(r.out, /info/);
    t.match(r.out, /spmv <A\.mtx>/);
    t.match(r.out, /solve <A\.mtx> \[b\.mtx\]/);
    t.match(
      r.out,
      /--method M\s+Krylov: cg, bicgstab, gmres, minres, cd, gcrotmk \(cd: conjugate directions\);\s+stationary: jacobi, gauss-seidel, sor, ssor;\s+direct: sparse Cholesky[^]*?Default:\s+cg\./,
    );
    t.match(r.out, /^ {2}3 {4}solve stopped without converging/m);
    t.match(
      r.out,
      /^ {2}4 {4}solve finished \(summary printed\) but --plot or --out could not be written/m,
    );
    t.equal(r.out, USAGE);
    t.match(r.out, /demo/);
    t.equal(r.err, '');
  }
  const none = await run([]);
  t.equal(none.code, 2);
  t.match(none.err, /^Usage: itersolve/);

  const cases: Array<[string[], RegExp]> = [
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['--frob'], /unknown option '--frob'/],
    [['info', '--bogus'], /info: unknown option '--bogus'/],
    [['info', 'extra'], /info: unexpected argument 'extra'/],
    [['info', '--json=yes'], /option '--json' takes no value/],
    [['spmv'], /spmv: missing the Matrix Market file/],
    [['spmv', bcsstk01, '--repeat'], /option '--repeat' needs a value/],
    [
      ['spmv', bcsstk01, '--threads', 'abc'],
      /option '--threads' expects an integer from 1 to 256, received 'abc'/,
    ],
    [['spmv', bcsstk01, '--threads', '0'], /'--threads'.*received '0'/],
    [['spmv', bcsstk01, '--threads=1.5'], /'--threads'.*received '1\.5'/],
    [
      ['spmv', bcsstk01, '--repeat', '-3'],
      /option '--repeat' expects an integer from 1 to 10000000, received '-3'/,
    ],
    [['spmv', bcsstk01, 'other.mtx'], /spmv: unexpected argument 'other\.mtx'/],
    [['demo', '--n', '0'], /demo: option '--n' expects an integer/],
    [
      ['demo', '--threads', '999'],
      /demo: option '--threads' expects an integer from 1 to 256, received '999'/,
    ],
    [['--version', 'x'], /unexpected argument 'x'/],
  ];
  for (const [argv, msg] of cases) {
    const r = await run(argv);
    t.equal(r.code, 2, argv.join(' '));
    t.match(r.err, /^itersolve: /);
    t.match(r.err, msg);
    t.match(r.err, /Run 'itersolve --help' for usage\./);
    t.equal(r.out, '');
  }
  // after `--` everything is an operand
  const dd = await run(['spmv', '--repeat', '1', '--json', '--', bcsstk01]);
  t.equal(dd.code, 0, dd.err);
  t.equal(JSON.parse(dd.out).nnz, 400);
});

t.test('library errors: exit 1, one line, no stack', async (t) => {
  const missing = path.join(tmp, 'no-such-dir', 'missing.mtx');
  const r = await run(['spmv', missing]);
  t.equal(r.code, 1);
  t.equal(r.out, '');
  t.match(r.err, /^itersolve: /);
  t.ok(r.err.includes(missing), `names the path: ${r.err}`);
  t.equal(r.err.trim().split('\n').length, 1, 'a single line');
  t.ok(noStack(r.err));

  const bad = path.join(tmp, 'bad.mtx');
  fs.writeFileSync(bad, '%%MatrixMarket matrix coordinate real general\n2 2 1\n1 x 1.0\n');
  const p = await run(['spmv', bad, '--json']);
  t.equal(p.code, 1);
  t.match(p.err, /^itersolve: .*bad\.mtx.*(:3:|line 3)/, 'names the file and line');
  t.ok(noStack(p.err));
  // --json: the error is also a JSON document on stdout, the same message as the stderr line
  t.same(JSON.parse(p.out), {
    error: { code: 'ERR_PARSE', message: p.err.replace(/^itersolve: /, '').trim() },
  });
});

t.test('--json errors: usage, interrupt and internal errors as JSON on stdout', async (t) => {
  const u = await run(['spmv', bcsstk01, '--repeat', '0', '--json']);
  t.equal(u.code, EXIT.usage);
  t.match(
    u.err,
    /^itersolve: spmv: option '--repeat' expects an integer from 1 to 10000000, received '0'\n/,
  );
  t.same(JSON.parse(u.out), {
    error: {
      code: 'ERR_USAGE',
      message: "spmv: option '--repeat' expects an integer from 1 to 10000000, received '0'",
    },
  });
  const d = await run(['demo', '--json']);
  t.equal(d.code, EXIT.usage, 'demo has no --json, but the error still comes as JSON');
  t.same(JSON.parse(d.out), {
    error: { code: 'ERR_USAGE', message: "demo: unknown option '--json'" },
  });
  const a = await run(['spmv', bcsstk01, '--json'], { signal: AbortSignal.abort() });
  t.equal(a.code, EXIT.interrupted);
  t.same(JSON.parse(a.out), { error: { code: 'ABORT_ERR', message: 'interrupted' } });
  t.equal(a.err, 'itersolve: interrupted\n');
  // after `--`, '--json' is an operand, not a request for JSON
  const op = await run(['spmv', '--', '--json']);
  t.equal(op.code, EXIT.failure);
  t.equal(op.out, '');
  // a bug: JSON too, with the stack kept on stderr only
  let out = '';
  let err = '';
  let calls = 0;
  const code = await main(['info', '--json'], {
    stdout: {
      write: (s: string) => {
        if (calls++ === 0) throw new Error('boom');
        out += s;
      },
    },
    stderr: { write: (s: string) => (err += s) },
  });
  t.equal(code, EXIT.failure);
  t.same(JSON.parse(out), { error: { code: 'ERR_INTERNAL', message: 'boom' } });
  t.match(err, /^itersolve: internal error: Error: boom\n\s+at /);
  // stdout itself broken: the stderr line is all there is
  err = '';
  const broken = await main(['info', '--json'], {
    stdout: {
      write: () => {
        throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
      },
    },
    stderr: { write: (s: string) => (err += s) },
  });
  t.equal(broken, EXIT.failure);
  t.equal(err, 'itersolve: write EPIPE\n');
});

t.test('usage text: the solve options come from the option table', async (t) => {
  // Each entry of the Solve options block, its wrapped lines joined.
  const block = USAGE.slice(USAGE.indexOf('Solve options:\n'), USAGE.indexOf('\nExit codes:'));
  const entries = block.split(/\n(?= {2}--)/).map((e) => e.replace(/\s+/g, ' ').trim());
  for (const f of SOLVE_FLAGS) {
    const head = `${f.flag}${f.meta ? ` ${f.meta}` : ''} `;
    const entry = entries.find((e) => e.startsWith(head));
    if (f.shared) {
      t.notOk(entry, `${f.flag} is documented with the shared options`);
      t.match(USAGE, new RegExp(`^  ${f.flag} `, 'm'));
      continue;
    }
    t.ok(entry, `${f.flag} has a usage entry`);
    if (!entry) continue;
    t.ok(entry.includes(f.doc.replace(/\s+/g, ' ')), `${f.flag}: doc`);
    if (f.default !== undefined)
      t.ok(entry.endsWith(`Default: ${f.default}.`), `${f.flag}: default ${f.default}`);
    if (f.methods) t.ok(entry.includes(`${f.methods.join(', ')} only: `), `${f.flag}: methods`);
  }
  t.ok(
    USAGE.split('\n').every((l) => l.length <= 100),
    'usage lines fit 100 columns',
  );
  // Rows made from lib/options.ts carry its ranges, defaults and methods.
  const byFlag = new Map(SOLVE_FLAGS.map((f) => [f.flag, f]));
  t.same(byFlag.get('--rtol'), {
    flag: '--rtol',
    meta: 'R',
    spec: { kind: 'number', min: 0, max: undefined, exclusive: undefined, expected: undefined },
    doc: OPTIONS.find((o) => o.key === 'rtol')!.doc,
    default: '1e-8',
    methods: undefined,
    needs: undefined,
    key: 'rtol',
  });
  t.same(byFlag.get('--restart')!.methods, ['gmres', 'gcrotmk']);
  t.equal(byFlag.get('--restart')!.default, '30 (gmres), 20 (gcrotmk)');
  t.same(byFlag.get('--memory')!.methods, ['cd']);
  t.same(byFlag.get('--flexible')!.spec, { kind: 'bool' });
  t.same(
    byFlag.get('--precond')!.methods,
    ['cg', 'bicgstab', 'gmres', 'minres', 'cd', 'gcrotmk'],
    'every Krylov method takes --precond (cd as its oracle), no stationary one',
  );
  // --omega: the stationary methods' own relaxation factor, or the SSOR preconditioner's
  t.equal(byFlag.get('--omega')!.methods, undefined);
  t.same(byFlag.get('--omega')!.needs, {
    flag: '--precond',
    value: 'ssor',
    except: ['jacobi', 'sor', 'ssor'],
  });
  t.equal(byFlag.get('--omega')!.default, '1');
  t.same(byFlag.get('--sweep')!.methods, ['gauss-seidel']);
  t.same(byFlag.get('--sweep')!.spec, {
    kind: 'choice',
    choices: ['forward', 'backward', 'symmetric'],
  });
  t.same(byFlag.get('--ordering')!.methods, ['gauss-seidel', 'sor', 'ssor']);
  t.equal(byFlag.get('--ordering')!.default, 'natural');
  t.same(
    byFlag.get('--true-residual-every')!.methods,
    ['cg', 'bicgstab', 'gmres', 'minres', 'cd', 'gcrotmk'],
    'not for the stationary methods, whose residual is always the true one',
  );
  t.equal(byFlag.get('--max-iterations')!.default, '10·n');
  const cliFlags = new Set(SOLVE_FLAGS.map((f) => f.flag));
  for (const o of OPTIONS)
    if (o.flag !== null && o.ops.some((op) => (Object.values(METHODS) as string[]).includes(op)))
      t.ok(cliFlags.has(o.flag), `${o.key}: its flag ${o.flag} is a solve option`);
  t.same(EXIT, { ok: 0, failure: 1, usage: 2, notConverged: 3, outputFailed: 4, interrupted: 130 });
  for (const [, code] of Object.entries(EXIT))
    t.match(USAGE, new RegExp(`^  ${code} +\\S`, 'm'), `exit code ${code} documented`);
});

t.test('interrupted: exit 130', async (t) => {
  const r = await run(['spmv', bcsstk01], { signal: AbortSignal.abort() });
  t.equal(r.code, 130);
  t.equal(r.err, 'itersolve: interrupted\n');
  const d = await run(['demo', '--n', '10'], { signal: AbortSignal.abort() });
  t.equal(d.code, 130);
  t.equal(d.err, 'itersolve: interrupted\n');
  const s = await run(['solve', bcsstk01], { signal: AbortSignal.abort() });
  t.equal(s.code, 130);
  t.equal(s.err, 'itersolve: interrupted\n');
  t.equal(s.out, '');
});

t.test('non-library errors', async (t) => {
  let err = '';
  const stderr = { write: (s: string) => (err += s) };
  const sys = await main(['info'], {
    stdout: {
      write: () => {
        throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
      },
    },
    stderr,
  });
  t.equal(sys, 1);
  t.equal(err, 'itersolve: write EPIPE\n', 'system error: message only');
  err = '';
  const bug = await main(['info'], {
    stdout: {
      write: () => {
        throw new Error('boom');
      },
    },
    stderr,
  });
  t.equal(bug, 1);
  t.match(err, /^itersolve: internal error: Error: boom\n\s+at /, 'a bug keeps its stack');
});

// ---------------------------------------------------------------------------------------------
// solve

/** Tags balanced and nested, one root: enough to tell a truncated or mangled SVG (test/plot.test.ts checks more). */
function balancedXml(xml: string): boolean {
  const stack: string[] = [];
  let roots = 0;
  for (const m of xml
    .replace(/<\?[\s\S]*?\?>/g, '')
    .matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else {
      if (stack.length === 0) roots++;
      if (!m[3]) stack.push(m[2]);
    }
  }
  return stack.length === 0 && roots === 1;
}

/** A small SPD system (2D Poisson, 20 x 20 grid = 400 unknowns) as a Matrix Market file. */
const poisson = path.join(tmp, 'poisson20.mtx');
writeMatrixMarket(poisson2d(20), poisson);

/** ‖b − A x‖₂ as the CLI computes it. */
function residualOf(A: CsrMatrix, b: Float64Array, x: Float64Array): number {
  const r = A.multiply(x);
  for (let i = 0; i < r.length; i++) r[i] = b[i] - r[i];
  return norm2(r);
}

const readVector = (file: string): Float64Array => readMatrixMarket(file).toDense();

t.test('solve: every method on a small Poisson system (--json)', async (t) => {
  const iterations: Record<string, number> = {};
  // The Krylov methods (the stationary ones: below); gcrotmk once its facade has landed.
  const stationary = ['jacobi', 'gauss-seidel', 'sor', 'ssor'];
  const methods = Object.keys(METHODS).filter(
    (m) =>
      !stationary.includes(m) &&
      (m !== 'gcrotmk' || typeof (lib as Record<string, unknown>).gcrotmk === 'function'),
  );
  t.ok(methods.length >= 5);
  for (const method of methods) {
    const r = await run(['solve', poisson, '--method', method, '--json']);
    t.equal(r.code, 0, `${method}: ${r.err}`);
    t.equal(r.err, '');
    const o = JSON.parse(r.out);
    t.same(
      [o.file, o.rows, o.cols, o.nnz, o.rhs, o.method],
      [poisson, 400, 400, 1920, 'A*ones', method],
    );
    t.same([o.converged, o.reason, o.preconditioner], [true, 'rtol', 'none'], method);
    t.ok(
      o.iterations > 0 && o.matvecs >= o.iterations,
      `${method}: ${o.iterations} iterations, ${o.matvecs} matvecs`,
    );
    t.equal(o.tolerance, 1e-8 * o.bNorm);
    t.equal(o.maxIterations, 4000, 'default 10 n');
    // The solver confirmed ‖b − A x‖ <= tol itself; the CLI's recomputation may differ in the last bits.
    t.ok(
      o.residualNorm <= o.tolerance * (1 + 1e-10),
      `${method}: true residual ${o.residualNorm} <= ${o.tolerance}`,
    );
    t.ok(Math.abs(o.relativeResidual - o.residualNorm / o.bNorm) <= 1e-12 * o.relativeResidual);
    t.ok(
      Math.abs(o.solverResidualNorm - o.residualNorm) <= 1e-6 * o.bNorm,
      'solver and CLI agree on the residual',
    );
    t.ok(o.elapsedMs >= 0 && o.msPerIteration === o.elapsedMs / o.iterations);
    // Every setting with a flag, with its default where the method takes it, else null.
    t.same(
      [o.restart, o.memory, o.flexible, o.recycle],
      [
        method === 'gmres' ? 30 : method === 'gcrotmk' ? 20 : null,
        method === 'cd' ? 2 : null,
        method === 'gmres' ? false : null,
        method === 'gcrotmk' ? 20 : null,
      ],
    );
    t.same([o.rtol, o.atol, o.trueResidualEvery], [1e-8, 0, 0]);
    t.same([o.plot, o.out, o.timeLimitMs, o.omega], [null, null, null, null]);
    t.equal(o.threads, getThreads());
    t.equal(o.simd, info().simd);
    iterations[method] = o.iterations;
  }
  // With the identity oracle and memory >= 1, cd's iterates are CG's in exact arithmetic.
  t.ok(
    Math.abs(iterations.cd - iterations.cg) <= Math.max(3, 0.1 * iterations.cg),
    `cd ${iterations.cd} ≈ cg ${iterations.cg}`,
  );
  const g = await run(['solve', poisson, '--method', 'gmres', '--restart', '5', '--json']);
  t.equal(g.code, 0, g.err);
  t.equal(JSON.parse(g.out).restart, 5);
  t.ok(JSON.parse(g.out).iterations > iterations.gmres, 'a shorter restart needs more iterations');
  const sd = await run([
    'solve',
    poisson,
    '--method',
    'cd',
    '--memory',
    '0',
    '--max-iterations',
    '50',
    '--json',
  ]);
  t.equal(sd.code, 3, 'steepest descent does not converge in 50 iterations');
  t.same([JSON.parse(sd.out).memory, JSON.parse(sd.out).reason], [0, 'max-iterations']);
  // flags with no CLI code of their own: they come from the option table and reach the solver
  const fg = await run([
    'solve',
    poisson,
    '--method',
    'gmres',
    '--flexible',
    '--precond',
    'jacobi',
  ]);
  t.equal(fg.code, 0, fg.err);
  t.match(fg.out, /^method\s+gmres \(restart 30, flexible\)$/m);
  const tr = await run(['solve', poisson, '--true-residual-every', '7', '--json']);
  t.equal(tr.code, 0, tr.err);
  t.equal(JSON.parse(tr.out).trueResidualEvery, 7);
  const trText = await run(['solve', poisson, '--method', 'cd', '--true-residual-every', '7']);
  t.match(trText.out, /^method\s+cd \(memory 2, true-residual-every 7\)$/m);
  t.match(
    (await run(['solve', poisson])).out,
    /^method\s+cg$/m,
    'nothing to add for cg by default',
  );
});

t.test('solve: the stationary methods (--method sor --omega 1.7 …)', async (t) => {
  const A = readMatrixMarket(poisson);
  const b = A.multiply(new Float64Array(A.rows).fill(1));
  const its: Record<string, number> = {};
  for (const [method, extra, omega] of [
    ['jacobi', [], 1],
    ['gauss-seidel', [], null],
    ['gauss-seidel', ['--sweep', 'symmetric', '--ordering', 'multicolor'], null],
    ['sor', ['--omega', '1.7'], 1.7],
    ['sor', ['--omega', '1.7', '--ordering', 'multicolor'], 1.7],
    ['ssor', ['--omega', '1.5'], 1.5],
  ] as const) {
    const what = `${method} ${extra.join(' ')}`;
    const r = await run(['solve', poisson, '--method', method, ...extra, '--json']);
    t.equal(r.code, 0, `${what}: ${r.err}`);
    const o = JSON.parse(r.out);
    t.same(
      [o.method, o.converged, o.reason, o.preconditioner, o.omega],
      [method, true, 'rtol', 'none', omega],
      what,
    );
    // x0 = 0: the rule's ‖b − A x0‖ is ‖b‖, the tolerance the CLI reports
    t.equal(o.tolerance, 1e-8 * o.bNorm);
    t.ok(o.residualNorm <= o.tolerance * (1 + 1e-10), `${what}: ${o.residualNorm}`);
    t.ok(
      Math.abs(o.solverResidualNorm - o.residualNorm) <= 1e-12 * o.bNorm,
      'the solver reports the true residual',
    );
    // the facade, called directly, gives the same count
    const fn = {
      jacobi: lib.jacobiSync,
      'gauss-seidel': lib.gaussSeidelSync,
      sor: lib.sorSync,
      ssor: lib.ssorSync,
    }[method];
    const opts = { ...(omega === null ? {} : { omega }) } as Record<string, unknown>;
    for (let i = 0; i + 1 < extra.length; i += 2)
      if (extra[i] !== '--omega') opts[extra[i].slice(2)] = extra[i + 1];
    t.equal(o.iterations, fn(A, b, opts).iterations, `${what}: ${o.iterations} iterations`);
    t.same(
      [o.sweep, o.ordering, o.trueResidualEvery, o.restart],
      [
        method === 'gauss-seidel' ? (extra[1] ?? 'forward') : null,
        method === 'jacobi' ? null : extra.includes('multicolor') ? 'multicolor' : 'natural',
        null,
        null,
      ],
      `${what}: settings`,
    );
    its[what] = o.iterations;
  }
  t.ok(its['sor --omega 1.7'] * 5 < its['gauss-seidel '], 'SOR(1.7) ≪ Gauss-Seidel');
  // text: the method row carries ω and the ordering
  const txt = await run(['solve', poisson, '--method', 'sor', '--omega', '1.7']);
  t.equal(txt.code, 0, txt.err);
  t.match(txt.out, /^method\s+sor \(omega 1\.7, ordering natural\)$/m);
  t.match(txt.out, /^preconditioner\s+none$/m);
  const gs = await run(['solve', poisson, '--method', 'gauss-seidel', '--sweep', 'backward']);
  t.match(gs.out, /^method\s+gauss-seidel \(sweep backward, ordering natural\)$/m);
  // not converging within the limit: exit 3, reason max-iterations
  const few = await run([
    'solve',
    poisson,
    '--method',
    'jacobi',
    '--max-iterations',
    '10',
    '--json',
  ]);
  t.equal(few.code, 3);
  t.same([JSON.parse(few.out).reason, JSON.parse(few.out).iterations], ['max-iterations', 10]);
});

t.test('solve: preconditioners', async (t) => {
  const its: Record<string, number> = {};
  for (const pre of ['none', 'jacobi', 'ssor', 'ic0', 'ilu0']) {
    const extra = pre === 'ssor' ? ['--omega', '1.5'] : [];
    const r = await run(['solve', poisson, '--precond', pre, ...extra, '--json']);
    t.equal(r.code, 0, `${pre}: ${r.err}`);
    const o = JSON.parse(r.out);
    t.same([o.converged, o.preconditioner, o.omega], [true, pre, pre === 'ssor' ? 1.5 : null], pre);
    t.ok(o.residualNorm <= o.tolerance * (1 + 1e-12), `${pre}: ${o.residualNorm}`);
    its[pre] = o.iterations;
  }
  t.ok(its.ic0 < its.none, `ic0 ${its.ic0} < none ${its.none}`);
  t.ok(its.ssor < its.none, `ssor ${its.ssor} < none ${its.none}`);
  const cd = await run(['solve', poisson, '--method', 'cd', '--precond', 'ic0', '--json']);
  t.equal(cd.code, 0, cd.err);
  t.ok(JSON.parse(cd.out).iterations < its.none, 'cd with an ic0 oracle');
  for (const method of ['bicgstab', 'gmres', 'minres']) {
    const r = await run(['solve', poisson, '--method', method, '--precond', 'ic0', '--json']);
    t.equal(r.code, 0, `${method} + ic0: ${r.err}`);
    t.equal(JSON.parse(r.out).converged, true);
  }
});

t.test('solve: text summary on bcsstk01 with ic0, --plot and --out', async (t) => {
  const plot = path.join(tmp, 'conv.svg');
  const xFile = path.join(tmp, 'x.mtx');
  const before = getThreads();
  const r = await run([
    'solve',
    bcsstk01,
    '--precond',
    'ic0',
    '--threads',
    '1',
    '--plot',
    plot,
    '--out',
    xFile,
  ]);
  t.equal(r.code, 0, r.err);
  t.equal(r.err, '', 'no progress output when not a TTY');
  t.match(r.out, /^matrix\s+.*bcsstk01\.mtx$/m);
  t.match(r.out, /^size\s+48 x 48, 400 nonzeros \(read in .+\)$/m);
  t.match(r.out, /^b\s+A \* ones \(no b\.mtx given: the exact solution is all ones\)$/m);
  t.match(r.out, /^method\s+cg$/m);
  t.match(r.out, /^preconditioner\s+ic0$/m);
  t.match(r.out, /^threads\s+1 \(simd \w+\)$/m);
  t.match(
    r.out,
    /^tolerance\s+\S+ = max\(rtol 1e-8 x \|b\| \S+, atol 0\); at most 480 iterations$/m,
  );
  t.match(r.out, /^outcome\s+converged \(rtol\)$/m);
  const it = Number(/^iterations\s+(\d+)$/m.exec(r.out)?.[1]);
  t.ok(it >= 1 && it <= 480, `iterations ${it}`);
  t.match(r.out, /^matvecs\s+\d+$/m);
  t.match(
    r.out,
    /^residual\s+\|b - A x\| = \d\.\d\de[-+]\d+, relative \d\.\d\de-\d+ \(recomputed from x\)$/m,
  );
  t.match(r.out, /^time\s+[\d.]+ (µs|ms|s) \([\d.]+ (µs|ms|s) per iteration\)$/m);
  t.match(
    r.out,
    new RegExp(`^plot\\s+.*conv\\.svg \\(residual history, ${it + 1} points\\)$`, 'm'),
  );
  t.match(r.out, /^solution\s+.*x\.mtx \(Matrix Market array, 48 x 1\)$/m);
  t.equal(getThreads(), before, 'thread count restored');

  const svg = fs.readFileSync(plot, 'utf8');
  t.ok(balancedXml(svg), 'plot is well-formed');
  t.match(svg, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  t.match(svg, />cg \+ ic0</, 'legend');
  t.match(svg, />threshold \d/, 'tolerance line in the legend');
  t.match(svg, /bcsstk01\.mtx \(n = 48\): cg \+ ic0, converged/, 'title');

  // --out round trip: x read back gives exactly the residual reported
  const { matrix: X, header } = readMatrixMarketWithHeader(xFile);
  t.same([header.format, X.rows, X.cols], ['array', 48, 1]);
  const text = fs.readFileSync(xFile, 'utf8').split('\n');
  t.equal(text[0], '%%MatrixMarket matrix array real general');
  t.match(text[1], /^% itersolve solve bcsstk01\.mtx: cg \+ ic0, rtol after \d+ iterations$/);
  t.equal(text[2], '48 1');
  const A = readMatrixMarket(bcsstk01);
  const b = A.multiply(new Float64Array(48).fill(1));
  const x = readVector(xFile);
  const j = await run(['solve', bcsstk01, '--precond', 'ic0', '--threads', '1', '--json']);
  const o = JSON.parse(j.out);
  t.equal(residualOf(A, b, x), o.residualNorm, 'x round-trips bit for bit');
  t.ok(
    x.every((v) => Math.abs(v - 1) < 1e-3),
    'x ≈ ones',
  );
});

t.test('solve: b.mtx as an array and as a coordinate vector', async (t) => {
  const A = readMatrixMarket(bcsstk01);
  const rand = rng(7);
  const b = Float64Array.from({ length: 48 }, () => rand() - 0.5);
  const arr = path.join(tmp, 'b-array.mtx');
  fs.writeFileSync(
    arr,
    `%%MatrixMarket matrix array real general\n% b\n48 1\n${Array.from(b, String).join('\n')}\n`,
  );
  const coo = path.join(tmp, 'b-coo.mtx');
  writeMatrixMarket(CsrMatrix.fromDense(1, 48, b), coo); // 1 x n also counts as a vector
  const xFile = path.join(tmp, 'xb.mtx');
  for (const file of [arr, coo]) {
    const r = await run(['solve', bcsstk01, file, '--precond', 'ic0', '--out', xFile, '--json']);
    t.equal(r.code, 0, r.err);
    const o = JSON.parse(r.out);
    t.equal(o.rhs, file);
    t.equal(o.bNorm, norm2(b));
    t.equal(o.converged, true);
    t.equal(residualOf(A, b, readVector(xFile)), o.residualNorm);
  }
  // b = 0: x = 0 at once, relative residual reported as 0
  const zero = path.join(tmp, 'b-zero.mtx');
  fs.writeFileSync(zero, `%%MatrixMarket matrix array real general\n48 1\n${'0\n'.repeat(48)}`);
  const z = await run(['solve', bcsstk01, zero, '--json']);
  t.equal(z.code, 0, z.err);
  t.match(JSON.parse(z.out), {
    converged: true,
    iterations: 0,
    bNorm: 0,
    residualNorm: 0,
    relativeResidual: 0,
  });
  const txt = await run(['solve', bcsstk01, arr, '--precond', 'ic0']);
  t.match(txt.out, new RegExp(`^b\\s+.*b-array\\.mtx$`, 'm'));
  // wrong length
  const short = path.join(tmp, 'b-short.mtx');
  fs.writeFileSync(short, '%%MatrixMarket matrix array real general\n3 1\n1\n2\n3\n');
  const w = await run(['solve', bcsstk01, short]);
  t.equal(w.code, 1);
  t.match(
    w.err,
    /^itersolve: .*b-short\.mtx: expected a vector of length 48 \(an 48 x 1 array or coordinate matrix\), received 3x1\n$/,
  );
  t.equal(w.out, '');
});

t.test('solve: not converged exits 3 after the summary', async (t) => {
  const plot = path.join(tmp, 'partial.svg');
  const r = await run(['solve', poisson, '--max-iterations', '5', '--plot', plot]);
  t.equal(r.code, 3);
  t.equal(r.err, '');
  t.match(r.out, /^outcome\s+not converged: stopped by max-iterations$/m);
  t.match(r.out, /^iterations\s+5$/m);
  t.ok(balancedXml(fs.readFileSync(plot, 'utf8')));
  t.match(fs.readFileSync(plot, 'utf8'), /stopped: max-iterations/);
  const j = await run(['solve', poisson, '--max-iterations', '0', '--json']);
  t.equal(j.code, 3);
  const o = JSON.parse(j.out);
  t.same(
    [o.converged, o.reason, o.iterations, o.msPerIteration],
    [false, 'max-iterations', 0, null],
  );
  t.equal(o.relativeResidual, 1, 'x = 0: the residual is b');
  const z = await run(['solve', poisson, '--max-iterations', '0', '--time-limit', '5000']);
  t.equal(z.code, 3);
  t.match(z.out, /^time\s+[\d.]+ (µs|ms)$/m, 'no per-iteration time after 0 iterations');
  t.match(z.out, /^tolerance\s+.*; at most 0 iterations, 5\.00 s$/m);
  // atol as the binding tolerance
  const a = await run(['solve', poisson, '--rtol', '0', '--atol', '1e-3', '--json']);
  t.equal(a.code, 0, a.err);
  t.same([JSON.parse(a.out).reason, JSON.parse(a.out).tolerance], ['atol', 1e-3]);
});

t.test('solve: Ctrl-C stops the solve and prints the partial result', async (t) => {
  const big = path.join(tmp, 'poisson100.mtx');
  writeMatrixMarket(poisson2d(100), big);
  for (const json of [false, true]) {
    const ac = new AbortController();
    let out = '';
    let err = '';
    // Abort at the first progress report of the solve: the solve is then surely under way.
    const code = await main(
      [
        'solve',
        big,
        '--rtol',
        '0',
        '--max-iterations',
        '100000000',
        '--time-limit',
        '60000',
        ...(json ? ['--json'] : []),
      ],
      {
        stdout: { write: (s: string) => (out += s) },
        stderr: {
          write: (s: string) => {
            err += s;
            if (s.includes('iteration')) ac.abort();
          },
          isTTY: true,
        },
        isTTY: true,
        signal: ac.signal,
      },
    );
    t.equal(code, 130, err);
    t.ok(ac.signal.aborted);
    t.match(err, /\r\[[#-]+\]\s+\d+% cg {2}iteration [\d,]+, residual \S+/, 'progress bar');
    t.match(err, /itersolve: interrupted\n$/);
    if (json) {
      const o = JSON.parse(out);
      t.same([o.converged, o.reason], [false, 'aborted']);
      t.ok(
        o.iterations >= 0 && o.iterations < 100000000,
        `stopped after ${o.iterations} iterations`,
      );
    } else {
      t.match(out, /^outcome\s+not converged: stopped by aborted$/m);
    }
  }
});

t.test('solve: progress bar on a TTY', async (t) => {
  const r = await run(['solve', poisson, '--precond', 'jacobi'], { isTTY: true });
  t.equal(r.code, 0, r.err);
  t.notMatch(r.err, /\n/, 'never a newline on the progress line');
  if (r.err.length > 0) {
    t.match(r.err, /^\r\[[#-]+\]\s+\d+% cg/);
    t.match(r.err, /\r {10,}\r$/, 'ends by clearing the line');
  }
  t.notMatch(r.out, /\r/);
});

t.test('solve: usage errors exit 2', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['solve'], /solve: missing the Matrix Market file \(itersolve solve A\.mtx \[b\.mtx\]\)/],
    [['solve', poisson, 'b.mtx', 'c.mtx'], /solve: unexpected argument 'c\.mtx'/],
    [
      ['solve', poisson, '--method', 'lsqr'],
      /solve: option '--method' expects one of cg, bicgstab, gmres, minres, cd, gcrotmk, jacobi, gauss-seidel, sor, ssor, direct, received 'lsqr'/,
    ],
    [
      ['solve', poisson, '--precond', 'amg'],
      /option '--precond' expects one of none, jacobi, ssor, ic0, ilu0, received 'amg'/,
    ],
    [
      ['solve', poisson, '--omega', '1.2'],
      /option '--omega' needs --precond ssor or --method jacobi, sor or ssor$/m,
    ],
    [
      ['solve', poisson, '--method', 'gauss-seidel', '--omega', '1.2'],
      /option '--omega' needs --precond ssor or --method jacobi, sor or ssor$/m,
    ],
    [
      ['solve', poisson, '--method', 'sor', '--omega', '2'],
      /option '--omega' expects a number in \(0, 2\), received '2'/,
    ],
    [
      ['solve', poisson, '--method', 'sor', '--sweep', 'backward'],
      /option '--sweep' applies only to --method gauss-seidel$/m,
    ],
    [
      ['solve', poisson, '--method', 'gauss-seidel', '--sweep', 'sideways'],
      /option '--sweep' expects one of forward, backward, symmetric, received 'sideways'/,
    ],
    [
      ['solve', poisson, '--method', 'jacobi', '--ordering', 'multicolor'],
      /option '--ordering' applies only to --method gauss-seidel or --method sor or --method ssor$/m,
    ],
    [
      ['solve', poisson, '--method', 'sor', '--precond', 'ssor', '--omega', '1.5'],
      /option '--precond' applies only to --method cg or /,
    ],
    [
      ['solve', poisson, '--method', 'ssor', '--true-residual-every', '3'],
      /option '--true-residual-every' applies only to --method cg or /,
    ],
    [
      ['solve', poisson, '--sweep', 'forward'],
      /option '--sweep' applies only to --method gauss-seidel/,
    ],
    [
      ['solve', poisson, '--precond', 'ssor', '--omega', '2'],
      /option '--omega' expects a number in \(0, 2\), received '2'/,
    ],
    [['solve', poisson, '--rtol', 'abc'], /option '--rtol' expects a number >= 0, received 'abc'/],
    [
      ['solve', poisson, '--rtol', '-1e-8'],
      /option '--rtol' expects a number >= 0, received '-1e-8'/,
    ],
    [['solve', poisson, '--atol', 'Infinity'], /option '--atol' expects a number >= 0/],
    [
      ['solve', poisson, '--time-limit', '0'],
      /option '--time-limit' expects a positive number, received '0'/,
    ],
    [['solve', poisson, '--max-iterations', '1.5'], /option '--max-iterations' expects an integer/],
    [['solve', poisson, '--restart', '10'], /option '--restart' applies only to --method gmres/],
    [
      ['solve', poisson, '--method', 'gmres', '--restart', '0'],
      /option '--restart' expects an integer from 1 to 100000/,
    ],
    [['solve', poisson, '--memory', '3'], /option '--memory' applies only to --method cd/],
    [['solve', poisson, '--plot='], /option '--plot' expects a file name/],
    [['solve', poisson, '--out'], /option '--out' needs a value/],
    [['solve', poisson, '--json=1'], /option '--json' takes no value/],
    [['solve', poisson, '--threads', '0'], /option '--threads' expects an integer from 1 to 256/],
  ];
  for (const [argv, msg] of cases) {
    const r = await run(argv);
    t.equal(r.code, 2, argv.join(' '));
    t.match(r.err, /^itersolve: /);
    t.match(r.err, msg);
    t.match(r.err, /Run 'itersolve --help' for usage\./);
    t.equal(r.out, '');
  }
});

t.test('solve: failures exit 1 with one line', async (t) => {
  const missing = path.join(tmp, 'nope', 'A.mtx');
  const m = await run(['solve', missing]);
  t.equal(m.code, 1);
  t.ok(m.err.includes(missing), m.err);
  const rect = path.join(tmp, 'rect.mtx');
  fs.writeFileSync(
    rect,
    '%%MatrixMarket matrix coordinate real general\n3 2 2\n1 1 1.0\n3 2 2.0\n',
  );
  const ns = await run(['solve', rect]);
  t.equal(ns.code, 1);
  t.match(
    ns.err,
    /^itersolve: .*rect\.mtx: expected a square matrix to solve with, received 3x2\n$/,
  );
  const missingB = await run(['solve', bcsstk01, path.join(tmp, 'no-b.mtx')]);
  t.equal(missingB.code, 1);
  t.match(missingB.err, /no-b\.mtx/);
  // A zero diagonal: ic0 of [[0 1] [1 0]] cannot be shifted into a factorisation (a shift is a
  // multiple of the diagonal) and fails at row 0, in one line.
  const zp = path.join(tmp, 'zero-pivot.mtx');
  fs.writeFileSync(
    zp,
    '%%MatrixMarket matrix coordinate real symmetric\n2 2 3\n1 1 0\n2 1 1\n2 2 0\n',
  );
  const r = await run(['solve', zp, '--method', 'gmres', '--precond', 'ic0']);
  t.equal(r.code, 1);
  t.match(r.err, /^itersolve: .*row 0/i, r.err);
  t.equal(r.err.trim().split('\n').length, 1, 'a single line');
  t.ok(noStack(r.err));
  t.equal(r.out, '');
  // [[1 1 0] [1 1 1] [0 1 1]] has a full diagonal and its ILU(0) pivot u₁₁ = 1 − 1·1 vanishes at
  // row 1: the factorisation is shifted past it and the solve goes on.
  const zp3 = path.join(tmp, 'zero-pivot-3.mtx');
  fs.writeFileSync(
    zp3,
    '%%MatrixMarket matrix coordinate real symmetric\n3 3 5\n1 1 1\n2 1 1\n2 2 1\n3 2 1\n3 3 1\n',
  );
  const s3 = await run(['solve', zp3, '--method', 'gmres', '--precond', 'ilu0', '--json']);
  t.equal(s3.code, 0, s3.err);
  t.equal(JSON.parse(s3.out).converged, true);
});

t.test('solve: --plot and --out paths are checked before solving (exit 1, ERR_IO)', async (t) => {
  const noDir = path.join(tmp, 'no-dir', 'p.svg');
  const p = await run(['solve', poisson, '--plot', noDir]);
  t.equal(p.code, EXIT.failure);
  t.equal(
    p.err,
    `itersolve: option '--plot': cannot write '${noDir}': the folder '${path.dirname(noDir)}' does not exist\n`,
  );
  t.equal(p.out, '', 'nothing solved, nothing printed');
  const j = await run(['solve', poisson, '--out', tmp, '--json']);
  t.equal(j.code, EXIT.failure);
  t.same(JSON.parse(j.out), {
    error: {
      code: 'ERR_IO',
      message: `option '--out': cannot write '${tmp}': it is a folder`,
      argument: '--out',
    },
  });
  const underFile = path.join(bcsstk01, 'x.mtx'); // a path through a regular file
  const f = await run(['solve', poisson, '--out', underFile]);
  t.equal(f.code, EXIT.failure);
  t.match(
    f.err,
    /^itersolve: option '--out': cannot write '.*bcsstk01\.mtx\/x\.mtx': '.*bcsstk01\.mtx' is not a folder\n$/,
  );
  // the solve never started: the matrix is not even read (a missing A with a bad --out fails on --out)
  const both = await run(['solve', path.join(tmp, 'missing-A.mtx'), '--plot', noDir]);
  t.match(both.err, /option '--plot'/);
  // an existing file is fine and is replaced
  const existing = path.join(tmp, 'existing.mtx');
  fs.writeFileSync(existing, 'old');
  const ok = await run(['solve', poisson, '--out', existing]);
  t.equal(ok.code, EXIT.ok, ok.err);
  t.match(fs.readFileSync(existing, 'utf8'), /^%%MatrixMarket matrix array real general\n/);
  // outputs that would overwrite an input, or each other: usage errors
  for (const [argv, msg] of [
    [
      ['solve', poisson, '--out', poisson],
      /option '--out' would overwrite the input '.*poisson20\.mtx'/,
    ],
    [
      ['solve', bcsstk01, existing, '--plot', existing],
      /option '--plot' would overwrite the input/,
    ],
    [
      ['solve', poisson, '--plot', existing, '--out', existing],
      /options '--plot' and '--out' name the same file/,
    ],
  ] as Array<[string[], RegExp]>) {
    const r = await run(argv);
    t.equal(r.code, EXIT.usage, argv.join(' '));
    t.match(r.err, msg);
  }
  // ... but both may go to /dev/null
  if (fs.existsSync('/dev/null')) {
    const n = await run(['solve', poisson, '--plot', '/dev/null', '--out', '/dev/null']);
    t.equal(n.code, EXIT.ok, n.err);
  }
});

t.test(
  'solve: a write that fails after the solve keeps the summary (exit 4, ERR_IO)',
  { skip: fs.existsSync('/dev/full') ? false : 'no /dev/full' },
  async (t) => {
    // /dev/full passes the pre-check (an existing, writable file) and fails every write with ENOSPC.
    const xFile = path.join(tmp, 'x-kept.mtx');
    fs.rmSync(xFile, { force: true });
    const r = await run(['solve', poisson, '--plot', '/dev/full', '--out', xFile]);
    t.equal(r.code, EXIT.outputFailed);
    t.match(r.out, /^outcome\s+converged \(rtol\)$/m, 'the summary is printed');
    t.match(r.out, /^plot\s+\/dev\/full NOT written \(error below\)$/m);
    t.match(r.out, /^solution\s+.*x-kept\.mtx \(Matrix Market array, 400 x 1\)$/m);
    t.equal(
      r.err,
      "itersolve: option '--plot': cannot write '/dev/full': ENOSPC: no space left on device, write (the solve itself finished)\n",
    );
    t.equal(readMatrixMarket(xFile).rows, 400, 'the other output is still written');

    const full2 = path.join(tmp, 'full2'); // a second name for /dev/full
    fs.symlinkSync('/dev/full', full2);
    const j = await run(['solve', poisson, '--plot', '/dev/full', '--out', full2, '--json']);
    t.equal(j.code, EXIT.outputFailed);
    const o = JSON.parse(j.out); // one document: the summary with the error in it
    t.same([o.converged, o.plot, o.out], [true, '/dev/full', full2]);
    t.equal(o.error.code, 'ERR_IO');
    t.equal(o.error.argument, '--plot', 'names the first flag that failed');
    t.match(
      o.error.message,
      /^option '--plot': cannot write '\/dev\/full': ENOSPC.*; option '--out': cannot write '.*full2': ENOSPC/,
    );
    t.equal(j.err, `itersolve: ${o.error.message}\n`);

    // not converged and not written: 4 (the missing file is the more urgent news)
    const nc = await run(['solve', poisson, '--max-iterations', '2', '--out', '/dev/full']);
    t.equal(nc.code, EXIT.outputFailed);
    t.match(nc.out, /^outcome\s+not converged: stopped by max-iterations$/m);
    t.match(nc.out, /^solution\s+\/dev\/full NOT written \(error below\)$/m);
  },
);

// The package's `bin` (ITERSOLVE_CLI overrides it, e.g. for a private tsc build of lib/).
const cli =
  process.env.ITERSOLVE_CLI ??
  path.join(
    root,
    JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).bin.itersolve,
  );
t.test(
  'built CLI as a child process',
  { skip: fs.existsSync(cli) ? false : `${cli} not built` },
  async (t) => {
    t.match(fs.readFileSync(cli, 'utf8'), /^#!\/usr\/bin\/env node\n/, 'shebang');
    const r = spawnSync(process.execPath, [cli, 'info'], { encoding: 'utf8', timeout: 60000 });
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /^itersolve \d+\.\d+\.\d+/);
    t.match(r.stdout, /simd\s+\w+/);
    t.equal(r.stderr, '');
    const u = spawnSync(process.execPath, [cli, 'bogus'], { encoding: 'utf8', timeout: 60000 });
    t.equal(u.status, 2);
    t.match(u.stderr, /unknown command 'bogus'/);
    const m = spawnSync(process.execPath, [cli, 'spmv', path.join(tmp, 'missing.mtx')], {
      encoding: 'utf8',
      timeout: 60000,
    });
    t.equal(m.status, 1);
    t.match(m.stderr, /^itersolve: .*missing\.mtx/);
    t.ok(noStack(m.stderr));
    if (fs.existsSync('/dev/full')) {
      const w = spawnSync(
        process.execPath,
        [cli, 'solve', bcsstk01, '--out', '/dev/full', '--json'],
        { encoding: 'utf8', timeout: 60000 },
      );
      t.equal(w.status, 4, 'exit 4: solved, --out not written');
      t.same(
        [JSON.parse(w.stdout).converged, JSON.parse(w.stdout).error.argument],
        [true, '--out'],
      );
    }
    // requiring it (not the entry module) runs nothing
    const q = spawnSync(
      process.execPath,
      ['-e', `const c = require(${JSON.stringify(cli)}); process.stdout.write(typeof c.main)`],
      {
        encoding: 'utf8',
        timeout: 60000,
      },
    );
    t.equal(q.stdout, 'function');
  },
);

t.test('relax-demo: --steps 20 --plot --json, text with progress, usage errors', async (t) => {
  const svg = path.join(tmp, 'relax.svg');
  const r = await run(['relax-demo', '--steps', '20', '--plot', svg, '--json']);
  t.equal(r.code, 0, r.err);
  t.equal(r.err, '', 'no progress output when not a TTY');
  const o = JSON.parse(r.out);
  t.same([o.steps, o.n, o.nx, o.dt, o.rtol, o.plot], [20, 99 * 99, 100, 1e-3, 1e-8, svg]);
  const labels: string[] = o.strategies.map((s: { strategy: string }) => s.strategy);
  t.same(labels, [
    'ω = 1',
    'ω = 1.3',
    'ω = 1.5',
    'ω = 1.75',
    'ω = 1.95',
    'optimalSorOmega',
    'Tsallis-INF',
    'Tsallis-INF, κ bins',
    'Chebyshev CB, κ',
    'cg (no preconditioner)',
  ]);
  const fixed = o.strategies.filter((s: { kind: string }) => s.kind === 'fixed');
  const best = Math.min(...fixed.map((s: { totalIterations: number }) => s.totalIterations));
  t.equal(
    o.strategies.find((s: { strategy: string }) => s.strategy === o.bestFixed).totalIterations,
    best,
  );
  for (const s of o.strategies) {
    t.ok(s.totalIterations >= 20, `${s.strategy}: at least one iteration per step`);
    t.equal(s.notConverged, 0);
    t.ok(s.elapsedMs > 0);
    t.ok(Math.abs(s.iterationRatio - s.totalIterations / best) < 1e-12);
    if (s.kind === 'cg') t.equal(s.meanOmega, null);
    else t.ok(s.meanOmega >= 1 && s.meanOmega < 2, `${s.strategy}: mean ω ${s.meanOmega}`);
  }
  const text = fs.readFileSync(svg, 'utf8');
  t.match(
    text,
    /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/,
  );
  t.match(text, /<\/svg>\n$/);
  for (const l of labels) t.ok(text.includes(`>${l}</text>`), `legend: ${l}`);
  t.equal(
    (text.match(/<path d="M[\d.]+ [\d.]+L[^"]*" stroke="#/g) ?? []).length,
    labels.length,
    'one line each',
  );

  // Text table; a progress line on stderr on a TTY, cleared at the end.
  const svg2 = path.join(tmp, 'relax2.svg');
  const tx = await run(['relax-demo', '--steps', '2', '--threads', '1', '--plot', svg2], {
    isTTY: true,
  });
  t.equal(tx.code, 0, tx.err);
  t.match(tx.out, /^itersolve relax-demo: heat equation, 9,801 unknowns, 2 Crank-Nicolson steps/);
  t.match(tx.out, /\(1 thread\)\n/);
  t.match(
    tx.out,
    /strategy\s+iterations\s+time\s+choosing ω\s+mean ω\s+iters \/ best\s+time \/ best/,
  );
  t.match(tx.out, /optimalSorOmega \(Lanczos\) once per distinct κ \(2 runs\)/);
  for (const l of labels) t.match(tx.out, new RegExp(`\\n  ${l.replace(/[.()]/g, '\\$&')}\\s+\\d`));
  t.match(tx.out, /best fixed ω: ω = [\d.]+ \(ratios are to it\)/);
  t.match(tx.err, /^\r\[[#-]+\]\s+\d+% relax-demo 1\/10 ω = 1/);
  t.match(tx.err, /\r {10,}\r$/, 'ends by clearing the line');
  t.notMatch(tx.out, /\r/);
  t.match(
    tx.out,
    new RegExp(`plot: ${svg2.replace(/[.\\/]/g, '\\$&')} \\(iterations per step\\)\\n$`),
  );
  t.ok(fs.statSync(svg2).size > 1000);

  // A plot that cannot be written (disk full): the table first, then the error, exit 4.
  if (fs.existsSync('/dev/full')) {
    const full = await run(['relax-demo', '--steps', '1', '--plot', '/dev/full']);
    t.equal(full.code, EXIT.outputFailed);
    t.match(full.out, /plot: \/dev\/full NOT written \(error below\)\n$/);
    t.match(
      full.err,
      /^itersolve: option '--plot': cannot write '\/dev\/full': .*the runs themselves finished/,
    );
    const fj = await run(['relax-demo', '--steps', '1', '--plot', '/dev/full', '--json']);
    t.equal(fj.code, EXIT.outputFailed);
    t.match(JSON.parse(fj.out), { steps: 1, error: { code: 'ERR_IO', argument: '--plot' } });
  }

  for (const [argv, msg] of [
    [['--steps', '0'], /relax-demo: option '--steps' expects an integer from 1 to 1000000/],
    [['--bogus'], /relax-demo: unknown option '--bogus'/],
    [['--plot'], /relax-demo: option '--plot' needs a value/],
    [['extra'], /relax-demo: unexpected argument 'extra'/],
  ] as Array<[string[], RegExp]>) {
    const u = await run(['relax-demo', ...argv]);
    t.equal(u.code, 2, argv.join(' '));
    t.match(u.err, msg);
    t.equal(u.out, '');
  }
  const missing = await run([
    'relax-demo',
    '--steps',
    '1',
    '--plot',
    path.join(tmp, 'no', 'x.svg'),
    '--json',
  ]);
  t.equal(missing.code, 1, 'a --plot folder that does not exist fails before any work');
  t.match(JSON.parse(missing.out).error, { code: 'ERR_IO', argument: '--plot' });
  const ac = new AbortController();
  ac.abort();
  const stopped = await run(['relax-demo', '--steps', '5'], { signal: ac.signal });
  t.equal(stopped.code, EXIT.interrupted);
  t.match(stopped.err, /^itersolve: interrupted\n$/);
});
