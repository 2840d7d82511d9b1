/**
 * PETSc over MPI (issue 13): petscSolve / petscSolveSync run one linear system through PETSc's KSP
 * on `ranks` MPI processes (the itersolve-petsc program, `npm run build:petsc`), and the PETSc
 * binary-format readers and writers they use are exported for interchange with any PETSc program.
 * Nothing here loads PETSc or MPI until petscSolve is called.
 */
export { petscSolve, petscSolveSync } from './solve';
export type { PetscInfo, PetscSolveOptions, PetscSolveResult } from './solve';
export {
  readPetscBinary,
  readPetscBinarySync,
  writePetscBinary,
  writePetscBinarySync,
} from './binary';
export type { ReadPetscBinaryOptions, WritePetscBinaryOptions } from './binary';
