#!/usr/bin/env node
/**
 * The `itersolve` command: `info`, `spmv A.mtx`, `solve A.mtx [b.mtx]`, `ot a.csv b.csv C.csv`,
 * `lasso data.csv --target y`, `demo`, `relax-demo` and `worker --redis URL` (itersolve/queue),
 * one file per command beside this one; args.ts parses, format.ts formats, common.ts holds what
 * several commands share. main() takes the arguments (without `node` and the script) and the
 * streams to write to, and resolves to the exit code, so tests run it in-process.
 *
 * Exit codes (EXIT in common.ts): 0 ok, 1 a library or system error (printed as
 * `itersolve: <message>`) or a failed self-check, 2 a usage error, 3 a solve that stopped without
 * converging (after its summary), 4 a solve whose --plot or --out could not be written (after its
 * summary), 130 interrupted. With --json an error is also a JSON document on stdout:
 * `{ "error": { "code", "message", "argument"? } }` (a solve's summary carries it as its `error`).
 */
import { info, ItersolveError } from '../index';
import { parseArgs, UsageError, wantsJson } from './args';
import { errorJson, EXIT } from './common';
import type { CliIO, CommandIO } from './common';
import { cgIterationBytes, cmdDemo, DEMO_USAGE } from './demo';
import * as fmt from './format';
import { writeJson } from './format';
import { cmdInfo, INFO_USAGE } from './info';
import { cmdLasso, LASSO_USAGE } from './lasso';
import { cmdOt, OT_USAGE } from './ot';
import { cmdRelaxDemo, RELAX_DEMO_USAGE } from './relax-demo';
import { solveFlagsUsage, SOLVE_USAGE, cmdSolve } from './solve';
import { cmdSpmv, spmvBytes, SPMV_USAGE } from './spmv';
import { cmdWorker, WORKER_USAGE } from './worker';

export type { CliIO } from './common';
export type { CliStream } from './format';
export { EXIT } from './common';
export { cgIterationBytes, spmvBytes };

/** @internal the formatters, for tests */
export const format = {
  sig: fmt.sig,
  fmtTime: fmt.fmtTime,
  fmtBytes: fmt.fmtBytes,
  fmtInt: fmt.fmtInt,
  fmtSci: fmt.fmtSci,
};

export const USAGE = `Usage: itersolve <command> [options]

Commands:
${INFO_USAGE}
${SPMV_USAGE}
${SOLVE_USAGE}
${OT_USAGE}
${LASSO_USAGE}
${DEMO_USAGE}
${RELAX_DEMO_USAGE}
${WORKER_USAGE}
  help                       this text

Options:
  --threads N   threads one kernel may use (1-256; default: logical CPUs, or ITERSOLVE_THREADS)
  --repeat K    timed SpMVs (default: enough for about 0.5 s, at least 5)
  --json        machine-readable output on stdout; errors too: {"error": {"code", "message"}}
  -h, --help    this text
  --version     the version

${solveFlagsUsage()}

Exit codes:
  0    ok (solve: converged)
  1    error (library or system; one line on stderr) or a failed self-check (demo)
  2    usage error
  3    solve stopped without converging (summary printed)
  4    solve finished (summary printed) but --plot or --out could not be written (ERR_IO)
  130  interrupted (Ctrl-C; a solve in progress stops and prints its partial result with
       reason 'aborted')
  A path given to --plot or --out is checked before the solve: a missing folder fails at once
  (exit 1, ERR_IO naming the flag) instead of after the work.

SpMV traffic is counted as 12 B per nonzero + 4 B per row pointer + 16 B per row (x and y);
GB/s = that / best time (1 GB = 1e9 B).
`;

/** Prints `e` as the one error line (and, with --json, as a JSON document) and returns the exit code. */
function reportError(e: unknown, json: boolean, io: CliIO): number {
  let code: string;
  let message: string;
  let status: number = EXIT.failure;
  const errCode = (e as { code?: unknown } | null)?.code;
  if (e instanceof UsageError) {
    code = 'ERR_USAGE';
    message = e.message;
    status = EXIT.usage;
    io.stderr.write(`itersolve: ${message}\nRun 'itersolve --help' for usage.\n`);
  } else if (e instanceof ItersolveError || (e instanceof Error && typeof errCode === 'string')) {
    code = errCode as string;
    message = e.message.replace(/^itersolve: /, '');
    if (code === 'ABORT_ERR') {
      message = 'interrupted';
      status = EXIT.interrupted;
    }
    io.stderr.write(`itersolve: ${message}\n`);
  } else {
    // A bug, not a user error: keep the stack.
    code = 'ERR_INTERNAL';
    message = e instanceof Error ? e.message : String(e);
    io.stderr.write(`itersolve: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
  }
  if (json) {
    try {
      writeJson(io.stdout, {
        error: errorJson({
          code,
          message,
          argument: (e as { argument?: unknown } | null)?.argument,
        }),
      });
    } catch {
      // stdout itself is what failed (EPIPE): the stderr line is all there is.
    }
  }
  return status;
}

/** Runs the command line `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[], io?: Partial<CliIO>): Promise<number> {
  const stdout = io?.stdout ?? process.stdout;
  const stderr = io?.stderr ?? process.stderr;
  const tty = io?.isTTY ?? (io?.stderr === undefined && process.stderr.isTTY === true);
  const full: CommandIO = { stdout, stderr, isTTY: tty, signal: io?.signal };
  const end = argv.indexOf('--');
  const opts = end >= 0 ? argv.slice(0, end) : argv;
  try {
    if (opts.includes('--help') || opts.includes('-h')) {
      stdout.write(USAGE);
      return EXIT.ok;
    }
    const [cmd, ...rest] = argv;
    switch (cmd) {
      case undefined:
        stderr.write(USAGE);
        return EXIT.usage;
      case 'help':
        stdout.write(USAGE);
        return EXIT.ok;
      case '--version':
        parseArgs('--version', rest, {}, 0);
        stdout.write(`${info().version}\n`);
        return EXIT.ok;
      case 'info':
        return cmdInfo(rest, full);
      case 'spmv':
        return await cmdSpmv(rest, full);
      case 'solve':
        return await cmdSolve(rest, full);
      case 'ot':
        return await cmdOt(rest, full);
      case 'lasso':
        return await cmdLasso(rest, full);
      case 'demo':
        return await cmdDemo(rest, full);
      case 'relax-demo':
        return await cmdRelaxDemo(rest, full);
      case 'worker':
        return await cmdWorker(rest, full);
      default:
        throw new UsageError(
          cmd.startsWith('-') ? `unknown option '${cmd}'` : `unknown command '${cmd}'`,
        );
    }
  } catch (e) {
    return reportError(e, wantsJson(argv), full);
  }
}

/* c8 ignore start */
if (require.main === module) {
  const ac = new AbortController();
  process.on('SIGINT', () => {
    if (ac.signal.aborted) process.exit(EXIT.interrupted); // second Ctrl-C: leave now
    ac.abort();
  });
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); // `itersolve … | head`
    throw e;
  });
  main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: process.stderr.isTTY === true,
    signal: ac.signal,
  }).then((code) => {
    process.exitCode = code;
  });
}
/* c8 ignore stop */
