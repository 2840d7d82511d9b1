'use strict';
/**
 * petsc suite (issue 13, section 2): PETSc over MPI (petscSolve) against our best local solver,
 * both measured in this same run, and the PETSc binary writer's / reader's throughput.
 *
 *  1. The anchor: our local candidates on 2D Poisson N = 1000 (poisson2d(1000), n = 10⁶,
 *     4 996 000 nonzeros; --quick: N = 300), b = ones, all threads (getThreads()):
 *     choleskySync(A) then factor.solve(b) (analyse + factorise + solve), and cgSync with the
 *     'ic0' and 'ssor' preconditioners to rtol 1e-8 (true relative residual ≤ 1e-8). The fastest
 *     of them is the anchor every PETSc row's ratio divides by; each one's relative residual
 *     ‖b − A x‖/‖b‖ is in the notes. (Measured here: Cholesky wins at N = 1000, 2–4× ahead of
 *     CG + SSOR and CG + IC(0); Jacobi-CG is 2.5× slower than those, so it is not run. At
 *     N = 300 CG + IC(0) wins.)
 *  2. petscSolve(A, b, { ksp: 'cg', pc: 'gamg', rtol: 1e-8, ranks }) with 1 and 2 ranks: wall clock
 *     of the whole call — writing A and b in PETSc's binary format, mpiexec's start, each rank's
 *     MatLoad of its row block, GAMG setup, the solve, reading x back. PETSc's own load / setup /
 *     solve times and iterations are in the notes. PETSc's CG tests the preconditioned residual
 *     norm by default (the issue's "11 iterations"), which stops at a true relative residual
 *     near 1e-5; the rows marked "true rtol 1e-8" add `-ksp_norm_type unpreconditioned` so that
 *     PETSc stops where our CG does (same accuracy).
 *  3. writePetscBinary / writePetscBinarySync / readPetscBinarySync / readPetscBinary of A (64 MB)
 *     in os.tmpdir(): MB/s (GB/s column: 10⁹ B/s) of the best round, against a plain
 *     fs.writeFileSync / fs.readFileSync of as many bytes from / into one Buffer (the anchor of
 *     those rows' ratio: what the byte swapping, checks and chunking cost over the bare I/O).
 * Skipped with a note when the itersolve-petsc program is not built (`npm run build:petsc`) or
 * mpiexec is missing; the binary-format rows run regardless. Rounds: best of 3 (--quick: 1;
 * the 10⁶-unknown PETSc and Cholesky runs: best of 2; the CG candidates, each over 20 s and
 * twice Cholesky's time here: one). The ratio column is PETSc ÷ anchor (< 1: PETSc is faster).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { relres } = require('./direct');

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** petscSolve and the binary functions: from the library's exports, else lib's petsc folder. */
function petscApi(lib, dist) {
  if (typeof lib.petscSolve === 'function' && typeof lib.writePetscBinary === 'function')
    return lib;
  return require(path.join(dist, 'petsc', 'index.js'));
}

async function bestOf(rounds, fn) {
  let best = null;
  for (let r = 0; r < rounds; r++) {
    const t0 = now();
    const out = await fn();
    const ms = now() - t0;
    if (!best || ms < best.ms) best = { ms, out };
  }
  return best;
}

async function run(opts) {
  const { lib, native, quick, log, dist } = opts;
  const rows = [];
  const notes = [];
  const data = { local: [], petsc: [], binary: [] };
  const thr = native.getThreads();
  const N = quick ? 300 : 1000;
  const rounds = quick ? 1 : 3;
  const bigRounds = quick ? 1 : 2;
  const api = petscApi(lib, dist);

  const A = lib.poisson2d(N);
  const b = new Float64Array(A.rows).fill(1);
  const label = `2D Poisson N=${N} (n=${A.rows})`;

  // 3 first (cheap, no PETSc needed): the binary format's throughput.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-bench-petsc-'));
  try {
    const file = path.join(dir, 'A.bin');
    const bytes = 16 + 4 * A.rows + 12 * A.nnz;
    // Anchors: plain fs calls moving the same number of bytes from / into one Buffer.
    const raw = Buffer.alloc(bytes, 1);
    const rawFile = path.join(dir, 'raw.bin');
    const ops = [
      ['fs.writeFileSync of as many bytes (anchor)', () => fs.writeFileSync(rawFile, raw), 'w'],
      ['writePetscBinary (Promise)', () => api.writePetscBinary(A, file), 'w'],
      ['writePetscBinarySync', () => api.writePetscBinarySync(A, file), 'w'],
      ['fs.readFileSync of as many bytes (anchor)', () => fs.readFileSync(rawFile), 'r'],
      ['readPetscBinarySync', () => api.readPetscBinarySync(file), 'r'],
      ['readPetscBinary (Promise)', () => api.readPetscBinary(file), 'r'],
    ];
    const anchors = {};
    for (const [name, fn, kind] of ops) {
      log(`petsc: ${name} ${label}`);
      const best = await bestOf(rounds, fn);
      if (!anchors[kind]) anchors[kind] = best.ms;
      rows.push({
        problem: `${name}: ${label}, ${(bytes / 1e6).toFixed(1)} MB`,
        bestMs: best.ms,
        gbps: bytes / 1e6 / best.ms,
        ratio: best.ms / anchors[kind],
      });
      data.binary.push({ op: name, bytes, ms: best.ms, mbPerS: bytes / 1e3 / best.ms });
    }
    notes.push(
      `binary format: ${bytes} bytes for A, into ${os.tmpdir()} (page cache; the GB/s column is 10⁹ B/s)`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  // 1: the local anchor.
  const candidates = [
    [
      'choleskySync + solve',
      () => {
        const F = lib.choleskySync(A);
        return { x: F.solve(b), iterations: null };
      },
      bigRounds,
    ],
    ['cgSync ic0 rtol 1e-8', () => lib.cgSync(A, b, { preconditioner: 'ic0', rtol: 1e-8 }), 1],
    ['cgSync ssor rtol 1e-8', () => lib.cgSync(A, b, { preconditioner: 'ssor', rtol: 1e-8 }), 1],
  ];
  let anchor = null;
  for (const [name, fn, r] of candidates) {
    log(`petsc: local ${name} ${label}`);
    const best = await bestOf(quick ? 1 : r, fn);
    const rr = relres(A, best.out.x, b);
    data.local.push({ solver: name, ms: best.ms, iterations: best.out.iterations, relres: rr });
    if (!anchor || best.ms < anchor.ms) anchor = { name, ms: best.ms };
    rows.push({
      problem: `local ${name}: ${label}`,
      threads: thr,
      iterations: best.out.iterations,
      bestMs: best.ms,
    });
    notes.push(`local ${name}: relres ${rr.toExponential(1)}`);
  }
  notes.push(`anchor (fastest local solver, ${thr} threads): ${anchor.name}`);
  for (const r of rows) if (r.problem === `local ${anchor.name}: ${label}`) r.ratio = 1;

  // 2: PETSc GAMG-CG with 1 and 2 ranks.
  const probe = lib.poisson2d(4);
  try {
    await api.petscSolve(probe, new Float64Array(probe.rows).fill(1), { ranks: 1, ksp: 'cg' });
  } catch (e) {
    notes.push(`PETSc skipped: ${e && e.message ? e.message.split('\n')[0] : e}`);
    return { rows, notes, data };
  }
  const variants = [
    ['default norm', {}],
    ['true rtol 1e-8', { petscOptions: { ksp_norm_type: 'unpreconditioned' } }],
  ];
  for (const [vname, extra] of variants) {
    for (const ranks of [1, 2]) {
      log(`petsc: petscSolve cg+gamg ${vname}, ${ranks} rank(s), ${label}`);
      const best = await bestOf(bigRounds, () =>
        api.petscSolve(A, b, { ranks, ksp: 'cg', pc: 'gamg', rtol: 1e-8, ...extra }),
      );
      const res = best.out;
      const rr = res.residualNorm / Math.sqrt(A.rows);
      const ratio = best.ms / anchor.ms;
      rows.push({
        problem: `petscSolve cg+gamg (${vname}) ${ranks} rank${ranks > 1 ? 's' : ''}: ${label} vs anchor`,
        threads: ranks,
        iterations: res.iterations,
        bestMs: best.ms,
        ratio,
      });
      notes.push(
        `petscSolve cg+gamg (${vname}), ${ranks} rank(s): ${res.petsc.convergedReason}, ` +
          `${res.iterations} iterations, relres ${rr.toExponential(1)}; PETSc load ` +
          `${res.petsc.loadMs.toFixed(0)} ms, setup ${res.petsc.setupMs.toFixed(0)} ms, solve ` +
          `${res.petsc.solveMs.toFixed(0)} ms of ${best.ms.toFixed(0)} ms in all (the rest: files, mpiexec)`,
      );
      data.petsc.push({
        variant: vname,
        ranks,
        ms: best.ms,
        iterations: res.iterations,
        relres: rr,
        reason: res.reason,
        petsc: res.petsc,
        ratio,
      });
    }
  }
  return { rows, notes, data };
}

module.exports = { run };
