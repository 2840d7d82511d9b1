import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import t from 'tap';
import { format, main } from '../lib/cli';
import { getThreads, info } from '../lib/index';
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
async function run(argv: string[], o: { isTTY?: boolean; signal?: AbortSignal } = {}): Promise<Run> {
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
  t.match(txt.out, new RegExp(`simd\\s+${i.simd} \\(detected ${i.simdDetected}; supported: ${i.simdSupported.join(', ')}\\)`));
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
  t.ok(Math.abs(o.gbPerS - o.bytesPerSpmv / (o.bestMs * 1e-3) / 1e9) <= 1e-9 * o.gbPerS, 'GB/s from the best time');
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
  t.ok(Math.abs(lam - want) / want < 5e-3, `power iteration ${lam} close to ${want}`);
  t.ok(lam <= want + 1e-9, 'Rayleigh quotient does not exceed λmax');
  t.match(r.out, /relative error \d\.\de-\d/);
  t.match(r.out, /solve\s+the CG solve of this system arrives with the Krylov solvers/);
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
  t.equal(writes[1], '\r[##########] 100% reading      ', 'clamped; pads over the longer previous line');
  bar.setLabel('x');
  bar.update(NaN);
  t.match(writes[2], /^\r\[----------\]   0% x/);
  bar.done();
  t.match(writes[3], /^\r {5,}\r$/);
  bar.done();
  bar.update(0.5);
  t.equal(writes.length, 4, 'nothing after done');
  t.equal(bar.active, false);

  const narrow: string[] = [];
  const nb = new ProgressBar({ write: (s: string) => narrow.push(s), isTTY: true, columns: 20 }, 'a long label here');
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
  t.same(
    [0.0042, 0.5, 12.345, 999, 2500].map(format.fmtTime),
    ['4.20 µs', '500 µs', '12.3 ms', '999 ms', '2.50 s'],
  );
  t.same([512, 4541, 82.8e6, 1.5e9].map(format.fmtBytes), ['512 B', '4.54 kB', '82.8 MB', '1.50 GB']);
  t.same([0, 999, 1000, 4996000].map(format.fmtInt), ['0', '999', '1,000', '4,996,000']);
  t.same([-3.14159, 42.42, 123.6].map(format.sig), ['-3.14', '42.4', '124']);
});

t.test('help and usage errors', async (t) => {
  for (const argv of [['help'], ['--help'], ['-h'], ['spmv', '--help'], ['demo', '-h']]) {
    const r = await run(argv);
    t.equal(r.code, 0, argv.join(' '));
    t.match(r.out, /^Usage: itersolve <command>/);
    t.match(r.out, /info/);
    t.match(r.out, /spmv <A\.mtx>/);
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
    [['spmv', bcsstk01, '--threads', 'abc'], /option '--threads' expects an integer from 1 to 256, received 'abc'/],
    [['spmv', bcsstk01, '--threads', '0'], /'--threads'.*received '0'/],
    [['spmv', bcsstk01, '--threads=1.5'], /'--threads'.*received '1\.5'/],
    [['spmv', bcsstk01, '--repeat', '-3'], /option '--repeat' expects an integer from 1 to 10000000, received '-3'/],
    [['spmv', bcsstk01, 'other.mtx'], /spmv: unexpected argument 'other\.mtx'/],
    [['demo', '--n', '0'], /demo: option '--n' expects an integer/],
    [['demo', '--threads', '999'], /demo: option '--threads' expects an integer from 1 to 256, received '999'/],
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
  t.equal(p.out, '');
});

t.test('interrupted: exit 130', async (t) => {
  const r = await run(['spmv', bcsstk01], { signal: AbortSignal.abort() });
  t.equal(r.code, 130);
  t.equal(r.err, 'itersolve: interrupted\n');
  const d = await run(['demo', '--n', '10'], { signal: AbortSignal.abort() });
  t.equal(d.code, 130);
  t.equal(d.err, 'itersolve: interrupted\n');
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

const cli = path.join(root, 'dist', 'cjs', 'cli.js');
t.test('built CLI as a child process', { skip: fs.existsSync(cli) ? false : 'dist/cjs/cli.js not built' }, async (t) => {
  t.match(fs.readFileSync(cli, 'utf8'), /^#!\/usr\/bin\/env node\n/, 'shebang');
  const r = spawnSync(process.execPath, [cli, 'info'], { encoding: 'utf8', timeout: 60000 });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^itersolve \d+\.\d+\.\d+/);
  t.match(r.stdout, /simd\s+\w+/);
  t.equal(r.stderr, '');
  const u = spawnSync(process.execPath, [cli, 'bogus'], { encoding: 'utf8', timeout: 60000 });
  t.equal(u.status, 2);
  t.match(u.stderr, /unknown command 'bogus'/);
  const m = spawnSync(process.execPath, [cli, 'spmv', path.join(tmp, 'missing.mtx')], { encoding: 'utf8', timeout: 60000 });
  t.equal(m.status, 1);
  t.match(m.stderr, /^itersolve: .*missing\.mtx/);
  t.ok(noStack(m.stderr));
  // requiring it (not the entry module) runs nothing
  const q = spawnSync(process.execPath, ['-e', `const c = require(${JSON.stringify(cli)}); process.stdout.write(typeof c.main)`], {
    encoding: 'utf8',
    timeout: 60000,
  });
  t.equal(q.stdout, 'function');
});
