#!/usr/bin/env node
'use strict';
// PETSc over MPI end to end: one large linear system solved by PETSc's KSP on several MPI ranks
// (petscSolve), and PETSc's binary format for exchanging matrices and vectors with any PETSc
// program (writePetscBinary / readPetscBinary).
//
// Prerequisites (once per machine; Debian / Ubuntu):
//   apt-get install petsc-dev        # PETSc (real, 32-bit indices) with Open MPI, mpicc, mpiexec
//   npm run build:petsc              # in the itersolve package: builds build-petsc/itersolve-petsc
//
//   node examples/petsc.js [N]       # 2D Poisson N×N (default N = 300: 90 000 unknowns)
//
// Several machines: give `hosts` (written to a hostfile for mpiexec) or a `hostfile` of your own,
// and a `workDir` on a filesystem every host mounts at the same path (NFS, Lustre, ...): the
// matrix, the right-hand side and the solution travel through files there, and each rank loads
// only its own block of rows. Every host needs the same PETSc / Open MPI, the itersolve-petsc
// program at the same path (or `program: '/shared/bin/itersolve-petsc'`), and passwordless ssh
// from this machine:
//
//   await petscSolve(A, b, {
//     ranks: 16,
//     hosts: ['node1:8', 'node2:8'],       // 'host' or 'host:slots'
//     workDir: '/shared/scratch',          // seen by node1 and node2 at this same path
//     ksp: 'cg', pc: 'gamg',
//   });
//   // or: { ranks: 16, hostfile: '/shared/hosts.txt', workDir: '/shared/scratch' }
//   //     hosts.txt (Open MPI):  node1 slots=8
//   //                            node2 slots=8
const fs = require('fs');
const os = require('os');
const path = require('path');
const {
  poisson2d,
  choleskySync,
  petscSolve,
  writePetscBinary,
  readPetscBinary,
  ItersolveError,
} = require('itersolve');

async function main() {
  const N = Number(process.argv[2] || 300);
  const A = poisson2d(N); // SPD, n = N², 5-point stencil
  const b = new Float64Array(A.rows).fill(1);

  // 1. PETSc's conjugate gradients with algebraic multigrid (GAMG) on 2 local ranks. rtol applies
  //    to the norm PETSc's CG monitors (the preconditioned residual by default); the extra PETSc
  //    option makes it the true residual ‖b − A x‖, as for itersolve's own solvers.
  let res;
  try {
    res = await petscSolve(A, b, {
      ranks: 2,
      ksp: 'cg',
      pc: 'gamg',
      rtol: 1e-8,
      petscOptions: { ksp_norm_type: 'unpreconditioned' }, // any -option PETSc takes
      timeLimitMs: 120_000, // kills the whole MPI job if it takes longer
    });
  } catch (e) {
    if (e instanceof ItersolveError && e.code === 'ERR_UNAVAILABLE') {
      // mpiexec or the itersolve-petsc program is missing: the message says how to install it
      console.error(`PETSc is not set up here: ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
  const { petsc } = res;
  console.log(
    `petscSolve: ${petsc.ksp}+${petsc.pc} on ${petsc.ranks} ranks: ${petsc.convergedReason} ` +
      `(reason '${res.reason}') after ${res.iterations} iterations, ` +
      `‖b − A x‖ = ${res.residualNorm.toExponential(2)}; ` +
      `load ${petsc.loadMs.toFixed(0)} ms, setup ${petsc.setupMs.toFixed(0)} ms, ` +
      `solve ${petsc.solveMs.toFixed(0)} ms, ${res.elapsedMs.toFixed(0)} ms in all`,
  );

  // The same system solved locally (sparse Cholesky) for comparison.
  const local = choleskySync(A).solve(b);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < local.length; i++) {
    diff = Math.max(diff, Math.abs(res.x[i] - local[i]));
    norm = Math.max(norm, Math.abs(local[i]));
  }
  console.log(`max |x_petsc − x_cholesky| / max |x| = ${(diff / norm).toExponential(2)}`);

  // 2. Interchange: PETSc's binary format (big-endian, 32-bit indices, double values), streamed
  //    from the CSR arrays. Any PETSc program reads these with MatLoad / VecLoad, e.g.
  //      mpiexec -n 4 ./my_petsc_app -f A.bin -rhs b.bin
  //    A file may hold several objects back to back (PETSc's ex10 reads A, then b from one -f0
  //    file): `cat A.bin b.bin > system.bin`. readPetscBinary returns the first object of a file:
  //    a Mat as a CsrMatrix, a Vec as a Float64Array. PETSc's MatView / VecView also write
  //    `<file>.info` (viewer options): reading ignores it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-petsc-example-'));
  try {
    await writePetscBinary(A, path.join(dir, 'A.bin'));
    await writePetscBinary(b, path.join(dir, 'b.bin'));
    await writePetscBinary(res.x, path.join(dir, 'x.bin'));
    const A2 = await readPetscBinary(path.join(dir, 'A.bin'));
    const x2 = await readPetscBinary(path.join(dir, 'x.bin'));
    const same =
      A2.nnz === A.nnz &&
      A2.values.every((v, k) => v === A.values[k]) &&
      x2.every((v, i) => v === res.x[i]);
    console.log(
      `wrote A.bin (${fs.statSync(path.join(dir, 'A.bin')).size} bytes), b.bin, x.bin; ` +
        `read back bit for bit: ${same}`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
