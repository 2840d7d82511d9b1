/**
 * itersolve/queue: itersolve's solvers on worker processes across machines, through a BullMQ
 * queue on Redis. `new SolveQueue({ connection })` and `await q.solve('cg', A, b, options)`
 * resolve with exactly what the local `cg(A, b, options)` resolves with; `startSolveWorker()` (or
 * `itersolve worker --redis URL`) runs the jobs. bullmq is an optional peer dependency, loaded
 * when a SolveQueue or a worker is created (ERR_UNAVAILABLE when it is not installed); requiring
 * 'itersolve' itself never loads it.
 */
export { SolveQueue } from './client';
export type { SolveQueueOptions, SolveJob } from './client';
export { startSolveWorker } from './worker';
export type { SolveWorker, SolveWorkerOptions, SolveWorkerStats } from './worker';
export { QUEUE_METHODS } from './registry';
export type { RedisConnection } from './redis';
/** @internal codec and registry pieces, for tests */
export {
  contentKeys,
  decodeValue,
  encodeValue,
  errorFromWire,
  errorToWire,
  parseErrorWire,
  payloadKeys,
  resultKeys,
  storeBlobs,
} from './codec';
/** @internal */
export type { BlobStore, DecodeCache, Encoded, ErrorWire } from './codec';
/** @internal */
export { dryRun, EXCLUDED, localMethod, methodEntry, REGISTRY } from './registry';
/** @internal */
export { setBullmqLoader } from './redis';
/** @internal */
export type { BullmqModule } from './redis';
/** @internal */
export { LruCache } from './cache';
