/**
 * itersolve: native sparse linear algebra for Node.js. A C++/SIMD core behind typed facades
 * that read the caller's Float64Array / Int32Array buffers in place.
 */
export { CsrMatrix } from './csr';
export type {
  CsrMatrixOptions,
  CsrCheckOptions,
  IndexSelection,
  SliceSpec,
  CooArrays,
  SparseRow,
} from './csr';
export { CscMatrix } from './csc';
export type { CscMatrixOptions, CscCheckOptions } from './csc';
export { ItersolveError, AbortError, ERROR_CODES } from './errors';
export type { ItersolveErrorCode } from './errors';
export {
  readMatrixMarket,
  readMatrixMarketWithHeader,
  readMatrixMarketAsync,
  writeMatrixMarket,
  matrixMarketString,
} from './matrixmarket';
export type {
  MatrixMarketHeader,
  ReadMatrixMarketOptions,
  WriteMatrixMarketOptions,
} from './matrixmarket';
export { dot, norm2, axpy, axpby } from './vector';
export { simd, simdSupported, setSimd, setThreads, getThreads, info } from './runtime';
export type { SimdPath, RuntimeInfo } from './runtime';
export { powerIteration, powerIterationSync } from './eigen';
export type { PowerIterationOptions, PowerIterationResult, PowerIterationFields } from './eigen';
export { eigsh, eigshSync } from './eigsh';
export type { EigshOptions, EigshResult, EigshFields } from './eigsh';
export {
  cg,
  cgSync,
  bicgstab,
  bicgstabSync,
  gmres,
  gmresSync,
  minres,
  minresSync,
  conjugateDirection,
  conjugateDirectionSync,
  gcrotmk,
  gcrotmkSync,
  solveBy,
  solveSyncBy,
} from './krylov';
export type {
  SolveOptions,
  GmresOptions,
  GcrotmkOptions,
  MinresOptions,
  ConjugateDirectionOptions,
  SolveResult,
  SolveFields,
  SolverMethod,
} from './krylov';
export { Preconditioner } from './preconditioner';
export type {
  PreconditionerKind,
  PreconditionerSpec,
  FactorPreconditioner,
} from './preconditioner';
export {
  cholesky,
  choleskySync,
  lu,
  luSync,
  spsolve,
  spsolveSync,
  CholeskyFactor,
  LuFactor,
} from './direct';
export type {
  CholeskyOptions,
  CholeskyOrdering,
  LuOptions,
  LuOrdering,
  FactorSolveOptions,
  SpsolveOptions,
  SpsolveResult,
} from './direct';
export { aslinearoperator, isLinearOperator } from './operator';
export type { LinearOperatorLike, OperatorInput } from './operator';
export { cgBatch, cgBatchSync } from './batch';
export type { CgBatchOptions, CgBatchResult, CgBatchColumn, CgBatchFields } from './batch';
export {
  jacobi,
  jacobiSync,
  gaussSeidel,
  gaussSeidelSync,
  sor,
  sorSync,
  ssor,
  ssorSync,
} from './stationary';
export type {
  StationaryMethod,
  StationaryOptions,
  JacobiOptions,
  GaussSeidelOptions,
  SorOptions,
  SsorOptions,
  SweepDirection,
  SweepOrdering,
} from './stationary';
export { sketchSolve, sketchSolveSync } from './sketch';
export type { SketchKind, SketchSolveOptions } from './sketch';
export {
  sinkhorn,
  sinkhornSync,
  sinkhornBatch,
  sinkhornBatchSync,
  sinkhornNewton,
  sinkhornNewtonSync,
  emd,
  emdSync,
  wasserstein,
  wassersteinSync,
  costMatrix,
} from './ot';
export type {
  SinkhornMethod,
  Metric,
  CostMatrixInput,
  Potentials,
  SinkhornOptions,
  OtFields,
  SinkhornFields,
  SinkhornResult,
  SinkhornBatchOptions,
  SinkhornBatchPair,
  SinkhornBatchFields,
  SinkhornBatchResult,
  Histograms,
  NewtonCgOptions,
  SinkhornNewtonOptions,
  SinkhornNewtonFields,
  SinkhornNewtonResult,
  EmdOptions,
  EmdFields,
  EmdResult,
  CostMatrixOptions,
  WassersteinOptions,
  WassersteinResult,
} from './ot';
export { lasso, lassoSync, elasticNet, elasticNetSync, lambdaMax, nnls, nnlsSync } from './bcd';
export type {
  LassoOptions,
  ElasticNetOptions,
  LassoResult,
  LambdaMaxOptions,
  NnlsOptions,
  NnlsResult,
} from './bcd';
export { logisticL1, logisticL1Sync } from './logistic';
export type { LogisticL1Options, LogisticL1Result } from './logistic';
export { proxBcd, proxBcdSync } from './prox-bcd';
export type {
  ProxBcdOptions,
  ProxBcdResult,
  SmoothSpec,
  BlockProxSpec,
  VarianceSpec,
  BlockGradient,
} from './prox-bcd';
export type { Design } from './design';
export { groupLasso, groupLassoSync } from './group-lasso';
export type { GroupLassoOptions, GroupLassoResult, GroupSpec, IntegerList } from './group-lasso';
export { lassoPath, lassoPathSync, elasticNetPath, elasticNetPathSync } from './path';
export type { LassoPathOptions, ElasticNetPathOptions, LassoPathResult } from './path';
export { trainMlpBcd, trainMlpBcdSync } from './mlp';
export type {
  TrainMlpOptions,
  TrainMlpAsyncOptions,
  MlpProgress,
  MlpLayer,
  MlpResult,
} from './mlp';
export type { DenseMatrix } from './dense';
export { convectionDiffusion, poisson2d, poisson3d, rng } from './problems';
export { RelaxationTuner } from './relax/tuner';
export type {
  RelaxationMethod,
  RelaxationContext,
  RelaxationBinsContext,
  RelaxationChebyshevContext,
  RelaxationTunerOptions,
  RelaxationSolveOptions,
  RelaxationSolveResult,
  RelaxationTunerJSON,
} from './relax/tuner';
export { optimalSorOmega, jacobiSpectralRadius } from './relax/omega';
export type { OptimalSorOmegaOptions, JacobiSpectralRadius } from './relax/omega';
export { relaxSyntheticTask } from './relax/problems';
export type { RelaxInstance, RelaxSyntheticTaskOptions } from './relax/problems';
export type { AsyncOptions, Progress } from './async';
export type {
  IterativeResult,
  IterativeFields,
  Outcome,
  StopReason,
  ConvergedReason,
  NotConvergedReason,
} from './result';
export {
  petscSolve,
  petscSolveSync,
  readPetscBinary,
  readPetscBinarySync,
  writePetscBinary,
  writePetscBinarySync,
} from './petsc';
export type {
  PetscInfo,
  PetscSolveOptions,
  PetscSolveResult,
  ReadPetscBinaryOptions,
  WritePetscBinaryOptions,
} from './petsc';
export { REASONS, METHODS, SINKHORN_METHODS, METRICS } from './layout';
