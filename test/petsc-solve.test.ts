// petscSolve / petscSolveSync without PETSc or MPI (the real thing is test/ci/petsc.test.ts, a CI
// step): option checks, the ERR_UNAVAILABLE paths, and the whole pipeline against a fake mpiexec
// (test/fixtures/petsc/fake-mpiexec.js: it parses the command line petscSolve builds, reads A and
// b in PETSc's binary format, solves densely, writes x and prints the ITERSOLVE-PETSC line, or
// fails in the way its -fake_mode option names). Covered: every KSPConvergedReason mapping, x and
// the PETSc fields read back, the ITERSOLVE-PETSC-ERROR kinds, malformed output and crashed jobs
// (ERR_EXTERNAL with the stderr tail), the time limit, abort and stranded-rank kills (no process
// of the job left, its directory removed), keepFiles, hosts / hostfile and the mpiexec flavours.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import t from 'tap';
import { CsrMatrix } from '../lib/csr';
import { petscSolve, petscSolveSync } from '../lib/petsc';
import { mapReason } from '../lib/petsc/solve';
import type { PetscSolveOptions } from '../lib/petsc';
import { poisson2d } from '../lib/problems';
import { processesMentioning } from './helpers';

const fixtures = path.join(__dirname, 'fixtures', 'petsc');
const fake = path.join(fixtures, 'fake-mpiexec.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-petsc-solve-test-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

const A = poisson2d(3); // 9 x 9
const n = A.rows;
const b = Float64Array.from({ length: n }, (_, i) => 1 + (i % 4) - 0.5 * (i % 3));
const bnorm = Math.hypot(...b);

let dirs = 0;
/** A fresh, empty work directory (to see that a job's directory is removed). */
function workDir(): string {
  const d = path.join(tmp, `w${dirs++}`);
  fs.mkdirSync(d);
  return d;
}

const base = (o: PetscSolveOptions = {}): PetscSolveOptions => ({
  mpiexec: fake,
  program: fake,
  ...o,
});

/** ‖b − A x‖₂ summed in the fake's order (it reports this as PETSc's true residual; compared exactly). */
function residual(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    let r = b[i];
    for (let k = A.rowPtr[i]; k < A.rowPtr[i + 1]; k++) r -= A.values[k] * x[A.colIdx[k]];
    s += r * r;
  }
  return Math.sqrt(s);
}

interface Recorded {
  argv: string[];
  ranks: number;
  flags: string[];
  hostfile: string | null;
  hostfileText: string | null;
  program: string;
  opts: Record<string, string | true>;
}
const recorded = (dir: string): Recorded =>
  JSON.parse(fs.readFileSync(path.join(dir, 'argv.json'), 'utf8')) as Recorded;

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The pids the fake mpiexec wrote to `file`, waiting up to `ms` for it; null when it never came. */
async function waitFor(file: string, ms = 30000): Promise<number[] | null> {
  for (let i = 0; i < ms / 10 && !fs.existsSync(file); i++)
    await new Promise((r) => setTimeout(r, 10));
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as number[];
  } catch {
    return null;
  }
}

async function allGone(pids: () => number[]): Promise<boolean> {
  for (let i = 0; i < 500 && pids().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
  return pids().length === 0;
}

/** Runs f (awaited) with process.env[name] = value (read when the job starts, and after). */
async function withEnv<R>(name: string, value: string, f: () => R): Promise<Awaited<R>> {
  const old = process.env[name];
  process.env[name] = value;
  try {
    return await f();
  } finally {
    if (old === undefined) delete process.env[name];
    else process.env[name] = old;
  }
}

t.test('option checks', async (t) => {
  const bad = (o: unknown, argument: string, message?: RegExp, code = 'ERR_INVALID_ARGUMENT') =>
    t.throws(() => petscSolveSync(A, b, base(o as PetscSolveOptions)), {
      code,
      argument,
      ...(message ? { message } : {}),
    });
  t.throws(() => petscSolveSync(A, b, base({ rnaks: 2 } as PetscSolveOptions)), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'rnaks',
    message: /rnaks: unknown option of petscSolve \(did you mean 'ranks'\?\)/,
  });
  t.throws(
    () => petscSolveSync(A, b, base({ signal: new AbortController().signal } as PetscSolveOptions)),
    { code: 'ERR_INVALID_ARGUMENT', message: /signal: not an option of petscSolveSync/ },
  );
  t.throws(() => petscSolveSync({} as CsrMatrix, b), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'A',
  });
  t.throws(() => petscSolveSync(CsrMatrix.fromDense(2, 3, new Float64Array(6)), b), {
    code: 'ERR_DIMENSION_MISMATCH',
    message: /A: expected a square matrix/,
  });
  t.throws(
    () => petscSolveSync(CsrMatrix.fromDense(0, 0, new Float64Array(0)), new Float64Array(0)),
    {
      code: 'ERR_INVALID_ARGUMENT',
      argument: 'A',
    },
  );
  t.throws(() => petscSolveSync(A, new Float64Array(3)), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'b',
  });
  bad({ ranks: 0 }, 'ranks');
  bad({ ranks: 1.5 }, 'ranks');
  bad({ ksp: 'cg; rm -rf /' }, 'ksp', /PETSc KSP type name/);
  bad({ ksp: 3 }, 'ksp');
  bad({ pc: '-gamg' }, 'pc', /PETSc PC type name/);
  bad({ rtol: -1 }, 'rtol');
  bad({ atol: NaN }, 'atol');
  bad({ maxIterations: -1 }, 'maxIterations');
  bad({ x0: new Float64Array(3) }, 'x0', undefined, 'ERR_DIMENSION_MISMATCH');
  bad({ mpiexec: '' }, 'mpiexec');
  bad({ hosts: ['a'], hostfile: '/etc/hosts' }, 'hosts', /hosts or hostfile, not both/);
  bad({ hosts: [] }, 'hosts');
  bad({ hosts: 'node1' }, 'hosts');
  bad({ hosts: ['node1', 'node2:0'] }, 'hosts[1]');
  bad({ hosts: ['-oProxyCommand=x'] }, 'hosts[0]');
  bad({ hostfile: 7 }, 'hostfile');
  bad({ petscOptions: 'ksp_monitor' }, 'petscOptions');
  bad({ petscOptions: new Float64Array(2) }, 'petscOptions');
  bad({ petscOptions: { ksp_type: 'cg' } }, 'petscOptions.ksp_type', /use the option ksp/);
  bad({ petscOptions: { '-PC_TYPE': 'lu' } }, 'petscOptions.-PC_TYPE', /use the option pc/);
  bad({ petscOptions: { ksp_rtol: 1 } }, 'petscOptions.ksp_rtol', /rtol/);
  bad({ petscOptions: { ksp_max_it: 1 } }, 'petscOptions.ksp_max_it', /maxIterations/);
  bad({ petscOptions: { x: 'out.bin' } }, 'petscOptions.x', /names the result file/);
  bad({ petscOptions: { 'bad name': 1 } }, 'petscOptions.bad name', /PETSc option name/);
  bad({ petscOptions: { ksp_gmres_restart: Infinity } }, 'petscOptions.ksp_gmres_restart');
  bad({ petscOptions: { ksp_gmres_restart: [1] } }, 'petscOptions.ksp_gmres_restart');
  bad({ petscOptions: ['ksp_monitor'] }, 'petscOptions[0]', /starting with '-'/);
  bad({ petscOptions: ['-ksp_monitor', ''] }, 'petscOptions[1]');
  bad({ petscOptions: ['-ksp_monitor', 3] }, 'petscOptions[1]');
  bad({ petscOptions: ['-ksp_monitor', '-ksp$x'] }, 'petscOptions[1]', /PETSc option name/);
  bad({ petscOptions: ['-pc_gamg_threshold', '0.1', '-ksp_type', 'cg'] }, 'petscOptions[2]');
  bad({ petscOptions: ['-A', 'a.bin'] }, 'petscOptions[0]', /use the option A/);
  await t.rejects(petscSolve(A, b, base({ ksp: '1cg' })), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'ksp',
  });
});

t.test('ERR_UNAVAILABLE and ERR_IO before the job', async (t) => {
  const missing = path.join(tmp, 'no-such-mpiexec');
  t.throws(() => petscSolveSync(A, b, base({ mpiexec: missing })), {
    code: 'ERR_UNAVAILABLE',
    argument: 'mpiexec',
    message: /cannot run the MPI launcher .*no-such-mpiexec' \(ENOENT\)/,
  });
  await t.rejects(petscSolve(A, b, base({ mpiexec: missing })), {
    code: 'ERR_UNAVAILABLE',
    argument: 'mpiexec',
  });
  const noProgram = path.join(tmp, 'no-such-program');
  t.throws(() => petscSolveSync(A, b, base({ program: noProgram })), {
    code: 'ERR_UNAVAILABLE',
    argument: 'program',
    message: /no-such-program is missing or not executable \(ENOENT\).*npm run build:petsc/,
  });
  await t.rejects(petscSolve(A, b, base({ program: tmp })), {
    code: 'ERR_UNAVAILABLE',
    argument: 'program',
    message: /not a file/,
  });
  // the default program: $ITERSOLVE_PETSC_PROGRAM
  await withEnv('ITERSOLVE_PETSC_PROGRAM', noProgram, () =>
    t.throws(() => petscSolveSync(A, b, { mpiexec: fake }), {
      code: 'ERR_UNAVAILABLE',
      message: /no-such-program/,
    }),
  );
  t.throws(() => petscSolveSync(A, b, base({ hostfile: path.join(tmp, 'no-hostfile') })), {
    code: 'ERR_IO',
    argument: 'hostfile',
  });
  t.throws(() => petscSolveSync(A, b, base({ workDir: path.join(tmp, 'no', 'dir') })), {
    code: 'ERR_IO',
    argument: 'workDir',
  });
  await t.rejects(petscSolve(A, b, base({ workDir: path.join(tmp, 'no', 'dir') })), {
    code: 'ERR_IO',
    argument: 'workDir',
  });
  // a launcher that ran once (its flavour is known) and has gone since: the supervisor's spawn fails
  const copy = path.join(tmp, 'gone-mpiexec.js');
  fs.copyFileSync(fake, copy);
  fs.chmodSync(copy, 0o755);
  t.equal(petscSolveSync(A, b, base({ mpiexec: copy })).reason, 'rtol');
  fs.rmSync(copy);
  t.throws(() => petscSolveSync(A, b, base({ mpiexec: copy })), {
    code: 'ERR_UNAVAILABLE',
    argument: 'mpiexec',
    message: /ENOENT/,
  });
  await t.rejects(petscSolve(A, b, base({ mpiexec: copy })), { code: 'ERR_UNAVAILABLE' });
  // an already-aborted signal: nothing starts
  const ac = new AbortController();
  ac.abort();
  await t.rejects(petscSolve(A, b, { ...base(), signal: ac.signal }), { name: 'AbortError' });
});

t.test('a solve, Sync and Promise: x, residual, the PETSc fields, the command line', async (t) => {
  for (const sync of [true, false]) {
    const wd = workDir();
    const o = base({
      ranks: 3,
      ksp: 'cg',
      pc: 'jacobi',
      rtol: 1e-6,
      atol: 1e-12,
      maxIterations: 77,
      workDir: wd,
      keepFiles: true,
      petscOptions: {
        ksp_monitor: true,
        '-ksp_norm_type': 'unpreconditioned',
        pc_x: false,
        pc_y: 0.25,
      },
    });
    const r = sync ? petscSolveSync(A, b, o) : await petscSolve(A, b, o);
    t.equal(r.reason, 'rtol');
    t.equal(r.converged, true);
    t.equal(r.iterations, 3);
    t.ok(residual(r.x) < 1e-12 * bnorm);
    t.equal(r.residualNorm, residual(r.x));
    t.ok(r.elapsedMs > 0);
    t.same(
      { ...r.petsc, workDir: undefined },
      {
        ksp: 'cg',
        pc: 'jacobi',
        ranks: 3,
        convergedReason: 'KSP_CONVERGED_RTOL',
        kspResidualNorm: r.residualNorm / 2,
        loadMs: 1.5,
        setupMs: 2.5,
        solveMs: 3.5,
        workDir: undefined,
      },
    );
    t.equal(path.dirname(r.petsc.workDir!), wd);
    t.match(path.basename(r.petsc.workDir!), /^itersolve-petsc-/);
    const rec = recorded(r.petsc.workDir!);
    const d = r.petsc.workDir!;
    t.same(
      rec.flags,
      process.getuid?.() === 0 ? ['--allow-run-as-root', '--oversubscribe'] : ['--oversubscribe'],
    );
    t.equal(rec.ranks, 3);
    t.equal(rec.program, fake);
    t.same(rec.argv.slice(rec.argv.indexOf(fake)), [
      fake,
      '-A',
      path.join(d, 'A.bin'),
      '-b',
      path.join(d, 'b.bin'),
      '-x',
      path.join(d, 'x.bin'),
      '-ksp_type',
      'cg',
      '-pc_type',
      'jacobi',
      '-ksp_rtol',
      '0.000001',
      '-ksp_atol',
      '1e-12',
      '-ksp_max_it',
      '77',
      '-ksp_monitor',
      '-ksp_norm_type',
      'unpreconditioned',
      '-pc_x',
      'false',
      '-pc_y',
      '0.25',
    ]);
    t.same(fs.readdirSync(d).sort(), ['A.bin', 'argv.json', 'b.bin', 'x.bin']);
  }
  // without keepFiles the directory goes; defaults: gmres, no -pc_type, maxIterations 10 n
  const wd = workDir();
  const r = await petscSolve(A, b, base({ workDir: wd, petscOptions: ['-fake_mode', 'x0'] }));
  t.same(fs.readdirSync(wd), []);
  t.equal(r.petsc.workDir, undefined);
  t.equal(r.petsc.ksp, 'gmres');
  t.equal(r.petsc.pc, 'ilu');
  t.equal(r.petsc.ranks, 1);
  t.same(r.x, new Float64Array(n)); // no x0: zeros, the fake's x
  t.equal(r.reason, 'rtol'); // as PETSc said, whatever the residual
  // x0 is written and passed (-fake_mode x0 hands it back as x)
  const x0 = Float64Array.from({ length: n }, (_, i) => i / 7);
  const wd2 = workDir();
  const r2 = petscSolveSync(
    A,
    b,
    base({ x0, workDir: wd2, keepFiles: true, petscOptions: { fake_mode: 'x0' } }),
  );
  t.same(r2.x, x0);
  const rec = recorded(r2.petsc.workDir!);
  t.equal(rec.opts.x0, path.join(r2.petsc.workDir!, 'x0.bin'));
  t.equal(rec.opts.ksp_max_it, String(10 * n));
  t.equal(rec.opts.pc_type, undefined);
});

t.test("PETSc's reasons onto ours", async (t) => {
  const cases: [string, string, string | undefined, string][] = [
    ['KSP_CONVERGED_RTOL', 'zero', undefined, 'rtol'],
    ['KSP_CONVERGED_RTOL_NORMAL', 'zero', undefined, 'rtol'],
    ['KSP_CONVERGED_ATOL', 'zero', undefined, 'atol'],
    ['KSP_CONVERGED_ATOL_NORMAL', 'solve', undefined, 'atol'],
    ['KSP_DIVERGED_ITS', 'solve', undefined, 'max-iterations'],
    ['KSP_DIVERGED_DTOL', 'solve', undefined, 'divergence'],
    ['KSP_DIVERGED_BREAKDOWN', 'solve', undefined, 'breakdown'],
    ['KSP_DIVERGED_BREAKDOWN_BICG', 'solve', undefined, 'breakdown'],
    ['KSP_DIVERGED_PC_FAILED', 'solve', undefined, 'breakdown'],
    ['KSP_DIVERGED_PCSETUP_FAILED', 'solve', undefined, 'breakdown'],
    ['KSP_DIVERGED_NULL', 'solve', undefined, 'breakdown'],
    ['KSP_DIVERGED_NONSYMMETRIC', 'solve', undefined, 'breakdown'],
    ['KSP_DIVERGED_INDEFINITE_PC', 'solve', undefined, 'indefinite'],
    ['KSP_DIVERGED_INDEFINITE_MAT', 'solve', undefined, 'indefinite'],
    ['KSP_DIVERGED_NANORINF', 'solve', 'nan', 'non-finite'],
    ['KSP_DIVERGED_SOMETHING_NEW', 'solve', undefined, 'breakdown'],
    // reasons without a tolerance test: judged on the true residual
    ['KSP_CONVERGED_ITS', 'solve', undefined, 'rtol'],
    ['KSP_CONVERGED_ITS', 'zero', undefined, 'max-iterations'],
    ['KSP_CONVERGED_ITS', 'solve', 'nan', 'non-finite'],
    ['KSP_CONVERGED_HAPPY_BREAKDOWN', 'solve', undefined, 'rtol'],
    ['KSP_CONVERGED_HAPPY_BREAKDOWN', 'zero', undefined, 'breakdown'],
    ['KSP_CONVERGED_CG_NEG_CURVE', 'zero', undefined, 'indefinite'],
    ['KSP_CONVERGED_CG_CONSTRAINED', 'zero', undefined, 'max-iterations'],
  ];
  // the mapping itself, on every case; then a few of them through the whole pipeline (at once)
  for (const [name, mode, resid, want] of cases)
    t.equal(
      mapReason(name, resid ? null : mode === 'zero' ? bnorm : 1e-14, bnorm, 1e-10, 0),
      want,
      `mapReason ${name} (${mode}${resid ? ', residual ' + resid : ''})`,
    );
  t.equal(mapReason('CONVERGED_ITS', Infinity, bnorm, 1e-10, 0), 'non-finite');
  const piped = [4, 14, 17].map((i) => cases[i]);
  const results = await Promise.all(
    piped.map(([name, mode, resid]) => {
      const petscOptions: Record<string, string> = { fake_reason: name, fake_mode: mode };
      if (resid) petscOptions.fake_residual = resid;
      return petscSolve(A, b, base({ rtol: 1e-10, petscOptions }));
    }),
  );
  piped.forEach(([name, mode, resid, want], i) => {
    const r = results[i];
    t.equal(r.reason, want, `${name} (${mode}${resid ? ', residual ' + resid : ''})`);
    t.equal(r.converged, want === 'rtol' || want === 'atol');
    t.equal(r.petsc.convergedReason, name);
    if (resid === 'nan') {
      t.ok(Number.isNaN(r.residualNorm));
      t.equal(r.petsc.kspResidualNorm, null);
    } else t.equal(r.residualNorm, residual(r.x));
  });
  // the atol side of a reason judged on the true residual: ‖r‖ ≤ atol
  t.equal(mapReason('KSP_CONVERGED_ITS', bnorm, bnorm, 0, 2 * bnorm), 'atol');
  t.equal(mapReason('KSP_CONVERGED_ITS', bnorm, bnorm, 0, 0.5 * bnorm), 'max-iterations');
});

t.test('ITERSOLVE-PETSC-ERROR lines, crashes and malformed output', async (t) => {
  const run = (petscOptions: Record<string, string> | string[], o: PetscSolveOptions = {}) =>
    petscSolve(A, b, base({ ...o, petscOptions }));
  const cases: [Promise<unknown>, object, string][] = [
    [
      run({ fake_mode: 'unknown-type', fake_option: 'ksp_type' }, { ksp: 'kryptonite' }),
      {
        code: 'ERR_INVALID_ARGUMENT',
        argument: 'ksp',
        message: /ksp: PETSc has no KSP type 'kryptonite' \(-ksp_type/,
      },
      'unknown ksp',
    ],
    [
      run({ fake_mode: 'unknown-type', fake_option: 'pc_type' }, { pc: 'magic' }),
      { code: 'ERR_INVALID_ARGUMENT', argument: 'pc', message: /pc: PETSc has no PC type 'magic'/ },
      'unknown pc',
    ],
    [
      run({
        fake_mode: 'unknown-type',
        fake_option: 'pc_factor_mat_solver_type',
        pc_factor_mat_solver_type: 'nope',
      }),
      { code: 'ERR_INVALID_ARGUMENT', argument: 'petscOptions' },
      'unknown type of another option',
    ],
    [
      run(
        { fake_mode: 'unused', fake_unused: 'pc_gamg_treshold,ksp_foo', pc_gamg_treshold: '0.1' },
        { ksp: 'cg', pc: 'gamg' },
      ),
      {
        code: 'ERR_INVALID_ARGUMENT',
        argument: 'petscOptions.pc_gamg_treshold',
        message:
          /petscOptions.pc_gamg_treshold: PETSc never read -ksp_foo, -pc_gamg_treshold \(misspelt, or not an option of ksp 'cg' with pc 'gamg'\)/,
      },
      'unused options, object form',
    ],
    [
      run(['-fake_mode', 'unused', '-fake_unused', 'Ksp_Bar', '-ksp_bar']),
      {
        argument: 'petscOptions[4]',
        message: /never read -Ksp_Bar \(misspelt, or not an option of ksp 'gmres'\)/,
      },
      'unused option, array form',
    ],
    [
      run({ fake_mode: 'unused', fake_unused: 'from_env' }),
      { argument: 'petscOptions' },
      'unused option not given',
    ],
    [
      run({ fake_mode: 'petsc', fake_code: '86' }),
      {
        code: 'ERR_INVALID_ARGUMENT',
        argument: 'petscOptions',
        message: /Unknown type.*PETSc error 86/,
      },
      'PETSc error 86',
    ],
    [
      run({ fake_mode: 'slots' }, { ranks: 64 }),
      { code: 'ERR_INVALID_ARGUMENT', argument: 'ranks', message: /64 ranks need more slots/ },
      'slots',
    ],
    [
      run({ fake_mode: 'not-runnable' }),
      {
        code: 'ERR_UNAVAILABLE',
        argument: 'program',
        message:
          /could not run .*fake-mpiexec.js on a host[^]*unable to find the specified executable/,
      },
      'not runnable',
    ],
    [
      run({ fake_mode: 'exit' }),
      { code: 'ERR_EXTERNAL', message: /mpiexec exit status 3[^]*rank 1: Segmentation fault/ },
      'exit status',
    ],
    [
      run({ fake_mode: 'signal' }),
      { code: 'ERR_EXTERNAL', message: /mpiexec killed by SIGKILL/ },
      'killed',
    ],
    ...['no-marker', 'bad-json', 'rows'].map((mode): [Promise<unknown>, object, string] => [
      run({ fake_mode: mode }),
      { code: 'ERR_EXTERNAL', message: /printed no valid ITERSOLVE-PETSC line/ },
      mode,
    ]),
    [
      run({ fake_mode: 'short-x' }),
      { code: 'ERR_EXTERNAL', message: /wrote no vector of 9 entries/ },
      'short x',
    ],
  ];
  await Promise.all(cases.map(([p, want, name]) => t.rejects(p, want, name)));
  // the Sync form, and the stderr tail without PETSc's configure line
  let e66: Error | undefined;
  try {
    petscSolveSync(A, b, base({ petscOptions: { fake_mode: 'petsc', fake_code: '66' } }));
  } catch (e) {
    e66 = e as Error;
  }
  t.match(e66, {
    code: 'ERR_EXTERNAL',
    message: /PETSc failed on rank 1 \(error 66: Unknown type[^]*something went wrong/,
  });
  t.notMatch(e66!.message, /Configure options/);
});

t.test('hosts, hostfile and the mpiexec flavours', async (t) => {
  const root = process.getuid?.() === 0 ? ['--allow-run-as-root'] : [];
  const r = petscSolveSync(
    A,
    b,
    base({ hosts: ['node1', 'node2:4'], keepFiles: true, workDir: workDir() }),
  );
  let rec = recorded(r.petsc.workDir!);
  t.same(rec.flags, root);
  t.equal(rec.hostfile, path.join(r.petsc.workDir!, 'hostfile'));
  t.equal(rec.hostfileText, 'node1\nnode2 slots=4\n');
  t.ok(rec.argv.includes('--hostfile'));
  const own = path.join(tmp, 'my-hosts');
  fs.writeFileSync(own, 'localhost slots=2\n');
  const r2 = await petscSolve(A, b, base({ hostfile: own, keepFiles: true, workDir: workDir() }));
  rec = recorded(r2.petsc.workDir!);
  t.equal(rec.hostfile, own);
  t.same(rec.flags, root);
  // MPICH (a different spelling of the launcher's path: flavours are remembered per command)
  const mpich = `${fixtures}/./fake-mpiexec.js`;
  const r3 = await withEnv('FAKE_MPI_FLAVOUR', 'mpich', () =>
    petscSolveSync(
      A,
      b,
      base({ mpiexec: mpich, hosts: ['a', 'b:2'], keepFiles: true, workDir: workDir() }),
    ),
  );
  rec = recorded(r3.petsc.workDir!);
  t.same(rec.flags, []);
  t.ok(rec.argv.includes('-f'));
  t.equal(rec.hostfileText, 'a\nb:2\n');
  const r4 = petscSolveSync(A, b, base({ mpiexec: mpich, keepFiles: true, workDir: workDir() }));
  t.same(recorded(r4.petsc.workDir!).flags, []); // remembered: no Open MPI flags
  // neither: no flavour flags at all
  const other = `${fixtures}/././fake-mpiexec.js`;
  const r5 = await withEnv('FAKE_MPI_FLAVOUR', 'other', () =>
    petscSolve(A, b, base({ mpiexec: other, hostfile: own, keepFiles: true, workDir: workDir() })),
  );
  rec = recorded(r5.petsc.workDir!);
  t.same(rec.flags, []);
  t.same(rec.argv.slice(0, 4), ['-n', '1', '-f', own]);
});

t.test(
  'time limit, abort, stranded ranks: the whole job killed, its directory removed',
  async (t) => {
    /** A job of the fake's `mode` that runs until killed; what it left behind checked afterwards. */
    const job = async (
      name: string,
      mode: string,
      go: (o: PetscSolveOptions, pidfile: string) => Promise<void>,
    ) => {
      const wd = workDir();
      const pidfile = path.join(tmp, `pids-${name}`);
      await go(
        base({ workDir: wd, petscOptions: { fake_mode: mode, fake_pidfile: pidfile } }),
        pidfile,
      );
      // A time limit can end the job before the fake got as far as starting its ranks (a node
      // starting slowly on a loaded machine, e.g. under the ASan preload in CI): then there is no
      // pidfile, and what is checked is that no process naming it is left.
      const timed = name.includes('time-limit');
      const pids = await waitFor(pidfile, timed ? 0 : 30000);
      if (pids) {
        t.ok(pids.length >= 2, name);
        t.ok(await allGone(() => pids.filter(alive)), `${name}: mpiexec and its ranks are gone`);
      } else t.ok(timed, `${name}: killed before its ranks started`);
      t.ok(
        await allGone(() => processesMentioning(pidfile).map((q) => q.pid)),
        `${name}: no process of the job is left`,
      );
      t.same(fs.readdirSync(wd), [], `${name}: the job's directory is removed`);
    };
    await job('sync-time-limit', 'sleep', async (o) => {
      const t0 = Date.now();
      t.throws(() => petscSolveSync(A, b, { ...o, timeLimitMs: 3000 }), {
        code: 'ERR_TIME_LIMIT',
        argument: 'timeLimitMs',
        message: /time limit of 3000 ms ran out; the MPI job was killed/,
      });
      t.ok(Date.now() - t0 < 15000);
    });
    // the Promise form's cases at once (the watchdog's patience shortened for the stranded job)
    await withEnv('ITERSOLVE_PETSC_STRANDED_MS', '300', () =>
      Promise.all([
        job('time-limit', 'sleep', (o) =>
          t.rejects(petscSolve(A, b, { ...o, timeLimitMs: 3000 }), {
            code: 'ERR_TIME_LIMIT',
            argument: 'timeLimitMs',
          }),
        ),
        job('abort', 'sleep', async (o, pidfile) => {
          const ac = new AbortController();
          const p = petscSolve(A, b, { ...o, signal: ac.signal });
          const pids = await waitFor(pidfile);
          t.ok(pids !== null && pids.every(alive), 'abort: the ranks run before the abort');
          ac.abort();
          await t.rejects(p, { name: 'AbortError', code: 'ABORT_ERR' });
        }),
        // one rank gone, the other still running: the job is ended
        job('stranded', 'stranded', (o) =>
          t.rejects(petscSolve(A, b, o), {
            code: 'ERR_EXTERNAL',
            message: /still running 0.3 s later; the job was killed/,
          }),
        ),
        (async () => {
          // abort right after the call: before the files are written
          const ac = new AbortController();
          const wd = workDir();
          const p = petscSolve(A, b, { ...base({ workDir: wd }), signal: ac.signal });
          ac.abort();
          await t.rejects(p, { name: 'AbortError' });
          t.same(fs.readdirSync(wd), []);
        })(),
        // a time limit used up before the job starts (a launcher not seen before: `--version` runs first)
        t.rejects(
          petscSolve(
            A,
            b,
            base({ mpiexec: `${fixtures}/../../fixtures/petsc/fake-mpiexec.js`, timeLimitMs: 1 }),
          ),
          { code: 'ERR_TIME_LIMIT', message: /before the MPI job started/ },
        ),
      ]),
    );
    t.throws(
      () =>
        petscSolveSync(
          A,
          b,
          base({ mpiexec: `${fixtures}/../petsc/fake-mpiexec.js`, timeLimitMs: 1 }),
        ),
      { code: 'ERR_TIME_LIMIT', message: /ran out before the MPI job started/ },
    );
  },
);
