/**
 * `itersolve worker --redis URL [--queue NAME] [--concurrency N] [--prefix P] [--cache-mb M]`: runs
 * the jobs of an itersolve/queue SolveQueue (startSolveWorker) until SIGTERM or Ctrl-C, then lets
 * the running jobs finish and exits 0. Prints one line when it is taking jobs. Loads
 * itersolve/queue (and so bullmq) only when run.
 */
import { flag, numFlag, parseArgs, strFlag, THREADS, UsageError } from './args';
import { EXIT, withThreads } from './common';
import type { CommandIO } from './common';

export const WORKER_USAGE = `  worker --redis URL [--queue NAME] [--concurrency N] [--prefix P] [--cache-mb M]
         [--lock-ms MS] [--stalled-ms MS]
                             run the jobs of an itersolve/queue SolveQueue (needs bullmq) until
                             SIGTERM or Ctrl-C, which let running jobs finish; a killed worker's
                             jobs go back to the queue after --lock-ms (default 30000)`;

const FLAGS = {
  '--redis': { kind: 'path' },
  '--queue': { kind: 'path' },
  '--prefix': { kind: 'path' },
  '--concurrency': { kind: 'int', min: 1, max: 1024 },
  '--cache-mb': { kind: 'number', min: 0 },
  '--lock-ms': { kind: 'int', min: 1000, max: 2147483647 },
  '--stalled-ms': { kind: 'int', min: 1000, max: 2147483647 },
  '--threads': THREADS,
} as const;

/** The URL without its password, for printing. */
function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

export async function cmdWorker(
  args: string[],
  io: Pick<CommandIO, 'stdout' | 'stderr' | 'signal'>,
): Promise<number> {
  const p = parseArgs('worker', args, FLAGS, 0);
  const redis = strFlag(p, '--redis');
  if (redis === undefined)
    throw new UsageError("worker: option '--redis' is required (a redis:// URL)");
  const queueName = strFlag(p, '--queue') ?? 'itersolve';
  const prefix = strFlag(p, '--prefix');
  const concurrency = numFlag(p, '--concurrency') ?? 1;
  const cacheMb = numFlag(p, '--cache-mb');
  const threads = flag(p, '--threads') as number | undefined;
  const lockMs = numFlag(p, '--lock-ms');
  const stalledMs = numFlag(p, '--stalled-ms');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startSolveWorker } = require('../queue/index') as typeof import('../queue/index');
  return withThreads(threads, async () => {
    const worker = await startSolveWorker({
      connection: redis,
      queueName,
      ...(prefix !== undefined ? { prefix } : {}),
      concurrency,
      ...(cacheMb !== undefined ? { cacheBytes: Math.round(cacheMb * 1024 * 1024) } : {}),
      ...(lockMs !== undefined ? { lockDurationMs: lockMs } : {}),
      ...(stalledMs !== undefined ? { stalledIntervalMs: stalledMs } : {}),
    });
    io.stdout.write(
      `itersolve worker: queue ${queueName} on ${redacted(redis)}, concurrency ${worker.concurrency}` +
        (worker.concurrency < concurrency
          ? ` (asked ${concurrency}; the compute pool has ${worker.concurrency} threads)`
          : '') +
        '\n',
    );
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.removeListener('SIGTERM', stop);
        io.signal?.removeEventListener('abort', stop);
        resolve();
      };
      process.once('SIGTERM', stop);
      if (io.signal?.aborted) stop();
      else io.signal?.addEventListener('abort', stop, { once: true });
    });
    io.stderr.write('itersolve worker: stopping (running jobs finish first)\n');
    await worker.close();
    const s = worker.stats();
    io.stdout.write(
      `itersolve worker: stopped; ${s.completed} jobs completed, ${s.failed} failed\n`,
    );
    return EXIT.ok;
  });
}
