// CI-only (a step of .ci/run, needs PETSc and MPI: `apt-get install petsc-dev`; alone:
// `npx tap --disable-coverage test/ci/petsc.test.ts`, ~30 s): petscSolve end to end on 2 local
// MPI ranks. Builds build-petsc/itersolve-petsc with scripts/build-petsc.js when it is missing.
// PETSc's CG+GAMG and GMRES+ASM agree with our own solvers to 1e-8; PETSc's reasons map onto
// ours; bad options, a missing mpiexec or program, a crashed rank end in typed errors; a time
// limit and an AbortSignal kill the whole job (no itersolve-petsc or mpiexec process of it left,
// its directory removed); PETSc reads the files we write byte for byte.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import t from 'tap';
import type { Test } from 'tap';
import { CsrMatrix } from '../../lib/csr';
import { spsolveSync } from '../../lib/direct';
import { cgSync, gmresSync } from '../../lib/krylov';
import { packageRoot } from '../../lib/native';
import {
  petscSolve,
  petscSolveSync,
  readPetscBinarySync,
  writePetscBinarySync,
} from '../../lib/petsc';
import { mapReason } from '../../lib/petsc/solve';
import { convectionDiffusion, poisson2d, rng } from '../../lib/problems';
import { processesMentioning, residualNorm } from '../helpers';

const program =
  process.env.ITERSOLVE_PETSC_PROGRAM || path.join(packageRoot, 'build-petsc', 'itersolve-petsc');
if (!fs.existsSync(program)) {
  const r = spawnSync(process.execPath, [path.join(packageRoot, 'scripts', 'build-petsc.js')], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`npm run build:petsc failed:\n${r.stderr}`);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-petsc-test-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

function rhs(n: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => r() - 0.5);
}

function relDiff(x: Float64Array, y: Float64Array): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    d += (x[i] - y[i]) ** 2;
    s += y[i] ** 2;
  }
  return Math.sqrt(d / s);
}

async function until(what: () => boolean, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A job that runs for minutes (Jacobi-preconditioned Richardson, tolerance 0): to be killed. */
const slow = poisson2d(150);
const slowB = rhs(slow.rows, 9);
const SLOW = {
  ranks: 2,
  ksp: 'richardson',
  pc: 'jacobi',
  rtol: 0,
  atol: 0,
  maxIterations: 1e9,
  timeLimitMs: 120000, // a safety net: a job that escaped its test ends anyway
};

function freshDir(name: string): string {
  const d = path.join(tmp, name);
  fs.mkdirSync(d);
  return d;
}

/** No process of the job is left and its directory in `dir` is gone. */
async function cleanedUp(t: Test, dir: string) {
  // processes already killed may linger for a moment as zombies of init
  await until(() => processesMentioning(dir).length === 0, 5000).catch(() => undefined);
  t.same(processesMentioning(dir), [], 'no mpiexec / itersolve-petsc process of the job is left');
  t.same(fs.readdirSync(dir), [], 'the job directory was removed');
}

t.test('CG + GAMG on 2D Poisson, 2 ranks: agrees with spsolve and cg to 1e-8', async (t) => {
  const A = poisson2d(40);
  const b = rhs(A.rows, 1);
  const r = await petscSolve(A, b, { ranks: 2, ksp: 'cg', pc: 'gamg', rtol: 1e-12 });
  t.equal(r.converged, true);
  t.equal(r.reason, 'rtol');
  t.equal(r.petsc.convergedReason, 'KSP_CONVERGED_RTOL');
  t.same([r.petsc.ksp, r.petsc.pc, r.petsc.ranks], ['cg', 'gamg', 2]);
  t.ok(r.iterations > 0 && r.iterations < 40, `GAMG-CG iterations ${r.iterations}`);
  const direct = spsolveSync(A, b).x;
  const ours = cgSync(A, b, { rtol: 1e-13 }).x;
  t.ok(relDiff(r.x, direct) < 1e-8, `vs spsolve: ${relDiff(r.x, direct)}`);
  t.ok(relDiff(r.x, ours) < 1e-8, `vs cg: ${relDiff(r.x, ours)}`);
  // residualNorm is PETSc's true residual of the x we read back
  const res = residualNorm(A, b, r.x);
  t.ok(Math.abs(r.residualNorm - res) <= 1e-6 * res + 1e-14, `${r.residualNorm} vs ${res}`);
  for (const k of ['loadMs', 'setupMs', 'solveMs'] as const) t.ok(r.petsc[k] >= 0, k);
  t.ok(r.elapsedMs >= r.petsc.solveMs);
});

t.test('GMRES + ASM on convection-diffusion, 2 ranks: agrees with spsolve and gmres', async (t) => {
  const A = convectionDiffusion(40);
  const b = rhs(A.rows, 2);
  const r = await petscSolve(A, b, {
    ranks: 2,
    ksp: 'gmres',
    pc: 'asm',
    rtol: 1e-12,
    petscOptions: { ksp_gmres_restart: 100 },
  });
  t.same([r.converged, r.reason, r.petsc.ksp, r.petsc.pc], [true, 'rtol', 'gmres', 'asm']);
  const direct = spsolveSync(A, b).x;
  const ours = gmresSync(A, b, { rtol: 1e-13, restart: 100 }).x;
  t.ok(relDiff(r.x, direct) < 1e-8, `vs spsolve: ${relDiff(r.x, direct)}`);
  t.ok(relDiff(r.x, ours) < 1e-8, `vs gmres: ${relDiff(r.x, ours)}`);
});

t.test('Sync form, 1 rank, x0, hosts and hostfile', async (t) => {
  const A = poisson2d(30);
  const b = rhs(A.rows, 3);
  const exact = spsolveSync(A, b).x;
  const s = petscSolveSync(A, b, { ksp: 'cg', pc: 'gamg', rtol: 1e-12 });
  t.equal(s.petsc.ranks, 1);
  t.ok(relDiff(s.x, exact) < 1e-8, `sync: ${relDiff(s.x, exact)}`);
  // x0 is the start: from the solution there is nothing left to do
  const z = petscSolveSync(A, b, { ksp: 'cg', pc: 'jacobi', x0: exact, rtol: 1e-6 });
  t.same([z.reason, z.iterations], ['rtol', 0]);
  const h = await petscSolve(A, b, { ranks: 2, hosts: ['localhost:2'], ksp: 'cg', pc: 'gamg' });
  t.same([h.converged, h.petsc.ranks], [true, 2]);
  const hostfile = path.join(tmp, 'hostfile');
  fs.writeFileSync(hostfile, 'localhost slots=2\n');
  // more ranks than the hosts' slots (no --oversubscribe with hosts)
  await t.rejects(petscSolve(A, b, { ranks: 3, hosts: ['localhost:2'] }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'ranks',
  });
  const hf = petscSolveSync(A, b, { ranks: 2, hostfile, ksp: 'cg', pc: 'gamg' });
  t.same([hf.converged, hf.petsc.ranks], [true, 2]);
  t.ok(relDiff(hf.x, h.x) < 1e-12, 'the same run through hosts and hostfile');
});

t.test('reasons', async (t) => {
  const A = poisson2d(20);
  const b = rhs(A.rows, 4);
  const m = await petscSolve(A, b, { ranks: 2, ksp: 'cg', pc: 'none', maxIterations: 2 });
  t.same(
    [m.converged, m.reason, m.iterations, m.petsc.convergedReason],
    [false, 'max-iterations', 2, 'KSP_DIVERGED_ITS'],
  );
  t.equal(m.x.length, A.rows, 'the iterate comes back');
  // Richardson without a preconditioner on Poisson (‖I − A‖ > 1) blows up: past ksp_divtol
  // (10 here, PETSc's default 1e5) it is reason 'divergence'
  const d = await petscSolve(A, b, {
    ranks: 2,
    ksp: 'richardson',
    pc: 'none',
    petscOptions: { ksp_divtol: 10 },
  });
  t.same(
    [d.converged, d.reason, d.petsc.convergedReason],
    [false, 'divergence', 'KSP_DIVERGED_DTOL'],
  );
  t.ok(d.iterations > 0 && d.iterations < 10, `diverged after ${d.iterations} iterations`);
  // preonly (KSP_CONVERGED_ITS) is judged on the true residual: LU meets rtol, Jacobi does not
  const lu = petscSolveSync(A, b, { ksp: 'preonly', pc: 'lu' });
  t.same([lu.converged, lu.reason, lu.petsc.convergedReason], [true, 'rtol', 'KSP_CONVERGED_ITS']);
  const jac = petscSolveSync(A, b, { ksp: 'preonly', pc: 'jacobi' });
  t.same([jac.converged, jac.reason], [false, 'max-iterations']);
  t.equal(mapReason('KSP_DIVERGED_INDEFINITE_PC', 1, 1, 1e-8, 0), 'indefinite');
  t.equal(mapReason('KSP_DIVERGED_NANORINF', null, 1, 1e-8, 0), 'non-finite');
  t.equal(mapReason('KSP_DIVERGED_BREAKDOWN_BICG', 1, 1, 1e-8, 0), 'breakdown');
  t.equal(mapReason('KSP_CONVERGED_ATOL_NORMAL', 1, 1, 1e-8, 0), 'atol');
  t.equal(mapReason('KSP_CONVERGED_HAPPY_BREAKDOWN', 1e-12, 1, 1e-8, 0), 'rtol');
});

t.test('errors', async (t) => {
  const A = poisson2d(10);
  const b = rhs(A.rows, 5);
  await t.rejects(petscSolve(A, b, { ranks: 2, ksp: 'nosuchksp' }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'ksp',
    message: /no KSP type 'nosuchksp'/,
  });
  t.throws(() => petscSolveSync(A, b, { pc: 'nosuchpc' }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'pc',
    message: /no PC type 'nosuchpc'/,
  });
  await t.rejects(
    petscSolve(A, b, { ranks: 2, ksp: 'cg', petscOptions: { ksp_gmres_restart: 5, ksp_foo: 1 } }),
    {
      code: 'ERR_INVALID_ARGUMENT',
      argument: 'petscOptions.ksp_foo',
      message: /PETSc never read -ksp_foo, -ksp_gmres_restart \(/,
    },
    'an option the run never reads (gmres restart for cg) is named',
  );
  t.throws(() => petscSolveSync(A, b, { petscOptions: ['-pc_type', 'jacobi'] }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'petscOptions[0]',
    message: /use the option pc/,
  });
  t.throws(() => petscSolveSync(A, b, { rnaks: 2 } as never), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'rnaks',
    message: /did you mean 'ranks'/,
  });
  t.throws(() => petscSolveSync(A, b, { signal: AbortSignal.abort() } as never), {
    argument: 'signal',
  });
  t.throws(() => petscSolveSync(A, b, { hosts: ['bad host'] }), { argument: 'hosts[0]' });
  t.throws(() => petscSolveSync(A, new Float64Array(3)), { code: 'ERR_DIMENSION_MISMATCH' });
  t.throws(() => petscSolveSync(A, b, { x0: new Float64Array(3) }), {
    code: 'ERR_DIMENSION_MISMATCH',
    argument: 'x0',
  });
  t.throws(() => petscSolveSync(A, b, { ksp: 'cg -pc_type lu' }), { argument: 'ksp' });
  t.throws(() => petscSolveSync(A, b, { hosts: ['a'], hostfile: 'f' }), { argument: 'hosts' });
  await t.rejects(petscSolve(A, b, { mpiexec: '/nonexistent/mpiexec' }), {
    code: 'ERR_UNAVAILABLE',
    argument: 'mpiexec',
    message: /apt-get install petsc-dev/,
  });
  t.throws(() => petscSolveSync(A, b, { program: path.join(tmp, 'no-such-program') }), {
    code: 'ERR_UNAVAILABLE',
    argument: 'program',
    message: /npm run build:petsc/,
  });
  t.throws(() => petscSolveSync(A, b, { program: tmp }), { argument: 'program' }, 'a directory');
  // an executable file that is no program: mpiexec cannot start it (as on a host without it)
  const junk = path.join(tmp, 'junk');
  fs.writeFileSync(junk, 'not a program');
  fs.chmodSync(junk, 0o755);
  await t.rejects(petscSolve(A, b, { program: junk }), {
    code: 'ERR_UNAVAILABLE',
    argument: 'program',
    message: /could not run/,
  });
  // a PETSc error (LU of a parallel matrix needs MUMPS / SuperLU_dist: this one names a solver
  // package that does not exist) is ERR_EXTERNAL with PETSc's message
  await t.rejects(
    petscSolve(A, b, {
      ranks: 2,
      ksp: 'preonly',
      pc: 'lu',
      petscOptions: { pc_factor_mat_solver_type: 'nosuchsolver' },
    }),
    { code: 'ERR_EXTERNAL', message: /PETSc failed on rank/ },
  );
});

t.test('a crashed rank is ERR_EXTERNAL; nothing is left behind', async (t) => {
  const dir = freshDir('crash');
  const p = petscSolve(slow, slowB, { ...SLOW, workDir: dir });
  const ranks = () => processesMentioning(dir).filter((q) => q.argv[0].endsWith('itersolve-petsc'));
  await until(() => ranks().length === 2);
  await new Promise((r) => setTimeout(r, 300));
  process.kill(ranks()[1].pid, 'SIGKILL');
  await t.rejects(p, { code: 'ERR_EXTERNAL', message: /MPI job failed|signal|rank/i });
  await cleanedUp(t, dir);
});

t.test('a job left with some of its ranks gone (MPI did not end it) is killed', async (t) => {
  // rank 1 exits after a second, rank 0 runs on (its command line names the job's files, as a
  // rank's does): Open MPI waits for it
  const script = path.join(tmp, 'stranded.sh');
  fs.writeFileSync(
    script,
    '#!/bin/sh\nif [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then sleep 1; exit 0; fi\nwhile :; do sleep 0.2; done\n',
  );
  fs.chmodSync(script, 0o755);
  const dir = freshDir('stranded');
  process.env.ITERSOLVE_PETSC_STRANDED_MS = '2000';
  const t0 = Date.now();
  try {
    await t.rejects(petscSolve(slow, slowB, { ranks: 2, program: script, workDir: dir }), {
      code: 'ERR_EXTERNAL',
      message: /still running 2 s later; the job was killed/,
    });
  } finally {
    delete process.env.ITERSOLVE_PETSC_STRANDED_MS;
  }
  t.ok(Date.now() - t0 < 20000, `killed after ${Date.now() - t0} ms`);
  await cleanedUp(t, dir);
});

t.test('timeLimitMs kills the whole job: ERR_TIME_LIMIT', async (t) => {
  const dir = freshDir('time');
  const t0 = Date.now();
  await t.rejects(petscSolve(slow, slowB, { ...SLOW, workDir: dir, timeLimitMs: 1500 }), {
    code: 'ERR_TIME_LIMIT',
    argument: 'timeLimitMs',
  });
  const took = Date.now() - t0;
  // killed within seconds (SIGTERM, SIGKILL 2 s later), not after the minutes it would run
  t.ok(took >= 1400 && took < 10000, `took ${took} ms`);
  await cleanedUp(t, dir);
  const dirSync = freshDir('time-sync');
  t.throws(() => petscSolveSync(slow, slowB, { ...SLOW, workDir: dirSync, timeLimitMs: 1500 }), {
    code: 'ERR_TIME_LIMIT',
  });
  await cleanedUp(t, dirSync);
});

t.test('an AbortSignal kills the whole job: AbortError', async (t) => {
  const dir = freshDir('abort');
  const ac = new AbortController();
  const p = petscSolve(slow, slowB, { ...SLOW, workDir: dir, signal: ac.signal });
  await until(
    () =>
      processesMentioning(dir).filter((q) => q.argv[0].endsWith('itersolve-petsc')).length === 2,
  );
  ac.abort();
  await t.rejects(p, { name: 'AbortError', code: 'ABORT_ERR' });
  await cleanedUp(t, dir);
  await t.rejects(petscSolve(slow, slowB, { ...SLOW, signal: AbortSignal.abort() }), {
    name: 'AbortError',
  });
});

t.test('interop: PETSc reads our files byte for byte, we read its x', async (t) => {
  const A = poisson2d(12);
  const b = rhs(A.rows, 6);
  const dir = freshDir('interop');
  const a2 = path.join(dir, 'A2.bin');
  const b2 = path.join(dir, 'b2.bin');
  const r = await petscSolve(A, b, {
    ranks: 2,
    ksp: 'cg',
    pc: 'jacobi',
    keepFiles: true,
    workDir: dir,
    petscOptions: { ksp_view_mat: `binary:${a2}`, ksp_view_rhs: `binary:${b2}` },
  });
  const job = r.petsc.workDir!;
  t.ok(job.startsWith(dir) && fs.existsSync(path.join(job, 'x.bin')), 'keepFiles keeps the job');
  t.equal(Buffer.compare(fs.readFileSync(path.join(job, 'A.bin')), fs.readFileSync(a2)), 0, 'A');
  t.equal(Buffer.compare(fs.readFileSync(path.join(job, 'b.bin')), fs.readFileSync(b2)), 0, 'b');
  const back = readPetscBinarySync(a2) as CsrMatrix;
  t.same([back.rows, back.cols], [A.rows, A.cols]);
  t.same(Array.from(back.colIdx), Array.from(A.colIdx));
  t.same(Array.from(back.values), Array.from(A.values));
  t.same(Array.from(readPetscBinarySync(path.join(job, 'x.bin')) as Float64Array), Array.from(r.x));
  // a file written with writePetscBinarySync is what petscSolve hands PETSc
  writePetscBinarySync(A, path.join(dir, 'mine.bin'));
  t.equal(Buffer.compare(fs.readFileSync(path.join(dir, 'mine.bin')), fs.readFileSync(a2)), 0);
});
